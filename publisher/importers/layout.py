"""A format's layout as importers need it: tables, rows, columns, sections, text patterns, labels.

Read from the ontology graph (ontology/formats/*.ttl); nothing here is specific to a
format. A table is a concept scheme of rows whose cells are declared with
dis:hasColumn (on a row, a row above it, or the scheme); its columns are the concepts
named there and the group headings above them. A concept that is not among the codes
of its dimension (a group row such as （三）不予公开, a heading such as 法人或其他组织)
has no cells. Texts the official table prints that name no code (its title, the text
over its row labels) are known, so they are neither mapped nor reported.

Labels are matched after normalisation (`normalise`): compatibility forms folded
(full-width letters, digits and brackets become half-width), a unit in brackets
such as （单位：万元） set aside, a leading 其中： (of which, as statistics sheets
write their sub-rows) and a leading enumerator (一、 （三） 1.) dropped, and every
punctuation mark, symbol and space removed. So 2.其他法律行政法规禁止公开,
２、其他法律、行政法规禁止公开 and （2）其他法律行政法规禁止公开 are the same label.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from rdflib import Graph, Literal, URIRef
from rdflib.term import Node

from publisher.graph.formats import Dimension, Format
from publisher.rdf.iris import Iris
from publisher.rdf.namespaces import RDF, SKOS, vocabulary

UNIT_IN_BRACKETS = re.compile(r"\(\s*(?:单位\s*[:：]?\s*)?(万元|亿元|元|件|个|条|项)\s*\)")
OF_WHICH = re.compile(r"^\s*其中\s*[:：]?\s*")
ENUMERATOR = re.compile(r"^\s*(?:[一二三四五六七八九十]+\s*[、.]|\(\s*[一二三四五六七八九十\d]+\s*\)|\d+\s*[.、)])\s*")


def fold(text: str) -> str:
    """Compatibility forms folded: full-width letters, digits and brackets become half-width."""
    return unicodedata.normalize("NFKC", text)


def split_unit(text: str) -> tuple[str, str | None]:
    """The text without a bracketed unit such as （单位：万元）, and that unit's label (else None)."""
    folded = fold(text)
    match = UNIT_IN_BRACKETS.search(folded)
    if match is None:
        return folded, None
    return folded[: match.start()] + folded[match.end() :], match.group(1)


def normalise(text: str) -> str:
    """The key a label is matched by (see the module docstring)."""
    bare, _unit = split_unit(text)
    bare = ENUMERATOR.sub("", OF_WHICH.sub("", bare, count=1), count=1)
    return "".join(ch for ch in bare if not (ch.isspace() or unicodedata.category(ch)[0] in "PSZ"))


@dataclass(frozen=True)
class Concept:
    """A row, column, heading or section of the format, with what an importer matches and writes."""

    iri: URIRef
    dimension: str | None  # the record key of the dimension whose code it is; None for groups and sections
    code: str | None  # its code in a record (relative to the dimension's code base)
    label_zh: str
    label_en: str
    keys: frozenset[str]
    position: int
    broader: URIRef | None
    measure: URIRef | None
    unit: URIRef | None

    @property
    def is_group(self) -> bool:
        return self.code is None


@dataclass(frozen=True)
class TableLayout:
    """One table of the format: its rows and columns (groups included) and the cells it has."""

    scheme: URIRef
    label_zh: str
    label_en: str
    rows: tuple[Concept, ...]
    columns: tuple[Concept, ...]
    cells: frozenset[tuple[URIRef, URIRef]]
    known: frozenset[str]

    def rows_matching(self, key: str) -> list[Concept]:
        return [c for c in self.rows if key in c.keys]

    def columns_matching(self, key: str) -> list[Concept]:
        return [c for c in self.columns if key in c.keys]

    def matches(self, key: str) -> bool:
        return key in self.known or bool(self.rows_matching(key) or self.columns_matching(key))


