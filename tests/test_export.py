"""`publisher export`: the static copy answers what the live server answers, byte for byte.

The export of the session's built store is served by `python -m http.server` (no
content negotiation, no app) on loopback; every file of every report — downloads,
documents in each format, the source text — and the catalog, VoID, sitemap and
robots files are fetched from both servers and compared. A page differs from the live
one only where a link needs the app (/sparql, a named query with parameters, a
filtered or further page): there it points to the live server the export was made
with (`export_live_base`), or is left out when none is given.

Every internal link of every exported page (href, src, a form's action) is asked of a
real nginx serving the folder with deploy/nginx.conf (tests/nginx.py): none is dead.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qs, quote, urljoin, urlsplit

import pytest
from click.testing import CliRunner

from publisher.cli import main
from publisher.store.readstore import read_manifest
from tests.helpers import DATA, LIVE_BASE, LiveServer, free_port, same_page, start_live_server
from tests.http import fetch
from tests.nginx import nginx_binary, serving

SUFFIXES = ("ttl", "jsonld", "nt", "rdf", "html")
LIVE = LIVE_BASE  # the live server the exports link to (not the base IRI: nothing follows those links)
JILIN = "jilin-city-science-technology-bureau"


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A live server of its own: the export may rebuild its store (when the inputs changed since)."""
    server = start_live_server(tmp_path_factory.mktemp("export-build"))
    yield server
    server.close()


def run_export(live_server: LiveServer, target: Path, *options: str, env: dict[str, str] | None = None) -> Path:
    settings = live_server.settings
    result = CliRunner().invoke(
        main,
        [
            "export",
            str(target),
            "--base-iri",
            settings.base,
            "--data",
            str(DATA),
            "--out",
            str(settings.build_dir),
            *options,
        ],
        env=env,
    )
    assert result.exit_code == 0, result.output
    assert "Exported" in result.output
    return target


