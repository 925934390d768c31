"""Downloads: the files people take away, written at build time into the release.

    {release}/downloads/{agency}-{year}.ttl                 the report's graph, Turtle
    {release}/downloads/{agency}-{year}.jsonld              the same, JSON-LD (context inline)
    {release}/downloads/{agency}-{year}.nt                  the same, N-Triples (sorted lines)
    {release}/downloads/{agency}-{year}.csv                 one row per cell, blank cells included (tidy)
    {release}/downloads/{agency}-{year}.csv-metadata.json   its CSVW metadata
    {release}/downloads/{agency}-{year}.source.txt          the source document, byte for byte
    {release}/downloads/corpus.nq.gz                        every named graph of the store
    {release}/downloads/corpus.{ttl,nt,jsonld,csv}.gz       the corpus in each format
    {release}/downloads/index.json                          size, SHA-256, dates of each file

Files are written before the release is published, so the atomic switch of
`current` covers them and every size and checksum in the catalog is that of the
bytes served. The output is deterministic where the data is (sorted triples,
sorted JSON, gzip without a timestamp), so an unchanged report keeps its bytes,
checksum and `modified` date from one build to the next: `index.json` carries
`issued` (first published) and `modified` (bytes last changed) forward from the
previous release.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import hashlib
import io
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Protocol

from pyoxigraph import BlankNode, Quad, RdfFormat, Store, Triple, parse
from pyoxigraph import Literal as OxLiteral
from pyoxigraph import NamedNode as OxNamedNode
from pyoxigraph import serialize as ox_serialize
from rdflib import BNode as RdfBNode
from rdflib import Graph, Literal, URIRef
from rdflib.compare import to_canonical_graph
from rdflib.term import Node

from publisher.errors import FormatError
from publisher.formats import Format
from publisher.iris import Iris
from publisher.mediatypes import FILE_BY_NAME, RDF_BY_NAME, media_type_of
from publisher.namespaces import OA, QB, RDF, SKOS, prefixes, vocabulary
from publisher.records import Registry, Report

DOWNLOADS = "downloads"
INDEX = "index.json"
CORPUS = "corpus"
CSVW_CONTEXT = "http://www.w3.org/ns/csvw"
XSD = "http://www.w3.org/2001/XMLSchema#"
XSD_STRING = XSD + "string"
RDF_TYPE = str(RDF.type)


@dataclass(frozen=True)
class DownloadFile:
    """One file under {release}/downloads, as the catalog describes it."""

    name: str  # file name, also the last segment of its URL
    kind: str  # turtle, jsonld, ntriples, csv, csvw, source, nquads
    media_type: str  # of the content (of the uncompressed content when compressed)
    compressed: bool  # gzip
    size: int
    sha256: str
    issued: str  # ISO 8601 UTC: first published with these or earlier bytes
    modified: str  # ISO 8601 UTC: these bytes first published
    dataset: str  # the IRI of the dataset it is a distribution of

    @property
    def served_type(self) -> str:
        """The Content-Type the file is served with."""
        return FILE_BY_NAME["gzip"].media_type if self.compressed else self.media_type


@dataclass(frozen=True)
class ReportData:
    """What the downloads of one report are made from."""

    report: Report
    graph: Graph
    fmt: Format


# ---------------------------------------------------------------------------
# Serialisations
# ---------------------------------------------------------------------------


def turtle_prefixes(base: str) -> dict[str, str]:
    """The prefixes of our Turtle (the /id/ paths read better whole, as in the web documents)."""
    return {k: v for k, v in prefixes(base).items() if "/id/" not in v}


def jsonld_context(base: str) -> dict[str, str]:
    """The JSON-LD context: the same as {base}/context.jsonld serves."""
    return dict(sorted(prefixes(base).items()))


def sorted_ntriples(graph: Graph) -> bytes:
    """The graph as N-Triples, one line per triple as rdflib's serialiser writes it, lines sorted and each once."""
    return ("\n".join(sorted(set(ntriples_lines(graph)))) + "\n").encode("utf-8")


