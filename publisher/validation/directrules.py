"""The other per-report SPARQL constraints evaluated directly: restatements, upper bounds, measures, counts, sections.

directsparql.py evaluates the costliest constraints of shapes/*.ttl over a report's terms
(`coreshapes.Data`); this module does the same, in the same way, for the rest of those a
report is checked with on its own (the rules across years excepted, evaluated set-based
over many reports by the build): shape:RestatementRuleHolds, shape:RestatementRuleOfBlank,
shape:RestatementRuleOfGroup, shape:UpperBoundRuleHolds, shape:ObservationMeasure, the two
constraints written in shape:ObservationCount (a figure without count or amount; a negative
count in a column not declared signed), shape:BlankCellNoValue and shape:SectionKind. With
them every constraint of a report is evaluated directly, and the checker makes no store
for it (checker.py makes one only when a constraint is left to Oxigraph).

Each evaluator follows its query as SPARQL evaluates it (the solutions, their multiplicity
where a SUM counts it, the GROUP BY and HAVING, the variables projected), as Oxigraph's
terms: a number Oxigraph gives back in its canonical form ("3.0"^^xsd:decimal as "3"),
compared by value (an xsd:integer with an xsd:decimal). Each gives up (the query runs on
Oxigraph for that report) on what it does not follow exactly: a number of another datatype
or beyond Oxigraph's range, a literal where the query compares or projects one it does not
read, a blank node projected, a rule of two restatement-rule types, a path reaching a
measure twice. `REGISTRATIONS` holds these with those of directsparql.py, each with the
digest of its query: the constraints written in a shape (blank nodes) are registered by
their shape's local name, their digests telling them apart.

tests/test_direct_sparql.py holds the findings of each equal to Oxigraph's on every
graph the tests build.
"""

from __future__ import annotations

import re
import weakref
from collections.abc import Iterable
from decimal import Context, Decimal
from functools import lru_cache

import pyoxigraph as ox
from rdflib import Literal

from publisher.rdf.namespaces import DCTERMS, QB, RDFS, SKOS, XSD
from publisher.rdf.ntterms import iri_term, rdf_term
from publisher.validation import directsparql
from publisher.validation.coreshapes import TYPE, Index, reachable
from publisher.validation.directsparql import (
    Registration,
    Row,
    View,
    _cell_labels,
    _datasets,
    _GiveUp,
    _iri,
    _Terms,
)
from publisher.validation.shapes import SparqlConstraint

_XSD = str(XSD)
#: The numeric datatypes (SPARQL's isNumeric): of these, only xsd:integer and xsd:decimal are read here.
_NUMERIC = frozenset(
    f"<{_XSD}{name}>"
    for name in (
        *("integer", "decimal", "float", "double", "long", "int", "short", "byte"),
        *("nonPositiveInteger", "negativeInteger", "nonNegativeInteger", "positiveInteger"),
        *("unsignedLong", "unsignedInt", "unsignedShort", "unsignedByte"),
    )
)
_INTEGER_TYPE, _DECIMAL_TYPE = f"<{_XSD}integer>", f"<{_XSD}decimal>"
_BOOLEAN_TYPE, _STRING_TYPE = f"<{_XSD}boolean>", f"<{_XSD}string>"
_INTEGER = re.compile(r"[+-]?[0-9]{1,18}")
_DECIMAL = re.compile(r"[+-]?[0-9]{1,18}(\.[0-9]{1,18})?")
#: Enough digits for any sum of the numbers read here to be exact (Decimal's default context keeps 28).
_EXACT = Context(prec=100)
_OX_DECIMAL = ox.NamedNode(f"{_XSD}decimal")
_OX_INTEGER = ox.NamedNode(f"{_XSD}integer")

#: A number as the queries compare and add it: its value, and whether it is an xsd:integer.
Number = tuple[Decimal, bool]


