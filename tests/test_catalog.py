"""The DCAT-AP catalog as a harvester sees it: HEAD, GET, every hydra:next, every download.

The corpus here is made for paging: the seed record copied to four more agencies and
years (a copied agencies.yaml with extra agencies and a provincial division), built
and served on loopback with two datasets per page. Every page is checked with the
DCAT-AP 3.0.1 shapes from shared/conformance (shapes.ttl with range.ttl: no result at
all; shapes_recommended.ttl: exactly the warnings listed below).
"""

from __future__ import annotations

import hashlib
import shutil
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from pyshacl import validate
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCAT, DCTERMS, RDF, SH, XSD
from rdflib.term import Node

from publisher.errors import SourceError
from publisher.publication.catalog import CATALOG_DEFAULTS, load_catalog_info
from publisher.store.readstore import read_manifest
from tests.helpers import DATA, SHARED, LiveServer, start_live_server
from tests.http import Answer, fetch

DCAT_AP = SHARED / "conformance" / "dcat-ap-3.0.1"
HYDRA = "http://www.w3.org/ns/hydra/core#"
SPDX = "http://spdx.org/rdf/terms#"
IANA = "http://www.iana.org/assignments/media-types/"
SEED = "jilin-city-science-technology-bureau"
PAGE_SIZE = 2

EXTRA_AGENCIES = """
  jilin-city-industry-bureau:
    name: {zh: 吉林市工业和信息化局, en: Jilin Municipal Bureau of Industry and Information Technology}
    parent: jilin-city-government
    division: "220200"
    kind: department

  jilin-city-finance-bureau:
    name: {zh: 吉林市财政局, en: Jilin Municipal Finance Bureau}
    parent: jilin-city-government
    division: "220200"
    kind: department

  jilin-province-science-technology-department:
    name: {zh: 吉林省科学技术厅, en: Department of Science and Technology of Jilin Province}
    division: "220000"
    kind: department
"""
#: (agency, year) of every report of the paging corpus: the seed and four copies.
REPORTS = [
    (SEED, 2011),
    (SEED, 2012),
    ("jilin-city-industry-bureau", 2011),
    ("jilin-city-finance-bureau", 2011),
    ("jilin-province-science-technology-department", 2011),
]


def paging_data(root: Path) -> Path:
    """A data folder with the seed record copied to other agencies and years."""
    target = root / "data"
    shutil.copytree(DATA, target)
    registry = target / "agencies.yaml"
    text = registry.read_text(encoding="utf-8")
    text = text.replace("divisions:\n", 'divisions:\n  "220000":\n    name: {zh: 吉林省, en: Jilin Province}\n', 1)
    registry.write_text(text + EXTRA_AGENCIES, encoding="utf-8")
    seed_dir = target / "reports" / SEED
    record = (seed_dir / "2011.yaml").read_text(encoding="utf-8")
    for agency, year in REPORTS[1:]:
        folder = target / "reports" / agency
        folder.mkdir(exist_ok=True)
        shutil.copy(seed_dir / "2011.source.txt", folder / f"{year}.source.txt")
        copy = record.replace(f"agency: {SEED}", f"agency: {agency}").replace("year: 2011", f"year: {year}")
        copy = copy.replace("file: 2011.source.txt", f"file: {year}.source.txt")
        (folder / f"{year}.yaml").write_text(copy, encoding="utf-8")
    return target