@pytest.fixture(scope="module")
def exported(live_server: LiveServer, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An export linking to a live server, in pages of one row (so the lists have further pages)."""
    target = tmp_path_factory.mktemp("export") / "site"
    return run_export(live_server, target, "--export-live-base", LIVE, env={"PUBLISHER_FINDING_PAGE_SIZE": "1"})


@pytest.fixture(scope="module")
def exported_alone(live_server: LiveServer, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An export with no live server to link to."""
    return run_export(
        live_server, tmp_path_factory.mktemp("export-alone") / "site", env={"PUBLISHER_FINDING_PAGE_SIZE": "1"}
    )


@pytest.fixture(scope="module")
def static_server(exported: Path) -> Iterator[str]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1", "--directory", str(exported)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                if fetch(url + "/robots.txt").status == 200:
                    break
            except OSError:
                time.sleep(0.05)
        else:
            pytest.fail("python -m http.server did not start")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def report_urls(live_server: LiveServer) -> list[str]:
    """Every URL path of every report's files, as the catalog and the report's document name them."""
    paths: list[str] = []
    reports = read_manifest(Path(live_server.settings.build_dir))["reports"]
    assert reports
    for report in reports:
        path = report["iri"][len(live_server.url) :]
        paths += [f"{path}.{suffix}" for suffix in SUFFIXES]
        paths += [f"{path}/source.txt", f"{path}/source.ttl"]
        stem = f"{report['agency']}-{report['year']}"
        for suffix in ("ttl", "jsonld", "nt", "csv", "csv-metadata.json", "source.txt"):
            paths.append(f"/download/{stem}.{suffix}")
    return paths


def test_the_static_copy_answers_every_report_file_with_the_live_bytes(
    live_server: LiveServer, static_server: str
) -> None:
    paths = report_urls(live_server)
    assert len(paths) >= 13
    for path in paths:
        live = fetch(live_server.url + path)
        static = fetch(static_server + path)
        assert live.status == 200, path
        assert static.status == 200, path
        if path.endswith(".html"):
            assert same_page(static.text, live.text), path
        else:
            assert static.body == live.body, path


def test_the_catalog_and_descriptions_are_exported_too(live_server: LiveServer, static_server: str) -> None:
    catalog = json.loads(fetch(live_server.url + "/catalog.jsonld").body)
    assert catalog
    paths = ["/catalog.ttl", "/catalog/page/1.jsonld", "/catalog/corpus.ttl", "/void.ttl", "/void.html"]
    paths += ["/sitemap.xml", "/robots.txt", "/context.jsonld", "/download/corpus.nq.gz", "/def/disclosure.ttl"]
    paths += ["/graph/agencies.nt", "/id/agency/jilin-city-science-technology-bureau.html"]
    for path in paths:
        live, static = fetch(live_server.url + path), fetch(static_server + path)
        assert live.status == static.status == 200, path
        assert same_page(static.text, live.text) if path.endswith(".html") else static.body == live.body, path


def test_a_host_without_negotiation_still_shows_pages(static_server: str, live_server: LiveServer) -> None:
    home = fetch(static_server + "/index.html")
    assert home.status == 200 and "<html" in home.text
    english = fetch(static_server + "/id/report/jilin-city-science-technology-bureau/2011.en.html")
    assert english.status == 200 and "annual report 2011" in english.text
    live_english = fetch(live_server.url + "/id/report/jilin-city-science-technology-bureau/2011.html?lang=en")
    assert same_page(english.text, live_english.text)
    bare = fetch(static_server + "/id/report/jilin-city-science-technology-bureau/2011/")
    assert bare.status == 200 and bare.media_type == "text/html"


def test_export_refuses_a_folder_that_is_not_an_export(tmp_path: Path, live_server: LiveServer) -> None:
    target = tmp_path / "precious"
    target.mkdir()
    (target / "notes.txt").write_text("keep me", encoding="utf-8")
    settings = live_server.settings
    result = CliRunner().invoke(
        main,
        ["export", str(target), "--base-iri", settings.base, "--data", str(DATA), "--out", str(settings.build_dir)],
    )
    assert result.exit_code == 2
    assert "does not look like an earlier export" in result.output
    assert (target / "notes.txt").read_text(encoding="utf-8") == "keep me"


def test_the_nginx_configuration_maps_every_document_type() -> None:
    """deploy/nginx.conf negotiates the same suffixes the app offers (checked with `nginx -t` where nginx is)."""
    conf = (Path(__file__).resolve().parent.parent / "deploy" / "nginx.conf").read_text(encoding="utf-8")
    for media_type, suffix in (
        ("text/turtle", "ttl"),
        ("application/ld\\+json", "jsonld"),
        ("application/n-triples", "nt"),
        ("application/rdf\\+xml", "rdf"),
        ("text/html", "html"),
    ):
        assert f'"~*{media_type}"' in conf and suffix in conf, media_type
    assert 'add_header Vary "Accept"' in conf


class Links(HTMLParser):
    """The links of a page: every href, src and form action (a form without one submits to the page itself)."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[tuple[str, str]] = []  # (tag.attribute, URL)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        for name in ("href", "src"):
            if found.get(name) is not None:
                self.links.append((f"{tag}.{name}", str(found[name])))
        if tag == "form":
            self.links.append(("form.action", str(found.get("action") or "")))


def page_url(site: Path, page: Path) -> str:
    """The URL a page is served at: x.html → /x, x.en.html → /x?lang=en, x/index.html → /x/, index.html → /."""
    relative = "/" + page.relative_to(site).as_posix()
    english = relative.endswith(".en.html")
    path = relative.removesuffix(".en.html").removesuffix(".html").removesuffix("index")
    return path + ("?lang=en" if english else "")


def served(static: str, url: str) -> bool:
    """Whether nginx serving the export with deploy/nginx.conf (at `static`) answers a browser's request for `url`.

    nginx reads no query parameter but `lang`: a link with another one (a filter, a page, a named
    query's parameters) needs the app, and is dead in a static copy (nginx would answer it with the
    page without them).
    """
    parts = urlsplit(url)
    if set(parse_qs(parts.query, keep_blank_values=True)) - {"lang"}:
        return False
    target = quote(parts.path) + (f"?{parts.query}" if parts.query else "")
    return fetch(static + target, method="HEAD", headers={"Accept": "text/html"}).status == 200


#: An agency's web page as published (its own links are the agency site's, not ours).
PUBLISHED_ORIGINAL = re.compile(r"id/report/[^/]+/[^/]+/source\.html")


def crawl(site: Path, base: str) -> tuple[list[tuple[str, str, str, str]], list[str]]:
    """Every exported page's internal links (the page, the attribute, the link as written, the path and query it
    leads to) and its links that leave the site."""
    internal: list[tuple[str, str, str, str]] = []
    outward: list[str] = []
    pages = [p for p in site.rglob("*.html") if not PUBLISHED_ORIGINAL.fullmatch(p.relative_to(site).as_posix())]
    assert len(pages) > 20
    for page in sorted(pages):
        parser = Links()
        parser.feed(page.read_text(encoding="utf-8"))
        here = page_url(site, page)
        for kind, link in parser.links:
            if link.startswith(base + "/") or link == base:
                link = link[len(base) :] or "/"
            elif re.match(r"[a-z][a-z0-9+.-]*:|//", link, re.IGNORECASE):
                outward.append(link)
                continue
            elif link.startswith("#"):
                continue
            internal.append((str(page.relative_to(site)), kind, link, urljoin(here, link).split("#", 1)[0]))
    return internal, outward


def workbench_files(site: Path) -> list[Path]:
    """The exported coverage and agency pages (both languages) and their CSVs."""
    agencies = sorted(site.glob("agencies/*.html"))
    return [site / "coverage.html", site / "coverage.en.html", site / "coverage.csv", *agencies]


@pytest.mark.parametrize("which", ["exported_alone", "exported"])
def test_no_link_of_the_export_is_dead(which: str, live_server: LiveServer, request: pytest.FixtureRequest) -> None:
    site: Path = request.getfixturevalue(which)
    if nginx_binary() is None:
        pytest.skip("nginx is not installed here (scripts/test installs Debian's)")
    internal, _outward = crawl(site, live_server.settings.base)
    with serving(site) as static:
        answered = {target: served(static, target) for target in sorted({link[3] for link in internal})}
    assert len(answered) > 50
    dead = [
        f"{page}: {kind}={link}"
        for page, kind, link, target in internal
        if kind == "form.action" or not answered[target]
    ]
    assert dead == []


def test_the_export_holds_coverage_and_every_agency_page_with_its_series(exported_alone: Path) -> None:
    assert (exported_alone / "coverage.html").is_file() and (exported_alone / "coverage.en.html").is_file()
    coverage = (exported_alone / "coverage.html").read_text(encoding="utf-8")
    assert 'data-agency="jilin-city-government"' in coverage and "吉林市人民政府" in coverage  # page 1: one agency
    english = (exported_alone / "agencies" / f"{JILIN}.en.html").read_text(encoding="utf-8")
    assert "2011" in english and 'class="series"' in english
    assert (exported_alone / "agencies" / f"{JILIN}.html").is_file()
    series = (exported_alone / "agencies" / JILIN / "series.csv").read_text(encoding="utf-8-sig")
    assert series.startswith("agency,year,report,format,item,period,value,figure")
    assert f"{JILIN},2011," in series and ",annual,0," in series  # 三、依申请公开：未收到任何形式的申请
    missing = (exported_alone / "coverage.csv").read_text(encoding="utf-8-sig")
    assert missing.startswith("agency,agency_zh,agency_en,level,division")
    assert (
        "\njilin-city-government,吉林市人民政府," in missing and f"\n{JILIN}," not in missing
    )  # its 2011 is published
    assert (exported_alone / "static" / "site.css").is_file() and (
        exported_alone / "static" / "workbench.css"
    ).is_file()


def test_the_export_holds_each_regions_comparisons_with_their_data(exported_alone: Path) -> None:
    """Jilin City (220200), the seed's region: its requests by year, its agencies ranked and their outcomes of 2011."""
    compare = exported_alone / "compare"
    listed = (exported_alone / "compare.html").read_text(encoding="utf-8")
    assert 'href="/compare/totals/220200/requests?lang=zh"' in listed
    totals = (compare / "totals/220200/requests.html").read_text(encoding="utf-8")
    assert 'id="totals-chart"' in totals and '<tr data-year="2011"><th scope="row">2011</th>' in totals
    assert 'href="/compare/totals/220200/requests.csv"' in totals
    assert "Jilin City" in (compare / "totals/220200/requests.en.html").read_text(encoding="utf-8")
    rows = (compare / "totals/220200/requests.csv").read_text(encoding="utf-8-sig").splitlines()
    assert rows[0] == "region,level,year,item,period,total,reports,published"
    # 三、依申请公开：未收到任何形式的申请 — none received in 2011, one report, of the region's one published
    assert rows[1:] == ["220200,any,2011,national-2021/request/new-requests,annual,0,1,1"]
    ranked = (compare / "ranked/220200/requests/2011.csv").read_text(encoding="utf-8-sig").splitlines()
    assert [line.split(",")[1] for line in ranked[1:]] == [JILIN]
    assert (compare / "ranked/220200/refused/2011.html").is_file()
    assert (compare / "outcomes/220200/2011.html").is_file() and (compare / "outcomes/220200/2011.csv").is_file()


