"""The DCAT-AP 3 descriptions of the datasets (a report, the corpus) and their distributions.

Made at build time from the checked reports, their downloads (publisher.publication.downloads)
and the catalog's own description (publisher.publication.catalog.CatalogInfo);
publisher.publication.catalog explains where each part lives and reads them back. A
report's dataset copies its graph's own statements (COPIED) rather than recomputing
them, so the two agree. The catalog node itself is publisher.publication.cataloggraph's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDFS

from publisher.publication.catalog import CORPUS_TITLE, KINDS, CatalogInfo
from publisher.publication.downloads import CORPUS, ORIGINAL_KINDS, DownloadFile, ReportData, report_stem
from publisher.rdf.catalogterms import (
    COUNTRIES,
    CSVW_STANDARD,
    DCATAP,
    LANGUAGES,
    SPDX,
    STABLE,
    THEMES,
    VCARD,
    Cited,
    division_level,
)
from publisher.rdf.iris import CatalogIris, Iris
from publisher.rdf.mediatypes import FILE_BY_NAME, RDF_BY_NAME, file_type_iri, media_type_iri
from publisher.rdf.namespaces import DCAT, DCTERMS, FOAF, RDF, SKOS, XSD
from publisher.records.model import Agency, Registry, Report

COPIED = (DCTERMS.title, DCTERMS.publisher, DCTERMS.spatial, DCTERMS.temporal, DCTERMS.conformsTo)
PERIOD_COPIED = (RDF.type, DCAT.startDate, DCAT.endDate)


@dataclass
class CatalogInputs:
    """What the catalog is made from: the checked reports, their files, the registry and ontology."""

    iris: Iris
    info: CatalogInfo
    registry: Registry
    ontology: Graph  # for the formats' titles
    agencies: Graph  # for the divisions' labels
    reports: Sequence[ReportData]
    files: Sequence[DownloadFile]
    datasets: list[dict[str, Any]] = field(default_factory=list)


# ---------------------------------------------------------------------------
# Statements every part of the catalog makes
# ---------------------------------------------------------------------------


def cite(graph: Graph, cited: Cited, kind: URIRef) -> URIRef:
    """State a cited term (a concept, licence, language …) typed `kind` with its labels; its IRI."""
    graph.add((cited.iri, RDF.type, kind))
    for predicate in (SKOS.prefLabel,) if kind == SKOS.Concept else (RDFS.label,):
        graph.add((cited.iri, predicate, Literal(cited.zh, lang="zh")))
        graph.add((cited.iri, predicate, Literal(cited.en, lang="en")))
    if kind == SKOS.ConceptScheme:
        graph.add((cited.iri, DCTERMS.title, Literal(cited.zh, lang="zh")))
        graph.add((cited.iri, DCTERMS.title, Literal(cited.en, lang="en")))
    return cited.iri


def bilingual(graph: Graph, subject: URIRef, predicate: URIRef, zh: str, en: str) -> None:
    """State a text in Chinese and in English."""
    graph.add((subject, predicate, Literal(zh, lang="zh")))
    graph.add((subject, predicate, Literal(en, lang="en")))


def timestamp(stamp: str) -> Literal:
    """An ISO 8601 UTC time as an xsd:dateTime."""
    return Literal(stamp, datatype=XSD.dateTime)


def media_entry(name: str) -> tuple[str, str]:
    """The media type and EU file-type code of a kind of file (an entry of the media type tables)."""
    if name in RDF_BY_NAME:
        return RDF_BY_NAME[name].media_type, RDF_BY_NAME[name].file_type
    return FILE_BY_NAME[name].media_type, FILE_BY_NAME[name].file_type


def title_in(graph: Graph, subject: URIRef, lang: str) -> str:
    """The dct:title of `subject` in language `lang` (its IRI when it has none)."""
    for value in graph.objects(subject, DCTERMS.title):
        if isinstance(value, Literal) and value.language == lang:
            return str(value)
    return str(subject)


# ---------------------------------------------------------------------------
# Distributions
# ---------------------------------------------------------------------------


def _distribution(graph: Graph, inputs: CatalogInputs, stem: str, file: DownloadFile, title: tuple[str, str]) -> URIRef:
    """One file of a dataset as a dcat:Distribution: its URL, types, size, checksum and dates."""
    ci = CatalogIris(inputs.iris)
    dist = ci.distribution(stem, file.kind)
    url = ci.download(file.name)
    _, zh, en = KINDS[file.kind]
    media_type, file_type = media_entry(KINDS[file.kind][0])
    graph.add((dist, RDF.type, DCAT.Distribution))
    bilingual(graph, dist, DCTERMS.title, f"{title[0]}（{zh}）", f"{title[1]} ({en})")
    gz_zh, gz_en = ("，gzip 压缩", ", gzip-compressed") if file.compressed else ("", "")
    bilingual(
        graph,
        dist,
        DCTERMS.description,
        f"{zh}格式的下载文件{gz_zh}，{file.size} 字节，SHA-256 {file.sha256}。",
        f"Download in {en}{gz_en}: {file.size} bytes, SHA-256 {file.sha256}.",
    )
    graph.add((dist, DCAT.accessURL, url))
    graph.add((dist, DCAT.downloadURL, url))
    graph.add((dist, DCAT.mediaType, URIRef(media_type_iri(media_type))))
    graph.add((dist, DCTERMS.format, URIRef(file_type_iri(file_type))))
    if file.compressed:
        graph.add((dist, DCAT.compressFormat, URIRef(media_type_iri(FILE_BY_NAME["gzip"].media_type))))
    graph.add((dist, DCAT.byteSize, Literal(file.size, datatype=XSD.nonNegativeInteger)))
    checksum = Iris.fragment(dist, "checksum")
    graph.add((dist, SPDX.checksum, checksum))
    graph.add((checksum, RDF.type, SPDX.Checksum))
    graph.add((checksum, SPDX.algorithm, SPDX.checksumAlgorithm_sha256))
    graph.add((checksum, SPDX.checksumValue, Literal(file.sha256, datatype=XSD.hexBinary)))
    graph.add((dist, DCTERMS.license, inputs.info.licence_iri))
    graph.add((dist, DCTERMS.issued, timestamp(file.issued)))
    graph.add((dist, DCTERMS.modified, timestamp(file.modified)))
    graph.add((dist, DCATAP.availability, STABLE.iri))
    if file.kind == "csv" and not file.compressed:
        metadata = ci.download(file.name.removesuffix(".csv") + ".csv-metadata.json")
        graph.add((dist, DCTERMS.conformsTo, metadata))
        graph.add((metadata, RDF.type, DCTERMS.Standard))
        bilingual(graph, metadata, DCTERMS.title, "此 CSV 的 CSVW 元数据", "CSVW metadata of this CSV")
        graph.add((metadata, DCTERMS.conformsTo, CSVW_STANDARD.iri))
    if file.kind == "source" or file.kind in ORIGINAL_KINDS.values():
        graph.add((dist, DCTERMS.language, LANGUAGES["zh"].iri))
    return dist


# ---------------------------------------------------------------------------
# A report's dataset
# ---------------------------------------------------------------------------


def report_dataset_graph(inputs: CatalogInputs, data: ReportData, files: Sequence[DownloadFile]) -> Graph:
    """One report as a DCAT-AP dataset: its graph's own statements, copied, and its distributions."""
    iris, info = inputs.iris, inputs.info
    ci = CatalogIris(iris)
    report = data.report
    agency = inputs.registry.agencies[report.agency]
    subject = iris.report(report.agency, report.year)
    source = data.graph
    # rdflib's SimpleMemory store: a graph without named graphs (this one has none) adds a triple in half the time
    graph = Graph(store="SimpleMemory")
    graph.add((subject, RDF.type, DCAT.Dataset))
    _copy_report_statements(graph, source, subject)
    _describe_report(graph, subject, data, agency)
    graph.add((subject, DCTERMS.identifier, Literal(str(subject))))
    landing = ci.landing_page(subject)
    graph.add((subject, DCAT.landingPage, landing))
    graph.add((landing, RDF.type, FOAF.Document))
    for code in info.themes:
        graph.add((subject, DCAT.theme, THEMES[code].iri))
    _report_keywords(graph, subject, inputs.registry, report, agency)
    graph.add((subject, DCTERMS.issued, timestamp(min(f.issued for f in files))))
    graph.add((subject, DCTERMS.modified, timestamp(max(f.modified for f in files))))
    _report_agency(graph, inputs, data, agency)

    graph.add((ci.service, DCAT.servesDataset, subject))  # every report is a named graph at the endpoint
    stem = report_stem(report.agency, report.year)
    names = (title_in(source, subject, "zh"), title_in(source, subject, "en"))
    for file in sorted(files, key=lambda f: list(KINDS).index(f.kind)):
        graph.add((subject, DCAT.distribution, _distribution(graph, inputs, stem, file, names)))
    return graph