class _Names:
    """The IRIs these queries name (beyond directsparql's), as N-Triples terms."""

    def __init__(self, t: _Terms) -> None:
        def dis(name: str) -> str:
            return iri_term(str(t.iris.term(name)))

        self.amount, self.quantity, self.measured_by = dis("amount"), dis("quantity"), dis("measuredBy")
        self.signed, self.sections, self.prose, self.section_of = (
            dis("signed"),
            dis("sections"),
            dis("prose"),
            dis("sectionOf"),
        )
        self.fact_value, self.qualifier, self.bound, self.bounded = (
            dis("value"),
            dis("qualifier"),
            dis("bound"),
            dis("bounded"),
        )
        self.narrative_fact, self.restatement_rule = dis("NarrativeFact"), dis("RestatementRule")
        self.measure, self.dct_type = iri_term(str(QB.measure)), iri_term(str(DCTERMS.type))
        self.sub_property_of, self.notation = iri_term(str(RDFS.subPropertyOf)), iri_term(str(SKOS.notation))
        self.more_than = frozenset({'"more-than"', f'"more-than"^^{_STRING_TYPE}'})


_NAMES: weakref.WeakKeyDictionary[_Terms, _Names] = weakref.WeakKeyDictionary()


def _names(view: View) -> _Names:
    found = _NAMES.get(view.t)
    if found is None:
        found = _NAMES[view.t] = _Names(view.t)
    return found


#: Each Index's predicates by subject (an Index is read-only once made).
_PREDICATES: weakref.WeakKeyDictionary[Index, dict[str, set[str]]] = weakref.WeakKeyDictionary()
#: Each View's `_up` closures and `_measures` (a View is one report's, read-only).
_MEMO: weakref.WeakKeyDictionary[View, dict[tuple[str, ...], frozenset[str]]] = weakref.WeakKeyDictionary()


def _memo(view: View) -> dict[tuple[str, ...], frozenset[str]]:
    found = _MEMO.get(view)
    if found is None:
        found = _MEMO[view] = {}
    return found


def _measures(view: View, structure: str) -> frozenset[str]:
    """?structure qb:component/qb:measure ?measure."""
    memo, key = _memo(view), ("measures", structure)
    found = memo.get(key)
    if found is None:
        t = view.t
        found = memo[key] = frozenset(
            m for c in view.out(structure, t.component) for m in view.out(c, _names(view).measure)
        )
    return found


def _predicates(view: View, subject: str) -> set[str]:
    """Every predicate of the subject: $this ?p ?o."""
    found: set[str] = set()
    for index in view.data.indexes:
        by_subject = _PREDICATES.get(index)
        if by_subject is None:
            by_subject = {}
            for s, p in index.forward:
                by_subject.setdefault(s, set()).add(p)
            _PREDICATES[index] = by_subject
        found.update(by_subject.get(subject, ()))
    return found


def _up(view: View, node: str, predicate: str) -> frozenset[str]:
    """The nodes `node` reaches by one or more `predicate` steps (predicate+)."""
    cache, key = _memo(view), ("up", node, predicate)
    known = cache.get(key)
    if known is not None:
        return known
    cache[key] = frozenset(reachable(node, lambda at: view.out(at, predicate)))
    return cache[key]


def _down(view: View, node: str, predicate: str) -> set[str]:
    """The nodes reaching `node` by one or more `predicate` steps (predicate one of `_Terms.backward`)."""
    return reachable(node, lambda at: view.inv(predicate, at))


def _split(term: str) -> tuple[str, str]:
    """A literal's lexical form (escaped as written) and what follows it ("@lang", "^^<datatype>" or "")."""
    end = term.rindex('"')
    return term[1:end], term[end + 1 :]


