"""The tidy CSV of a report (one row per cell) and its CSVW metadata, for the downloads.

One row per cell of the report: every qb:Observation and every dis:BlankCell (a
cell the source leaves blank: a row with an empty value and status `blank`, never
a 0). The CSVW metadata maps each row back to the report's graph and says no more
than the graph does: a row's class is its `type` cell, so a blank cell is not
typed qb:Observation, and its link to the report is `dataset` (qb:dataSet) for an
observation and `cell_of` (dis:cellOf) for a blank cell, the other left empty. An
empty cell is null in CSVW and a null cell of a non-virtual column makes no
triple (tabular-data-model §6.4.9, csv2rdf §4.6.8).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Protocol

import pyoxigraph as ox
from rdflib import Graph, Literal, URIRef
from rdflib.term import Node

from publisher.errors import FormatError
from publisher.graph.formats import Format
from publisher.rdf.iris import Iris
from publisher.rdf.namespaces import OA, QB, RDF, SKOS, DisclosureTerms, vocabulary
from publisher.rdf.ntriples import XSD_STRING, OxTerm, ReportTriples
from publisher.records.model import Registry, Report

CSVW_CONTEXT = "http://www.w3.org/ns/csvw"

FIXED_HEAD = ("report", "agency", "agency_zh", "agency_en", "year", "figure", "type", "dataset", "cell_of")
FIXED_TAIL = (
    "value", "unit", "unit_zh", "unit_en", "status", "status_zh", "status_en", "blank",
    "quote", "quote_start", "quote_end",
)  # fmt: skip

DESCRIPTIONS: dict[str, tuple[str, str]] = {
    "report": ("报告（数据集）的 IRI", "IRI of the report (the data set)"),
    "agency": ("机关标识", "Agency identifier"),
    "agency_zh": ("机关名称（中文）", "Agency name in Chinese"),
    "agency_en": ("机关名称（英文）", "Agency name in English"),
    "year": ("报告年度", "Reporting year"),
    "figure": ("该格（观测值或空白格）的 IRI", "IRI of the cell (an observation, or a blank cell)"),
    "type": (
        "该行的 RDF 类：有数值的格为 qb:Observation，原文留空的格为 dis:BlankCell（不是观测值）",
        "RDF class of the row: qb:Observation for a cell with a value, dis:BlankCell for a cell the source "
        "leaves blank (not an observation)",
    ),
    "dataset": (
        "观测值所属的数据集（报告）；空白格此栏为空",
        "The data set (report) of an observation; empty for a blank cell",
    ),
    "cell_of": (
        "空白格所属的报告；观测值此栏为空",
        "The report of a blank cell; empty for an observation",
    ),
    "value": (
        "数值（数量或金额）；空白格为空，不是零",
        "The value (a count or an amount); empty for a blank cell, not zero",
    ),
    "unit": ("计量单位代码", "Unit code"),
    "unit_zh": ("计量单位（中文）", "Unit in Chinese"),
    "unit_en": ("计量单位（英文）", "Unit in English"),
    "status": (
        "数据状态代码：stated（原文所述）或 blank（原文留空）",
        "Cell status code: stated (stated in the source) or blank (blank in the source)",
    ),
    "status_zh": ("数据状态（中文）", "Cell status in Chinese"),
    "status_en": ("数据状态（英文）", "Cell status in English"),
    "blank": ("原文单元格是否空白（空白不是零）", "Whether the source left the cell blank (blank is not zero)"),
    "quote": (
        "陈述该数字的原文引文（空白格为空）",
        "The quote of the source that states the figure (empty for a blank cell)",
    ),
    "quote_start": ("引文在原文中的起始字符位置（从0起）", "Character offset where the quote starts (0-based)"),
    "quote_end": ("引文在原文中的结束字符位置", "Character offset where the quote ends"),
}

# The terms of a cell's quote, looked up in their namespaces once.
_HAS_SELECTOR, _EXACT, _START, _END = OA.hasSelector, OA.exact, OA.start, OA.end
_QUOTE_SELECTOR, _POSITION_SELECTOR, _TYPE = OA.TextQuoteSelector, OA.TextPositionSelector, RDF.type

# The same as plain strings and Oxigraph terms, for the rows read from a `ReportTriples` (`_indexed_rows`).
_HAS_SELECTOR_IRI, _EXACT_IRI, _START_IRI, _END_IRI, _TYPE_IRI = map(str, (_HAS_SELECTOR, _EXACT, _START, _END, _TYPE))
_QUOTE_SELECTOR_NODE, _POSITION_SELECTOR_NODE = (
    ox.NamedNode(str(_QUOTE_SELECTOR)),
    ox.NamedNode(str(_POSITION_SELECTOR)),
)
_XSD_STRING_NODE = ox.NamedNode(XSD_STRING)
#: What `str` gives of the rdflib term of each literal met (`_IndexedText`), for the process.
_LEXICAL: dict[ox.Literal, str] = {}

# The CSVW datatype of the `value` column for each measure a format's structure may have
# (their rdfs:range in ontology/disclosure.ttl).
MEASURE_DATATYPES = {"count": "integer", "amount": "decimal", "quantity": "decimal"}


class ReportSource(Protocol):
    """What a report's CSV is made from: its record, graph and format (a `downloads.ReportData`)."""

    @property
    def report(self) -> Report: ...

    @property
    def graph(self) -> Graph: ...

    @property
    def fmt(self) -> Format: ...