def _copy_report_statements(graph: Graph, source: Graph, subject: URIRef) -> None:
    """The report graph's own statements (COPIED, its period's), and its language as the EU language IRI."""
    for predicate in COPIED:
        for value in source.objects(subject, predicate):
            graph.add((subject, predicate, value))
            if predicate == DCTERMS.temporal:
                for p in PERIOD_COPIED:
                    for v in source.objects(value, p):
                        graph.add((value, p, v))
    for value in source.objects(subject, DCTERMS.language):
        if isinstance(value, URIRef):  # already an IRI: said the same way
            graph.add((subject, DCTERMS.language, value))
            graph.add((value, RDF.type, DCTERMS.LinguisticSystem))
        elif str(value) in LANGUAGES:
            graph.add((subject, DCTERMS.language, cite(graph, LANGUAGES[str(value)], DCTERMS.LinguisticSystem)))


def _describe_report(graph: Graph, subject: URIRef, data: ReportData, agency: Agency) -> None:
    """The dataset's description: what the report's figures are and how they are published."""
    report = data.report
    title_zh = f"{agency.name.zh}{report.year}年政府信息公开工作年度报告"
    figures = len(report.figures)
    bilingual(
        graph,
        subject,
        DCTERMS.description,
        f"{title_zh}中的全部 {figures} 个数字，每个数字附陈述它的原文引文，"
        f"按报告格式“{data.fmt.title_zh}”以 RDF 数据立方体发布；"
        "机关自报数字如不满足格式的算术规则，则原样发布并附质量注释。",
        f"All {figures} figures of the {report.year} government information disclosure annual report of "
        f"{agency.name.en}, each with the quote of the source that states it, as an RDF Data Cube in the report "
        f"format '{data.fmt.title_en}'; figures that break the format's arithmetic rules are published as stated, "
        "with quality annotations.",
    )