@lru_cache(maxsize=1 << 16)
def _number(term: str) -> Number | None:
    """The value of an xsd:integer or xsd:decimal Oxigraph holds as one; None for a term of no numeric datatype.

    Gives up on a literal of another numeric datatype, or one whose lexical form it does not read exactly.
    """
    if not term.startswith('"'):
        return None
    lexical, rest = _split(term)
    if not rest.startswith("^^") or rest[2:] not in _NUMERIC:
        return None
    if rest[2:] == _INTEGER_TYPE and _INTEGER.fullmatch(lexical):
        return Decimal(lexical), True
    if rest[2:] == _DECIMAL_TYPE and _DECIMAL.fullmatch(lexical):
        return Decimal(lexical), False
    raise _GiveUp


def _numeric(term: str) -> Number:
    """A number the query compares or adds: its value; gives up on anything else."""
    found = _number(term)
    if found is None:
        raise _GiveUp
    return found


def _canonical(value: Decimal, integer: bool) -> ox.Literal:
    """A number as Oxigraph gives it back: its canonical lexical form."""
    if integer:
        return ox.Literal(str(int(value)), datatype=_OX_INTEGER)
    text = "0" if value == 0 else format(value.normalize(_EXACT), "f")
    return ox.Literal(text, datatype=_OX_DECIMAL)


def _out(term: str) -> ox.NamedNode | ox.Literal:
    """A term projected, as Oxigraph's: an IRI, a number in canonical form, a string; gives up on anything else."""
    if term.startswith("<"):
        return _iri(term)
    if not term.startswith('"'):
        raise _GiveUp  # a blank node: its label is Oxigraph's own
    number = _number(term)
    if number is not None:
        return _canonical(*number)
    _lexical, rest = _split(term)
    value = rdf_term(term)
    assert isinstance(value, Literal)
    if rest.startswith("@"):
        if rest != rest.lower():
            raise _GiveUp
        return ox.Literal(str(value), language=rest[1:])
    if rest in ("", f"^^{_STRING_TYPE}"):
        return ox.Literal(str(value))
    raise _GiveUp


def _true(values: Iterable[str]) -> bool:
    """Whether `true` is one of the values (a pattern's `true`); gives up on a boolean not in canonical form."""
    found = False
    for value in values:
        if value.startswith('"') and value.endswith(f"^^{_BOOLEAN_TYPE}"):
            lexical, _rest = _split(value)
            if lexical == "true":
                found = True
            elif lexical != "false":
                raise _GiveUp
    return found


def _differ(a: str, b: str) -> bool:
    """FILTER (?a != ?b) on two numbers (true only when it holds; gives up on anything but numbers)."""
    return _numeric(a)[0] != _numeric(b)[0]


def _same(a: str, b: str) -> bool:
    """FILTER (?a = ?b): true when it holds, false when it does not or is an error; gives up where unsure."""
    na, nb = _number(a), _number(b)
    if na is not None and nb is not None:
        return na[0] == nb[0]
    if not a.startswith('"') or not b.startswith('"'):
        return a == b  # an IRI or blank node: equal only to the same term
    rests = [_split(term)[1] for term in (a, b)]
    if na is None and nb is None and all(r == "" or (r.startswith("@") and r == r.lower()) for r in rests):
        return a == b  # two strings, or language strings
    raise _GiveUp


def _row(names: list[str], **bound: object) -> Row:
    return bound["this"], bound, names


def _focus(view: View, constraint: SparqlConstraint) -> list[str]:
    found = view.focus_nodes(constraint)
    if found is None:
        raise _GiveUp
    return found


# ---------------------------------------------------------------------------
# Figures, blank cells and sections (shapes/structure.ttl)
# ---------------------------------------------------------------------------


def blank_cell_no_value(view: View, constraint: SparqlConstraint) -> list[Row] | None:
    """shape:BlankCellNoValue: a count, amount, quantity or data set of a blank cell."""
    t, n = view.t, _names(view)
    names = ["this", "value"]
    rows: list[Row] = []
    for this in _focus(view, constraint):
        for predicate in (t.count, n.amount, n.quantity, t.data_set):
            for value in sorted(view.out(this, predicate)):
                rows.append(_row(names, this=_iri(this), value=_out(value)))
    return rows