class CellLookup(Protocol):
    """What the CSV rows read of a report's graph: an rdflib `Graph` or a `ReportTriples`."""

    def value(self, subject: Node, predicate: Node) -> Node | None: ...

    def objects(self, subject: Node, predicate: Node) -> Iterable[Node]: ...

    def subjects(self, predicate: Node, obj: Node) -> Iterable[Node]: ...

    def __contains__(self, triple: tuple[Node, Node, Node]) -> bool: ...


def csv_columns(dimension_keys: Iterable[str]) -> list[str]:
    """The CSV's columns: the fixed ones around three per dimension (code, zh and en labels), by key."""
    columns = list(FIXED_HEAD)
    for key in sorted(dimension_keys):
        columns += [key, f"{key}_zh", f"{key}_en"]
    return columns + list(FIXED_TAIL)


def value_measure(fmt: Format) -> URIRef:
    """The measure the `value` column states: the one measure of the format's data structure."""
    if len(fmt.measures) != 1:
        raise FormatError(
            f"Format {fmt.slug}: the CSV download has one value column, so its data structure must have one "
            f"measure; it has {len(fmt.measures)} ({', '.join(map(str, fmt.measures))}). "
            f"See ontology/formats/{fmt.slug}.ttl."
        )
    return fmt.measures[0]


def _measure_datatype(fmt: Format, terms: str) -> str:
    """The CSVW datatype of the `value` column (`terms`: the namespace of our vocabulary)."""
    measure = str(value_measure(fmt))
    local = measure.removeprefix(terms)
    if local not in MEASURE_DATATYPES:
        raise FormatError(
            f"Format {fmt.slug}: its measure {measure} is not one the CSV download knows "
            f"(dis:{', dis:'.join(MEASURE_DATATYPES)}). See ontology/formats/{fmt.slug}.ttl."
        )
    return MEASURE_DATATYPES[local]


class _Labels:
    """A code's skos:prefLabel in Chinese and in English, each code looked up once (a report's cells share codes)."""

    def __init__(self, graph: Graph) -> None:
        self.graph = graph
        self.found: dict[Node, tuple[str, str]] = {}

    def __call__(self, node: Node | None) -> tuple[str, str]:
        if node is None:
            return "", ""
        labels = self.found.get(node)
        if labels is None:
            by_language: dict[str | None, str] = {}
            for value in self.graph.objects(node, SKOS.prefLabel):
                if isinstance(value, Literal):
                    by_language.setdefault(value.language, str(value))
            labels = self.found[node] = (by_language.get("zh", ""), by_language.get("en", ""))
        return labels


