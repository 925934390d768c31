"""The static export: the whole publication as files, for any web server or CDN.

`publisher export DIR` asks the web app itself (Flask's test client, in process) for
every document in every format and writes each answer's bytes under DIR at its URL
path, so a static copy answers exactly what the live server does:

    DIR/{path}.ttl .jsonld .nt .rdf .html   every document (/id, /def, /graph, /catalog, /void)
    DIR/{path}.en.html                      the English HTML page (?lang=en)
    DIR/{path}/index.html                   the HTML again, for hosts without negotiation
    DIR/id/report/{agency}/{year}/source.txt   each source's text (what quotes and offsets refer to)
    DIR/id/report/{agency}/{year}/source.pdf   a source that is a PDF, as published
    DIR/id/report/{agency}/{year}/source.html  a source that is a web page, as published (its description
                                               is then source/index.html and source.en.html)
    DIR/download/{file}                     the downloads, copied from the release
    DIR/index.html, agencies.html, queries.html, coverage.html, compare.html (each with its .en.html)
    DIR/coverage.csv                        who has not reported: the missing cells of the coverage
    DIR/agencies/{agency}.html, .en.html    each agency's page: its reports and its series (the first)
    DIR/agencies/{agency}/series.csv        that series
    DIR/compare/{kind}/{parameters}.html, .en.html, .csv
                                            every comparison the compare page lists (each region's totals of
                                            each figure, its ranking and outcomes of the latest year), with data
    DIR/static/{file}                       the pages' style sheets
    DIR/context.jsonld, sitemap.xml, robots.txt

Content negotiation (the bare IRI → .ttl/.jsonld/.nt/.rdf/.html by Accept) is the web
server's job: deploy/nginx.conf does it for nginx. What needs a running app is not
exported: the SPARQL endpoint, named queries with parameters, the filtered and
further pages of the lists (a query string other than `lang`). The pages link to
them on the live server named by `export_live_base`, or leave the link out when
none is named (publisher.web.livelinks): no link of an export is dead. The app asked
is created with `STATIC_EXPORT` in its config and without a response cache
(`export_settings`): a live server's cached pages carry live links.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from flask import Flask
from pyoxigraph import NamedNode, QuerySolutions

from publisher.errors import BuildError, ConfigurationError, StoreError
from publisher.publication.catalog import published_catalog
from publisher.publication.downloads import read_index
from publisher.rdf.mediatypes import FILE_BY_NAME
from publisher.release.dumps import copy_dump, is_dump
from publisher.release.paths import DOWNLOADS, ORIGINAL_SUFFIXES, current_release, source_original
from publisher.settings import Settings

DOCUMENT_SUFFIXES = ("ttl", "jsonld", "nt", "rdf", "html")
PAGES = {
    "/": "index.html",
    "/agencies": "agencies.html",
    "/queries": "queries.html",
    "/coverage": "coverage.html",
    "/compare": "compare.html",
}
FILES = ("/context.jsonld", "/sitemap.xml", "/robots.txt", "/coverage.csv")
#: The key of the app's config that tells the pages they are written for a static copy (publisher.web.livelinks).
STATIC_EXPORT = "PUBLISHER_STATIC_EXPORT"
#: An agency's linked-data document: /id/agency/{agency}; its page is /agencies/{agency}.
AGENCY_PATH = re.compile(r"/id/agency/([^/]+)")
#: A comparison the compare page lists, as it links to it (publisher.web.comparison's `directory`).
COMPARISON_LINK = re.compile(r'href="(/compare/(?:totals|ranked|outcomes)/[0-9A-Za-z/-]+)\?lang=zh"')
#: A report's source document: /id/report/{agency}/{year}/source.
SOURCE_PATH = re.compile(r"/id/report/([^/]+)/([^/]+)/source")
#: A source's text rendition, by its URL suffix.
TEXT_SUFFIX = FILE_BY_NAME["text"].extension
HTML = FILE_BY_NAME["html"].media_type


@dataclass
class ExportResult:
    target: Path
    files: int = 0
    bytes: int = 0
    skipped: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        note = f"; {len(self.skipped)} IRI(s) had no document" if self.skipped else ""
        return f"Exported {self.files} files ({self.bytes} bytes) to {self.target}{note}."


def document_paths(app: Flask) -> list[str]:
    """The URL path of every document: each IRI under the base that the store names, without fragment."""
    pub = app.extensions["publication"]
    base: str = pub.iris.base
    query = """SELECT DISTINCT ?x WHERE {
        { GRAPH ?x { ?s ?p ?o } } UNION { GRAPH ?g { ?x ?p ?o } } UNION { GRAPH ?g { ?s ?p ?x } }
        FILTER (isIRI(?x)) }"""
    solutions = pub.store.query(query)
    assert isinstance(solutions, QuerySolutions)
    paths: set[str] = set()
    for solution in solutions:
        node = solution["x"]
        if not isinstance(node, NamedNode) or not pub.iris.within(node.value):
            continue
        path = node.value[len(base) :].split("#", 1)[0].rstrip("/")
        if path.startswith(("/id/", "/def/", "/graph/")) and "." not in path.rsplit("/", 1)[-1]:
            paths.add(path)
    parents = {p.rsplit("/", 1)[0] for p in paths} - paths  # a document of several graphs: /def/shapes
    paths |= {p for p in parents if p.count("/") >= 2 and (p + "/").startswith("/def/")}
    catalog = published_catalog(pub.release, base)
    size = int(pub.settings.catalog_page_size)
    paths |= {"/catalog", "/catalog/corpus", "/void"}
    paths |= {f"/catalog/page/{n}" for n in range(1, catalog.page_count(size) + 1)}
    for entry in catalog.index:
        if entry["agency"] and catalog.contact(entry["agency"]):
            paths.add(f"/catalog/contact/{entry['agency']}")
        for name in entry["files"]:
            kind = read_index(pub.release)[name].kind
            paths.add(f"/catalog/distribution/{entry['name']}/{kind}")
    return sorted(paths)


def export_settings(settings: Settings) -> Settings:
    """The settings of the app an export asks: no response cache (a live server's cached pages carry live links).

    `export_live_base`, when given, must be an absolute http(s) address.
    """
    live = str(settings.export_live_base)
    if live and not live.startswith(("http://", "https://")):
        raise ConfigurationError(
            f"export_live_base must be an absolute http(s) address of a running server, got {live!r}; set it with "
            "--export-live-base or PUBLISHER_EXPORT_LIVE_BASE, or leave it empty to leave out the links that need one."
        )
    return Settings({**settings.values, "response_cache_mb": 0})


def static_paths(app: Flask) -> list[str]:
    """The URL path of every file of the app's static folder (/static/...: the pages' style sheets and scripts)."""
    if not app.static_folder or not app.static_url_path:
        return []
    folder = Path(app.static_folder)
    files = sorted(f.relative_to(folder).as_posix() for f in folder.rglob("*") if f.is_file())
    return [f"{app.static_url_path}/{name}" for name in files]


def source_suffixes(release: Path, path: str) -> list[str]:
    """The suffixes a report's source is also served with beyond a document's: its text, and its original (pdf, html).

    Empty for a path that is no report's source.
    """
    match = SOURCE_PATH.fullmatch(path)
    if match is None:
        return []
    agency, year = match.groups()
    return [TEXT_SUFFIX, *(s for s in ORIGINAL_SUFFIXES if source_original(release, agency, year, s).is_file())]


def export(app: Flask, target: Path) -> ExportResult:
    """Write every document, page and download the app serves into `target` (emptied first).

    `app` is created with `STATIC_EXPORT` set in its config and `export_settings`.
    """
    pub = app.extensions["publication"]
    if not app.config.get(STATIC_EXPORT) or "response_cache" in app.extensions:
        raise BuildError("An export asks an app created with STATIC_EXPORT in its config and export_settings().")
    try:
        release = current_release(Path(pub.settings.build_dir))
    except StoreError as exc:
        raise BuildError(f"Nothing to export: {exc}") from exc
    if target.exists():
        if not target.is_dir() or (any(target.iterdir()) and not (target / "robots.txt").exists()):
            raise BuildError(f"{target} exists and does not look like an earlier export; give an empty or new folder.")
        shutil.rmtree(target)
    target.mkdir(parents=True)
    result = ExportResult(target)
    client = app.test_client()

    def get(url: str, accept: str | None = None) -> bytes | None:
        response = client.get(url, headers={"Accept": accept} if accept else {})
        try:
            return response.get_data() if response.status_code == 200 else None
        finally:
            response.close()  # a static file's answer holds it open

    def write(relative: str, body: bytes) -> None:
        path = target / relative.lstrip("/")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(body)
        result.files += 1
        result.bytes += len(body)

    paths = document_paths(app)
    for path in paths:
        bodies = {suffix: get(f"{path}.{suffix}") for suffix in DOCUMENT_SUFFIXES}
        if bodies["ttl"] is None:
            result.skipped.append(path)
            continue
        for suffix, body in bodies.items():
            if body is not None:
                write(f"{path}.{suffix}", body)
        extra = source_suffixes(release, path)
        page, english = bodies["html"], get(f"{path}.html?lang=en")
        if "html" in extra:  # {path}.html is the page as published: the description is asked for by Accept
            page, english = get(path, HTML), get(f"{path}?lang=en", HTML)
        if page is not None:
            write(f"{path}/index.html", page)
        if english is not None:
            write(f"{path}.en.html", english)
        for suffix in (s for s in extra if s not in DOCUMENT_SUFFIXES):
            if (body := get(f"{path}.{suffix}")) is not None:
                write(f"{path}.{suffix}", body)
    agencies = [m.group(1) for p in paths if (m := AGENCY_PATH.fullmatch(p))]
    pages = {**PAGES, **{f"/agencies/{slug}": f"agencies/{slug}.html" for slug in agencies}}
    for path, name in pages.items():
        for lang, suffix in (("zh", ".html"), ("en", ".en.html")):
            body = get(f"{path}?lang={lang}")
            if body is not None:
                write(name.removesuffix(".html") + suffix, body)
    for slug in agencies:
        if (body := get(f"/agencies/{slug}/series.csv")) is not None:
            write(f"/agencies/{slug}/series.csv", body)
    compare = get("/compare?lang=zh")
    for path in sorted(set(COMPARISON_LINK.findall(compare.decode("utf-8")))) if compare is not None else []:
        for asked, written in ((f"{path}?lang=zh", ".html"), (f"{path}?lang=en", ".en.html"), (f"{path}.csv", ".csv")):
            if (body := get(asked)) is not None:
                write(path + written, body)
    for path in [*FILES, *static_paths(app)]:
        body = get(path)
        if body is not None:
            write(path, body)
    for name in sorted(read_index(release)):
        if is_dump(release, name):  # a corpus dump: its parts one after the other, written whole
            target_path = target / "download" / name
            target_path.parent.mkdir(parents=True, exist_ok=True)
            result.files += 1
            result.bytes += copy_dump(release, name, target_path)
            continue
        write(f"/download/{name}", (release / DOWNLOADS / name).read_bytes())
    return result
