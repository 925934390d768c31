"""The costliest SPARQL constraints evaluated directly over a report's terms: what Oxigraph finds, without Oxigraph.

The SPARQL constraints of shapes/*.ttl (sh:SPARQLConstraint with sh:select) were most
of what checking a report cost in the build's workers (≈ 115 ms of CPU for a report of
the national formats, of which the sum, balance and uniqueness constraints took ≈ 75 ms):
a store made for every report, and queries whose FILTER NOT EXISTS Oxigraph tries row by
row. The constraints here — shape:SumRuleHolds, shape:SumRuleBlankTotal, shape:BalanceRuleHolds,
shape:ObservationUnique, shape:ObservationCodes, shape:ObservationDimensions,
shape:ObservationAttributes and shape:ObservationCell — are evaluated over the same data the
core shapes read (`coreshapes.Data`: dictionaries of the N-Triples terms of the report, its
agency's registry entry and its format's context), following each query as SPARQL evaluates
it: the same solutions (with the multiplicities its SUMs count), grouped and filtered as the
query's GROUP BY and HAVING do, each solution given as the variables the query projects, as
Oxigraph's terms. The validator makes them findings as it makes those of a query
(`Validator.evaluate_on`): the same shape, focus node, value, path, severity and messages
(the messages are the shape's, their {?var} filled in from the solution, as for a query: an
evaluator depends on the query alone).

Each evaluator is registered for one constraint (the local name of its node) together
with the SHA-256 digest of the query it was written for (`Constraint.query`, the prefixes
with the base IRI written as "{base}"). When the shape file says anything else, the digest
differs and the constraint runs on Oxigraph as before: editing a shape never silently
leaves its direct evaluation behind. An evaluator also gives up (None: the query runs on
Oxigraph for that report) on data it does not follow exactly — a count that is not an
integer in canonical form, a blank node where the query would compare IRIs, a figure in
two reports, a rule of two sum-rule types, a language tag not in lower case.

The other constraints a report is checked with on its own are evaluated in directrules.py,
with these helpers; its `REGISTRATIONS` holds both modules' evaluators (those the checker uses).

tests/test_direct_sparql.py holds the findings of each equal to Oxigraph's on every
graph the tests build.
"""

from __future__ import annotations

import hashlib
import re
import weakref
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

import pyoxigraph as ox
from rdflib import Literal, URIRef

from publisher.rdf.iris import Iris
from publisher.rdf.namespaces import DCTERMS, QB, RDFS, SKOS, XSD
from publisher.rdf.ntterms import iri_term, node_term, rdf_term
from publisher.validation.coreshapes import TYPE, Data, Index
from publisher.validation.shapes import SparqlConstraint

#: A solution as `shapes.run_constraint` gives it: the focus node, the projected variables' values, their names.
Row = tuple[object, Mapping[str, object], list[str]]
#: An evaluator: the solutions of its query over a report's data, or None when it leaves that report to Oxigraph.
Evaluator = Callable[["View", SparqlConstraint], list[Row] | None]

_INTEGER = re.compile(r'"(0|-?[1-9][0-9]{0,17})"\^\^<' + re.escape(str(XSD.integer)) + ">")
_TRUE = f'"true"^^<{XSD.boolean}>'
_OX_INTEGER = ox.NamedNode(str(XSD.integer))


def query_digest(query: str, iris: Iris) -> str:
    """The SHA-256 of a constraint's query, its base IRI written as "{base}" (the same whatever the base IRI).

    The PREFIX lines `shapes.split_shapes` puts before the query come in no set order: they count sorted.
    """
    lines = query.replace(iris.base, "{base}").split("\n")
    prefixes = 0
    while prefixes < len(lines) and lines[prefixes].startswith("PREFIX "):
        prefixes += 1
    text = "\n".join(sorted(lines[:prefixes]) + lines[prefixes:])
    return hashlib.sha256(text.encode()).hexdigest()