def _code(iri: object, prefix: str) -> str:
    text = str(iri)
    return text[len(prefix) :] if text.startswith(prefix) else text


# ---------------------------------------------------------------------------
# The rows
# ---------------------------------------------------------------------------


def observation_rows(
    data: ReportSource, registry: Registry, labels: Graph, iris: Iris, graph: CellLookup | None = None
) -> list[dict[str, str]]:
    """One row per cell of the report (each qb:Observation and each dis:BlankCell), in the order of the record.

    `graph`: where to look the cells up, when not in `data.graph` (the same report's `ReportTriples`).
    """
    dis = vocabulary(iris.base)
    report, fmt = data.report, data.fmt
    graph = data.graph if graph is None else graph
    agency = registry.agencies[report.agency]
    report_iri = iris.report(report.agency, report.year)
    terms = _CellTerms(dis, value_measure(fmt), f"{iris.common('unit')}/", f"{iris.common('cell-status')}/")
    labels_of = _Labels(labels)
    dimensions = [(dim.property, dim.record_key, dim.code_base) for dim in fmt.dimensions]
    if isinstance(graph, ReportTriples):
        fixed = {"report": str(report_iri), "agency": report.agency, "agency_zh": agency.name.zh,
                 "agency_en": agency.name.en, "year": str(report.year)}  # fmt: skip
        return _indexed_rows(report, graph, iris, dis, fixed, dimensions, labels_of, terms)
    rows = []
    for cell, kind in _cells(report, graph, iris, dis):
        blank = kind == terms.blank_cell
        row = {
            "report": str(report_iri),
            "agency": report.agency,
            "agency_zh": agency.name.zh,
            "agency_en": agency.name.en,
            "year": str(report.year),
            "figure": str(cell),
            "type": str(kind),
            "dataset": "" if blank else str(report_iri),
            "cell_of": str(report_iri) if blank else "",
        }
        for prop, key, code_base in dimensions:
            code = graph.value(cell, prop)
            zh, en = labels_of(code)
            row |= {key: _code(code, code_base) if code else "", f"{key}_zh": zh, f"{key}_en": en}
        row |= _value_columns(graph, cell, blank, labels_of, terms)
        rows.append(row)
    return rows


def _indexed_rows(
    report: Report,
    graph: ReportTriples,
    iris: Iris,
    dis: type[DisclosureTerms],
    fixed: dict[str, str],
    dimensions: Sequence[tuple[URIRef, str, str]],
    labels_of: _Labels,
    terms: _CellTerms,
) -> list[dict[str, str]]:
    """`observation_rows` read from a `ReportTriples` index by its IRIs' text: the same rows, no rdflib terms.

    Each cell's statements are looked up once, and each object's text is what `str` gives of its rdflib
    term (`_IndexedText`); an rdflib term is made only for a code's labels and where rdflib's truth value
    of a term is read (`if code`, `value or ""`), each once a report.
    """
    spo = graph.spo
    text = _IndexedText(graph)
    observation, blank_cell = ox.NamedNode(str(QB.Observation)), ox.NamedNode(str(terms.blank_cell))
    kinds: dict[str, URIRef] = {}
    for subject, statements in spo.items():
        types = statements.get(_TYPE_IRI)
        if types is None or subject.startswith("_:"):
            continue
        if blank_cell in types:
            kinds[subject] = terms.blank_cell
        elif observation in types:
            kinds[subject] = QB.Observation
    order = {str(iris.figure(report.agency, report.year, f.key)): i for i, f in enumerate(report.figures)}
    cells = sorted(kinds, key=lambda o: (order.get(o, len(order)), o))
    report_iri = fixed["report"]
    dimension_iris = [(str(prop), key, code_base) for prop, key, code_base in dimensions]
    measure, unit_iri, status_iri, stated_iri = (
        str(terms.measure), str(terms.unit), str(terms.cell_status), str(terms.stated_at)
    )  # fmt: skip
    labels = _IndexedLabels(graph, labels_of)
    rows = []
    for cell in cells:
        kind = kinds[cell]
        blank = kind is terms.blank_cell
        statements = spo[cell]
        row = fixed | {
            "figure": cell,
            "type": str(kind),
            "dataset": "" if blank else report_iri,
            "cell_of": report_iri if blank else "",
        }
        for prop, key, code_base in dimension_iris:
            found = statements.get(prop)
            code = found[0] if found else None
            zh, en = labels(code)
            present = code is not None and bool(code.value if type(code) is ox.NamedNode else graph.rdf_term(code))
            row |= {key: _code(text(code), code_base) if present else "", f"{key}_zh": zh, f"{key}_en": en}
        value = None if blank else _first(statements, measure)
        unit = None if blank else _first(statements, unit_iri)
        unit_zh, unit_en = labels(unit)
        status = _first(statements, status_iri)
        status_zh, status_en = labels(status)
        quote, start, end = _indexed_quote(graph, text, _first(statements, stated_iri))
        row |= _value_row(
            "" if value is None else text(value),
            _code(text(unit), terms.unit_base) if unit is not None else "",
            (unit_zh, unit_en),
            _code(text(status), terms.status_base) if status is not None else "",
            (status_zh, status_en),
            blank,
            (quote, start, end),
        )
        rows.append(row)
    return rows


