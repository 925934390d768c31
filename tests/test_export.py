"""`publisher export`: the static copy answers what the live server answers, byte for byte.

The export of the session's built store is served by `python -m http.server` (no
content negotiation, no app) on loopback; every file of every report — downloads,
documents in each format, the source text — and the catalog, VoID, sitemap and
robots files are fetched from both servers and compared.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from publisher.cli import main
from publisher.store.readstore import read_manifest
from tests.helpers import DATA, LiveServer, free_port, start_live_server
from tests.http import fetch

SUFFIXES = ("ttl", "jsonld", "nt", "rdf", "html")


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A live server of its own: the export may rebuild its store (when the inputs changed since)."""
    server = start_live_server(tmp_path_factory.mktemp("export-build"))
    yield server
    server.close()


@pytest.fixture(scope="module")
def exported(live_server: LiveServer, tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("export") / "site"
    settings = live_server.settings
    result = CliRunner().invoke(
        main,
        ["export", str(target), "--base-iri", settings.base, "--data", str(DATA), "--out", str(settings.build_dir)],
    )
    assert result.exit_code == 0, result.output
    assert "Exported" in result.output
    return target


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
        assert static.body == live.body, path


def test_a_host_without_negotiation_still_shows_pages(static_server: str, live_server: LiveServer) -> None:
    home = fetch(static_server + "/index.html")
    assert home.status == 200 and "<html" in home.text
    english = fetch(static_server + "/id/report/jilin-city-science-technology-bureau/2011.en.html")
    assert english.status == 200 and "annual report 2011" in english.text
    live_english = fetch(live_server.url + "/id/report/jilin-city-science-technology-bureau/2011.html?lang=en")
    assert english.body == live_english.body
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