class _Terms:
    """The IRIs the queries name, as N-Triples terms."""

    def __init__(self, iris: Iris) -> None:
        def dis(name: str) -> str:
            return iri_term(str(iris.term(name)))

        self.part, self.total, self.along = dis("part"), dis("total"), dis("alongDimension")
        self.left, self.right, self.blank_as_zero = dis("left"), dis("right"), dis("blankAsZero")
        self.rule, self.count, self.cell_of = dis("rule"), dis("count"), dis("cellOf")
        self.item, self.agency, self.report_year = dis("item"), dis("agency"), dis("reportYear")
        self.sum_rule = dis("SumRule")
        self.conforms_to, self.structure = iri_term(str(DCTERMS.conformsTo)), iri_term(str(QB.structure))
        self.data_set, self.component = iri_term(str(QB.dataSet)), iri_term(str(QB.component))
        self.dimension = iri_term(str(QB.dimension))
        self.label, self.pref_label = iri_term(str(RDFS.label)), iri_term(str(SKOS.prefLabel))
        self.codes, self.column, self.has_column = dis("codes"), dis("column"), dis("hasColumn")
        self.member, self.in_scheme = iri_term(str(SKOS.member)), iri_term(str(SKOS.inScheme))
        self.broader = iri_term(str(SKOS.broader))
        self.component_required = iri_term(str(QB.componentRequired))
        self.attribute = iri_term(str(QB.attribute))
        self.fact_of = dis("factOf")
        #: The IRIs (directrules.py names the terms of the other queries from them).
        self.iris = iris
        #: The predicates looked up from their object.
        self.backward = frozenset(
            {self.rule, self.conforms_to, self.data_set, self.cell_of, self.fact_of, self.broader}
        )


#: Each Index's triples of `_Terms.backward` by predicate and object (an Index is read-only once made).
_BACKWARD: weakref.WeakKeyDictionary[Index, dict[tuple[str, str], list[str]]] = weakref.WeakKeyDictionary()


def _backward(index: Index, predicates: frozenset[str]) -> dict[tuple[str, str], list[str]]:
    found = _BACKWARD.get(index)
    if found is None:
        found = {}
        for (s, p), objects in index.forward.items():
            if p in predicates:
                for o in objects:
                    found.setdefault((p, o), []).append(s)
        _BACKWARD[index] = found
    return found


class View:
    """A report's data (`coreshapes.Data`) as the queries read it: lookups remembered for the report."""

    def __init__(self, data: Data, terms: _Terms) -> None:
        self.data = data
        self.t = terms
        self._out: dict[tuple[str, str], frozenset[str]] = {}
        self._inv: dict[tuple[str, str], frozenset[str]] = {}
        self._by_code: dict[tuple[str, str, str], dict[str, list[str]]] = {}
        self._dims: dict[str, frozenset[str]] = {}
        self._having: dict[tuple[str, str, str], dict[str, frozenset[str]]] = {}
        self._focus: dict[frozenset[URIRef], list[str] | None] = {}
        self._backward = [_backward(index, terms.backward) for index in data.indexes]

    def out(self, subject: str, predicate: str) -> frozenset[str]:
        key = (subject, predicate)
        found = self._out.get(key)
        if found is None:
            found = self._out[key] = frozenset(self.data.objects(subject, predicate))
        return found

    def inv(self, predicate: str, obj: str) -> frozenset[str]:
        """The subjects of `predicate` with object `obj` (predicate one of `_Terms.backward`)."""
        key = (predicate, obj)
        found = self._inv.get(key)
        if found is None:
            found = self._inv[key] = frozenset(s for index in self._backward for s in index.get(key, ()))
        return found

    def dims(self, structure: str) -> frozenset[str]:
        """The dimensions of a structure: ?structure qb:component ?component . ?component qb:dimension ?d."""
        found = self._dims.get(structure)
        if found is None:
            found = self._dims[structure] = frozenset(
                d for c in self.out(structure, self.t.component) for d in self.out(c, self.t.dimension)
            )
        return found

    def by_code(self, link: str, dataset: str, along: str) -> dict[str, list[str]]:
        """The nodes `link` (qb:dataSet or dis:cellOf) the dataset, by each of their codes along `along`."""
        key = (link, dataset, along)
        found = self._by_code.get(key)
        if found is None:
            found = self._by_code[key] = {}
            for node in self.inv(link, dataset):
                for code in self.out(node, along):
                    found.setdefault(code, []).append(node)
        return found

    def codes(self, node: str, dimensions: Iterable[str]) -> list[tuple[str, str]]:
        """The node's (dimension, code) pairs in those dimensions."""
        return [(d, c) for d in dimensions for c in self.out(node, d)]

    def having(self, link: str, dataset: str, dimension: str) -> dict[str, frozenset[str]]:
        """The nodes `link` the dataset, by each of their codes in `dimension`."""
        key = (link, dataset, dimension)
        found = self._having.get(key)
        if found is None:
            found = self._having[key] = {
                code: frozenset(nodes) for code, nodes in self.by_code(link, dataset, dimension).items()
            }
        return found

    def agreeing(self, link: str, dataset: str, along: str, code: str, codes: Sequence[tuple[str, str]]) -> list[str]:
        """The nodes `link` the dataset with `code` along `along` that have each of `codes` (a value's codes in the
        other dimensions): FILTER NOT EXISTS { ?value ?d ?c . FILTER NOT EXISTS { ?node ?d ?c } }."""
        nodes = self.by_code(link, dataset, along).get(code, [])
        if not codes or not nodes:
            return nodes
        allowed: frozenset[str] | None = None
        for d, c in codes:
            holders = self.having(link, dataset, d).get(c, frozenset())
            allowed = holders if allowed is None else allowed & holders
            if not allowed:
                return []
        assert allowed is not None
        return [n for n in nodes if n in allowed]

    def focus_nodes(self, constraint: SparqlConstraint) -> list[str] | None:
        """The instances of the constraint's target classes (or of classes under them); None if one is no IRI."""
        if constraint.targets not in self._focus:
            self._focus[constraint.targets] = self._instances(constraint)
        return self._focus[constraint.targets]

    def _instances(self, constraint: SparqlConstraint) -> list[str] | None:
        found = {
            n
            for target in constraint.targets
            for c in self.data.subclasses(node_term(target))
            for n in self.data.subjects(TYPE, c)
        }
        if any(not n.startswith("<") for n in found):
            return None
        return sorted(found)

    def labels(self, node: str, predicate: str) -> list[tuple[str, str]] | None:
        """Each pair of the node's "zh" and "en" labels (lexical forms); None if a language tag is not lower case."""
        zh, en = [], []
        for term in sorted(self.out(node, predicate)):
            value = rdf_term(term)
            if not isinstance(value, Literal) or value.language is None:
                continue
            if value.language != value.language.lower():
                return None
            if value.language == "zh":
                zh.append(str(value))
            elif value.language == "en":
                en.append(str(value))
        return [(z, e) for z in zh for e in en]