def _first(statements: Mapping[str, Sequence[OxTerm]], predicate: str) -> OxTerm | None:
    """The first object of a predicate in a subject's statements (`ReportTriples.value`), or None."""
    found = statements.get(predicate)
    return found[0] if found else None


def _indexed_quote(graph: ReportTriples, text: _IndexedText, segment: OxTerm | None) -> tuple[str, str, str]:
    """`_quote` read from the index."""
    quote, start, end = "", "", ""
    if segment is None:
        return quote, start, end
    for selector in graph.spo.get(text.key(segment), {}).get(_HAS_SELECTOR_IRI, ()):
        statements = graph.spo.get(text.key(selector), {})
        types = statements.get(_TYPE_IRI, ())
        if _QUOTE_SELECTOR_NODE in types:
            exact = _first(statements, _EXACT_IRI)
            if type(exact) is ox.Literal and exact.datatype == _XSD_STRING_NODE:
                quote = exact.value  # a plain string: its truth value is that of its text
            else:
                quote = str((graph.rdf_term(exact) if exact is not None else None) or "")
        if _POSITION_SELECTOR_NODE in types:
            first, last = _first(statements, _START_IRI), _first(statements, _END_IRI)
            start = "None" if first is None else text(first)
            end = "None" if last is None else text(last)
    return quote, start, end


class _IndexedText:
    """What `str` gives of an Oxigraph term's rdflib term (`ReportTriples.rdf_term`): an IRI's or a blank
    node's value; a literal's lexical form as rdflib makes it (which may be normalised), remembered by the
    process (the cells' values repeat across reports)."""

    #: How many literals are remembered at most (then forgotten, and made again as met).
    LIMIT = 100_000

    def __init__(self, graph: ReportTriples) -> None:
        self.graph = graph

    def __call__(self, node: OxTerm | None) -> str:
        if type(node) is not ox.Literal:
            return node.value if node is not None else "None"
        known = _LEXICAL
        found = known.get(node)
        if found is None:
            if len(known) >= self.LIMIT:
                known.clear()
            found = known[node] = str(self.graph.rdf_term(node))
        return found

    def key(self, node: OxTerm) -> str:
        """How `ReportTriples.spo` names a node as a subject (what `ntriples.key` gives of its rdflib term)."""
        return f"_:{node.value}" if type(node) is ox.BlankNode else self(node)


class _IndexedLabels:
    """`_Labels` of Oxigraph terms: each term's rdflib term looked up once a report."""

    def __init__(self, graph: ReportTriples, labels: _Labels) -> None:
        self.graph, self.labels = graph, labels
        self.found: dict[OxTerm | None, tuple[str, str]] = {None: ("", "")}

    def __call__(self, node: OxTerm | None) -> tuple[str, str]:
        found = self.found.get(node)
        if found is None:
            found = self.found[node] = self.labels(self.graph.rdf_term(node))  # type: ignore[arg-type]
        return found