def observation_count_missing(view: View, constraint: SparqlConstraint) -> list[Row] | None:
    """shape:ObservationCount (first): a figure with neither a count nor an amount."""
    t, n = view.t, _names(view)
    return [
        _row(["this"], this=_iri(this))
        for this in _focus(view, constraint)
        if not view.out(this, t.count) and not view.out(this, n.amount)
    ]


def observation_count_negative(view: View, constraint: SparqlConstraint) -> list[Row] | None:
    """shape:ObservationCount (second): a negative count, none of the figure's codes declared signed."""
    t, n = view.t, _names(view)
    names = ["this", "value"]
    rows: list[Row] = []
    for this in _focus(view, constraint):
        negative = []
        for value in sorted(view.out(this, t.count)):
            number = _number(value)  # isNumeric(?value) && ?value < 0
            if number is not None and number[0] < 0:
                negative.append(value)
        if not negative or any(
            _true(view.out(code, n.signed)) for p in _predicates(view, this) for code in view.out(this, p)
        ):
            continue
        rows += [_row(names, this=_iri(this), value=_out(value)) for value in negative]
    return rows


def section_kind(view: View, constraint: SparqlConstraint) -> list[Row] | None:
    """shape:SectionKind: a section whose kind is none of the prose sections of its report's format."""
    n = _names(view)
    rows: list[Row] = []
    for this in _focus(view, constraint):
        formats = {f for report in view.out(this, n.section_of) for f in view.out(report, view.t.conforms_to)}
        for fmt in sorted(formats):
            schemes = view.out(fmt, n.sections)
            if not any(
                view.out(kind, view.t.in_scheme) & schemes and _true(view.out(kind, n.prose))
                for kind in view.out(this, n.dct_type)
            ):
                rows.append(_row(["this"], this=_iri(this)))
    return rows


def observation_measure(view: View, constraint: SparqlConstraint) -> list[Row] | None:
    """shape:ObservationMeasure: the measure a figure's cell states its number with, missing or contradicted."""
    t, n = view.t, _names(view)
    rows: list[Row] = []
    for this in _focus(view, constraint):
        structures = {s for d in view.out(this, t.data_set) for s in view.out(d, t.structure)}
        if not structures:
            continue
        found: set[str] = set()
        predicates = _predicates(view, this)
        for structure in structures:
            coded = [(d, c) for d in view.dims(structure) for c in view.out(this, d)]
            measured = [m for _d, c in coded for m in view.out(c, n.measured_by)]
            # the measure the cell's column declares is missing
            found.update(m for m in measured if not view.out(this, m))
            # an amount in a cell of counts
            if view.out(this, n.amount) and n.amount not in measured:
                found.add(t.count)
            # a count in a cell of amounts
            if view.out(this, t.count):
                found.update(m for m in measured if m != t.count)
            # a measure of the structure above the cell's own measure: missing, or another number
            measures = _measures(view, structure)
            for own in predicates:
                for measure in measures & _up(view, own, n.sub_property_of):
                    for number in view.out(this, own):
                        if not any(_same(same, number) for same in view.out(this, measure)):
                            found.add(measure)
        for measure in sorted(found):
            if not measure.startswith("<"):
                raise _GiveUp  # a literal compared with dis:count, or a blank node projected
            rows.append(_row(["this", "measure"], this=_iri(this), measure=_iri(measure)))
    return rows


# ---------------------------------------------------------------------------
# Rules (shapes/arithmetic.ttl)
# ---------------------------------------------------------------------------


_GYEAR = re.compile(r'"[1-9][0-9]{3}"\^\^<' + re.escape(_XSD) + "gYear>")


def _iris(*terms: str) -> None:
    """Codes compared as terms: those Oxigraph holds as written (IRIs, strings, a year as dis:reportYear has it,
    an integer in canonical form); gives up on another literal, which Oxigraph may hold in another form."""
    for term in terms:
        if term.startswith(("<", "_:")) or _GYEAR.fullmatch(term) or directsparql._INTEGER.fullmatch(term):
            continue
        rest = _split(term)[1]
        if rest == "" or (rest.startswith("@") and rest == rest.lower()):
            continue
        raise _GiveUp


