"""A report's source document as published — a PDF, a saved web page — kept, downloaded, exported and located.

One real PDF (hongze-2023) and one real saved page (pingtan-2024) from ../shared/real-reports,
copied into a data folder and imported as `publisher import` does, are built three times with
one base IRI: from nothing; then incrementally after the PDF's record changed (the previous
build's spare removed, so the unchanged page's files are linked from the previous release);
then after the page's record changed (a release about to be pruned recycled). Each release
keeps both originals byte for byte. Then the last release is served: the downloads of each
source (its text rendition as .txt, the document as published as .pdf or .html, each with
its media type and its DCAT distribution), the static export's copies, and the graph's
selectors of a PDF's cells (the page, refined by the cell's XPath). The figures and places
expected are typed from the documents: hongze-2023's page 3 (rendered with `pdftoppm`)
prints the last row of table 二, 行政事业性收费 7730.28, the 14th row of the document's first
table (8 rows on page 2, 6 on page 3).
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef

from publisher.build.builder import build
from publisher.build.summary import BuildSummary
from publisher.graph.formats import union
from publisher.importers.batch import source_suffix
from publisher.importers.detection import format_facts
from publisher.importers.record import ImportResult, import_report
from publisher.importers.recordfile import write_record
from publisher.publication.downloads import read_index
from publisher.rdf.namespaces import DCAT, DCTERMS, OA, RDF, XSD
from publisher.records.htmldoc import CELL_LOCATION
from publisher.records.pdfdoc import PdfDocument
from publisher.release.paths import current_release, source_original, source_text
from publisher.settings import Settings, load_settings
from tests.fixtures import examples
from tests.helpers import (
    DATA,
    LIVE_BASE,
    REAL_REPORTS,
    SEED_RECORD,
    SEED_SOURCE,
    LiveServer,
    export_site,
    free_port,
    same_page,
)
from tests.http import fetch
from tests.nginx import nginx_binary, serving

PINGTAN = "pingtan-comprehensive-experimental-zone"
HONGZE = "hongze-district-government"
PAGE = REAL_REPORTS / "pingtan-2024" / "page.html"
PDF = REAL_REPORTS / "hongze-2023" / "report.pdf"
#: (agency, year, document, the suffix of its original)
SOURCES = {"page": (PINGTAN, 2024, PAGE, "html"), "pdf": (HONGZE, 2023, PDF, "pdf")}
#: The two agencies, added to the project's registry (whose seed report, copied to three more years, joins them:
#: with six reports, one changed record is a change small enough for an incremental build).
DIVISIONS = """\
  "350128":
    name: {zh: 福建省平潭县, en: "Pingtan County, Fujian Province"}
  "320813":
    name: {zh: 江苏省淮安市洪泽区, en: "Hongze District, Huai'an, Jiangsu Province"}