def _iri(term: str) -> ox.NamedNode:
    return ox.NamedNode(term[1:-1])


def _literal(term: str) -> ox.Literal:
    value = rdf_term(term)
    assert isinstance(value, Literal)
    if value.language:
        return ox.Literal(str(value), language=value.language)
    if value.datatype is not None:
        return ox.Literal(str(value), datatype=ox.NamedNode(str(value.datatype)))
    return ox.Literal(str(value))


def _integer(n: int) -> ox.Literal:
    return ox.Literal(str(n), datatype=_OX_INTEGER)


class _GiveUp(Exception):
    """Data an evaluator does not follow exactly: the query runs on Oxigraph."""


@lru_cache(maxsize=1 << 16)
def _count(term: str) -> int:
    """A count's value, for a canonical xsd:integer (what SUM and != read alike here and in Oxigraph)."""
    if _INTEGER.fullmatch(term) is None:
        raise _GiveUp
    return int(term[1 : term.index('"', 1)])


def _cells(view: View, dataset: str, along: str, code: str) -> list[str]:
    """The stated figures and blank cells of the dataset with `code` along `along`; IRIs only."""
    found = view.by_code(view.t.data_set, dataset, along).get(code, []) + view.by_code(
        view.t.cell_of, dataset, along
    ).get(code, [])
    if any(not n.startswith("<") for n in found):
        raise _GiveUp
    return found


def _datasets(view: View, rule: str) -> list[tuple[str, str, str, str]]:
    """(format, dataset, structure, along) of a rule: ?format dis:rule $this . ?dataset dct:conformsTo ?format ;
    qb:structure ?structure . $this dis:alongDimension ?along."""
    t = view.t
    return [
        (f, d, s, a)
        for a in sorted(view.out(rule, t.along))
        for f in sorted(view.inv(t.rule, rule))
        for d in sorted(view.inv(t.conforms_to, f))
        for s in sorted(view.out(d, t.structure))
    ]