def ntriples_of(triples: Iterable[tuple[Node, Node, Node]]) -> bytes:
    """Triples as N-Triples in the order given (as rdflib writes each), for a parser to read."""
    return "".join(line + "\n" for line in ntriples_lines(triples)).encode("utf-8")


def ntriples_lines(triples: Iterable[tuple[Node, Node, Node]]) -> Iterator[str]:
    """Each triple as the line rdflib's N-Triples serialiser writes for it (without the line end).

    The same text as `Graph.serialize(format="nt")` (rdflib.plugins.serializers.nt), made
    faster by writing each IRI and blank node once per call: rdflib checks every IRI
    it writes, a few times per triple.
    """
    written: dict[Node, str] = {}
    for subject, predicate, obj in triples:
        s = written.get(subject)
        if s is None:
            s = written[subject] = subject.n3()
        p = written.get(predicate)
        if p is None:
            p = written[predicate] = predicate.n3()
        o = _nt_literal(obj) if isinstance(obj, Literal) else written.get(obj)
        if o is None:
            o = written[obj] = obj.n3()
        yield f"{s} {p} {o} ."


def _nt_literal(literal: Literal) -> str:
    """A literal as rdflib's N-Triples serialiser writes it (its `_quoteLiteral`)."""
    text = literal.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"').replace("\r", "\\r")
    if literal.language:
        if literal.datatype:
            raise ValueError(f"Literal has datatype AND language: {literal!r}")
        return f'"{text}"@{literal.language}'
    if literal.datatype:
        return f'"{text}"^^<{literal.datatype}>'
    return f'"{text}"'


def parse_ntriples(ntriples: bytes) -> list[Triple]:
    """N-Triples parsed by Oxigraph, in document order."""
    return [quad.triple for quad in parse(ntriples, format=RdfFormat.N_TRIPLES)]


def to_turtle(ntriples: bytes, base: str, triples: Sequence[Triple] | None = None) -> bytes:
    """The N-Triples as Turtle with our prefixes (`triples`: the same, parsed already)."""
    triples = parse_ntriples(ntriples) if triples is None else triples
    data = ox_serialize(triples, format=RdfFormat.TURTLE, prefixes=turtle_prefixes(base))
    assert data is not None
    return data


def to_jsonld(graph: Graph, base: str) -> bytes:
    """Compacted JSON-LD with the context inline (a download must stand alone), in a stable order."""
    return jsonld_document(sorted_ntriples(graph), base)