def _report_keywords(graph: Graph, subject: URIRef, registry: Registry, report: Report, agency: Agency) -> None:
    """The dataset's keywords: the subject, its agency, division and year."""
    division = registry.divisions[agency.division]
    bilingual(graph, subject, DCAT.keyword, "政府信息公开", "government information disclosure")
    bilingual(graph, subject, DCAT.keyword, "政府信息公开工作年度报告", "annual disclosure report")
    bilingual(graph, subject, DCAT.keyword, agency.name.zh, agency.name.en)
    bilingual(graph, subject, DCAT.keyword, division.name.zh, division.name.en)
    graph.add((subject, DCAT.keyword, Literal(str(report.year))))


def _report_agency(graph: Graph, inputs: CatalogInputs, data: ReportData, agency: Agency) -> None:
    """The terms the dataset cites, typed and labelled: its agency, division and format, and its contact point."""
    iris, report = inputs.iris, data.report
    agency_iri = iris.agency(report.agency)
    graph.add((agency_iri, RDF.type, FOAF.Agent))
    bilingual(graph, agency_iri, FOAF.name, agency.name.zh, agency.name.en)
    graph.add((agency_iri, DCTERMS.type, cite(graph, division_level(agency.division), SKOS.Concept)))
    division_iri = iris.division(agency.division)
    graph.add((division_iri, RDF.type, DCTERMS.Location))
    for label in inputs.agencies.objects(division_iri, RDFS.label):
        graph.add((division_iri, SKOS.prefLabel, label))
    graph.add((data.fmt.iri, RDF.type, DCTERMS.Standard))
    for title in inputs.ontology.objects(data.fmt.iri, DCTERMS.title):
        graph.add((data.fmt.iri, DCTERMS.title, title))
    if agency.website:
        subject = iris.report(report.agency, report.year)
        contact = CatalogIris(iris).contact_of(report.agency)
        graph.add((subject, DCAT.contactPoint, contact))
        graph.add((contact, RDF.type, VCARD.Organization))
        graph.add((contact, RDF.type, VCARD.Kind))
        bilingual(graph, contact, VCARD.fn, agency.name.zh, agency.name.en)
        graph.add((contact, VCARD.hasURL, URIRef(agency.website)))