def _part_rows(
    view: View, rule: str, dataset: str, along: str, codes: Sequence[tuple[str, str]], blank_as_zero: bool
) -> list[tuple[str, int]]:
    """(part code, count) of each part of the rule agreeing with `codes`: stated, or blank counted as 0."""
    t = view.t
    rows: list[tuple[str, int]] = []
    for code in sorted(view.out(rule, t.part)):
        for part in view.agreeing(t.data_set, dataset, along, code, codes):
            rows += [(code, _count(n)) for n in view.out(part, t.count)]
        if blank_as_zero:
            rows += [(code, 0) for _ in view.agreeing(t.cell_of, dataset, along, code, codes)]
    return rows


def sum_rule_holds(view: View, constraint: SparqlConstraint) -> list[Row] | None:
    """shape:SumRuleHolds: a stated total whose parts, all there, add up to another number."""
    t = view.t
    names = ["this", "value", "total", "sum"]
    rows: list[Row] = []
    focus_nodes = view.focus_nodes(constraint)
    if focus_nodes is None:
        return None
    for rule in focus_nodes:
        parts = len(view.out(rule, t.part))
        if not parts:
            continue
        blank_as_zero = _TRUE in view.out(rule, t.blank_as_zero)
        groups: dict[tuple[str, str], tuple[set[str], list[int]]] = {}
        for _format, dataset, structure, along in _datasets(view, rule):
            others = view.dims(structure) - {along}
            for total_code in sorted(view.out(rule, t.total)):
                for value in view.by_code(t.data_set, dataset, along).get(total_code, []):
                    totals = view.out(value, t.count)
                    if not totals:
                        continue
                    part_rows = _part_rows(view, rule, dataset, along, view.codes(value, others), blank_as_zero)
                    for total in totals:
                        codes, counts = groups.setdefault((value, total), (set(), []))
                        codes.update(code for code, _ in part_rows)
                        counts += [n for _, n in part_rows]
        for (value, total), (codes, counts) in groups.items():
            if not counts:
                continue
            if not value.startswith("<"):
                raise _GiveUp
            if len(codes) == parts and sum(counts) != _count(total):
                bound = {
                    "this": _iri(rule),
                    "value": _iri(value),
                    "total": _literal(total),
                    "sum": _integer(sum(counts)),
                }
                rows.append((bound["this"], bound, names))
    return rows


def sum_rule_blank_total(view: View, constraint: SparqlConstraint) -> list[Row] | None:
    """shape:SumRuleBlankTotal: a total left blank, under a rule counting a blank as 0, whose parts add up to more."""
    t = view.t
    names = ["this", "value", "sum", "rule_zh", "rule_en", "cell_zh", "cell_en"]
    rows: list[Row] = []
    focus_nodes = view.focus_nodes(constraint)
    if focus_nodes is None:
        return None
    sum_rules = view.data.subclasses(t.sum_rule)
    for rule in focus_nodes:
        kinds = [c for c in view.out(rule, TYPE) if c in sum_rules]  # $this a/rdfs:subClassOf* dis:SumRule
        if len(kinds) > 1:
            raise _GiveUp  # each a solution of the path: the SUM would count each part once per type
        parts = len(view.out(rule, t.part))
        if not kinds or not parts or _TRUE not in view.out(rule, t.blank_as_zero):
            continue
        groups: dict[tuple[str, str], tuple[set[str], list[int]]] = {}
        for _format, dataset, structure, along in _datasets(view, rule):
            others = view.dims(structure) - {along}
            for total_code in sorted(view.out(rule, t.total)):
                for value in view.by_code(t.cell_of, dataset, along).get(total_code, []):
                    part_rows = _part_rows(view, rule, dataset, along, view.codes(value, others), True)
                    codes, counts = groups.setdefault((structure, value), (set(), []))
                    codes.update(code for code, _ in part_rows)
                    counts += [n for _, n in part_rows]
        rule_labels = None
        for (structure, value), (codes, counts) in groups.items():
            if not counts or len(codes) != parts or sum(counts) == 0:
                continue
            if not value.startswith("<"):
                raise _GiveUp
            if rule_labels is None:
                rule_labels = view.labels(rule, t.label)
                if rule_labels is None:
                    raise _GiveUp
            for cell_zh, cell_en in _cell_labels(view, structure, value):
                for rule_zh, rule_en in rule_labels:
                    bound = {
                        "this": _iri(rule),
                        "value": _iri(value),
                        "sum": _integer(sum(counts)),
                        "rule_zh": ox.Literal(rule_zh, language="zh"),
                        "rule_en": ox.Literal(rule_en, language="en"),
                        "cell_zh": ox.Literal(cell_zh),
                        "cell_en": ox.Literal(cell_en),
                    }
                    rows.append((bound["this"], bound, names))
    return rows