def _only_iri(term: str) -> None:
    """A node projected: an IRI (a blank node's label is Oxigraph's own)."""
    if not term.startswith("<"):
        raise _GiveUp


def upper_bound_rule_holds(view: View, constraint: SparqlConstraint) -> list[Row] | None:
    """shape:UpperBoundRuleHolds: a figure greater than its bound, the bound agreeing with it in every other
    dimension."""
    t, n = view.t, _names(view)
    names = ["this", "value", "count", "limit"]
    rows: list[Row] = []
    for rule in _focus(view, constraint):
        bounds, boundeds = sorted(view.out(rule, n.bound)), sorted(view.out(rule, n.bounded))
        if not bounds or not boundeds:
            continue
        for _format, dataset, structure, along in _datasets(view, rule):
            others = view.dims(structure) - {along}
            for bounded in boundeds:
                for value in sorted(view.by_code(t.data_set, dataset, along).get(bounded, [])):
                    counts = sorted(view.out(value, t.count))
                    if not counts:
                        continue
                    codes = view.codes(value, others)
                    _iris(*(c for _d, c in codes))
                    for bound_code in bounds:
                        for node in view.agreeing(t.data_set, dataset, along, bound_code, codes):
                            for limit in sorted(view.out(node, t.count)):
                                for count in counts:
                                    if _numeric(count)[0] > _numeric(limit)[0]:
                                        _only_iri(value)
                                        rows.append(
                                            _row(
                                                names,
                                                this=_iri(rule),
                                                value=_iri(value),
                                                count=_out(count),
                                                limit=_out(limit),
                                            )
                                        )
    return rows


def _facts(view: View, report: str) -> list[str]:
    """?value a dis:NarrativeFact ; dis:factOf ?report."""
    n = _names(view)
    return sorted(f for f in view.inv(view.t.fact_of, report) if n.narrative_fact in view.out(f, TYPE))


def _more_than(view: View, fact: str) -> bool:
    """?value dis:qualifier/skos:notation "more-than"."""
    n = _names(view)
    return any(view.out(q, n.notation) & n.more_than for q in view.out(fact, n.qualifier))


def restatement_rule_holds(view: View, constraint: SparqlConstraint) -> list[Row] | None:
    """shape:RestatementRuleHolds: a number the narrative restates that differs from the figure it restates."""
    t, n = view.t, _names(view)
    names = ["this", "value", "restated", "stated"]
    rows: list[Row] = []
    for rule in _focus(view, constraint):
        found: set[tuple[str, str, str]] = set()
        for fmt in sorted(view.inv(t.rule, rule)):
            for report in sorted(view.inv(t.conforms_to, fmt)):
                for structure in sorted(view.out(report, t.structure)):
                    dims = view.dims(structure)
                    measures = {m for c in view.out(structure, t.component) for m in view.out(c, n.measure)}
                    for fact in _facts(view, report):
                        codes = [(d, c) for d in sorted(dims) for c in view.out(fact, d)]
                        _iris(*(c for _d, c in codes))
                        cells = {cell for d, c in codes for cell in view.by_code(t.data_set, report, d).get(c, [])}
                        restated = view.out(fact, n.fact_value)
                        if not cells or not restated or _more_than(view, fact):
                            continue
                        for cell in sorted(cells):
                            if any(c not in view.out(cell, d) for d, c in codes):
                                continue
                            for measure in measures:
                                for stated in view.out(cell, measure):
                                    for value in restated:
                                        if _differ(stated, value):
                                            found.add((fact, value, stated))
        for fact, value, stated in sorted(found):
            _only_iri(fact)
            rows.append(_row(names, this=_iri(rule), value=_iri(fact), restated=_out(value), stated=_out(stated)))
    return rows


