"""Linked data: every minted IRI dereferences, in the format the client asks for.

A document describes one IRI: a named graph's IRI gives the whole graph (a report,
the ontology, a format, the agency registry); any other IRI gives its own triples
and those of its `#fragment` sub-resources, plus, for an agency, its reports.
An IRI that is a container (/id, /id/report, /def …) answers a paged listing of its
members (publisher.web.containers), never the graphs beneath it; every document is
capped like a query answer (publisher.web.documents.Limits).
Content negotiation (publisher.web.negotiation) by Accept (q-values) between HTML
and the RDF formats of publisher.rdf.mediatypes, or a suffix (.ttl .jsonld .nt .rdf
.html); JSON-LD is compacted with the context published at /context.jsonld. Every
answer carries Vary, ETag, Last-Modified and Link alternates; 304 on revalidation;
406 lists the available types.

A report's source (/id/report/{agency}/{year}/source) is also its text rendition
(text/plain, .txt: what quotes and offsets refer to) and, when it is a PDF or a web
page, the document as published: application/pdf (Accept or .pdf), or the page by its
.html suffix (text/html by Accept stays the description, as for any resource).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from flask import Blueprint, Response, abort, render_template, request
from pyoxigraph import NamedNode, Quad, Triple

from publisher.errors import NotFound
from publisher.rdf.iris import SLUG
from publisher.rdf.namespaces import DCTERMS
from publisher.records.sources import FILE_SUFFIXES, PDF
from publisher.release.paths import ORIGINAL_SUFFIXES, source_original, source_text
from publisher.store.readstore import ReadStore
from publisher.web import containers, reports
from publisher.web.documents import Limits, context_response, rdf_response
from publisher.web.i18n import language, words
from publisher.web.labels import describe_for_html
from publisher.web.negotiation import (
    DOCUMENT_OFFERS,
    HTML,
    SOURCE_SUFFIXES,
    TEXT,
    Alternate,
    alternates,
    choose,
    conditional,
    not_acceptable,
    split_suffix,
    with_alternates,
)
from publisher.web.security import SANDBOXED, SITE_POLICY, SOURCE_PAGE_POLICY
from publisher.web.state import publication

#: A report's year in its IRI.
YEAR = re.compile(r"[0-9]{4}")

bp = Blueprint("resources", __name__)

MAX_FRAGMENT_DEPTH = 4


@bp.route("/context.jsonld", methods=["GET", "HEAD"])
def context() -> Response:
    """The JSON-LD context every JSON-LD document of this publisher is compacted with."""
    return context_response(publication().iris)


@bp.route("/<any(id, def, graph):rest>", methods=["GET", "HEAD"])
@bp.route("/<any(id, def, graph):rest>.<suffix>", methods=["GET", "HEAD"])
@bp.route("/id/<path:rest>", methods=["GET", "HEAD"])
@bp.route("/def/<path:rest>", methods=["GET", "HEAD"])
@bp.route("/graph/<path:rest>", methods=["GET", "HEAD"])
def resource(rest: str, suffix: str | None = None) -> Response:
    pub = publication()
    path, suffix_type = split_suffix(request.path, SOURCE_SUFFIXES)
    if path.endswith("/") and not path.endswith("//"):
        path = path.rstrip("/")  # a code base such as {base}/def/{format}/ is its format; /id/report/ its listing
    iri = pub.iris.page(path)
    try:
        NamedNode(iri)
    except ValueError:
        raise NotFound(
            f'{path!r} is not the path of an IRI: an IRI holds no spaces, controls or <>"{{}}|\\^`.'
        ) from None
    original = source_original_of(path) if is_source(path) else None  # source.html as published: `source_page`
    offers = [*DOCUMENT_OFFERS, *([TEXT] if is_source(path) else [])]
    offers += [PDF] if original is not None and original[1] == PDF else []
    media_type = choose(offers, suffix_type)
    if media_type is None:
        return not_acceptable(offers)
    if media_type == TEXT:
        return source_document(path)
    if media_type == PDF and original is not None:
        return original_document(*original)
    listing = containers.listing(path)
    if listing is not None:
        return containers.answer(listing, media_type, suffix_type)
    limits = Limits.of_settings()
    triples = describe(pub.store, iri, limits)
    if not triples:
        raise NotFound(f"Nothing is published at {iri}.")
    found = alternates(pub.iris, path, offers)
    if media_type == HTML:
        response = Response(render_html(iri, triples, found), mimetype=HTML)
        if original is not None and original[1] == HTML:  # source.html is the page as published, not this
            return with_alternates(response, found, media_type, HTML)
    else:
        response = rdf_response(triples, media_type, limits, iri)
    return with_alternates(response, found, media_type, suffix_type)


@bp.route("/id/report/<agency>/<year>/source.html", methods=["GET", "HEAD"])
@SANDBOXED
def source_page(agency: str, year: str) -> Response:
    """A source that is a web page, as its agency published it (sandboxed); else the source's description in HTML."""
    original = source_original_of(f"/id/report/{agency}/{year}/source")
    if original is not None and original[1] == HTML:
        return original_document(*original)
    response = resource(f"report/{agency}/{year}/source.html")
    response.headers["Content-Security-Policy"] = SITE_POLICY
    return response