@dataclass(frozen=True)
class Pattern:
    """A text pattern: a regular expression, the codes a match gives, the value it states in words."""

    iri: URIRef
    regex: re.Pattern[str]
    codes: tuple[Concept, ...]
    value: Decimal | None

    @property
    def states_figure(self) -> bool:
        return self.value is not None or "value" in self.regex.groupindex


@dataclass(frozen=True)
class SectionLayout:
    key: str
    concept: Concept
    prose: bool


@dataclass(frozen=True)
class Unit:
    code: str
    label_zh: str
    money: bool


@dataclass(frozen=True)
class FeeLayout:
    """Where a format under the 2019 Regulation puts the information-processing fees (Art. 42) its reports state.

    The row is the format's item whose legal basis is Art. 42 and which has a column
    of money (the 2021 format's 收取信息处理费), `amount` that column and `cases` its
    column of cases charged. A format under the Regulation with no such row (the 2019 format) has
    a FeeLayout of Nones: its reports may state a fee, but it has no figure for it.
    """

    row: Concept | None = None
    amount: Concept | None = None
    cases: Concept | None = None


@dataclass(frozen=True)
class Layout:
    """Everything an importer needs to know about one format."""

    format: Format
    dimensions: tuple[Dimension, ...]
    concepts: Mapping[URIRef, Concept]
    tables: tuple[TableLayout, ...]
    sections: tuple[SectionLayout, ...]
    patterns: tuple[Pattern, ...]
    units: Mapping[str, Unit]  # by Chinese label (元, 万元, 件 …)
    defaults: Mapping[str, Concept]  # record key → the code a prose figure takes when its sentence says nothing
    fees: FeeLayout | None = None  # None: a format from before the 2019 Regulation (no information-processing fee)

    @property
    def slug(self) -> str:
        return self.format.slug

    def prose_tables(self) -> set[URIRef]:
        """The tables whose figures are worded in prose (a text pattern gives their codes)."""
        schemes = {t.scheme: t for t in self.tables}
        found = set()
        for pattern in self.patterns:
            for concept in pattern.codes:
                for table in schemes.values():
                    if concept in table.rows:
                        found.add(table.scheme)
        return found


def load_layout(ontology: Graph, fmt: Format, iris: Iris) -> Layout:
    """The layout of `fmt`, read from the merged ontology graph."""
    reader = _LayoutReader(ontology, fmt, iris)
    tables = reader.tables()
    sections = reader.sections()
    patterns = reader.patterns()
    units = reader.units()
    defaults = {d.record_key: reader.concept(d.default) for d in fmt.dimensions if d.default is not None}
    for iri in reader.code_of:
        reader.concept(iri)
    item = reader.item
    concepts = [reader.concept(c) for c in reader.code_of]
    fees = _fee_layout(ontology, iris, concepts, tables, item.record_key if item else None)
    return Layout(
        format=fmt,
        dimensions=fmt.dimensions,
        concepts=dict(reader.cache),
        tables=tuple(tables),
        sections=tuple(sections),
        patterns=tuple(patterns),
        units=units,
        defaults=defaults,
        fees=fees,
    )