"""
AGENCIES = """
  pingtan-comprehensive-experimental-zone:
    name: {zh: 平潭综合实验区管委会, en: Pingtan Comprehensive Experimental Zone Administrative Committee}
    division: "350128"
    kind: government
  hongze-district-government:
    name: {zh: 淮安市洪泽区人民政府, en: People's Government of Hongze District}
    division: "320813"
    kind: government
"""
SEED_YEARS = (2012, 2013, 2014)
IANA = "http://www.iana.org/assignments/media-types/"
MEDIA_TYPES = {"pdf": "application/pdf", "html": "text/html"}
RFC3778 = URIRef("http://tools.ietf.org/rfc/rfc3778")
#: The first words of each report, typed from the page's article and from the PDF's first page.
FIRST_WORDS = {
    "page": "本报告根据《中华人民共和国政府信息公开条例》（国务院令第711号）",
    "pdf": "本报告由淮安市洪泽区人民政府办公室根据《中华人民共和",
}


@dataclass
class Built:
    """The three builds: each one's summary (and release), the last one served."""

    settings: Settings
    summaries: list[BuildSummary]
    carried: dict[str, bool]  # whether a build's unchanged report's original is the previous release's file
    server: LiveServer

    def url(self, kind: str, suffix: str = "") -> str:
        agency, year, _document, _original = SOURCES[kind]
        return f"{self.server.url}/id/report/{agency}/{year}/source{suffix}"


def write(data: Path, kind: str, result: ImportResult, url: str | None = None) -> None:
    agency, year, document, original = SOURCES[kind]
    folder = data / "reports" / agency
    folder.mkdir(parents=True, exist_ok=True)
    source = folder / f"{year}.source.{original}"
    if not source.exists():
        shutil.copyfile(document, source)
    (folder / f"{year}.yaml").write_text(write_record(result, source.name, url), encoding="utf-8")


def original_of(release: Path, kind: str) -> Path:
    agency, year, _document, original = SOURCES[kind]
    return source_original(release, agency, year, original)


def same_original(kind: str, one: BuildSummary, other: BuildSummary) -> bool:
    """Whether two releases hold the report's original as one file (hard-linked, not written again)."""
    first, second = original_of(one.release, kind), original_of(other.release, kind)
    return first.is_file() and second.is_file() and os.path.samefile(first, second)


def build_once(settings: Settings) -> BuildSummary:
    summary = build(settings).summary
    assert summary is not None
    return summary


def data_folder(root: Path, imported: dict[str, ImportResult]) -> Path:
    """The project's data (the seed, copied to three more years) with the page's and the PDF's records."""
    data = root / "data"
    shutil.copytree(DATA, data)
    registry = data / "agencies.yaml"
    text = registry.read_text(encoding="utf-8").replace("divisions:\n", "divisions:\n" + DIVISIONS, 1)
    registry.write_text(text + AGENCIES, encoding="utf-8")
    record, seed = SEED_RECORD.read_text(encoding="utf-8"), data / "reports" / SEED_RECORD.parent.name
    for year in SEED_YEARS:
        shutil.copyfile(SEED_SOURCE, seed / f"{year}.source.txt")
        copy = record.replace("year: 2011", f"year: {year}").replace("2011.source.txt", f"{year}.source.txt")
        (seed / f"{year}.yaml").write_text(copy, encoding="utf-8")
    for kind, result in imported.items():
        write(data, kind, result)
    return data


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Built]:
    facts = format_facts(union(examples.project().ontology.values()), examples.layouts())
    imported = {
        kind: import_report(document, agency, year, examples.layouts(), facts=facts)
        for kind, (agency, year, document, _original) in SOURCES.items()
    }
    root = tmp_path_factory.mktemp("sources")
    data = data_folder(root, imported)
    port = free_port()
    settings = load_settings(
        {"base_iri": f"http://127.0.0.1:{port}", "data_dir": data, "build_dir": root / "build", "port": port},
        environ={},
    )
    summaries = [build_once(settings)]
    shutil.rmtree(root / "build" / "spare")  # so the next build links the unchanged report from the previous release
    write(data, "pdf", imported["pdf"], "https://www.hongze.gov.cn/report-2023")
    summaries.append(build_once(settings))
    carried = {"page": same_original("page", summaries[1], summaries[0])}
    write(data, "page", imported["page"], "https://www.pingtan.gov.cn/report-2024")
    summaries.append(build_once(settings))  # recycles release 1, which the publishing would prune
    carried["pdf"] = same_original("pdf", summaries[2], summaries[1])
    assert current_release(root / "build") == summaries[2].release
    server = LiveServer(settings)
    yield Built(settings, summaries, carried, server)
    server.close()


# ---------------------------------------------------------------------------
# Incremental builds keep the originals of the reports they carry
# ---------------------------------------------------------------------------


def test_each_incremental_build_republished_only_the_changed_report(built: Built) -> None:
    assert [s.incremental for s in built.summaries] == [False, True, True]
    assert [s.reports for s in built.summaries] == [6, 6, 6]
    assert [s.republished for s in built.summaries] == [6, 1, 1]
    outcomes = built.summaries[-1].outcomes
    assert len(outcomes) == 6 and all(o.conforms for o in outcomes), [o.violations for o in outcomes]


def test_each_release_kept_both_originals_byte_for_byte(built: Built) -> None:
    """Checked on the last release (the first is pruned by then) and on the second, kept as the previous one."""
    for summary in built.summaries[1:]:
        for kind, (agency, year, document, original) in SOURCES.items():
            kept = original_of(summary.release, kind)
            assert kept.is_file(), f"{summary.release.name} lost {kept.name} of {agency}"
            assert kept.read_bytes() == document.read_bytes()
            other = "pdf" if original == "html" else "html"
            assert not source_original(summary.release, agency, year, other).exists()


def test_the_unchanged_report_s_original_is_carried_not_written_again(built: Built) -> None:
    """Build 2 changed the PDF's record and linked the page's original; build 3 changed the page's, kept the PDF's."""
    assert built.carried == {"page": True, "pdf": True}
    assert not same_original("page", built.summaries[2], built.summaries[1])  # written again: its record changed