def _cell_labels(view: View, structure: str, value: str) -> list[tuple[str, str]]:
    """The cell's labels as the query's two OPTIONALs and its CONCATs make them: its row, its code across."""
    t = view.t
    row_labels: list[tuple[str | None, str | None]] = []
    for row in sorted(view.out(value, t.item)):
        found = view.labels(row, t.pref_label)
        if found is None:
            raise _GiveUp
        row_labels += found
    across_labels: list[tuple[str | None, str | None]] = []
    for across in sorted(view.dims(structure) - {t.item, t.agency, t.report_year}):
        for code in sorted(view.out(value, across)):
            found = view.labels(code, t.pref_label)
            if found is None:
                raise _GiveUp
            across_labels += found
    labels = []
    for row_zh, row_en in row_labels or [(None, None)]:
        for across_zh, across_en in across_labels or [(None, None)]:
            zh = (row_zh or "") + (" · " if row_zh is not None and across_zh is not None else "") + (across_zh or "")
            en = (row_en or "") + (" / " if row_en is not None and across_en is not None else "") + (across_en or "")
            labels.append((zh, en))
    return labels


def balance_rule_holds(view: View, constraint: SparqlConstraint) -> list[Row] | None:
    """shape:BalanceRuleHolds: the cells of the left-hand side not adding up to those of the right-hand side."""
    t = view.t
    names = ["this", "value", "left", "right"]
    rows: list[Row] = []
    focus_nodes = view.focus_nodes(constraint)
    if focus_nodes is None:
        return None
    for rule in focus_nodes:
        lefts, rights = view.out(rule, t.left), view.out(rule, t.right)
        if not lefts | rights:
            continue
        blank_as_zero = _TRUE in view.out(rule, t.blank_as_zero)
        groups: dict[str, tuple[set[str], list[int], list[int]]] = {}
        for _format, dataset, structure, along in _datasets(view, rule):
            others = view.dims(structure) - {along}
            for anchor in sorted(rights):
                for value in _cells(view, dataset, along, anchor):
                    codes = view.codes(value, others)
                    earlier = any(
                        other[1:-1] < value[1:-1]
                        for code in rights
                        for link in (t.data_set, t.cell_of)
                        for other in view.agreeing(link, dataset, along, code, codes)
                    )
                    if earlier:
                        continue
                    seen, left, right = groups.setdefault(value, (set(), [], []))
                    for side, side_codes in ((left, lefts), (right, rights)):
                        for code in sorted(side_codes):
                            for cell in view.agreeing(t.data_set, dataset, along, code, codes):
                                for n in view.out(cell, t.count):
                                    side.append(_count(n))
                                    seen.add(code)
                            if blank_as_zero:
                                for _ in view.agreeing(t.cell_of, dataset, along, code, codes):
                                    side.append(0)
                                    seen.add(code)
        for value, (seen, left, right) in groups.items():
            if len(seen) == len(lefts | rights) and sum(left) != sum(right):
                bound = {
                    "this": _iri(rule),
                    "value": _iri(value),
                    "left": _integer(sum(left)),
                    "right": _integer(sum(right)),
                }
                rows.append((bound["this"], bound, names))
    return rows


def observation_unique(view: View, constraint: SparqlConstraint) -> list[Row] | None:
    """shape:ObservationUnique: another figure or blank cell of the report with the same codes in every dimension."""
    t = view.t
    names = ["this", "value"]
    rows: list[Row] = []
    focus_nodes = view.focus_nodes(constraint)
    if focus_nodes is None:
        return None
    for this in focus_nodes:
        datasets = view.out(this, t.data_set) | view.out(this, t.cell_of)
        if len(datasets) > 1:
            raise _GiveUp  # ?dimensions of two datasets grouped together
        for dataset in datasets:
            dimensions = frozenset(d for s in view.out(dataset, t.structure) for d in view.dims(s))
            own: dict[str, frozenset[str]] = {d: view.out(this, d) for d in sorted(dimensions)}
            own = {d: codes for d, codes in own.items() if codes}
            if not own:
                continue
            # the nodes sharing one of its codes in each dimension where it has one
            sharing: set[str] | frozenset[str] | None = None
            for d, codes in own.items():
                having = view.having(t.data_set, dataset, d), view.having(t.cell_of, dataset, d)
                found = frozenset().union(*(by_code.get(c, frozenset()) for c in codes for by_code in having))
                sharing = found if sharing is None else sharing & found
                if len(sharing) <= 1:
                    break
            assert sharing is not None
            for value in sorted(sharing - {this}):
                if not value.startswith("<"):
                    raise _GiveUp
                bound = {"this": _iri(this), "value": _iri(value)}
                rows.append((bound["this"], bound, names))
    return rows