class _LayoutReader:
    """Reads one format's layout from the ontology: its concepts (each read once), tables, sections, patterns."""

    def __init__(self, ontology: Graph, fmt: Format, iris: Iris) -> None:
        self.ontology = ontology
        self.fmt = fmt
        self.iris = iris
        self.dis = vocabulary(iris.base)
        self.code_of: dict[URIRef, tuple[str, str]] = {}
        for dimension in fmt.dimensions:
            for member in _members(ontology, dimension.codes):
                code = dimension.code_of(member)
                if code is not None:
                    self.code_of[member] = (dimension.record_key, code)
        self.cache: dict[URIRef, Concept] = {}
        self.item = next((d for d in fmt.dimensions if d.property == self.dis.item), None)

    def concept(self, iri: URIRef) -> Concept:
        if iri not in self.cache:
            ontology, dis = self.ontology, self.dis
            dimension, code = self.code_of.get(iri, (None, None))
            labels = [_literal(ontology, iri, SKOS.prefLabel, "zh")] + [
                str(o) for o in ontology.objects(iri, SKOS.altLabel) if isinstance(o, Literal) and o.language == "zh"
            ]
            position = ontology.value(iri, dis.position)
            broader = ontology.value(iri, SKOS.broader)
            measure = ontology.value(iri, dis.measuredBy)
            unit = ontology.value(iri, dis.defaultUnit)
            self.cache[iri] = Concept(
                iri=iri,
                dimension=dimension,
                code=code,
                label_zh=labels[0],
                label_en=_literal(ontology, iri, SKOS.prefLabel, "en"),
                keys=frozenset(normalise(label) for label in labels if label),
                position=int(position) if isinstance(position, Literal) else 0,
                broader=broader if isinstance(broader, URIRef) else None,
                measure=measure if isinstance(measure, URIRef) else None,
                unit=unit if isinstance(unit, URIRef) else None,
            )
        return self.cache[iri]

    def tables(self) -> list[TableLayout]:
        """The format's tables: each item scheme whose rows have cells (columns allowed by dis:hasColumn)."""
        item_key = self.item.record_key if self.item else ""
        schemes = sorted(
            {
                s
                for member in self.code_of
                if self.code_of[member][0] == item_key
                for s in _schemes(self.ontology, member)
            },
            key=str,
        )
        tables = [self._table(scheme) for scheme in schemes]
        return [t for t in tables if t is not None]

    def _table(self, scheme: URIRef) -> TableLayout | None:
        ontology, dis = self.ontology, self.dis
        rows = sorted((self.concept(r) for r in _in_scheme(ontology, scheme)), key=lambda c: (c.position, str(c.iri)))
        cells: set[tuple[URIRef, URIRef]] = set()
        column_iris: set[URIRef] = set()
        for row in rows:
            holders = [row.iri, *_ancestors(ontology, row.iri), scheme]
            allowed = {c for h in holders for c in ontology.objects(h, dis.hasColumn) if isinstance(c, URIRef)}
            for column in allowed:
                column_iris.add(column)
                column_iris.update(_ancestors(ontology, column))
                if not row.is_group and column in self.code_of:
                    cells.add((row.iri, column))
        if not cells:
            return None  # rows without cells: not a table (the Jilin template's item schemes, say)
        columns = sorted((self.concept(c) for c in column_iris), key=lambda c: (c.position, str(c.iri)))
        known = {
            normalise(str(o))
            for o in ontology.objects(scheme, dis.rowHeading)
            if isinstance(o, Literal) and o.language == "zh"
        }
        for holder in {scheme, *(s for c in columns for s in _schemes(ontology, c.iri))}:
            known.update(
                normalise(str(o))
                for p in (SKOS.prefLabel, SKOS.altLabel)
                for o in ontology.objects(holder, p)
                if isinstance(o, Literal) and o.language == "zh"
            )
        return TableLayout(
            scheme=scheme,
            label_zh=_literal(ontology, scheme, SKOS.prefLabel, "zh"),
            label_en=_literal(ontology, scheme, SKOS.prefLabel, "en"),
            rows=tuple(rows),
            columns=tuple(columns),
            cells=frozenset(cells),
            known=frozenset(known - {""}),
        )

    def sections(self) -> list[SectionLayout]:
        """The format's prose sections, in their order."""
        sections: list[SectionLayout] = []
        if self.fmt.sections is None:
            return sections
        prefix = f"{self.fmt.sections}/"
        for iri in _in_scheme(self.ontology, self.fmt.sections):
            if str(iri).startswith(prefix):
                prose = self.ontology.value(iri, self.dis.prose)
                sections.append(
                    SectionLayout(
                        str(iri)[len(prefix) :], self.concept(iri), isinstance(prose, Literal) and bool(prose.value)
                    )
                )
        sections.sort(key=lambda s: s.concept.position)
        return sections

    def patterns(self) -> list[Pattern]:
        """The format's text patterns: a regex and the codes (and value) a match states."""
        ontology, dis = self.ontology, self.dis
        patterns = []
        for node in sorted(ontology.objects(self.fmt.iri, dis.textPattern), key=str):
            regex = ontology.value(node, dis.regex)
            value = ontology.value(node, dis.statesValue)
            if not isinstance(node, URIRef) or not isinstance(regex, Literal):
                continue
            codes = tuple(
                self.concept(c) for c in sorted(ontology.objects(node, dis.sets), key=str) if isinstance(c, URIRef)
            )
            value_of = Decimal(str(value)) if isinstance(value, Literal) else None
            patterns.append(Pattern(iri=node, regex=re.compile(str(regex)), codes=codes, value=value_of))
        return patterns

    def units(self) -> dict[str, Unit]:
        """The shared units by their Chinese label."""
        units = {}
        for iri in _in_scheme(self.ontology, self.iris.common("unit")):
            notation = self.ontology.value(iri, SKOS.notation)
            label = _literal(self.ontology, iri, SKOS.prefLabel, "zh")
            if notation is not None and label:
                units[label] = Unit(str(notation), label, (iri, self.dis.measuredBy, self.dis.amount) in self.ontology)
        return units


