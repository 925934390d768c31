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

from rdflib import Graph, Literal, URIRef
from rdflib.term import Node

from publisher.errors import FormatError
from publisher.graph.formats import Format
from publisher.rdf.iris import Iris
from publisher.rdf.namespaces import OA, QB, RDF, SKOS, DisclosureTerms, vocabulary
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
    quote, start, end = _quote(graph, graph.value(cell, terms.stated_at))
    return {
        "value": "" if value is None else str(value),
        "unit": _code(unit, terms.unit_base) if unit is not None else "",
        "unit_zh": unit_zh,
        "unit_en": unit_en,
        "status": _code(status, terms.status_base) if status is not None else "",
        "status_zh": status_zh,
        "status_en": status_en,
        "blank": "true" if blank else "false",
        "quote": quote,
        "quote_start": start,
        "quote_end": end,
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