def _term(term: str) -> ox.NamedNode | ox.Literal:
    """A node of the data as Oxigraph's term (a blank node's label is Oxigraph's own: left to it)."""
    if term.startswith("<"):
        return _iri(term)
    if term.startswith("_:"):
        raise _GiveUp
    return _literal(term)


def _specs(view: View, this: str, link_predicates: Sequence[str]) -> list[str]:
    """The components of the structures of the node's reports: $this (qb:dataSet|dis:cellOf)/qb:structure/qb:component
    (`link_predicates` the first step's)."""
    t = view.t
    return sorted(
        {
            c
            for link in link_predicates
            for dataset in view.out(this, link)
            for s in view.out(dataset, t.structure)
            for c in view.out(s, t.component)
        }
    )


def observation_codes(view: View, constraint: SparqlConstraint) -> list[Row] | None:
    """shape:ObservationCodes: a value in a dimension that is not a code of the dimension's code list."""
    t = view.t
    names = ["this", "value", "dimension", "codes"]
    rows: list[Row] = []
    focus_nodes = view.focus_nodes(constraint)
    if focus_nodes is None:
        return None
    for this in focus_nodes:
        for spec in _specs(view, this, (t.data_set, t.cell_of)):
            for dimension in sorted(view.out(spec, t.dimension)):
                for codes in sorted(view.out(spec, t.codes)):
                    members = view.out(codes, t.member)
                    for value in sorted(view.out(this, dimension)):
                        if value not in members and codes not in view.out(value, t.in_scheme):
                            bound = {
                                "this": _iri(this),
                                "value": _term(value),
                                "dimension": _term(dimension),
                                "codes": _term(codes),
                            }
                            rows.append((bound["this"], bound, names))
    return rows


def observation_dimensions(view: View, constraint: SparqlConstraint) -> list[Row] | None:
    """shape:ObservationDimensions: a dimension of the figure's structure in which it has no value, or several."""
    t = view.t
    names = ["this", "dimension"]
    rows: list[Row] = []
    focus_nodes = view.focus_nodes(constraint)
    if focus_nodes is None:
        return None
    for this in focus_nodes:
        dimensions = {d for spec in _specs(view, this, (t.data_set, t.cell_of)) for d in view.out(spec, t.dimension)}
        for dimension in sorted(dimensions):
            values = view.out(this, dimension)
            if len(values) > 1 and any(not v.startswith("<") for v in values):
                raise _GiveUp  # literals Oxigraph may hold as one value (COUNT DISTINCT)
            if len(values) != 1:
                bound = {"this": _iri(this), "dimension": _term(dimension)}
                rows.append((bound["this"], bound, names))
    return rows


def observation_attributes(view: View, constraint: SparqlConstraint) -> list[Row] | None:
    """shape:ObservationAttributes: an attribute its structure requires that the figure lacks."""
    t = view.t
    names = ["this", "attribute"]
    rows: list[Row] = []
    focus_nodes = view.focus_nodes(constraint)
    if focus_nodes is None:
        return None
    for this in focus_nodes:
        for component in _specs(view, this, (t.data_set,)):
            if _TRUE not in view.out(component, t.component_required):
                continue
            for attribute in sorted(view.out(component, t.attribute)):
                if not view.out(this, attribute):
                    bound = {"this": _iri(this), "attribute": _term(attribute)}
                    rows.append((bound["this"], bound, names))
    return rows