def _fee_layout(
    ontology: Graph, iris: Iris, codes: list[Concept], tables: list[TableLayout], item_key: str | None
) -> FeeLayout | None:
    """The format's place for information-processing fees, if it is a format under the 2019 Regulation.

    A format is under the Regulation when its codes name provisions of it as their legal
    basis (dis:legalBasis, ontology/regulation-2019.ttl); its fee row is the one whose
    basis is Art. 42, which allows the information-processing fee.
    """
    dis = vocabulary(iris.base)
    provisions = iris.definition("regulation-2019/provisions")
    article_42 = iris.definition("regulation-2019/article-42")
    bases = {(c, b) for c in codes for b in ontology.objects(c.iri, dis.legalBasis)}
    if not any((b, SKOS.inScheme, provisions) in ontology for _c, b in bases):
        return None
    case = iris.common("unit", "case")
    found = []
    for row in sorted({c for c, b in bases if b == article_42 and c.dimension == item_key}, key=lambda c: str(c.iri)):
        # a row of money: Art. 42 is also the basis of rows that only mention fees (an applicant who did not pay)
        columns = [c for t in tables for c in t.columns if (row.iri, c.iri) in t.cells]
        amount = [c for c in columns if c.measure == dis.amount]
        cases = [c for c in columns if c.measure is None and c.unit == case]
        if len(amount) == 1:
            found.append(FeeLayout(row, amount[0], cases[0] if len(cases) == 1 else None))
    return found[0] if len(found) == 1 else FeeLayout()


def _literal(graph: Graph, subject: Node, predicate: URIRef, lang: str) -> str:
    for value in graph.objects(subject, predicate):
        if isinstance(value, Literal) and value.language == lang:
            return str(value)
    return ""


def _members(graph: Graph, code_list: Node) -> list[URIRef]:
    """The concepts of a concept scheme (skos:inScheme) or a collection (skos:member, transitively)."""
    if (code_list, RDF.type, SKOS.ConceptScheme) in graph:
        return _in_scheme(graph, code_list)
    found: list[URIRef] = []
    todo: list[Node] = [code_list]
    while todo:
        for member in graph.objects(todo.pop(), SKOS.member):
            if (member, RDF.type, SKOS.Collection) in graph:
                todo.append(member)
            elif isinstance(member, URIRef) and member not in found:
                found.append(member)
    return found


def _in_scheme(graph: Graph, scheme: Node) -> list[URIRef]:
    return sorted((s for s in graph.subjects(SKOS.inScheme, scheme) if isinstance(s, URIRef)), key=str)


def _schemes(graph: Graph, concept: URIRef) -> list[URIRef]:
    return [s for s in graph.objects(concept, SKOS.inScheme) if isinstance(s, URIRef)]


def _ancestors(graph: Graph, concept: URIRef) -> Iterable[URIRef]:
    return [a for a in graph.transitive_objects(concept, SKOS.broader) if isinstance(a, URIRef) and a != concept]
