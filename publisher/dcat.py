"""The DCAT-AP 3 graphs of the catalog, written at build time beside the store.

Made from the checked reports, their downloads (publisher.downloads) and the
catalog's own description (publisher.catalog.CatalogInfo); publisher.catalog
explains where each part lives and reads them back. A report's dataset copies its
graph's own statements (COPIED) rather than recomputing them, so the two agree.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDFS

from publisher.catalog import CORPUS_TITLE, KINDS, CatalogInfo, CatalogIris
from publisher.catalogterms import (
    COUNTRIES,
    CSVW_STANDARD,
    DCATAP,
    LANGUAGES,
    LICENCE_TYPES,
    LICENCES,
    PUBLISHER_TYPES,
    SD,
    SPARQL_PROTOCOL,
    SPDX,
    STABLE,
    THEME_SCHEME,
    THEMES,
    VCARD,
    Cited,
    division_level,
)
from publisher.downloads import CORPUS, DownloadFile, ReportData, report_stem, sorted_ntriples
from publisher.iris import Iris
from publisher.mediatypes import FILE_BY_NAME, RDF_BY_NAME, file_type_iri, media_type_iri
from publisher.namespaces import DCAT, DCTERMS, FOAF, RDF, SKOS, XSD
from publisher.records import Registry

# ---------------------------------------------------------------------------
# Writing the catalog at build time
# ---------------------------------------------------------------------------


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


def _cite(graph: Graph, cited: Cited, kind: URIRef) -> URIRef:
    graph.add((cited.iri, RDF.type, kind))
    for predicate in (SKOS.prefLabel,) if kind == SKOS.Concept else (RDFS.label,):
        graph.add((cited.iri, predicate, Literal(cited.zh, lang="zh")))
        graph.add((cited.iri, predicate, Literal(cited.en, lang="en")))
    if kind == SKOS.ConceptScheme:
        graph.add((cited.iri, DCTERMS.title, Literal(cited.zh, lang="zh")))
        graph.add((cited.iri, DCTERMS.title, Literal(cited.en, lang="en")))
    return cited.iri


def _both(graph: Graph, subject: URIRef, predicate: URIRef, zh: str, en: str) -> None:
    graph.add((subject, predicate, Literal(zh, lang="zh")))
    graph.add((subject, predicate, Literal(en, lang="en")))


def _when(stamp: str) -> Literal:
    return Literal(stamp, datatype=XSD.dateTime)


def catalog_graph(inputs: CatalogInputs, issued: str, modified: str) -> Graph:
    """The catalog node (without its dcat:dataset links, added per page), its publisher, service and cited terms."""
    ci, info = CatalogIris(inputs.iris), inputs.info
    graph = Graph()
    cat = ci.catalog
    graph.add((cat, RDF.type, DCAT.Catalog))
    _both(graph, cat, DCTERMS.title, *info.title)
    _both(graph, cat, DCTERMS.description, *info.description)
    graph.add((cat, DCTERMS.publisher, ci.publisher))
    graph.add((cat, DCTERMS.license, info.licence_iri))
    graph.add((cat, FOAF.homepage, ci.home))
    graph.add((ci.home, RDF.type, FOAF.Document))
    for code in info.spatial:
        graph.add((cat, DCTERMS.spatial, _cite(graph, COUNTRIES[code], DCTERMS.Location)))
    for lang in ("zh", "en"):
        graph.add((cat, DCTERMS.language, _cite(graph, LANGUAGES[lang], DCTERMS.LinguisticSystem)))
    graph.add((cat, DCAT.themeTaxonomy, _cite(graph, THEME_SCHEME, SKOS.ConceptScheme)))
    graph.add((cat, DCTERMS.issued, _when(issued)))
    graph.add((cat, DCTERMS.modified, _when(modified)))
    graph.add((cat, DCAT.service, ci.service))
    graph.add((cat, RDFS.seeAlso, ci.void))

    pub = ci.publisher
    graph.add((pub, RDF.type, FOAF.Agent))
    _both(graph, pub, FOAF.name, *info.publisher_name)
    graph.add((pub, DCTERMS.type, _cite(graph, PUBLISHER_TYPES[info.publisher_type], SKOS.Concept)))
    if info.publisher_homepage:
        graph.add((pub, FOAF.homepage, URIRef(info.publisher_homepage)))
        graph.add((URIRef(info.publisher_homepage), RDF.type, FOAF.Document))
    contact = ci.contact
    graph.add((contact, RDF.type, VCARD.Organization))
    graph.add((contact, RDF.type, VCARD.Kind))  # stated: the range shapes do not read the vCard ontology
    _both(graph, contact, VCARD.fn, *info.publisher_name)
    graph.add((contact, VCARD.hasURL, URIRef(info.publisher_homepage or ci.home)))
    if info.publisher_email:
        graph.add((contact, VCARD.hasEmail, URIRef(f"mailto:{info.publisher_email}")))

    licence = info.licence_iri
    _cite(graph, LICENCES[info.licence], DCTERMS.LicenseDocument)
    graph.add((licence, DCTERMS.type, _cite(graph, LICENCE_TYPES[info.licence], SKOS.Concept)))
    _cite(graph, STABLE, SKOS.Concept)
    for code in info.themes:
        theme = _cite(graph, THEMES[code], SKOS.Concept)
        graph.add((theme, SKOS.inScheme, THEME_SCHEME.iri))

    svc = ci.service
    graph.add((svc, RDF.type, DCAT.DataService))
    graph.add((svc, RDF.type, SD.Service))
    _both(
        graph,
        svc,
        DCTERMS.title,
        "政府信息公开年度报告 SPARQL 查询服务",
        "SPARQL endpoint of the disclosure annual reports",
    )
    _both(
        graph,
        svc,
        DCTERMS.description,
        "只读的 SPARQL 1.1 查询端点：默认图是全部命名图（每份报告一个）的并集。服务描述见端点地址本身。",
        "A read-only SPARQL 1.1 query endpoint; the default graph is the union of all named graphs (one per "
        "report). Its Service Description is served at the endpoint's address.",
    )
    graph.add((svc, DCAT.endpointURL, ci.endpoint))
    graph.add((svc, SD.endpoint, ci.endpoint))
    graph.add((svc, DCAT.endpointDescription, ci.endpoint))
    graph.add((svc, DCAT.landingPage, ci.endpoint))
    graph.add((ci.endpoint, RDF.type, FOAF.Document))
    graph.add((svc, DCTERMS.conformsTo, _cite(graph, SPARQL_PROTOCOL, DCTERMS.Standard)))
    graph.add((svc, DCTERMS.publisher, pub))
    graph.add((svc, DCTERMS.license, licence))
    graph.add((svc, DCAT.contactPoint, contact))
    for code in info.themes:
        graph.add((svc, DCAT.theme, THEMES[code].iri))
    _both(graph, svc, DCAT.keyword, "SPARQL", "SPARQL")
    _both(graph, svc, DCAT.keyword, "政府信息公开", "government information disclosure")

    # The media types and file types every distribution cites.
    for kind in KINDS.values():
        media = _media_entry(kind[0])
        graph.add((URIRef(media_type_iri(media[0])), RDF.type, DCTERMS.MediaType))
        graph.add((URIRef(file_type_iri(media[1])), RDF.type, DCTERMS.MediaTypeOrExtent))
    gzip = FILE_BY_NAME["gzip"]
    graph.add((URIRef(media_type_iri(gzip.media_type)), RDF.type, DCTERMS.MediaType))
    return graph


def _media_entry(name: str) -> tuple[str, str]:
    if name in RDF_BY_NAME:
        return RDF_BY_NAME[name].media_type, RDF_BY_NAME[name].file_type
    return FILE_BY_NAME[name].media_type, FILE_BY_NAME[name].file_type


def _distribution(graph: Graph, inputs: CatalogInputs, stem: str, file: DownloadFile, title: tuple[str, str]) -> URIRef:
    ci = CatalogIris(inputs.iris)
    dist = ci.distribution(stem, file.kind)
    url = ci.download(file.name)
    _, zh, en = KINDS[file.kind]
    media_type, file_type = _media_entry(KINDS[file.kind][0])
    graph.add((dist, RDF.type, DCAT.Distribution))
    _both(graph, dist, DCTERMS.title, f"{title[0]}（{zh}）", f"{title[1]} ({en})")
    gz_zh, gz_en = ("，gzip 压缩", ", gzip-compressed") if file.compressed else ("", "")
    _both(
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
    checksum = URIRef(f"{dist}#checksum")
    graph.add((dist, SPDX.checksum, checksum))
    graph.add((checksum, RDF.type, SPDX.Checksum))
    graph.add((checksum, SPDX.algorithm, SPDX.checksumAlgorithm_sha256))
    graph.add((checksum, SPDX.checksumValue, Literal(file.sha256, datatype=XSD.hexBinary)))
    graph.add((dist, DCTERMS.license, inputs.info.licence_iri))
    graph.add((dist, DCTERMS.issued, _when(file.issued)))
    graph.add((dist, DCTERMS.modified, _when(file.modified)))
    graph.add((dist, DCATAP.availability, STABLE.iri))
    if file.kind == "csv" and not file.compressed:
        metadata = ci.download(file.name.removesuffix(".csv") + ".csv-metadata.json")
        graph.add((dist, DCTERMS.conformsTo, metadata))
        graph.add((metadata, RDF.type, DCTERMS.Standard))
        _both(graph, metadata, DCTERMS.title, "此 CSV 的 CSVW 元数据", "CSVW metadata of this CSV")
        graph.add((metadata, DCTERMS.conformsTo, CSVW_STANDARD.iri))
    if file.kind == "source":
        graph.add((dist, DCTERMS.language, LANGUAGES["zh"].iri))
    return dist


COPIED = (DCTERMS.title, DCTERMS.publisher, DCTERMS.spatial, DCTERMS.temporal, DCTERMS.conformsTo)
PERIOD_COPIED = (RDF.type, DCAT.startDate, DCAT.endDate)


def report_dataset_graph(inputs: CatalogInputs, data: ReportData, files: Sequence[DownloadFile]) -> Graph:
    """One report as a DCAT-AP dataset: its graph's own statements, copied, and its distributions."""
    iris, info = inputs.iris, inputs.info
    ci = CatalogIris(iris)
    report = data.report
    agency = inputs.registry.agencies[report.agency]
    division = inputs.registry.divisions[agency.division]
    subject = iris.report(report.agency, report.year)
    source = data.graph
    graph = Graph()
    graph.add((subject, RDF.type, DCAT.Dataset))
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
            graph.add((subject, DCTERMS.language, _cite(graph, LANGUAGES[str(value)], DCTERMS.LinguisticSystem)))
    title_zh = f"{agency.name.zh}{report.year}年政府信息公开工作年度报告"
    figures = len(report.figures)
    _both(
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
    graph.add((subject, DCTERMS.identifier, Literal(str(subject))))
    landing = ci.landing_page(subject)
    graph.add((subject, DCAT.landingPage, landing))
    graph.add((landing, RDF.type, FOAF.Document))
    for code in info.themes:
        graph.add((subject, DCAT.theme, THEMES[code].iri))
    _both(graph, subject, DCAT.keyword, "政府信息公开", "government information disclosure")
    _both(graph, subject, DCAT.keyword, "政府信息公开工作年度报告", "annual disclosure report")
    _both(graph, subject, DCAT.keyword, agency.name.zh, agency.name.en)
    _both(graph, subject, DCAT.keyword, division.name.zh, division.name.en)
    graph.add((subject, DCAT.keyword, Literal(str(report.year))))
    graph.add((subject, DCTERMS.issued, _when(min(f.issued for f in files))))
    graph.add((subject, DCTERMS.modified, _when(max(f.modified for f in files))))

    agency_iri = iris.agency(report.agency)
    graph.add((agency_iri, RDF.type, FOAF.Agent))
    _both(graph, agency_iri, FOAF.name, agency.name.zh, agency.name.en)
    graph.add((agency_iri, DCTERMS.type, _cite(graph, division_level(agency.division), SKOS.Concept)))
    division_iri = iris.division(agency.division)
    graph.add((division_iri, RDF.type, DCTERMS.Location))
    for label in inputs.agencies.objects(division_iri, RDFS.label):
        graph.add((division_iri, SKOS.prefLabel, label))
    graph.add((data.fmt.iri, RDF.type, DCTERMS.Standard))
    for title in inputs.ontology.objects(data.fmt.iri, DCTERMS.title):
        graph.add((data.fmt.iri, DCTERMS.title, title))
    if agency.website:
        contact = ci.contact_of(report.agency)
        graph.add((subject, DCAT.contactPoint, contact))
        graph.add((contact, RDF.type, VCARD.Organization))
        graph.add((contact, RDF.type, VCARD.Kind))
        _both(graph, contact, VCARD.fn, agency.name.zh, agency.name.en)
        graph.add((contact, VCARD.hasURL, URIRef(agency.website)))

    graph.add((ci.service, DCAT.servesDataset, subject))  # every report is a named graph at the endpoint
    stem = report_stem(report.agency, report.year)
    names = (_lang(source, subject, "zh"), _lang(source, subject, "en"))
    for file in sorted(files, key=lambda f: list(KINDS).index(f.kind)):
        graph.add((subject, DCAT.distribution, _distribution(graph, inputs, stem, file, names)))
    return graph


def _lang(graph: Graph, subject: URIRef, lang: str) -> str:
    for value in graph.objects(subject, DCTERMS.title):
        if isinstance(value, Literal) and value.language == lang:
            return str(value)
    return str(subject)


def corpus_dataset_graph(inputs: CatalogInputs, files: Sequence[DownloadFile]) -> Graph:
    """The corpus: every named graph of the store, as dumps."""
    iris, info = inputs.iris, inputs.info
    ci = CatalogIris(iris)
    graph = Graph()
    subject = ci.corpus
    graph.add((subject, RDF.type, DCAT.Dataset))
    _both(graph, subject, DCTERMS.title, *CORPUS_TITLE)
    count = len(inputs.reports)
    _both(
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
    _both(graph, subject, DCAT.keyword, "政府信息公开", "government information disclosure")
    _both(graph, subject, DCAT.keyword, "关联开放数据", "linked open data")
    starts = [r.report.period_from for r in inputs.reports]
    ends = [r.report.period_to for r in inputs.reports]
    if starts:
        period = URIRef(f"{subject}#period")
        graph.add((subject, DCTERMS.temporal, period))
        graph.add((period, RDF.type, DCTERMS.PeriodOfTime))
        graph.add((period, DCAT.startDate, Literal(min(starts), datatype=XSD.date)))
        graph.add((period, DCAT.endDate, Literal(max(ends), datatype=XSD.date)))
    graph.add((subject, DCTERMS.issued, _when(min(f.issued for f in files))))
    graph.add((subject, DCTERMS.modified, _when(max(f.modified for f in files))))
    order = ["nquads", "turtle", "jsonld", "ntriples", "csv"]
    for file in sorted(files, key=lambda f: order.index(f.kind)):
        graph.add((subject, DCAT.distribution, _distribution(graph, inputs, CORPUS, file, CORPUS_TITLE)))
    return graph


def write_catalog_files(directory: Path, inputs: CatalogInputs, void: Graph, issued: str, modified: str) -> None:
    """The release-wide catalog files but the index of datasets: the catalog and VoID graphs, and about.json."""
    (directory / "catalog.nt").write_bytes(sorted_ntriples(catalog_graph(inputs, issued, modified)))
    (directory / "void.nt").write_bytes(sorted_ntriples(void))
    about = {
        **asdict(inputs.info),
        "licence_iri": str(inputs.info.licence_iri),
        "licence_label": [LICENCES[inputs.info.licence].zh, LICENCES[inputs.info.licence].en],
        "issued": issued,
        "modified": modified,
    }
    (directory / "about.json").write_text(json.dumps(about, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def catalog_entry(
    name: str, iri: URIRef, title: tuple[str, str], files: Sequence[DownloadFile], agency: str | None, year: int | None
) -> dict[str, Any]:
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


def schema_org(dataset: Graph, iri: URIRef, inputs: CatalogInputs, data: ReportData) -> dict[str, Any]:
    """schema.org/Dataset of a report, from its catalog description (for dataset search engines)."""
    ci = CatalogIris(inputs.iris)
    agency = inputs.registry.agencies[data.report.agency]
    division = inputs.registry.divisions[agency.division]
    distributions = []
    for dist in sorted(dataset.objects(iri, DCAT.distribution), key=str):
        media = str(dataset.value(dist, DCAT.mediaType)).removeprefix("http://www.iana.org/assignments/media-types/")
        compressed = dataset.value(dist, DCAT.compressFormat) is not None
        entry = {
            "@type": "DataDownload",
            "contentUrl": str(dataset.value(dist, DCAT.downloadURL)),
            "encodingFormat": "application/gzip" if compressed else media,
            "contentSize": f"{dataset.value(dist, DCAT.byteSize)} B",
            "sha256": str(dataset.value(URIRef(f"{dist}#checksum"), SPDX.checksumValue)),
            "dateModified": str(dataset.value(dist, DCTERMS.modified)),
        }
        distributions.append(entry)
    keywords = sorted({str(k) for k in dataset.objects(iri, DCAT.keyword)})
    return {
        "@context": "https://schema.org/",
        "@type": "Dataset",
        "@id": str(iri),
        "url": str(ci.landing_page(iri)),
        "identifier": str(iri),
        "name": _lang(dataset, iri, "zh"),
        "alternateName": _lang(dataset, iri, "en"),
        "description": " ".join(
            str(v) for v in sorted(dataset.objects(iri, DCTERMS.description), key=lambda v: getattr(v, "language", ""))
        ),
        "inLanguage": ["zh", "en"],
        "keywords": keywords,
        "license": str(LICENCES[inputs.info.licence].iri),
        "isAccessibleForFree": True,
        "creator": {
            "@type": "GovernmentOrganization",
            "@id": str(inputs.iris.agency(agency.id)),
            "name": agency.name.zh,
            "alternateName": agency.name.en,
            **({"url": agency.website} if agency.website else {}),
        },
        "publisher": {
            "@type": "Organization",
            "name": inputs.info.publisher_name[0],
            "alternateName": inputs.info.publisher_name[1],
        },
        "temporalCoverage": f"{data.report.period_from.isoformat()}/{data.report.period_to.isoformat()}",
        "spatialCoverage": {
            "@type": "Place",
            "name": division.name.zh,
            "alternateName": division.name.en,
            "identifier": division.code,
        },
        "datePublished": str(dataset.value(iri, DCTERMS.issued)),
        "dateModified": str(dataset.value(iri, DCTERMS.modified)),
        "isBasedOn": str(inputs.iris.source(data.report.agency, data.report.year)),
        "includedInDataCatalog": {"@type": "DataCatalog", "@id": str(ci.catalog), "name": inputs.info.title[0]},
        "distribution": distributions,
    }
