"""The catalog portals harvest and the files people download, over HTTP.

    /catalog, /catalog/page/{n}          the DCAT-AP catalog, paged with Hydra (page 1 at both)
    /catalog/corpus                      the corpus dataset (DCAT and VoID)
    /catalog/distribution/{stem}/{kind}  a distribution's description
    /catalog/contact/{agency}            an agency's contact point
    /void, /.well-known/void             the VoID description of the corpus
    /download/{file}                     the files of the release's downloads/ folder
    /sitemap.xml, /robots.txt            for crawlers

Descriptions are negotiated like every other document (Turtle without Accept, JSON-LD,
N-Triples, RDF/XML, HTML; or a .ttl/.jsonld/.nt/.rdf/.html suffix), with the helpers
of publisher.web.negotiation. Downloads are sent as attachments with their SHA-256 as
ETag, their `modified` date as Last-Modified, and Range support. Every link is an
absolute IRI under the configured base IRI, never the request's Host.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from flask import Blueprint, Response, abort, redirect, render_template, request, send_file
from pyoxigraph import BlankNode, NamedNode, Triple
from rdflib import URIRef
from werkzeug.wrappers import Response as WerkzeugResponse

from publisher.errors import NotFound
from publisher.publication.catalog import KINDS, PublishedCatalog, published_catalog
from publisher.publication.downloads import DownloadFile, read_index
from publisher.rdf.mediatypes import FILE_BY_NAME
from publisher.rdf.namespaces import DCTERMS
from publisher.release.dumps import is_dump, open_dump
from publisher.release.paths import DOWNLOADS
from publisher.web.documents import rdf_response
from publisher.web.i18n import language, words
from publisher.web.labels import Value, value_of
from publisher.web.negotiation import (
    DOCUMENT_OFFERS,
    HTML,
    SUFFIXES,
    TEXT,
    XML,
    alternates,
    choose,
    conditional,
    not_acceptable,
    split_suffix,
    with_alternates,
)
from publisher.web.state import publication

bp = Blueprint("catalog", __name__)

CSVW = FILE_BY_NAME["csvw"]
TITLE = str(DCTERMS.title)


def catalog() -> PublishedCatalog:
    pub = publication()
    try:
        return published_catalog(pub.release, pub.iris.base)
    except FileNotFoundError:
        raise NotFound("This build has no catalog; build again with `publisher build`.") from None


@lru_cache(maxsize=4)
def _files(release: Path) -> dict[str, DownloadFile]:
    return read_index(release)


def files() -> dict[str, DownloadFile]:
    return _files(publication().release)


def page_size() -> int:
    return int(publication().settings.catalog_page_size)


# ---------------------------------------------------------------------------
# Documents by content negotiation
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Document:
    iri: str
    path: str  # without suffix
    triples: list[Triple]
    html: dict[str, Any]  # template name and context for the HTML view


def answer(document: Document, suffix_type: str | None) -> Response:
    """The document in the format the suffix or Accept asks for (publisher.web.negotiation), or 406."""
    offers = list(DOCUMENT_OFFERS)
    media_type = choose(offers, suffix_type)
    if media_type is None:
        return not_acceptable(offers)
    found = alternates(publication().iris, document.path, offers)
    if media_type == HTML:
        lang = language()
        context = dict(document.html)
        template = context.pop("template", "resource.html")
        if template == "resource.html":
            context |= html_rows(document.iri, document.triples, lang)
        body = render_template(template, lang=lang, w=words(lang), alternates=found, iri=document.iri, **context)
        response = Response(body, mimetype=HTML)
    else:
        response = rdf_response(document.triples, media_type)
    return with_alternates(response, found, media_type, suffix_type)


def html_rows(iri: str, triples: list[Triple], lang: str) -> dict[str, Any]:
    """The context of resource.html for a document that is not in the store (labels come from the store)."""
    pub = publication()
    base = pub.iris.base
    store = pub.store
    subjects: dict[str, dict[str, list[Value]]] = {}
    props: dict[str, Value] = {}
    for triple in triples:
        subject = triple.subject.value if isinstance(triple.subject, NamedNode | BlankNode) else str(triple.subject)
        props.setdefault(triple.predicate.value, value_of(store, triple.predicate, lang, base))
        subjects.setdefault(subject, {}).setdefault(triple.predicate.value, []).append(
            value_of(store, triple.object, lang, base)
        )
    titles = {
        str(getattr(t.object, "value", "")): getattr(t.object, "language", None) for t in triples if _is_title(t, iri)
    }
    title = next((text for text, tag in titles.items() if tag == lang), next(iter(titles), iri))
    ordered = sorted(subjects.items(), key=lambda item: (item[0] != iri, item[0]))
    return {
        "title": title,
        "subjects": [
            (s, [(props[p], sorted(vs, key=lambda v: v.text)) for p, vs in sorted(rows.items())]) for s, rows in ordered
        ],
    }


def _is_title(triple: Triple, iri: str) -> bool:
    return getattr(triple.subject, "value", None) == iri and triple.predicate.value == TITLE


# ---------------------------------------------------------------------------
# The catalog, paged
# ---------------------------------------------------------------------------


@bp.route("/catalog", methods=["GET", "HEAD"])
@bp.route("/catalog.<ext>", methods=["GET", "HEAD"])
def catalog_root(ext: str | None = None) -> Response:
    return catalog_page(1, ext)


@bp.route("/catalog/page/<int:number>", methods=["GET", "HEAD"])
@bp.route("/catalog/page/<int:number>.<ext>", methods=["GET", "HEAD"])
def catalog_page(number: int, ext: str | None = None) -> Response:
    cat = catalog()
    size = page_size()
    last = cat.page_count(size)
    if ext is not None and ext not in SUFFIXES:
        abort(404)
    if not 1 <= number <= last:
        raise NotFound(f"The catalog has {last} page(s) of {size} datasets; there is no page {number}.")
    path = "/catalog" if request.path.split(".")[0] == "/catalog" else f"/catalog/page/{number}"
    entries = cat.index[(number - 1) * size : number * size]
    downloads = files()
    datasets = [(entry, [downloads[name] for name in entry["files"] if name in downloads]) for entry in entries]
    html = {
        "template": "catalog.html",
        "info": cat.info(),
        "datasets": datasets,
        "kinds": KINDS,
        "number": number,
        "last": last,
        "total": len(cat.index),
        "size": size,
        "base": publication().iris.base,
    }
    document = Document(str(cat.iris.catalog), path, cat.page(number, size), html)
    return answer(document, SUFFIXES.get(ext) if ext else None)


@bp.route("/catalog/corpus", methods=["GET", "HEAD"])
@bp.route("/catalog/corpus.<ext>", methods=["GET", "HEAD"])
def corpus(ext: str | None = None) -> Response:
    if ext is not None and ext not in SUFFIXES:
        abort(404)
    cat = catalog()
    document = Document(str(cat.iris.corpus), "/catalog/corpus", cat.corpus(), {})
    return answer(document, SUFFIXES.get(ext) if ext else None)


@bp.route("/catalog/distribution/<path:rest>", methods=["GET", "HEAD"])
def distribution(rest: str) -> Response:
    path, suffix_type = split_suffix(rest)
    stem, _, kind = path.rpartition("/")
    cat = catalog()
    triples = cat.distribution(stem, kind) if kind in KINDS else []
    if not triples:
        raise NotFound(f"No distribution {rest} is published.")
    iri = str(cat.iris.distribution(stem, kind))
    return answer(Document(iri, f"/catalog/distribution/{path}", triples, {}), suffix_type)


@bp.route("/catalog/contact/<path:rest>", methods=["GET", "HEAD"])
def contact(rest: str) -> Response:
    agency, suffix_type = split_suffix(rest)
    cat = catalog()
    triples = cat.contact(agency)
    if not triples:
        raise NotFound(f"No contact point of {agency} is published.")
    iri = str(cat.iris.contact_of(agency))
    return answer(Document(iri, f"/catalog/contact/{agency}", triples, {}), suffix_type)


@bp.route("/void", methods=["GET", "HEAD"])
@bp.route("/void.<ext>", methods=["GET", "HEAD"])
def void(ext: str | None = None) -> Response:
    if ext is not None and ext not in SUFFIXES:
        abort(404)
    cat = catalog()
    document = Document(str(cat.iris.void), "/void", cat.void, {})
    return answer(document, SUFFIXES.get(ext) if ext else None)


@bp.route("/.well-known/void", methods=["GET", "HEAD"])
def well_known_void() -> WerkzeugResponse:
    """RFC 5785 / VoID §7.2: the well-known address of the dataset description."""
    return redirect(str(publication().catalog_iris.void), code=303)


# ---------------------------------------------------------------------------
# Downloads
# ---------------------------------------------------------------------------


@bp.route("/download/<name>", methods=["GET", "HEAD"])
def download(name: str) -> WerkzeugResponse:
    entry = files().get(name)
    if entry is None:
        raise NotFound(f"No download {name} is published; the catalog at /catalog lists every file.")
    release = publication().release
    modified = dt.datetime.fromisoformat(entry.modified.replace("Z", "+00:00"))
    served: dict[str, Any] = {
        "mimetype": entry.served_type, "as_attachment": True, "download_name": name, "etag": entry.sha256,
        "last_modified": modified, "max_age": 300,
    }  # fmt: skip
    if is_dump(release, name):
        response = _send_dump(release, name, served)
    else:
        response = send_file(release / DOWNLOADS / name, conditional=True, **served)
    if entry.kind == "csv" and not entry.compressed:
        metadata = publication().catalog_iris.download(f"{name.removesuffix('.csv')}.{CSVW.extension}")
        response.headers["Link"] = f'<{metadata}>; rel="describedby"; type="{CSVW.media_type}"'
    response.headers["X-Content-SHA256"] = entry.sha256
    return response


def _send_dump(release: Path, name: str, served: dict[str, Any]) -> WerkzeugResponse:
    """A corpus dump: its parts one after the other, as one file (`publisher.release.dumps`), answered as
    send_file answers a file: its length, HEAD, If-None-Match, If-Modified-Since and byte ranges."""
    handle, size = open_dump(release, name)
    try:
        response = send_file(handle, conditional=False, **served)
        response.content_length = size
        return response.make_conditional(request.environ, accept_ranges=True, complete_length=size)
    except BaseException:
        handle.close()
        raise


# ---------------------------------------------------------------------------
# For crawlers
# ---------------------------------------------------------------------------


@bp.route("/sitemap.xml", methods=["GET", "HEAD"])
def sitemap() -> Response:
    cat = catalog()
    iris, catalog_iris = publication().iris, publication().catalog_iris
    urls: list[tuple[str, str | None]] = [(iris.page(path), None) for path in ("/", "/agencies", "/queries")]
    urls += [(iris.document("/catalog", "html"), None)]
    urls += [(iris.document(f"/catalog/page/{n}", "html"), None) for n in range(2, cat.page_count(page_size()) + 1)]
    agencies: dict[str, str] = {}
    for entry in cat.index:
        if entry["agency"] is None:
            continue
        urls.append((str(catalog_iris.landing_page(URIRef(entry["iri"]))), entry["modified"][:10]))
        agencies[entry["agency"]] = max(agencies.get(entry["agency"], ""), entry["modified"][:10])
    urls += [(str(catalog_iris.landing_page(iris.agency(agency))), day) for agency, day in sorted(agencies.items())]
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">']
    for loc, lastmod in urls:
        extra = f"<lastmod>{lastmod}</lastmod>" if lastmod else ""
        lines.append(f"  <url><loc>{escape(loc)}</loc>{extra}</url>")
    lines.append("</urlset>")
    return conditional(Response("\n".join(lines) + "\n", mimetype=XML))


@bp.route("/robots.txt", methods=["GET", "HEAD"])
def robots() -> Response:
    sitemap_url = publication().iris.page("/sitemap.xml")
    body = (
        "# Everything here is public. Please do not crawl SPARQL queries: use the dumps in the catalog.\n"
        "User-agent: *\n"
        "Allow: /\n"
        "Disallow: /sparql?\n"
        f"Sitemap: {sitemap_url}\n"
    )
    return conditional(Response(body, mimetype=TEXT))


def schema_org(agency: str, year: int) -> str | None:
    """The schema.org/Dataset JSON-LD of a report's page, safe to put in a <script> element."""
    try:
        text = catalog().schema_org(f"{agency}-{year}")
    except NotFound:
        return None
    if text is None:
        return None
    return json.dumps(json.loads(text), ensure_ascii=False, indent=2).replace("</", "<\\/")