def is_source(path: str) -> bool:
    """Whether `path` is a report's source document (/id/report/{agency}/{year}/source)."""
    return path.endswith("/source") and path.startswith("/id/report/")


def describe(store: ReadStore, iri: str, limits: Limits) -> list[Triple]:
    """The triples of the document about `iri` (see the module docstring), refused past `limits`."""
    node = NamedNode(iri)
    triples: dict[Triple, None] = {}
    if store.contains_named_graph(node):
        limits.gather(triples, (q.triple for q in store.quads_for_pattern(None, None, None, node)), iri)
        return list(triples)
    limits.gather(triples, (quad.triple for quad in _with_fragments(store, node, 0)), iri)
    if not triples:
        # A document of several graphs, such as {base}/def/shapes for {base}/def/shapes/*.
        for graph in store.named_graphs():
            if isinstance(graph, NamedNode) and graph.value.startswith(iri + "/"):
                limits.gather(triples, (q.triple for q in store.quads_for_pattern(None, None, None, graph)), iri)
    else:
        published = store.quads_for_pattern(None, NamedNode(str(DCTERMS.publisher)), node, None)
        limits.gather(triples, (quad.triple for quad in published), iri)
    return list(triples)


def _with_fragments(store: ReadStore, node: NamedNode, depth: int) -> Iterator[Quad]:
    base = node.value.split("#", 1)[0]
    for quad in store.quads_for_pattern(node, None, None, None):
        yield quad
        target = quad.object
        if (
            depth < MAX_FRAGMENT_DEPTH
            and isinstance(target, NamedNode)
            and target.value.startswith(base + "#")
            and target != node
        ):
            yield from _with_fragments(store, target, depth + 1)


def report_of_source(path: str) -> tuple[str, str] | None:
    """(agency, year) of a source's path /id/report/{agency}/{year}/source, or None for any other path.

    Only an agency slug and a four-digit year: the two name a file of the release, so a
    segment such as ".." never reaches the file system.
    """
    parts = path.split("/")  # "", "id", "report", agency, year, "source"
    if len(parts) != 6 or not SLUG.fullmatch(parts[3]) or not YEAR.fullmatch(parts[4]):
        return None
    return parts[3], parts[4]


def source_document(path: str) -> Response:
    """The source document's text rendition (what quotes and offsets refer to), as the build wrote it."""
    report = report_of_source(path)
    if report is None:
        abort(404)
    text_path = source_text(publication().release, *report)
    if not text_path.is_file():
        raise NotFound(f"No source document is published for {path}.")
    response = Response(text_path.read_bytes(), mimetype=TEXT)
    return conditional(response)


def source_original_of(path: str) -> tuple[Path, str] | None:
    """The original of a source (/id/report/{agency}/{year}/source) that is a PDF or a page, and its media type."""
    report = report_of_source(path)
    if report is None:
        return None
    for media_type, suffix in FILE_SUFFIXES.items():
        if suffix in ORIGINAL_SUFFIXES:
            original = source_original(publication().release, *report, suffix)
            if original.is_file():
                return original, media_type
    return None


def original_document(original: Path, media_type: str) -> Response:
    """A source as its agency published it, byte for byte.

    A page is sent without a charset of ours (its own <meta charset> says how it is
    encoded) and sandboxed: its site's scripts and forms do not run on this origin.
    """
    response = Response(original.read_bytes(), content_type=media_type)
    response.headers["X-Content-Type-Options"] = "nosniff"
    if media_type == HTML:
        response.headers["Content-Security-Policy"] = SOURCE_PAGE_POLICY
    return conditional(response)


def render_html(iri: str, triples: list[Triple], found: list[Alternate]) -> str:
    lang = language()
    pub = publication()
    report = pub.iris.report_key(iri)
    if report is not None:
        return reports.render_report(report[0], report[1], lang, found)
    if iri.startswith(pub.iris.agencies):
        return reports.render_agency(iri.rsplit("/", 1)[1], lang, found)
    return render_template(
        "resource.html",
        lang=lang,
        w=words(lang),
        iri=iri,
        alternates=found,
        **describe_for_html(pub.store, iri, triples, lang),
    )