def observation_cell(view: View, constraint: SparqlConstraint) -> list[Row] | None:
    """shape:ObservationCell: a row and a column whose cell the official table does not have."""
    t = view.t
    names = ["this", "value", "column"]
    rows: list[Row] = []
    focus_nodes = view.focus_nodes(constraint)
    if focus_nodes is None:
        return None
    for this in focus_nodes:
        for value in sorted(view.out(this, t.item)):
            # ?value (skos:broader*|skos:inScheme)/dis:hasColumn ?column
            reached, pending = {value}, [value]
            while pending:
                for broader in view.out(pending.pop(), t.broader):
                    if broader not in reached:
                        reached.add(broader)
                        pending.append(broader)
            reached |= view.out(value, t.in_scheme)
            columns = {c for node in reached for c in view.out(node, t.has_column)}
            if not columns:
                continue
            for column in sorted(view.out(this, t.column)):
                if column not in columns:
                    bound = {"this": _iri(this), "value": _term(value), "column": _term(column)}
                    rows.append((bound["this"], bound, names))
    return rows


def constraint_name(constraint: SparqlConstraint) -> str:
    """The local name a constraint is registered by: its node's, or for a blank node (a constraint written in
    its shape, as those of shape:ObservationCount) its shape's, the digest telling such constraints apart."""
    node = constraint.node if isinstance(constraint.node, URIRef) else constraint.shape
    return str(node).rsplit("#", 1)[-1]


@dataclass(frozen=True)
class Registration:
    """An evaluator, the constraint it evaluates (`constraint_name`) and the digest of the query it follows."""

    name: str
    digest: str
    evaluator: Evaluator


#: The constraints evaluated directly, each with the digest of the query its evaluator was written for.
REGISTRATIONS = (
    Registration("SumRuleHolds", "a0b70930b1ca4ee359932303c5344aa1d0b102994c2f86ff3eb907f11e92896a", sum_rule_holds),
    Registration(
        "BalanceRuleHolds", "3a5db6056cadd7c735f4a814f7fb487e6da095b35490df7778a3eae31b7133d0", balance_rule_holds
    ),
    Registration(
        "ObservationUnique", "74360e8e03c301a67bef480f387d4b3a7b05767b250eb9f7b09d31ebf533739e", observation_unique
    ),
    Registration(
        "SumRuleBlankTotal", "b05352dd8eff5c750116c02c8cc372fbf0e070d8a2a0abc3a50d29623d76f697", sum_rule_blank_total
    ),
    Registration(
        "ObservationCodes", "8716bf026af00643a2248252a28b8a57b5ab7feac0162f6a8e42d1592ee19538", observation_codes
    ),
    Registration(
        "ObservationDimensions",
        "1a44196ef4ab99ed6d79af2ea7e9d8c3b643edf446e97b8fce173a09206233fe",
        observation_dimensions,
    ),
    Registration(
        "ObservationAttributes",
        "eecae6eec7d05d49de6c09b0f70db7177f399521726a062e637395628c92caad",
        observation_attributes,
    ),
    Registration(
        "ObservationCell", "bc01f885db5cc89046d1b43242098ca2faca46ef84482f6d71ce29b225bf061f", observation_cell
    ),
)


class DirectSparql:
    """The SPARQL constraints evaluated directly (those registered whose query is the one registered)."""

    def __init__(self, evaluators: Mapping[SparqlConstraint, Evaluator], iris: Iris) -> None:
        self.evaluators = dict(evaluators)
        self.terms = _Terms(iris)

    @classmethod
    def of(
        cls, constraints: Iterable[SparqlConstraint], iris: Iris, registrations: Sequence[Registration] = REGISTRATIONS
    ) -> DirectSparql:
        by_name: dict[str, list[Registration]] = {}
        for registration in registrations:
            by_name.setdefault(registration.name, []).append(registration)
        evaluators: dict[SparqlConstraint, Evaluator] = {}
        for constraint in constraints:
            digest = query_digest(constraint.query, iris)
            for registration in by_name.get(constraint_name(constraint), []):
                if registration.digest == digest:
                    evaluators[constraint] = registration.evaluator
        return cls(evaluators, iris)

    def rows(self, constraints: Iterable[SparqlConstraint], data: Data) -> dict[SparqlConstraint, list[Row]]:
        """The solutions of each constraint evaluated directly over `data` (those left to Oxigraph are not keys)."""
        found: dict[SparqlConstraint, list[Row]] = {}
        view: View | None = None
        for constraint in constraints:
            evaluator = self.evaluators.get(constraint)
            if evaluator is None:
                continue
            if view is None:
                view = View(data, self.terms)
            try:
                rows = evaluator(view, constraint)
            except _GiveUp:
                continue
            if rows is not None:
                found[constraint] = rows
        return found