def test_without_a_live_server_the_links_that_need_one_are_left_out(exported_alone: Path) -> None:
    pages = [exported_alone / "index.html", exported_alone / "coverage.en.html", exported_alone / "agencies.html"]
    pages += [exported_alone / "compare.html", exported_alone / "catalog.html"]
    pages += [
        exported_alone / "compare/totals/220200/requests.html",
        exported_alone / "compare/outcomes/220200/2011.html",
    ]
    pages += [exported_alone / "agencies" / f"{JILIN}.html", exported_alone / "id/report" / JILIN / "2011.html"]
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert "/sparql" not in text.replace("/sparql-", ""), page
        assert 'href="/queries/' not in text and "<form" not in text and 'rel="next"' not in text, page
    report = (exported_alone / "id/report" / JILIN / "2011.html").read_text(encoding="utf-8")
    assert '<span class="value">' in report and '<a class="value"' not in report  # figures without their query link


def test_with_a_live_server_those_links_point_to_it(exported: Path, live_server: LiveServer) -> None:
    _internal, outward = crawl(exported, live_server.settings.base)
    live = [link for link in outward if link.startswith(LIVE + "/")]
    assert f"{LIVE}/sparql" in live
    assert f"{LIVE}/agencies?lang=zh&page=2" in live  # the agency index's next page (one row a page)
    assert f"{LIVE}/coverage" in live and f"{LIVE}/" in live  # the filters' forms
    assert f"{LIVE}/compare/ranked" in live
    assert any(link.startswith(f"{LIVE}/queries/region-totals?") for link in live)  # an exported comparison's query
    assert any(link.startswith(f"{LIVE}/queries/figure-over-years?") for link in live)
    assert any(link.startswith(f"{LIVE}/queries/report-facts?") for link in live)
    home = (exported / "index.html").read_text(encoding="utf-8")
    assert f'<form method="get" action="{LIVE}/" class="filters"' in home