@pytest.mark.parametrize("kind", ["page", "pdf"])
def test_the_last_release_serves_both_originals_as_published(built: Built, kind: str) -> None:
    _agency, _year, document, original = SOURCES[kind]
    answer = fetch(built.url(kind, f".{original}"))
    assert answer.status == 200 and answer.body == document.read_bytes()
    assert answer.media_type == MEDIA_TYPES[original]


# ---------------------------------------------------------------------------
# Downloads: the text rendition as .txt, the document as published by its own suffix and media type
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["page", "pdf"])
def test_the_text_download_is_the_text_rendition(built: Built, kind: str) -> None:
    agency, year, _document, _original = SOURCES[kind]
    name = f"{agency}-{year}.source.txt"
    answer = fetch(f"{built.server.url}/download/{name}")
    assert answer.status == 200 and answer.media_type == "text/plain"
    release = built.summaries[-1].release
    assert answer.body == source_text(release, agency, year).read_bytes() == fetch(built.url(kind, ".txt")).body
    assert FIRST_WORDS[kind] in answer.body.decode("utf-8")[:200]
    assert read_index(release)[name].media_type == "text/plain"


@pytest.mark.parametrize("kind", ["page", "pdf"])
def test_the_original_is_a_download_of_its_own_with_its_media_type(built: Built, kind: str) -> None:
    agency, year, document, original = SOURCES[kind]
    media_type = MEDIA_TYPES[original]
    name = f"{agency}-{year}.source.{original}"
    answer = fetch(f"{built.server.url}/download/{name}")
    assert answer.status == 200 and answer.media_type == media_type
    assert answer.body == document.read_bytes()
    entry = read_index(built.summaries[-1].release)[name]
    assert (entry.kind, entry.media_type, entry.size) == (f"source-{original}", media_type, len(answer.body))


def distributions(built: Built, agency: str, year: int) -> tuple[Graph, dict[str, URIRef]]:
    """The catalog's page of the report's dataset, and its distributions by kind (the last step of their IRIs)."""
    report = URIRef(f"{built.server.url}/id/report/{agency}/{year}")
    page = Graph().parse(data=fetch(f"{built.server.url}/catalog/page/1.ttl").body, format="turtle")
    found = {str(d).rsplit("/", 1)[1]: URIRef(str(d)) for d in page.objects(report, DCAT.distribution)}
    return page, found


@pytest.mark.parametrize("kind", ["page", "pdf"])
def test_each_source_download_is_what_its_distribution_says(built: Built, kind: str) -> None:
    agency, year, document, original = SOURCES[kind]
    page, found = distributions(built, agency, year)
    assert set(found) == {"turtle", "jsonld", "ntriples", "csv", "source", f"source-{original}"}
    text = fetch(built.url(kind, ".txt")).body
    for name, media_type, body in (
        ("source", "text/plain", text),
        (f"source-{original}", MEDIA_TYPES[original], document.read_bytes()),
    ):
        answer = fetch(str(page.value(found[name], DCAT.downloadURL)))
        assert answer.status == 200 and answer.body == body and answer.media_type == media_type, name
        assert page.value(found[name], DCAT.mediaType) == URIRef(IANA + media_type)
        assert page.value(found[name], DCAT.byteSize) == Literal(len(body), datatype=XSD.nonNegativeInteger)


def test_a_text_source_is_downloaded_as_it_was_and_has_no_original(built: Built) -> None:
    agency = SEED_RECORD.parent.name
    answer = fetch(f"{built.server.url}/download/{agency}-2012.source.txt")
    assert answer.status == 200 and answer.media_type == "text/plain" and answer.body == SEED_SOURCE.read_bytes()
    _page, found = distributions(built, agency, 2012)
    assert set(found) == {"turtle", "jsonld", "ntriples", "csv", "source"}


# ---------------------------------------------------------------------------
# The copy beside the record: a PDF told by its bytes
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("document", "name", "suffix"),
    [
        pytest.param(PDF, "report.pdf", ".pdf", id="pdf-as-pdf"),
        pytest.param(PDF, "report.html", ".pdf", id="pdf-saved-as-html"),
        pytest.param(PDF, "report", ".pdf", id="pdf-without-suffix"),
        pytest.param(PAGE, "page.html", ".html", id="page-as-html"),
        pytest.param(PAGE, "page", ".html", id="page-without-suffix"),
        pytest.param(PAGE, "page.txt", ".html", id="page-saved-as-text"),
    ],
)
def test_the_source_copy_is_named_by_what_the_file_is(tmp_path: Path, document: Path, name: str, suffix: str) -> None:
    copy = tmp_path / name
    shutil.copyfile(document, copy)
    assert source_suffix(copy) == suffix