def _cells(report: Report, graph: CellLookup, iris: Iris, dis: type[DisclosureTerms]) -> list[tuple[URIRef, URIRef]]:
    """Each cell of the report with its class (qb:Observation or dis:BlankCell), in the order of the record."""
    order = {iris.figure(report.agency, report.year, f.key): i for i, f in enumerate(report.figures)}
    kinds = {o: QB.Observation for o in graph.subjects(RDF.type, QB.Observation) if isinstance(o, URIRef)}
    kinds |= {o: dis.BlankCell for o in graph.subjects(RDF.type, dis.BlankCell) if isinstance(o, URIRef)}
    cells = sorted(kinds, key=lambda o: (order.get(o, len(order)), str(o)))
    return [(cell, kinds[cell]) for cell in cells]


class _CellTerms:
    """What a cell's value, unit and status are read with: our terms, the measure, the code lists' bases.

    Each term is looked up in its namespace once (a namespace's attribute is a function call).
    """

    def __init__(self, dis: type[DisclosureTerms], measure: URIRef, unit_base: str, status_base: str) -> None:
        self.measure, self.unit_base, self.status_base = measure, unit_base, status_base
        self.blank_cell, self.unit, self.cell_status, self.stated_at = (
            dis.BlankCell, dis.unit, dis.cellStatus, dis.statedAt
        )  # fmt: skip


def _value_columns(graph: CellLookup, cell: URIRef, blank: bool, labels: _Labels, terms: _CellTerms) -> dict[str, str]:
    """A cell's value, unit, status and quote columns."""
    value = None if blank else graph.value(cell, terms.measure)
    unit = None if blank else graph.value(cell, terms.unit)
    unit_zh, unit_en = labels(unit)
    status = graph.value(cell, terms.cell_status)
    status_zh, status_en = labels(status)
    return _value_row(
        "" if value is None else str(value),
        _code(unit, terms.unit_base) if unit is not None else "",
        (unit_zh, unit_en),
        _code(status, terms.status_base) if status is not None else "",
        (status_zh, status_en),
        blank,
        _quote(graph, graph.value(cell, terms.stated_at)),
    )


def _value_row(
    value: str,
    unit: str,
    unit_labels: tuple[str, str],
    status: str,
    status_labels: tuple[str, str],
    blank: bool,
    quote: tuple[str, str, str],
) -> dict[str, str]:
    """A cell's value, unit, status and quote columns, from their texts (its codes and labels already read)."""
    return {
        "value": value,
        "unit": unit,
        "unit_zh": unit_labels[0],
        "unit_en": unit_labels[1],
        "status": status,
        "status_zh": status_labels[0],
        "status_en": status_labels[1],
        "blank": "true" if blank else "false",
        "quote": quote[0],
        "quote_start": quote[1],
        "quote_end": quote[2],
    }


def _quote(graph: CellLookup, segment: Node | None) -> tuple[str, str, str]:
    """The quote of a source segment, and where it starts and ends in the source ("" when there is none)."""
    quote, start, end = "", "", ""
    for selector in graph.objects(segment, _HAS_SELECTOR) if segment is not None else ():
        if (selector, _TYPE, _QUOTE_SELECTOR) in graph:
            quote = str(graph.value(selector, _EXACT) or "")
        if (selector, _TYPE, _POSITION_SELECTOR) in graph:
            start, end = str(graph.value(selector, _START)), str(graph.value(selector, _END))
    return quote, start, end