#: A restated number's group (RestatementRuleOf…'s subquery): its numbers ?n (None when unbound), its cells.
Group = tuple[list[str | None], set[str]]


def _restated_groups(view: View, rule: str) -> dict[tuple[str, str, str], tuple[str, Group]]:
    """The groups of the subquery of shape:RestatementRuleOfBlank and …OfGroup, by ($this) ?structure ?value
    ?restated (the restated number as Oxigraph's term), each with the restated number as written."""
    t, n = view.t, _names(view)
    kinds = [c for c in view.out(rule, TYPE) if c in view.data.subclasses(n.restatement_rule)]
    if len(kinds) > 1:
        raise _GiveUp  # each a solution of $this a/rdfs:subClassOf* dis:RestatementRule: the SUM would count twice
    groups: dict[tuple[str, str, str], tuple[str, Group]] = {}
    if not kinds:
        return groups
    for fmt in sorted(view.inv(t.rule, rule)):
        totals = {total for r in view.out(fmt, t.rule) for total in view.out(r, t.total)}
        for report in sorted(view.inv(t.conforms_to, fmt)):
            for structure in sorted(view.out(report, t.structure)):
                dims = view.dims(structure)
                measures = [m for c in view.out(structure, t.component) for m in view.out(c, n.measure)]
                if len(set(measures)) < len(measures):
                    raise _GiveUp  # a measure reached by two components: each a solution of the path
                for fact in _facts(view, report):
                    restated = sorted(view.out(fact, n.fact_value))
                    if not restated or _more_than(view, fact):
                        continue
                    shared = [(d, c) for d in sorted(dims) for c in view.out(fact, d)]
                    _iris(*(c for _d, c in shared))
                    candidates: set[str] = set()
                    for d, c in shared:
                        for link in (t.data_set, t.cell_of):
                            holders = view.by_code(link, report, d)
                            for code in (c, *_down(view, c, t.broader)):
                                candidates.update(holders.get(code, ()))
                    cells = [cell for cell in sorted(candidates) if _restates(view, cell, shared, totals)]
                    if not cells:
                        continue
                    numbers: list[str | None] = []
                    for cell in cells:
                        stated = report in view.out(cell, t.data_set)
                        for measure in measures:
                            found = sorted(view.out(cell, measure)) if stated else []
                            numbers += found or [None]
                    for value in restated:
                        key = (structure, fact, str(_out(value)))
                        _written, (group_numbers, group_cells) = groups.setdefault(key, (value, ([], set())))
                        group_numbers += numbers
                        group_cells.update(cells)
    return groups


def _restates(view: View, cell: str, shared: list[tuple[str, str]], totals: set[str]) -> bool:
    """In each dimension where the fact has a code, the cell has it or a code under it (a total of the format's
    rules not counted)."""
    broader = view.t.broader
    for d, code in shared:
        own = view.out(cell, d)
        if code in own:
            continue
        if not any(part not in totals and code in _up(view, part, broader) for part in own):
            return False
    return True


def _labelled(view: View, rule: str, structure: str, fact: str, names: list[str], **bound: object) -> list[Row]:
    """The rows of a finding about a restated number: the rule's labels and the cell's, for its messages."""
    rule_labels = view.labels(rule, view.t.label)
    if rule_labels is None:
        raise _GiveUp
    rows = []
    for cell_zh, cell_en in _cell_labels(view, structure, fact):
        for rule_zh, rule_en in rule_labels:
            rows.append(
                _row(
                    names,
                    **bound,
                    rule_zh=ox.Literal(rule_zh, language="zh"),
                    rule_en=ox.Literal(rule_en, language="en"),
                    cell_zh=ox.Literal(cell_zh),
                    cell_en=ox.Literal(cell_en),
                )
            )
    return rows