def jsonld_document(ntriples: bytes, base: str, nodes: list[dict[str, Any]] | None = None) -> bytes:
    """The N-Triples as one compacted JSON-LD document: the context inline, a node object per subject."""
    nodes = jsonld_nodes(ntriples, base) if nodes is None else nodes
    document = {"@context": jsonld_context(base), "@graph": nodes}
    return (json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode("utf-8")


def jsonld_nodes(ntriples: bytes, base: str, triples: Sequence[Triple] | None = None) -> list[dict[str, Any]]:
    """The node objects of compacted JSON-LD (with the context of `jsonld_context`), sorted by @id.

    Written here rather than by a JSON-LD library: rdflib's compaction takes a quarter
    of a second for one report, which a corpus of 10,000 cannot afford. Compaction is
    only prefix compaction — every namespace of the context ends in / or #, so each
    compact IRI expands back to the IRI — and literals keep their datatype or language.
    `triples`: the N-Triples parsed already (`parse_ntriples`).
    """
    compact = _Compactor(jsonld_context(base))
    nodes: dict[str, dict[str, Any]] = {}
    for subject, predicate, obj in parse_ntriples(ntriples) if triples is None else triples:
        sid = f"_:{subject.value}" if isinstance(subject, BlankNode) else compact(subject.value)
        node = nodes.get(sid)
        if node is None:
            node = nodes[sid] = {"@id": sid}
        key = predicate.value
        value: Any
        if isinstance(obj, OxLiteral):
            language = obj.language
            if language:
                value = {"@language": language, "@value": obj.value}
            else:
                datatype = obj.datatype.value
                value = obj.value if datatype == XSD_STRING else {"@type": compact(datatype), "@value": obj.value}
        elif isinstance(obj, BlankNode):
            value = {"@id": f"_:{obj.value}"}
        elif key == RDF_TYPE:
            key, value = "@type", compact(obj.value)
        else:
            value = {"@id": compact(obj.value)}
        if key != "@type":
            key = compact(key)
        values = node.get(key)
        if values is None:
            node[key] = [value]
        else:
            values.append(value)
    for node in nodes.values():
        for key, values in node.items():
            if isinstance(values, list):
                if len(values) > 1:
                    values.sort(key=_value_order)
                elif key != "@type":
                    node[key] = values[0]
    return [nodes[key] for key in sorted(nodes)]


def _value_order(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return ("", value)
    return tuple(f"{k}={v}" for k, v in sorted(value.items()))


class _Compactor:
    """IRI → compact IRI (prefix:local) with the longest namespace of the context that has it."""

    def __init__(self, context: Mapping[str, str]) -> None:
        self.namespaces = sorted(
            ((ns, prefix) for prefix, ns in context.items() if ns.endswith(("/", "#"))), key=lambda p: -len(p[0])
        )
        self.cache: dict[str, str] = {}

    def __call__(self, iri: str) -> str:
        found = self.cache.get(iri)
        if found is None:
            found = iri
            for namespace, prefix in self.namespaces:
                local = iri[len(namespace) :]
                if iri.startswith(namespace) and local and not local.startswith("//"):
                    found = f"{prefix}:{local}"
                    break
            self.cache[iri] = found
        return found


def _stable(value: Any, key: str = "") -> Any:
    """Sort unordered JSON-LD arrays (never @list) so the same graph gives the same bytes."""
    if isinstance(value, dict):
        return {k: _stable(v, k) for k, v in value.items()}
    if isinstance(value, list):
        items = [_stable(v) for v in value]
        if key == "@list":
            return items
        return sorted(items, key=lambda v: json.dumps(v, ensure_ascii=False, sort_keys=True))
    return value


# ---------------------------------------------------------------------------
# A report's graph parsed once, for the files made from it
# ---------------------------------------------------------------------------

_XSD_STRING_IRI = URIRef(XSD_STRING)


class ReportTriples:
    """A report's graph as sorted N-Triples, parsed once for every file made from it.

    `triples` are Oxigraph's (what the Turtle and JSON-LD are written from); `spo` holds
    the same as rdflib terms — made exactly as rdflib terms of a graph parsed from these
    N-Triples would be — by subject and predicate, for the lookups of the CSV rows, the
    statistics and the catalog entry. Filling an rdflib graph's memory store with a
    report costs more than all of those lookups together; `graph_of` gives an rdflib
    graph of some subjects only, for code that wants one.
    """

    def __init__(self, ntriples: bytes) -> None:
        self.ntriples = ntriples
        self.triples = parse_ntriples(ntriples)
        terms: dict[Any, Node] = {}

        def term(node: Any) -> Node:
            found = terms.get(node)
            if found is None:
                if isinstance(node, OxNamedNode):
                    found = URIRef(node.value)
                elif isinstance(node, OxLiteral):
                    if node.language:
                        found = Literal(node.value, lang=node.language)
                    elif node.datatype.value == XSD_STRING:
                        found = Literal(node.value)
                    else:
                        found = Literal(node.value, datatype=URIRef(node.datatype.value))
                else:
                    found = RdfBNode(node.value)
                terms[node] = found
            return found

        spo: dict[Node, dict[Node, list[Node]]] = {}
        seen: set[tuple[Node, Node, Node]] = set()
        for subject, predicate, obj in self.triples:
            triple = (term(subject), term(predicate), term(obj))
            if triple in seen:
                continue  # the same rdflib triple (rdflib's terms are equal where Oxigraph's were not)
            seen.add(triple)
            spo.setdefault(triple[0], {}).setdefault(triple[1], []).append(triple[2])
        self.spo = spo
        self.count = len(seen)
        self._seen = seen

    def __len__(self) -> int:
        return self.count

    def __contains__(self, triple: tuple[Node, Node, Node]) -> bool:
        return triple in self._seen

    def value(self, subject: Node, predicate: Node) -> Node | None:
        """The first object of subject and predicate (what rdflib's `Graph.value` gives), or None."""
        found = self.spo.get(subject, {}).get(predicate)
        return found[0] if found else None

    def objects(self, subject: Node, predicate: Node) -> list[Node]:
        return list(self.spo.get(subject, {}).get(predicate, ()))

    def subjects(self, predicate: Node, obj: Node) -> list[Node]:
        return [s for s, po in self.spo.items() if obj in po.get(predicate, ())]

    def graph_of(self, subjects: Iterable[Node]) -> Graph:
        """An rdflib graph of the statements of these subjects (all of them: `graph_of(triples.spo)`)."""
        graph = Graph()
        for subject in subjects:
            for predicate, objects in self.spo.get(subject, {}).items():
                for obj in objects:
                    graph.add((subject, predicate, obj))
        return graph


class CellLookup(Protocol):
    """What the CSV rows read of a report's graph: an rdflib `Graph` or a `ReportTriples`."""

    def value(self, subject: Node, predicate: Node) -> Node | None: ...

    def objects(self, subject: Node, predicate: Node) -> Iterable[Node]: ...

    def subjects(self, predicate: Node, obj: Node) -> Iterable[Node]: ...

    def __contains__(self, triple: tuple[Node, Node, Node]) -> bool: ...


# ---------------------------------------------------------------------------
# Tidy CSV and its CSVW metadata
# ---------------------------------------------------------------------------
#
# One row per cell of the report: every qb:Observation and every dis:BlankCell (a
# cell the source leaves blank: a row with an empty value and status `blank`, never
# a 0). The CSVW metadata maps each row back to the report's graph and says no more
# than the graph does: a row's class is its `type` cell, so a blank cell is not
# typed qb:Observation, and its link to the report is `dataset` (qb:dataSet) for an
# observation and `cell_of` (dis:cellOf) for a blank cell, the other left empty. An
# empty cell is null in CSVW and a null cell of a non-virtual column makes no
# triple (tabular-data-model §6.4.9, csv2rdf §4.6.8).

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

# The CSVW datatype of the `value` column for each measure a format's structure may have
# (their rdfs:range in ontology/disclosure.ttl).
MEASURE_DATATYPES = {"count": "integer", "amount": "decimal", "quantity": "decimal"}


def csv_columns(dimension_keys: Iterable[str]) -> list[str]:
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


def _measure_datatype(fmt: Format, base: str) -> str:
    measure = str(value_measure(fmt))
    local = measure.removeprefix(f"{base}/def/disclosure#")
    if local not in MEASURE_DATATYPES:
        raise FormatError(
            f"Format {fmt.slug}: its measure {measure} is not one the CSV download knows "
            f"(dis:{', dis:'.join(MEASURE_DATATYPES)}). See ontology/formats/{fmt.slug}.ttl."
        )
    return MEASURE_DATATYPES[local]


def _labels(graph: Graph, node: object) -> tuple[str, str]:
    found: dict[str | None, str] = {}
    for value in graph.objects(node, SKOS.prefLabel):  # type: ignore[arg-type]
        if isinstance(value, Literal):
            found.setdefault(value.language, str(value))
    return found.get("zh", ""), found.get("en", "")


def _code(iri: object, prefix: str) -> str:
    text = str(iri)
    return text[len(prefix) :] if text.startswith(prefix) else text


def observation_rows(
    data: ReportData, registry: Registry, labels: Graph, iris: Iris, graph: CellLookup | None = None
) -> list[dict[str, str]]:
    """One row per cell of the report (each qb:Observation and each dis:BlankCell), in the order of the record.

    `graph`: where to look the cells up, when not in `data.graph` (the same report's `ReportTriples`).
    """
    dis = vocabulary(iris.base)
    report, fmt = data.report, data.fmt
    graph = data.graph if graph is None else graph
    agency = registry.agencies[report.agency]
    report_iri = iris.report(report.agency, report.year)
    order = {iris.figure(report.agency, report.year, f.key): i for i, f in enumerate(report.figures)}
    kinds = {o: QB.Observation for o in graph.subjects(RDF.type, QB.Observation) if isinstance(o, URIRef)}
    kinds |= {o: dis.BlankCell for o in graph.subjects(RDF.type, dis.BlankCell) if isinstance(o, URIRef)}
    cells = sorted(kinds, key=lambda o: (order.get(o, len(order)), str(o)))
    measure = value_measure(fmt)
    unit_base = f"{iris.base}/def/common/unit/"
    status_base = f"{iris.base}/def/common/cell-status/"
    rows = []
    for cell in cells:
        blank = kinds[cell] == dis.BlankCell
        row = {
            "report": str(report_iri),
            "agency": report.agency,
            "agency_zh": agency.name.zh,
            "agency_en": agency.name.en,
            "year": str(report.year),
            "figure": str(cell),
            "type": str(kinds[cell]),
            "dataset": "" if blank else str(report_iri),
            "cell_of": str(report_iri) if blank else "",
        }
        for dim in fmt.dimensions:
            code = graph.value(cell, dim.property)
            zh, en = _labels(labels, code) if code is not None else ("", "")
            row |= {dim.record_key: _code(code, dim.code_base) if code else "", f"{dim.record_key}_zh": zh}
            row[f"{dim.record_key}_en"] = en
        value = None if blank else graph.value(cell, measure)
        unit = None if blank else graph.value(cell, dis.unit)
        unit_zh, unit_en = _labels(labels, unit) if unit is not None else ("", "")
        status = graph.value(cell, dis.cellStatus)
        status_zh, status_en = _labels(labels, status) if status is not None else ("", "")
        quote, start, end = "", "", ""
        segment = graph.value(cell, dis.statedAt)
        for selector in graph.objects(segment, OA.hasSelector) if segment is not None else ():
            if (selector, RDF.type, OA.TextQuoteSelector) in graph:
                quote = str(graph.value(selector, OA.exact) or "")
            if (selector, RDF.type, OA.TextPositionSelector) in graph:
                start, end = str(graph.value(selector, OA.start)), str(graph.value(selector, OA.end))
        row |= {
            "value": "" if value is None else str(value),
            "unit": _code(unit, unit_base) if unit is not None else "",
            "unit_zh": unit_zh,
            "unit_en": unit_en,
            "status": _code(status, status_base) if status is not None else "",
            "status_zh": status_zh,
            "status_en": status_en,
            "blank": "true" if blank else "false",
            "quote": quote,
            "quote_start": start,
            "quote_end": end,
        }
        rows.append(row)
    return rows


def to_csv(rows: Sequence[Mapping[str, str]], columns: Sequence[str]) -> bytes:
    """UTF-8 with a byte-order mark (so spreadsheet programs read Chinese right), CRLF lines."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(columns), lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({c: row.get(c, "") for c in columns})
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def csvw_metadata(data: ReportData, csv_name: str, iris: Iris, licence: str) -> bytes:
    """CSVW metadata for a report's CSV: column names, types, and how each maps to the RDF.

    Every row is about its cell (`aboutUrl` {+figure}). Observations and blank cells
    share the dimensions and the cell status; what only one kind has is in columns
    that are empty (null) on the other kind's rows: its class (`type`, written out
    per row), its link to the report (`dataset` or `cell_of`), its value and unit.
    """
    dis = f"{iris.base}/def/disclosure#"
    report = data.report
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
    column("agency", required=True, propertyUrl=dis + "agency", valueUrl=f"{iris.base}/id/agency/{{agency}}")
    column("agency_zh")
    column("agency_en")
    column("year", "gYear", required=True, propertyUrl=dis + "reportYear")
    column("figure", "anyURI", required=True)
    column("type", "anyURI", required=True, propertyUrl=str(RDF.type), valueUrl="{+type}")
    column("dataset", "anyURI", propertyUrl=str(QB.dataSet), valueUrl="{+dataset}")
    column("cell_of", "anyURI", propertyUrl=dis + "cellOf", valueUrl="{+cell_of}")
    for dim in data.fmt.dimensions:
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
    column("value", _measure_datatype(data.fmt, iris.base), propertyUrl=str(value_measure(data.fmt)))
    column("unit", propertyUrl=dis + "unit", valueUrl=f"{iris.base}/def/common/unit/{{unit}}")
    column("unit_zh")
    column("unit_en")
    column(
        "status",
        required=True,
        propertyUrl=dis + "cellStatus",
        valueUrl=f"{iris.base}/def/common/cell-status/{{status}}",
    )
    column("status_zh")
    column("status_en")
    column("blank", "boolean", required=True)
    column("quote")
    column("quote_start", "nonNegativeInteger")
    column("quote_end", "nonNegativeInteger")
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
        "tableSchema": {"columns": columns, "primaryKey": "figure", "aboutUrl": "{+figure}"},
    }
    return (json.dumps(metadata, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


# ---------------------------------------------------------------------------
# Writing the files, and the index that carries dates across builds
# ---------------------------------------------------------------------------


def report_stem(agency: str, year: int) -> str:
    return f"{agency}-{year}"


def write_report_files(
    downloads: Path,
    data: ReportData,
    registry: Registry,
    labels: Graph,
    iris: Iris,
    licence: str,
    ntriples: bytes | None = None,
    nodes: list[dict[str, Any]] | None = None,
    parsed: ReportTriples | None = None,
) -> tuple[dict[str, tuple[str, bytes]], list[dict[str, str]]]:
    """Write one report's files; returns name → (kind, bytes), and the CSV's rows.

    `ntriples` (the graph as sorted N-Triples), `nodes` (its JSON-LD node objects) and
    `parsed` (the same N-Triples parsed: its files are then made from it, not from
    `data.graph`) may be given when the caller has them already.
    """
    stem = report_stem(data.report.agency, data.report.year)
    if parsed is not None:
        ntriples = parsed.ntriples
    elif ntriples is None:
        ntriples = sorted_ntriples(data.graph)
    triples = parsed.triples if parsed is not None else None
    nodes = jsonld_nodes(ntriples, iris.base, triples) if nodes is None else nodes
    rows = observation_rows(data, registry, labels, iris, parsed)
    files = {
        f"{stem}.ttl": ("turtle", to_turtle(ntriples, iris.base, triples)),
        f"{stem}.jsonld": ("jsonld", jsonld_document(ntriples, iris.base, nodes)),
        f"{stem}.nt": ("ntriples", ntriples),
        f"{stem}.csv": ("csv", to_csv(rows, csv_columns(d.record_key for d in data.fmt.dimensions))),
        f"{stem}.csv-metadata.json": ("csvw", csvw_metadata(data, f"{stem}.csv", iris, licence)),
        f"{stem}.source.txt": ("source", data.report.source.path.read_bytes()),
    }
    for name, (_kind, body) in files.items():
        (downloads / name).write_bytes(body)
    return files, rows


def write_corpus_files(
    downloads: Path, store: Store, rows: Sequence[Mapping[str, str]], dimension_keys: Iterable[str], base: str
) -> dict[str, tuple[str, bytes]]:
    """The whole store as gzipped N-Quads, and its triples (merged) in each format, gzipped."""
    nquads = canonical_nquads(store)
    merged = _merged_graph(nquads)
    ntriples = sorted_ntriples(merged)
    plain = {
        f"{CORPUS}.nq.gz": ("nquads", nquads),
        f"{CORPUS}.ttl.gz": ("turtle", to_turtle(ntriples, base)),
        f"{CORPUS}.nt.gz": ("ntriples", ntriples),
        f"{CORPUS}.jsonld.gz": ("jsonld", to_jsonld(merged, base)),
        f"{CORPUS}.csv.gz": ("csv", to_csv(rows, csv_columns(dimension_keys))),
    }
    files = {name: (kind, gzip.compress(body, compresslevel=9, mtime=0)) for name, (kind, body) in plain.items()}
    for name, (_kind, body) in files.items():
        (downloads / name).write_bytes(body)
    return files


def canonical_nquads(store: Store) -> bytes:
    """Every named graph as sorted N-Quads, blank nodes labelled canonically (per graph, so they never merge).

    The store's blank node labels are random per build; canonical ones keep an unchanged
    graph's bytes, and so its checksum and `modified` date, from one build to the next.
    """
    return canonical_nquads_of(store, sorted(store.named_graphs(), key=str))


def canonical_nquads_of(store: Store, graphs: Iterable[Any]) -> bytes:
    """The named graphs given, as sorted N-Quads with canonical blank node labels (see canonical_nquads)."""
    quads: list[Quad] = []
    for graph in graphs:
        triples = [q.triple for q in store.quads_for_pattern(None, None, None, graph)]
        if any(isinstance(term, BlankNode) for t in triples for term in (t.subject, t.object)):
            prefix = "g" + hashlib.sha256(str(graph).encode()).hexdigest()[:8]
            triples = _canonical(triples, prefix)
        quads += [Quad(t.subject, t.predicate, t.object, graph) for t in triples]
    data = ox_serialize(quads, format=RdfFormat.N_QUADS)
    assert data is not None
    return ("\n".join(sorted(set(data.decode("utf-8").splitlines()))) + "\n").encode("utf-8")


def merged_ntriples(nquads: bytes) -> bytes:
    """The triples of N-Quads with their graphs merged: sorted, each once."""
    triples = [quad.triple for quad in parse(nquads, format=RdfFormat.N_QUADS)]
    data = ox_serialize(triples, format=RdfFormat.N_TRIPLES)
    assert data is not None
    return ("\n".join(sorted(set(data.decode("utf-8").splitlines()))) + "\n").encode("utf-8")


def _canonical(triples: list[Triple], prefix: str) -> list[Triple]:
    graph = Graph().parse(data=ox_serialize(triples, format=RdfFormat.N_TRIPLES), format="nt")
    canonical = to_canonical_graph(graph).serialize(format="nt", encoding="utf-8")

    def relabel(term: Any) -> Any:
        return BlankNode(prefix + term.value) if isinstance(term, BlankNode) else term

    return [
        Triple(relabel(t.subject), t.predicate, relabel(t.object)) for t in parse(canonical, format=RdfFormat.N_TRIPLES)
    ]


def _merged_graph(nquads: bytes) -> Graph:
    """Every triple of every named graph, in one graph (blank node labels kept)."""
    graph = Graph()
    for quad in parse(nquads, format=RdfFormat.N_QUADS):
        graph.add((_term(quad.subject), _term(quad.predicate), _term(quad.object)))
    return graph


def _term(term: Any) -> Any:
    """An rdflib term for a pyoxigraph one, keeping blank node labels."""
    if isinstance(term, BlankNode):
        return RdfBNode(term.value)
    if isinstance(term, OxLiteral):
        if term.language:
            return Literal(term.value, lang=term.language)
        return Literal(term.value, datatype=URIRef(term.datatype.value))
    return URIRef(term.value)


def read_index(release: Path | None) -> dict[str, DownloadFile]:
    """The download index of a release (empty when there is none)."""
    if release is None:
        return {}
    path = release / DOWNLOADS / INDEX
    try:
        entries = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {e["name"]: DownloadFile(**e) for e in entries}


def index_files(
    written: Mapping[str, tuple[str, bytes, str]],
    previous: Mapping[str, DownloadFile],
    now: dt.datetime,
) -> list[DownloadFile]:
    """Describe each written file (name → kind, bytes, dataset); dates carried over when bytes are unchanged."""
    stamp = now.astimezone(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    files = []
    for name, (kind, body, dataset) in sorted(written.items()):
        sha = hashlib.sha256(body).hexdigest()
        before = previous.get(name)
        issued = before.issued if before else stamp
        modified = before.modified if before and before.sha256 == sha else stamp
        compressed = name.endswith(".gz")
        media_type = media_type_of(name[: -len(".gz")] if compressed else name)
        if kind == "source":
            media_type = FILE_BY_NAME["text"].media_type
        files.append(DownloadFile(name, kind, media_type, compressed, len(body), sha, issued, modified, dataset))
    return files


def write_index(downloads: Path, files: Sequence[DownloadFile]) -> None:
    body = json.dumps([asdict(f) for f in files], ensure_ascii=False, indent=2) + "\n"
    (downloads / INDEX).write_text(body, encoding="utf-8")


def rdf_kind_type(kind: str) -> str:
    """The media type of an RDF download kind (turtle, jsonld, ntriples, nquads)."""
    return RDF_BY_NAME[kind].media_type