# ---------------------------------------------------------------------------
# The corpus's dataset, and the catalog's index entries
# ---------------------------------------------------------------------------


def corpus_dataset_graph(inputs: CatalogInputs, files: Sequence[DownloadFile]) -> Graph:
    """The corpus: every named graph of the store, as dumps."""
    iris, info = inputs.iris, inputs.info
    ci = CatalogIris(iris)
    graph = Graph()
    subject = ci.corpus
    graph.add((subject, RDF.type, DCAT.Dataset))
    bilingual(graph, subject, DCTERMS.title, *CORPUS_TITLE)
    count = len(inputs.reports)
    bilingual(
        graph,
        subject,
        DCTERMS.description,
        f"已发布的全部 {count} 份年度报告、机关名录、本体、报告格式和 SHACL 规则，作为数据转储下载；"
        "也可通过 SPARQL 端点查询。",
        f"All {count} published annual reports, the agency registry, the ontology, the report formats and the "
        "SHACL shapes, as data dumps; also queryable at the SPARQL endpoint.",
    )
    graph.add((subject, DCTERMS.identifier, Literal(str(subject))))
    graph.add((subject, DCTERMS.publisher, ci.publisher))
    graph.add((subject, DCAT.landingPage, ci.home))
    graph.add((ci.home, RDF.type, FOAF.Document))
    graph.add((subject, DCAT.contactPoint, ci.contact))
    graph.add((ci.service, DCAT.servesDataset, subject))
    for code in info.spatial:
        graph.add((subject, DCTERMS.spatial, COUNTRIES[code].iri))
    for code in info.themes:
        graph.add((subject, DCAT.theme, THEMES[code].iri))
    bilingual(graph, subject, DCAT.keyword, "政府信息公开", "government information disclosure")
    bilingual(graph, subject, DCAT.keyword, "关联开放数据", "linked open data")
    starts = [r.report.period_from for r in inputs.reports]
    ends = [r.report.period_to for r in inputs.reports]
    if starts:
        period = Iris.fragment(subject, "period")
        graph.add((subject, DCTERMS.temporal, period))
        graph.add((period, RDF.type, DCTERMS.PeriodOfTime))
        graph.add((period, DCAT.startDate, Literal(min(starts), datatype=XSD.date)))
        graph.add((period, DCAT.endDate, Literal(max(ends), datatype=XSD.date)))
    graph.add((subject, DCTERMS.issued, timestamp(min(f.issued for f in files))))
    graph.add((subject, DCTERMS.modified, timestamp(max(f.modified for f in files))))
    order = ["nquads", "turtle", "jsonld", "ntriples", "csv"]
    for file in sorted(files, key=lambda f: order.index(f.kind)):
        graph.add((subject, DCAT.distribution, _distribution(graph, inputs, CORPUS, file, CORPUS_TITLE)))
    return graph


def catalog_entry(
    name: str, iri: URIRef, title: tuple[str, str], files: Sequence[DownloadFile], agency: str | None, year: int | None
) -> dict[str, Any]:
    """A dataset's entry of {release}/catalog/index.json."""
    return {
        "name": name,
        "iri": str(iri),
        "title_zh": title[0],
        "title_en": title[1],
        "agency": agency,
        "year": year,
        "modified": max(f.modified for f in files),
        "files": [f.name for f in sorted(files, key=lambda f: list(KINDS).index(f.kind))],
    }