def to_csv(rows: Sequence[Mapping[str, str]], columns: Sequence[str]) -> bytes:
    """UTF-8 with a byte-order mark (so spreadsheet programs read Chinese right), CRLF lines."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")  # what csv.DictWriter writes, without its checks per row
    writer.writerow(columns)
    writer.writerows([row.get(c, "") for c in columns] for row in rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


# ---------------------------------------------------------------------------
# The CSVW metadata
# ---------------------------------------------------------------------------


def csvw_metadata(data: ReportSource, csv_name: str, iris: Iris, licence: str) -> bytes:
    """CSVW metadata for a report's CSV: column names, types, and how each maps to the RDF.

    Every row is about its cell (`aboutUrl` {+figure}). Observations and blank cells
    share the dimensions and the cell status; what only one kind has is in columns
    that are empty (null) on the other kind's rows: its class (`type`, written out
    per row), its link to the report (`dataset` or `cell_of`), its value and unit.
    """
    report = data.report
    report_iri = iris.report(report.agency, report.year)
    metadata = {
        "@context": [CSVW_CONTEXT, {"@language": "zh"}],
        "url": csv_name,
        "dc:title": [
            {"@value": f"{report.agency} {report.year}：每格一行（含原文留空的格）", "@language": "zh"},
            {"@value": f"{report.agency} {report.year}: one row per cell (blank cells included)", "@language": "en"},
        ],
        "dc:source": {"@id": str(report_iri)},
        "dc:license": {"@id": licence},
        "dialect": {"encoding": "utf-8", "header": True, "lineTerminators": ["\r\n"]},
        "tableSchema": {"columns": _table_columns(data.fmt, iris), "primaryKey": "figure", "aboutUrl": "{+figure}"},
    }
    return (json.dumps(metadata, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def _table_columns(fmt: Format, iris: Iris) -> list[dict[str, Any]]:
    """The CSVW description of each column of the CSV, in order."""
    dis = iris.vocabulary
    columns: list[dict[str, Any]] = []

    def column(name: str, datatype: str = "string", **extra: Any) -> None:
        zh, en = DESCRIPTIONS.get(name, ("", ""))
        spec: dict[str, Any] = {"name": name, "titles": name, "datatype": datatype}
        if zh:
            spec["dc:description"] = [{"@value": zh, "@language": "zh"}, {"@value": en, "@language": "en"}]
        spec |= extra
        if "propertyUrl" not in spec:
            spec["suppressOutput"] = True
        columns.append(spec)

    column("report", "anyURI", required=True)
    column("agency", required=True, propertyUrl=dis + "agency", valueUrl=iris.agencies + "{agency}")
    column("agency_zh")
    column("agency_en")
    column("year", "gYear", required=True, propertyUrl=dis + "reportYear")
    column("figure", "anyURI", required=True)
    column("type", "anyURI", required=True, propertyUrl=str(RDF.type), valueUrl="{+type}")
    column("dataset", "anyURI", propertyUrl=str(QB.dataSet), valueUrl="{+dataset}")
    column("cell_of", "anyURI", propertyUrl=dis + "cellOf", valueUrl="{+cell_of}")
    for dim in fmt.dimensions:
        key = dim.record_key
        column(key, required=True, propertyUrl=str(dim.property), valueUrl=f"{dim.code_base}{{+{key}}}")
        columns[-1]["dc:description"] = [
            {"@value": f"维度代码（{key}）", "@language": "zh"},
            {"@value": f"Dimension code ({key})", "@language": "en"},
        ]
        for lang, word in (("zh", "中文"), ("en", "英文")):
            column(f"{key}_{lang}")
            columns[-1]["dc:description"] = [
                {"@value": f"维度代码的{word}标签", "@language": "zh"},
                {
                    "@value": f"Label of the dimension code in {'Chinese' if lang == 'zh' else 'English'}",
                    "@language": "en",
                },
            ]
    column("value", _measure_datatype(fmt, iris.vocabulary), propertyUrl=str(value_measure(fmt)))
    column("unit", propertyUrl=dis + "unit", valueUrl=f"{iris.common('unit')}/{{unit}}")
    column("unit_zh")
    column("unit_en")
    column("status", required=True, propertyUrl=dis + "cellStatus", valueUrl=f"{iris.common('cell-status')}/{{status}}")
    column("status_zh")
    column("status_en")
    column("blank", "boolean", required=True)
    column("quote")
    column("quote_start", "nonNegativeInteger")
    column("quote_end", "nonNegativeInteger")
    return columns