def test_plain_text_is_copied_as_text(tmp_path: Path) -> None:
    copy = tmp_path / "report"
    copy.write_text("2023年政府信息公开工作年度报告\n本年新收申请21件。\n", encoding="utf-8")
    assert source_suffix(copy) == ".txt"


# ---------------------------------------------------------------------------
# The static export writes the originals
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def exported(built: Built, tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("export") / "site"
    export_site(built.server.settings, target, LIVE_BASE)
    return target


@pytest.mark.parametrize("kind", ["page", "pdf"])
def test_the_export_writes_the_original_the_text_and_the_description(built: Built, exported: Path, kind: str) -> None:
    agency, year, document, original = SOURCES[kind]
    folder = exported / "id" / "report" / agency / str(year)
    assert (folder / f"source.{original}").read_bytes() == document.read_bytes()
    assert (folder / "source.txt").read_bytes() == fetch(built.url(kind, ".txt")).body
    described = fetch(built.url(kind), headers={"Accept": "text/html"})
    assert described.status == 200 and described.media_type == "text/html"
    assert same_page((folder / "source" / "index.html").read_text(encoding="utf-8"), described.text)
    assert described.body != document.read_bytes()


# ---------------------------------------------------------------------------
# The export served by nginx (deploy/nginx.conf) answers for the sources what the app does
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def static(exported: Path) -> Iterator[str]:
    """A real nginx serving the export with deploy/nginx.conf: its base URL."""
    if nginx_binary() is None:
        pytest.skip("nginx is not installed here (scripts/test installs Debian's)")
    with serving(exported) as url:
        yield url


def source_path(kind: str, suffix: str = "") -> str:
    agency, year, _document, _original = SOURCES[kind]
    return f"/id/report/{agency}/{year}/source{suffix}"


@pytest.mark.parametrize("query", ["", "?lang=en"])
def test_nginx_serves_a_web_page_as_published_sandboxed_in_its_own_charset(
    built: Built, static: str, query: str
) -> None:
    """The page of another site: its scripts and forms must not run on this origin, and its bytes are decoded
    as its own <meta charset> says (a charset of ours in the header would override it)."""
    live = fetch(built.server.url + source_path("page", ".html") + query)
    served = fetch(static + source_path("page", ".html") + query)
    assert served.status == live.status == 200
    assert served.body == live.body == PAGE.read_bytes()
    assert served.headers["Content-Security-Policy"] == live.headers["Content-Security-Policy"] == "sandbox"
    assert served.headers["Content-Type"] == live.headers["Content-Type"] == "text/html"
    assert served.headers["X-Content-Type-Options"] == live.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("kind", ["page", "pdf"])
@pytest.mark.parametrize("query", ["", "?lang=en"])
def test_nginx_gives_a_browser_the_source_s_description_as_the_app_does(
    built: Built, static: str, kind: str, query: str
) -> None:
    live = fetch(built.server.url + source_path(kind) + query, headers={"Accept": "text/html"})
    served = fetch(static + source_path(kind) + query, headers={"Accept": "text/html"})
    assert served.status == live.status == 200
    assert served.media_type == live.media_type == "text/html"
    assert same_page(served.text, live.text)
    assert served.body != SOURCES[kind][2].read_bytes()  # the description, not the document as published
    assert "Accept" in served.headers["Vary"]


@pytest.mark.parametrize("query", ["", "?lang=en"])
def test_nginx_gives_a_pdf_s_source_page_as_its_description_in_the_language_asked(
    built: Built, static: str, query: str
) -> None:
    live = fetch(built.server.url + source_path("pdf", ".html") + query)
    served = fetch(static + source_path("pdf", ".html") + query)
    assert served.status == live.status == 200
    assert same_page(served.text, live.text)
    [language] = re.findall(r'<html lang="([^"]+)"', served.text)
    assert language == ("en" if query else "zh-CN")
    for name in ("Content-Type", "Content-Security-Policy", "X-Frame-Options"):
        assert served.headers[name] == live.headers[name], name


@pytest.mark.parametrize(
    "kind, accept, document",
    [pytest.param("page", "text/plain", None, id="page-text"), pytest.param("pdf", "application/pdf", PDF, id="pdf")],
)
def test_nginx_gives_a_client_the_source_s_text_or_pdf_as_the_app_does(
    built: Built, static: str, kind: str, accept: str, document: Path | None
) -> None:
    live = fetch(built.server.url + source_path(kind), headers={"Accept": accept})
    served = fetch(static + source_path(kind), headers={"Accept": accept})
    assert served.status == live.status == 200
    assert served.media_type == live.media_type == accept
    assert served.body == live.body
    assert document is None or served.body == document.read_bytes()


@pytest.mark.parametrize("kind", ["page", "pdf"])
def test_nginx_gives_a_client_the_source_s_turtle_as_the_app_does(built: Built, static: str, kind: str) -> None:
    live = fetch(built.server.url + source_path(kind), headers={"Accept": "text/turtle"})
    served = fetch(static + source_path(kind), headers={"Accept": "text/turtle"})
    assert served.status == live.status == 200
    assert served.media_type == live.media_type == "text/turtle"
    assert served.body == live.body


#: The headers every answer of the app carries (publisher.web.security), which nginx must say as it does.
SECURITY_HEADERS = (
    "Access-Control-Allow-Origin", "Content-Security-Policy", "X-Frame-Options", "X-Content-Type-Options",
    "Referrer-Policy", "Permissions-Policy",
)  # fmt: skip


@pytest.mark.parametrize(
    "path, accept",
    [
        pytest.param("/", "text/html", id="home"),
        pytest.param("/agencies?lang=en", "text/html", id="page"),
        pytest.param("/void", "text/turtle", id="document"),
        pytest.param(source_path("page", ".html"), "text/html", id="source-as-published"),
        pytest.param(source_path("pdf"), "text/html", id="source-description"),
        pytest.param(source_path("pdf", ".html"), "text/html", id="source-page-of-a-pdf"),
        pytest.param("/download/", "*/*", id="download"),
    ],
)
def test_nginx_says_the_app_s_security_headers(
    built: Built, exported: Path, static: str, path: str, accept: str
) -> None:
    if path == "/download/":  # a download of the export: the first report's CSV
        path += sorted(p.name for p in (exported / "download").glob("*.csv"))[0]
    live = fetch(built.server.url + path, headers={"Accept": accept})
    served = fetch(static + path, headers={"Accept": accept})
    assert served.status == live.status == 200
    for name in SECURITY_HEADERS:
        assert served.headers[name] == live.headers[name], name


def test_nginx_serves_a_pdf_as_published_with_its_media_type(built: Built, static: str) -> None:
    live = fetch(built.server.url + source_path("pdf", ".pdf"))
    served = fetch(static + source_path("pdf", ".pdf"))
    assert served.status == live.status == 200
    assert served.body == live.body == PDF.read_bytes()
    assert served.media_type == live.media_type == "application/pdf"


# ---------------------------------------------------------------------------
# A PDF's cell: its page, refined by its XPath
# ---------------------------------------------------------------------------


def report_graph(built: Built, kind: str) -> Graph:
    agency, year, _document, _original = SOURCES[kind]
    answer = fetch(f"{built.server.url}/id/report/{agency}/{year}.ttl")
    assert answer.status == 200
    return Graph().parse(data=answer.body, format="turtle")


def test_a_pdf_cell_is_selected_by_its_page_refined_by_its_xpath(built: Built) -> None:
    graph = report_graph(built, "pdf")
    [quote] = [s for s in graph.subjects(OA.exact, Literal("7730.28"))]
    [target] = graph.subjects(OA.hasSelector, quote)
    pages = [s for s in graph.objects(target, OA.hasSelector) if (s, RDF.type, OA.FragmentSelector) in graph]
    assert len(pages) == 1
    [page] = pages
    assert graph.value(page, RDF.value) == Literal("page=3")
    assert graph.value(page, DCTERMS.conformsTo) == RFC3778
    [xpath] = graph.objects(page, OA.refinedBy)
    assert (xpath, RDF.type, OA.XPathSelector) in graph
    assert graph.value(xpath, RDF.value) == Literal("(//table)[1]/descendant::tr[14]/*[2]")
    assert (target, OA.hasSelector, xpath) not in graph  # the XPath selects within the page, not beside it


def test_every_xpath_of_a_pdf_is_an_xpath_that_selects_its_cell(built: Built) -> None:
    graph = report_graph(built, "pdf")
    pdf = PdfDocument.read(PDF)
    checked = 0
    for page in graph.subjects(RDF.type, OA.FragmentSelector):
        number = str(graph.value(page, RDF.value)).removeprefix("page=")
        assert number.isdigit()
        [xpath] = graph.objects(page, OA.refinedBy)
        value = str(graph.value(xpath, RDF.value))
        assert CELL_LOCATION.fullmatch(value), value
        [target] = graph.subjects(OA.hasSelector, page)
        [exact] = [e for s in graph.objects(target, OA.hasSelector) if (e := graph.value(s, OA.exact)) is not None]
        assert pdf.resolve(f"page {number}, {value}").text().strip() == str(exact).strip()
        checked += 1
    assert checked >= 100  # every cell of the national tables: far more than a few


def table_rows(built: Built, kind: str, query: str) -> list[dict[str, str]]:
    """The rows of a named table query for the `kind` report, as the server answers them in SPARQL JSON."""
    agency, year, _document, _original = SOURCES[kind]
    answer = fetch(f"{built.server.url}/queries/{query}?agency={agency}&year={year}&format=json")
    assert answer.status == 200, answer.text
    return answer.rows


def test_the_table_query_locates_a_pdf_cell_by_its_page_and_xpath(built: Built) -> None:
    """Table 二's last row, 行政事业性收费 7730.28, on page 3 in the document's first table's 14th row: the
    location the record wrote, which the table queries gave no more (the XPath refines the page)."""
    [cell] = [r for r in table_rows(built, "pdf", "national-2021-proactive") if r.get("quote") == "7730.28"]
    assert cell["location"] == "page 3, (//table)[1]/descendant::tr[14]/*[2]"


@pytest.mark.parametrize("lang, label", [("zh", "第3页"), ("en", "p. 3")])
def test_the_report_page_links_a_pdf_cell_to_its_page_of_the_pdf(built: Built, lang: str, label: str) -> None:
    """The cell of 7730.28 (table 二's last row, on page 3) links to the PDF as published, opened at that page."""
    agency, year, _document, _original = SOURCES["pdf"]
    page = fetch(f"{built.server.url}/id/report/{agency}/{year}?lang={lang}", headers={"Accept": "text/html"})
    assert page.status == 200
    cells = re.findall(r'<td class="number[^"]*"[^>]*data-at="([^"]*)"[^>]*>(.*?)</td>', page.text, re.S)
    [cell] = [inner for at, inner in cells if at == "page 3, (//table)[1]/descendant::tr[14]/*[2]"]
    assert ">7730.28<" in cell
    href = f"/id/report/{agency}/{year}/source.pdf#page=3"
    assert f'<a class="source-page" href="{href}"' in cell and f">{label}</a>" in cell
    linked = fetch(built.server.url + href.split("#")[0])
    assert linked.status == 200 and linked.media_type == "application/pdf" and linked.body == PDF.read_bytes()
    paged = [inner for at, inner in cells if at.startswith("page ")]
    assert len(paged) >= 10 and all('class="source-page"' in inner for inner in paged)


def test_the_report_page_of_a_web_page_links_no_pdf_page(built: Built) -> None:
    agency, year, _document, _original = SOURCES["page"]
    page = fetch(f"{built.server.url}/id/report/{agency}/{year}", headers={"Accept": "text/html"})
    assert page.status == 200 and "data-at=" in page.text and 'class="source-page"' not in page.text


@pytest.mark.parametrize("query", ["national-2021-proactive", "national-2021-requests", "national-2021-review"])
def test_every_location_a_table_query_gives_of_a_pdf_selects_its_cell(built: Built, query: str) -> None:
    pdf = PdfDocument.read(PDF)
    stated = [r for r in table_rows(built, "pdf", query) if "quote" in r]
    assert len(stated) >= 10
    for row in stated:
        assert pdf.resolve(row["location"]).text().strip() == row["quote"].strip(), row


def test_the_table_query_locates_a_web_page_s_cell_by_its_xpath_alone(built: Built) -> None:
    stated = [r for r in table_rows(built, "page", "national-2021-requests") if "quote" in r]
    assert len(stated) >= 100
    assert all(CELL_LOCATION.fullmatch(row["location"]) for row in stated), stated[0]


def test_a_page_s_cells_keep_their_xpath_beside_the_quote(built: Built) -> None:
    graph = report_graph(built, "page")
    assert not list(graph.subjects(RDF.type, OA.FragmentSelector))
    xpaths = list(graph.subjects(RDF.type, OA.XPathSelector))
    assert len(xpaths) >= 100
    assert all(graph.value(predicate=OA.hasSelector, object=x) is not None for x in xpaths)
