"""The DCAT-AP 3 catalog: written at build time beside the store, served in pages.

Where the dataset description lives. A report's IRI is a dcat:Dataset in its own
named graph, which holds the data and what is intrinsic to it (title, agency as
publisher, division, period, format). The catalog is a *description of the
publication*: distributions with the size, checksum and date of each file served,
landing page, keywords, themes. It cannot live in the report's graph (a file can't
contain its own checksum, and the report's downloads are that graph), so it lives in
the release, beside the store:

    {release}/catalog/catalog.nt            the catalog, its publisher, the SPARQL service,
                                            and the cited concepts (licence, themes, types)
    {release}/catalog/datasets/{name}.nt    one dataset with its distributions
    {release}/catalog/void.nt               the VoID description (publisher.void)
    {release}/catalog/schemaorg/{name}.json schema.org/Dataset of a report, for its page
    {release}/catalog/index.json            the datasets in catalog order
    {release}/catalog/about.json            the catalog's own description, for its HTML page

Consistency: the catalog copies the report graph's own statements (title, publisher,
spatial, temporal and its dates, conformsTo) instead of recomputing them, and states
the record's language (`dct:language "zh"` in the report graph) as the EU language
IRI DCAT-AP requires. Nothing else in the catalog is said in the report's graph,
so the two never disagree. The catalog's own description (title, publisher, licence,
themes) comes from data/catalog.yaml when present, else from CATALOG_DEFAULTS.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from pyoxigraph import Literal as OxLiteral
from pyoxigraph import NamedNode, RdfFormat, Triple, parse
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDFS

from publisher.catalogterms import (
    COUNTRIES,
    CSVW_STANDARD,
    DCATAP,
    HYDRA,
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
from publisher.errors import SourceError
from publisher.iris import Iris
from publisher.mediatypes import FILE_BY_NAME, RDF_BY_NAME, file_type_iri, media_type_iri
from publisher.namespaces import DCAT, DCTERMS, FOAF, RDF, SKOS, XSD
from publisher.records import Registry, load_yaml

CATALOG = "catalog"
CATALOG_FILE = "data/catalog.yaml"

#: Distribution kinds: (file-type table entry, zh label, en label), in catalog order.
KINDS: dict[str, tuple[str, str, str]] = {
    "turtle": ("turtle", "Turtle", "Turtle"),
    "jsonld": ("jsonld", "JSON-LD", "JSON-LD"),
    "ntriples": ("ntriples", "N-Triples", "N-Triples"),
    "nquads": ("nquads", "N-Quads（全部命名图）", "N-Quads (every named graph)"),
    "csv": ("csv", "CSV（每个数字一行）", "CSV (one row per figure)"),
    "source": ("text", "原文", "source document"),
}


# ---------------------------------------------------------------------------
# The catalog's own description
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class CatalogInfo:
    title: tuple[str, str]
    description: tuple[str, str]
    publisher_name: tuple[str, str]
    publisher_type: str
    publisher_homepage: str | None
    publisher_email: str | None
    licence: str
    themes: tuple[str, ...]
    spatial: tuple[str, ...]

    @property
    def licence_iri(self) -> URIRef:
        return LICENCES[self.licence].iri


CATALOG_DEFAULTS = CatalogInfo(
    title=("政府信息公开工作年度报告关联数据目录", "Catalog of government information disclosure annual reports"),
    description=(
        "中国各级行政机关政府信息公开工作年度报告中的全部数字，以关联开放数据发布：每个数字一个 RDF 数据立方体观测，"
        "附陈述它的原文引文；每份报告一个数据集，提供 Turtle、JSON-LD、N-Triples、CSV 和原文下载，并可通过 SPARQL 查询。",
        "Every figure of Chinese government agencies' information disclosure annual reports, published as linked "
        "open data: one RDF Data Cube observation per figure, with the quote of the source that states it; one "
        "dataset per report, downloadable as Turtle, JSON-LD, N-Triples, CSV and the source text, and queryable "
        "with SPARQL.",
    ),
    publisher_name=("政府信息公开年度报告关联数据项目", "Disclosure annual reports linked data project"),
    publisher_type="NonProfitOrganisation",
    publisher_homepage=None,
    publisher_email=None,
    licence="CC_BY_4_0",
    themes=("GOVE",),
    spatial=("CHN",),
)


def load_catalog_info(data_dir: Path) -> CatalogInfo:
    """data/catalog.yaml over CATALOG_DEFAULTS; SourceError names a wrong field."""
    path = data_dir / "catalog.yaml"
    if not path.exists():
        return CATALOG_DEFAULTS
    data = load_yaml(path)
    known = {"title", "description", "publisher", "licence", "themes", "spatial"}
    for key in data:
        if key not in known:
            raise SourceError(
                path, f"unknown field '{key}'; expected one of {', '.join(sorted(known))}", data.lines[key]
            )
    values: dict[str, Any] = {}

    def pair(mapping: Mapping[str, Any], key: str, where: str) -> tuple[str, str] | None:
        value = mapping.get(key)
        if value is None:
            return None
        if not isinstance(value, Mapping) or not all(isinstance(value.get(k), str) for k in ("zh", "en")):
            raise SourceError(path, f"field '{where}': expected {{zh: …, en: …}}")
        return str(value["zh"]), str(value["en"])

    for key in ("title", "description"):
        if (found := pair(data, key, key)) is not None:
            values[key] = found
    publisher = data.get("publisher") or {}
    if not isinstance(publisher, Mapping):
        raise SourceError(path, "field 'publisher': expected name, type, homepage, email")
    if (name := pair(publisher, "name", "publisher.name")) is not None:
        values["publisher_name"] = name
    for key, attr in (("type", "publisher_type"), ("homepage", "publisher_homepage"), ("email", "publisher_email")):
        if publisher.get(key) is not None:
            values[attr] = str(publisher[key])
    if values.get("publisher_type", CATALOG_DEFAULTS.publisher_type) not in PUBLISHER_TYPES:
        raise SourceError(path, f"field 'publisher.type': expected one of {', '.join(PUBLISHER_TYPES)}")
    if "licence" in data:
        if data["licence"] not in LICENCES:
            raise SourceError(path, f"field 'licence': expected one of {', '.join(LICENCES)}", data.lines["licence"])
        values["licence"] = data["licence"]
    for key, table in (("themes", THEMES), ("spatial", COUNTRIES)):
        if key in data:
            codes = data[key]
            if not isinstance(codes, list) or not codes or any(c not in table for c in codes):
                raise SourceError(path, f"field '{key}': expected a list of {', '.join(table)}", data.lines[key])
            values[key] = tuple(codes)
    return CatalogInfo(**{**CATALOG_DEFAULTS.__dict__, **values})


# ---------------------------------------------------------------------------
# IRIs of the catalog
# ---------------------------------------------------------------------------


class CatalogIris:
    """IRIs the catalog mints, all under {base}/catalog, /download and /void (see the README)."""

    def __init__(self, iris: Iris) -> None:
        self.iris = iris
        self.base = iris.base

    @property
    def catalog(self) -> URIRef:
        return URIRef(f"{self.base}/catalog")

    def page(self, number: int) -> URIRef:
        return URIRef(f"{self.base}/catalog/page/{number}")

    @property
    def corpus(self) -> URIRef:
        return URIRef(f"{self.base}/catalog/corpus")

    def distribution(self, stem: str, kind: str) -> URIRef:
        return URIRef(f"{self.base}/catalog/distribution/{stem}/{kind}")

    def download(self, name: str) -> URIRef:
        return URIRef(f"{self.base}/download/{name}")

    @property
    def publisher(self) -> URIRef:
        return URIRef(f"{self.base}/catalog#publisher")

    @property
    def contact(self) -> URIRef:
        return URIRef(f"{self.base}/catalog#contact")

    def contact_of(self, agency: str) -> URIRef:
        """An agency's contact point, as the catalog gives it (its website)."""
        return URIRef(f"{self.base}/catalog/contact/{agency}")

    @property
    def service(self) -> URIRef:
        return URIRef(f"{self.base}/sparql#service")  # the sd:Service of /sparql's Service Description

    @property
    def endpoint(self) -> URIRef:
        return URIRef(f"{self.base}/sparql")

    @property
    def void(self) -> URIRef:
        return URIRef(f"{self.base}/void")

    @property
    def home(self) -> URIRef:
        return URIRef(f"{self.base}/")

    def landing_page(self, report: URIRef) -> URIRef:
        return URIRef(f"{report}.html")


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
                        graph.add((value, p, v))  # type: ignore[arg-type]
    for value in source.objects(subject, DCTERMS.language):
        if str(value) in LANGUAGES:
            graph.add((subject, DCTERMS.language, _cite(graph, LANGUAGES[str(value)], DCTERMS.LinguisticSystem)))
    title_zh = f"{agency.name.zh}{report.year}年政府信息公开工作年度报告"
    figures = len(report.figures)
    _both(
        graph,
        subject,
        DCTERMS.description,
        f"{title_zh}中的全部 {figures} 个数字，每个数字附陈述它的原文引文，按报告格式“{data.fmt.title_zh}”以 RDF 数据立方体发布；"
        f"机关自报数字如不满足格式的算术规则，则原样发布并附质量注释。",
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
    title = (str(_lang(source, subject, "zh")), str(_lang(source, subject, "en")))
    for file in sorted(files, key=lambda f: list(KINDS).index(f.kind)):
        graph.add((subject, DCAT.distribution, _distribution(graph, inputs, stem, file, title)))
    return graph


def _lang(graph: Graph, subject: URIRef, lang: str) -> str:
    for value in graph.objects(subject, DCTERMS.title):
        if isinstance(value, Literal) and value.language == lang:
            return str(value)
    return str(subject)


CORPUS_TITLE = ("政府信息公开工作年度报告全集", "All government information disclosure annual reports (corpus)")


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


def write_catalog(release: Path, inputs: CatalogInputs, void: Graph) -> None:
    """Write the catalog files of a release (see the module docstring)."""
    directory = release / CATALOG
    (directory / "datasets").mkdir(parents=True, exist_ok=True)
    (directory / "schemaorg").mkdir(parents=True, exist_ok=True)
    by_dataset: dict[str, list[DownloadFile]] = {}
    for file in inputs.files:
        if file.kind != "csvw":
            by_dataset.setdefault(file.dataset, []).append(file)
    ci = CatalogIris(inputs.iris)
    index: list[dict[str, Any]] = []
    corpus_files = by_dataset[str(ci.corpus)]
    (directory / "datasets" / f"{CORPUS}.nt").write_bytes(sorted_ntriples(corpus_dataset_graph(inputs, corpus_files)))
    index.append(_entry(CORPUS, ci.corpus, CORPUS_TITLE, corpus_files, None, None))
    for data in sorted(inputs.reports, key=lambda d: (d.report.agency, d.report.year)):
        iri = inputs.iris.report(data.report.agency, data.report.year)
        stem = report_stem(data.report.agency, data.report.year)
        files = by_dataset[str(iri)]
        graph = report_dataset_graph(inputs, data, files)
        (directory / "datasets" / f"{stem}.nt").write_bytes(sorted_ntriples(graph))
        title = (_lang(data.graph, iri, "zh"), _lang(data.graph, iri, "en"))
        index.append(_entry(stem, iri, title, files, data.report.agency, data.report.year))
        schema = schema_org(graph, iri, inputs, data)
        (directory / "schemaorg" / f"{stem}.json").write_text(
            json.dumps(schema, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
        )
    issued = min(f.issued for f in inputs.files)
    modified = max(f.modified for f in inputs.files)
    (directory / "catalog.nt").write_bytes(sorted_ntriples(catalog_graph(inputs, issued, modified)))
    (directory / "void.nt").write_bytes(sorted_ntriples(void))
    (directory / "index.json").write_text(json.dumps(index, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    about = {
        **asdict(inputs.info),
        "licence_iri": str(inputs.info.licence_iri),
        "licence_label": [LICENCES[inputs.info.licence].zh, LICENCES[inputs.info.licence].en],
        "issued": issued,
        "modified": modified,
    }
    (directory / "about.json").write_text(json.dumps(about, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def _entry(
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


# ---------------------------------------------------------------------------
# Reading the catalog of a release (the web app and the export)
# ---------------------------------------------------------------------------


class PublishedCatalog:
    """The catalog files of one release, read once."""

    def __init__(self, release: Path, base: str) -> None:
        self.directory = release / CATALOG
        self.iris = CatalogIris(Iris(base))
        self.index: list[dict[str, Any]] = json.loads((self.directory / "index.json").read_text(encoding="utf-8"))
        self.by_name = {entry["name"]: entry for entry in self.index}
        self._header = self._read(self.directory / "catalog.nt")
        self.void = self._read(self.directory / "void.nt")

    @staticmethod
    def _read(path: Path) -> list[Triple]:
        return list(parse(path=str(path), format=RdfFormat.N_TRIPLES))

    def info(self) -> dict[str, Any]:
        """The catalog's own description (title, publisher, licence, dates), for pages."""
        about: dict[str, Any] = json.loads((self.directory / "about.json").read_text(encoding="utf-8"))
        return about

    def dataset(self, name: str) -> list[Triple]:
        return self._read(self.directory / "datasets" / f"{name}.nt")

    def page_count(self, size: int) -> int:
        return max(1, -(-len(self.index) // size))

    def page(self, number: int, size: int) -> list[Triple]:
        """Page `number` (from 1): the catalog with that page's datasets, and the Hydra view linking the others."""
        entries = self.index[(number - 1) * size : number * size]
        triples: dict[Triple, None] = dict.fromkeys(self._header)
        cat = NamedNode(str(self.iris.catalog))
        for entry in entries:
            triples[Triple(cat, NamedNode(str(DCAT.dataset)), NamedNode(entry["iri"]))] = None
            triples.update(dict.fromkeys(self.dataset(entry["name"])))
        last = self.page_count(size)
        view = NamedNode(str(self.iris.page(number)))

        def add(s: NamedNode, p: URIRef, o: NamedNode | OxLiteral) -> None:
            triples[Triple(s, NamedNode(str(p)), o)] = None

        add(cat, RDF.type, NamedNode(str(HYDRA.Collection)))
        add(cat, HYDRA.totalItems, OxLiteral(str(len(self.index)), datatype=NamedNode(str(XSD.integer))))
        add(cat, HYDRA.view, view)
        add(view, RDF.type, NamedNode(str(HYDRA.PartialCollectionView)))
        add(view, HYDRA.first, NamedNode(str(self.iris.page(1))))
        add(view, HYDRA.last, NamedNode(str(self.iris.page(last))))
        if number > 1:
            add(view, HYDRA.previous, NamedNode(str(self.iris.page(number - 1))))
        if number < last:
            add(view, HYDRA.next, NamedNode(str(self.iris.page(number + 1))))
        return list(triples)

    def distribution(self, stem: str, kind: str) -> list[Triple]:
        """A distribution's own triples and its checksum's."""
        if stem not in self.by_name:
            return []
        iri = str(self.iris.distribution(stem, kind))
        return [t for t in self.dataset(stem) if _subject(t) in (iri, iri + "#checksum")]

    def contact(self, agency: str) -> list[Triple]:
        """An agency's contact point, from the first of its datasets."""
        iri = str(self.iris.contact_of(agency))
        for entry in self.index:
            if entry["agency"] == agency:
                return [t for t in self.dataset(entry["name"]) if _subject(t) == iri]
        return []

    def corpus(self) -> list[Triple]:
        """The corpus dataset's description: DCAT and VoID."""
        iri = str(self.iris.corpus)
        found = [t for t in self.dataset(CORPUS) if _subject(t) in (iri, iri + "#period")]
        return found + [t for t in self.void if _subject(t) == iri]

    def schema_org(self, stem: str) -> str | None:
        path = self.directory / "schemaorg" / f"{stem}.json"
        return path.read_text(encoding="utf-8") if path.is_file() else None


def _subject(triple: Triple) -> str:
    return str(getattr(triple.subject, "value", triple.subject))


@lru_cache(maxsize=4)
def published_catalog(release: Path, base: str) -> PublishedCatalog:
    """The catalog of a release (releases never change once published, so this caches)."""
    return PublishedCatalog(release, base)