@pytest.fixture(scope="module")
def paged(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    root = tmp_path_factory.mktemp("paged")
    server = start_live_server(root / "build", paging_data(root), catalog_page_size=PAGE_SIZE)
    yield server
    server.close()


def parse(answer: Answer, format: str = "turtle", base: str | None = None) -> Graph:
    return Graph().parse(data=answer.body, format=format, publicID=base)


def harvest(server: LiveServer) -> list[Graph]:
    """What a harvester does: HEAD the catalog, GET it without Accept, then follow hydra:next to the end."""
    head = fetch(server.url + "/catalog", method="HEAD")
    assert head.status == 200 and head.body == b""
    assert head.media_type == "text/turtle"
    url: str | None = server.url + "/catalog"
    pages: list[Graph] = []
    seen: set[str] = set()
    while url is not None:
        assert url not in seen, f"hydra:next loops back to {url}"
        seen.add(url)
        answer = fetch(url)
        assert answer.status == 200, (url, answer.text)
        assert answer.media_type == "text/turtle"
        graph = parse(answer)
        pages.append(graph)
        nexts = list(graph.objects(None, URIRef(HYDRA + "next")))
        assert len(nexts) <= 1
        url = str(nexts[0]) if nexts else None
        assert len(pages) <= 20, "too many pages"
    return pages


@pytest.fixture(scope="module")
def pages(paged: LiveServer) -> list[Graph]:
    return harvest(paged)


def datasets_of(graph: Graph, catalog: str) -> list[str]:
    return [str(d) for d in graph.objects(URIRef(catalog), DCAT.dataset)]


# ---------------------------------------------------------------------------
# Paging
# ---------------------------------------------------------------------------


def test_the_harvester_gets_every_report_exactly_once(paged: LiveServer, pages: list[Graph]) -> None:
    catalog = f"{paged.url}/catalog"
    found = Counter(d for page in pages for d in datasets_of(page, catalog))
    reports = {f"{paged.url}/id/report/{agency}/{year}" for agency, year in REPORTS}
    manifest = {r["iri"] for r in read_manifest(Path(paged.settings.build_dir))["reports"]}
    assert manifest == reports
    assert set(found) == reports | {f"{paged.url}/catalog/corpus"}
    assert all(count == 1 for count in found.values()), found
    assert len(pages) == 3  # 6 datasets, 2 per page
    assert [len(datasets_of(p, catalog)) for p in pages] == [2, 2, 2]


def test_hydra_view_links_are_absolute_under_the_base_iri_not_the_host(paged: LiveServer) -> None:
    answer = fetch(paged.url + "/catalog/page/2", headers={"Host": "mirror.example.org:9999"})
    graph = parse(answer)
    view = URIRef(f"{paged.url}/catalog/page/2")
    assert (URIRef(f"{paged.url}/catalog"), URIRef(HYDRA + "view"), view) in graph
    assert (view, RDF.type, URIRef(HYDRA + "PartialCollectionView")) in graph
    links = {p: str(o) for p in ("first", "last", "next", "previous") for o in graph.objects(view, URIRef(HYDRA + p))}
    assert links == {
        "first": f"{paged.url}/catalog/page/1",
        "previous": f"{paged.url}/catalog/page/1",
        "next": f"{paged.url}/catalog/page/3",
        "last": f"{paged.url}/catalog/page/3",
    }
    assert "mirror.example.org" not in answer.text
    total = graph.value(URIRef(f"{paged.url}/catalog"), URIRef(HYDRA + "totalItems"))
    assert total == Literal(6, datatype=XSD.integer)


def test_the_first_page_is_the_catalog_iri_and_the_last_has_no_next(paged: LiveServer, pages: list[Graph]) -> None:
    assert isomorphic(pages[0], parse(fetch(paged.url + "/catalog/page/1")))
    assert not list(pages[-1].objects(None, URIRef(HYDRA + "next")))
    beyond = fetch(paged.url + "/catalog/page/4")
    assert beyond.status == 404 and "3 page(s)" in beyond.text


@pytest.mark.parametrize(
    "accept, suffix, rdflib_format",
    [
        pytest.param("application/ld+json", "jsonld", "json-ld", id="jsonld"),
        pytest.param("application/rdf+xml", "rdf", "xml", id="rdfxml"),
        pytest.param("application/n-triples", "nt", "nt", id="ntriples"),
        pytest.param("text/turtle", "ttl", "turtle", id="turtle"),
    ],
)
def test_every_page_in_every_rdf_format_is_the_same_graph(
    paged: LiveServer, pages: list[Graph], accept: str, suffix: str, rdflib_format: str
) -> None:
    for number, turtle in enumerate(pages, start=1):
        negotiated = fetch(f"{paged.url}/catalog/page/{number}", headers={"Accept": accept})
        assert negotiated.status == 200 and negotiated.media_type == accept
        assert "Accept" in (negotiated.header("Vary") or "")
        by_suffix = fetch(f"{paged.url}/catalog/page/{number}.{suffix}")
        assert by_suffix.body == negotiated.body
        assert isomorphic(parse(negotiated, rdflib_format, base=paged.url), turtle)


def test_html_and_head_and_406(paged: LiveServer) -> None:
    html = fetch(paged.url + "/catalog?lang=en", headers={"Accept": "text/html"})
    assert html.status == 200 and html.media_type == "text/html"
    assert "page 1 of 3" in html.text and 'rel="next"' in html.text
    head = fetch(paged.url + "/catalog/page/2", method="HEAD", headers={"Accept": "application/ld+json"})
    assert head.status == 200 and head.media_type == "application/ld+json" and head.body == b""
    refused = fetch(paged.url + "/catalog", headers={"Accept": "image/png"})
    assert refused.status == 406 and "text/turtle" in refused.text


# ---------------------------------------------------------------------------
# DCAT-AP 3.0.1 conformance
# ---------------------------------------------------------------------------


def shapes(*names: str) -> Graph:
    graph = Graph()
    for name in names:
        graph.parse(DCAT_AP / name, format="turtle")
    return graph


def results(data: Graph, shapes_graph: Graph) -> set[tuple[str, str, str, str]]:
    """(severity, focus node, path, constraint component) of each validation result."""
    _conforms, report, _text = validate(data, shacl_graph=shapes_graph)
    assert isinstance(report, Graph)
    found = set()
    for result in report.subjects(RDF.type, SH.ValidationResult):
        found.add(
            (
                str(report.value(result, SH.resultSeverity)).rsplit("#", 1)[1],
                str(report.value(result, SH.focusNode)),
                str(report.value(result, SH.resultPath)),
                str(report.value(result, SH.sourceConstraintComponent)).rsplit("#", 1)[1],
            )
        )
    return found


def test_every_page_conforms_to_the_mandatory_and_range_shapes(pages: list[Graph]) -> None:
    mandatory = shapes("shapes.ttl", "range.ttl")
    for number, page in enumerate(pages, start=1):
        assert results(page, mandatory) == set(), f"page {number}"


def expected_warnings(base: str, reports: list[tuple[str, int]]) -> set[tuple[str, str, str, str]]:
    """The recommended properties we cannot give, each for a stated reason.

    - dcat:bbox and dcat:centroid of every dct:Location: the agency registry has no
      geometry for administrative divisions, nor do we have one for the country;
    - dcat:contactPoint of a report whose agency has no website in the registry (the
      extra agencies of the paging corpus): the website is the only contact we have.
    """
    locations = {"http://publications.europa.eu/resource/authority/country/CHN", f"{base}/id/division/220200"}
    if any(agency.startswith("jilin-province") for agency, _ in reports):
        locations.add(f"{base}/id/division/220000")
    found = {
        ("Warning", location, str(DCAT[path]), "MinCountConstraintComponent")
        for location in locations
        for path in ("bbox", "centroid")
    }
    without_website = [(a, y) for a, y in reports if a != SEED]
    found |= {
        ("Warning", f"{base}/id/report/{a}/{y}", str(DCAT.contactPoint), "MinCountConstraintComponent")
        for a, y in without_website
    }
    return found


def test_the_recommended_shapes_give_only_the_listed_warnings(paged: LiveServer, pages: list[Graph]) -> None:
    recommended = shapes("shapes_recommended.ttl")
    found = set().union(*(results(page, recommended) for page in pages))
    assert found == expected_warnings(paged.url, REPORTS)


def test_the_seed_catalog_conforms_too(live_server: LiveServer) -> None:
    page = parse(fetch(live_server.url + "/catalog"))
    assert results(page, shapes("shapes.ttl", "range.ttl")) == set()
    warnings = results(page, shapes("shapes_recommended.ttl"))
    assert warnings == expected_warnings(live_server.url, [(SEED, 2011)])
    assert len(warnings) == 4


# ---------------------------------------------------------------------------
# What each dataset says, and its downloads
# ---------------------------------------------------------------------------


def distributions(pages: list[Graph]) -> list[tuple[Graph, Node]]:
    return [(page, dist) for page in pages for dist in page.subjects(RDF.type, DCAT.Distribution)]


def test_each_report_dataset_has_the_required_description(paged: LiveServer, pages: list[Graph]) -> None:
    for agency, year in REPORTS:
        report = URIRef(f"{paged.url}/id/report/{agency}/{year}")
        [page] = [p for p in pages if (report, RDF.type, DCAT.Dataset) in p]
        langs = {getattr(t, "language", None) for t in page.objects(report, DCTERMS.title)}
        assert langs == {"zh", "en"}
        assert page.value(report, DCTERMS.publisher) == URIRef(f"{paged.url}/id/agency/{agency}")
        assert page.value(report, DCAT.landingPage) == URIRef(f"{report}.html")
        assert page.value(report, DCTERMS.conformsTo) == URIRef(f"{paged.url}/def/jilin-city-2011")
        period = page.value(report, DCTERMS.temporal)
        assert period is not None and page.value(period, DCAT.startDate) is not None
        assert page.value(report, DCTERMS.spatial) is not None
        assert page.value(report, DCTERMS.issued).datatype == XSD.dateTime  # type: ignore[union-attr]
        assert page.value(report, DCTERMS.modified).datatype == XSD.dateTime  # type: ignore[union-attr]
        assert len(list(page.objects(report, DCAT.keyword))) >= 6
        kinds = {str(d).rsplit("/", 1)[1] for d in page.objects(report, DCAT.distribution)}
        assert kinds == {"turtle", "jsonld", "ntriples", "csv", "source"}


def test_every_download_is_what_its_distribution_says(paged: LiveServer, pages: list[Graph]) -> None:
    checked = 0
    for page, dist in distributions(pages):
        url = page.value(dist, DCAT.downloadURL)
        assert url is not None and str(url).startswith(paged.url + "/download/")
        assert page.value(dist, DCAT.accessURL) == url
        answer = fetch(str(url))
        assert answer.status == 200, url
        media_type = str(page.value(dist, DCAT.mediaType)).removeprefix(IANA)
        compressed = page.value(dist, DCAT.compressFormat)
        served = str(compressed).removeprefix(IANA) if compressed is not None else media_type
        assert answer.media_type == served, url
        size = page.value(dist, DCAT.byteSize)
        assert size is not None and size.datatype == XSD.nonNegativeInteger  # type: ignore[union-attr]
        assert int(size) == len(answer.body) == int(answer.header("Content-Length") or -1), url  # type: ignore[call-overload]
        checksum = page.value(dist, URIRef(SPDX + "checksum"))
        assert page.value(checksum, URIRef(SPDX + "algorithm")) == URIRef(SPDX + "checksumAlgorithm_sha256")
        value = page.value(checksum, URIRef(SPDX + "checksumValue"))
        assert value is not None and value.datatype == XSD.hexBinary  # type: ignore[union-attr]
        assert str(value) == hashlib.sha256(answer.body).hexdigest(), url
        assert answer.header("ETag") == f'"{value}"'
        name = str(url).rsplit("/", 1)[1]
        assert answer.header("Content-Disposition") == f"attachment; filename={name}"
        assert page.value(dist, DCTERMS.license) is not None
        assert page.value(dist, DCTERMS.format) is not None
        modified = page.value(dist, DCTERMS.modified)
        assert modified is not None and answer.header("Last-Modified") is not None
        checked += 1
    assert checked == 5 * len(REPORTS) + 5  # five per report, five corpus dumps


def test_distribution_iris_dereference(paged: LiveServer, pages: list[Graph]) -> None:
    page, dist = distributions(pages)[0]
    answer = fetch(str(dist))
    assert answer.status == 200 and answer.media_type == "text/turtle"
    described = parse(answer)
    assert set(described.predicate_objects(dist)) == set(page.predicate_objects(dist))


def test_the_report_document_and_the_catalog_agree(paged: LiveServer, pages: list[Graph]) -> None:
    """What the report's own graph says of the dataset, the catalog says the same way."""
    agency, year = REPORTS[2]
    report = URIRef(f"{paged.url}/id/report/{agency}/{year}")
    document = parse(fetch(str(report)))
    [page] = [p for p in pages if (report, RDF.type, DCAT.Dataset) in p]
    catalog_says = {p for p, _ in page.predicate_objects(report)}
    document_says = {p for p, _ in document.predicate_objects(report)}
    shared = catalog_says & document_says
    assert {DCTERMS.title, DCTERMS.publisher, DCTERMS.spatial, DCTERMS.temporal, DCTERMS.conformsTo} <= shared
    for predicate in shared - {DCTERMS.language, RDF.type}:
        assert set(page.objects(report, predicate)) == set(document.objects(report, predicate)), predicate
    # The record's language, "zh", is stated as the EU language IRI DCAT-AP asks for.
    assert set(document.objects(report, DCTERMS.language)) == {Literal("zh")}
    assert set(page.objects(report, DCTERMS.language)) == {
        URIRef("http://publications.europa.eu/resource/authority/language/ZHO")
    }
    period = document.value(report, DCTERMS.temporal)
    for predicate in (DCAT.startDate, DCAT.endDate):
        assert page.value(period, predicate) == document.value(period, predicate)


def test_the_sparql_service_is_a_data_service(paged: LiveServer, pages: list[Graph]) -> None:
    service = URIRef(f"{paged.url}/sparql#service")
    first = pages[0]
    assert (URIRef(f"{paged.url}/catalog"), DCAT.service, service) in first
    assert first.value(service, DCAT.endpointURL) == URIRef(f"{paged.url}/sparql")
    assert first.value(service, DCAT.endpointDescription) == URIRef(f"{paged.url}/sparql")
    for page in pages:  # on every page, the service serves that page's datasets
        served = set(page.objects(service, DCAT.servesDataset))
        assert served == set(page.objects(URIRef(f"{paged.url}/catalog"), DCAT.dataset))


# ---------------------------------------------------------------------------
# The catalog's own description: data/catalog.yaml over the defaults
# ---------------------------------------------------------------------------


def test_catalog_yaml_overrides_the_defaults(tmp_path: Path) -> None:
    (tmp_path / "catalog.yaml").write_text(
        "title: {zh: 某市政府信息公开数据, en: Open disclosure data of a city}\n"
        "publisher:\n  name: {zh: 某市数据局, en: City Data Bureau}\n  type: LocalAuthority\n"
        "  email: data@example.org\nlicence: CC0\n",
        encoding="utf-8",
    )
    info = load_catalog_info(tmp_path)
    assert info.title == ("某市政府信息公开数据", "Open disclosure data of a city")
    assert info.publisher_name == ("某市数据局", "City Data Bureau")
    assert info.publisher_type == "LocalAuthority" and info.publisher_email == "data@example.org"
    assert str(info.licence_iri) == "http://publications.europa.eu/resource/authority/licence/CC0"
    assert info.description == CATALOG_DEFAULTS.description
    assert load_catalog_info(tmp_path / "elsewhere") == CATALOG_DEFAULTS


@pytest.mark.parametrize(
    "text, message",
    [
        pytest.param("licence: GPL\n", "field 'licence'", id="unknown-licence"),
        pytest.param("colour: red\n", "unknown field 'colour'", id="unknown-field"),
        pytest.param("title: 只有中文\n", "field 'title'", id="title-not-bilingual"),
        pytest.param("themes: [SPORTS]\n", "field 'themes'", id="unknown-theme"),
    ],
)
def test_a_wrong_catalog_yaml_names_the_file_and_field(tmp_path: Path, text: str, message: str) -> None:
    (tmp_path / "catalog.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(SourceError) as raised:
        load_catalog_info(tmp_path)
    assert "catalog.yaml" in str(raised.value) and message in str(raised.value)