def restatement_rule_of_blank(view: View, constraint: SparqlConstraint) -> list[Row] | None:
    """shape:RestatementRuleOfBlank: a number the narrative restates where the table leaves the cell blank."""
    names = ["this", "value", "restated", "rule_zh", "rule_en", "cell_zh", "cell_en"]
    rows: list[Row] = []
    for rule in _focus(view, constraint):
        blank_as_zero: bool | None = None
        for (structure, fact, _key), (restated, (numbers, cells)) in sorted(_restated_groups(view, rule).items()):
            if any(number is not None for number in numbers) or not cells:
                continue
            if not _differ(restated, '"0"^^' + _INTEGER_TYPE):
                if blank_as_zero is None:
                    blank_as_zero = _true(view.out(rule, view.t.blank_as_zero))
                if blank_as_zero:
                    continue
            _only_iri(fact)
            rows += _labelled(
                view, rule, structure, fact, names, this=_iri(rule), value=_iri(fact), restated=_out(restated)
            )
    return rows


def restatement_rule_of_group(view: View, constraint: SparqlConstraint) -> list[Row] | None:
    """shape:RestatementRuleOfGroup: a group total the narrative restates, not the sum of the parts stated."""
    t = view.t
    names = ["this", "value", "restated", "sum", "rule_zh", "rule_en", "cell_zh", "cell_en"]
    rows: list[Row] = []
    for rule in _focus(view, constraint):
        for (structure, fact, _key), (restated, (numbers, _cells)) in sorted(_restated_groups(view, rule).items()):
            stated = [_numeric(number) for number in numbers if number is not None]
            if not stated:
                continue
            total = Decimal(0)
            for value, _integer in stated:
                total = _EXACT.add(total, value)
            if total == _numeric(restated)[0]:
                continue
            dims = view.dims(structure)
            if not any(view.inv(t.broader, c) for d in dims for c in view.out(fact, d)):
                continue  # not a group: none of its codes has parts
            _only_iri(fact)
            whole = all(integer for _, integer in stated)
            rows += _labelled(
                view,
                rule,
                structure,
                fact,
                names,
                this=_iri(rule),
                value=_iri(fact),
                restated=_out(restated),
                sum=_canonical(total, whole),
            )
    return rows


#: Every constraint evaluated directly: directsparql.py's, and these.
REGISTRATIONS = (
    *directsparql.REGISTRATIONS,
    Registration(
        "RestatementRuleHolds",
        "b3b27572b8535df44565b3129c596b2d1f8ac2064c816957097fad514302ce5a",
        restatement_rule_holds,
    ),
    Registration(
        "RestatementRuleOfBlank",
        "b853556f06d0cc78ce53c1a551263e19ce3a4d309ad90c9f858841d384dd2723",
        restatement_rule_of_blank,
    ),
    Registration(
        "RestatementRuleOfGroup",
        "8d0777116cd6c165c3f8fb8535f3c5de96e94672f92f8a663f5ecd025922f609",
        restatement_rule_of_group,
    ),
    Registration(
        "UpperBoundRuleHolds",
        "40127d7d73f95f465b068a518880e1dc95d3541d2675ffc8d0a01646dc5e0a5c",
        upper_bound_rule_holds,
    ),
    Registration(
        "ObservationMeasure", "793ea737380e73f53b205c553ee36a4ef3242d072a336a4a931da768285dc077", observation_measure
    ),
    Registration(
        "ObservationCount",
        "e650aceb5416080146fa084dc2542e96aa5756d71c873d49f4757538458f23ee",
        observation_count_missing,
    ),
    Registration(
        "ObservationCount",
        "489b55f0ff1ddc68944cd419774067578553817c705f6337b603ca2fa1b9b00e",
        observation_count_negative,
    ),
    Registration(
        "BlankCellNoValue", "04a0601bfb02f296052fc137e4125ffc8865af94e69e0e3b4f16d92c69e04ce3", blank_cell_no_value
    ),
    Registration("SectionKind", "ed9bb2dd65ca59c08239c3c6848f41a249bbf41e768874f6a24f9588626edfcf", section_kind),
)
