"""Linked data: every minted IRI dereferences, in the format the client asks for.

A document describes one IRI: a named graph's IRI gives the whole graph (a report,
the ontology, a format, the agency registry); any other IRI gives its own triples
and those of its `#fragment` sub-resources, plus, for an agency, its reports.
Content negotiation by Accept (q-values) between HTML and the RDF formats of
publisher/mediatypes.py, or a suffix (.ttl .jsonld .nt .rdf .html); JSON-LD is
compacted with the context published at /context.jsonld. Every answer carries
Vary, ETag, Last-Modified and Link alternates; 304 on revalidation; 406 lists the
available types.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import dataclass

from flask import Blueprint, Response, abort, render_template, request
from pyoxigraph import NamedNode, Quad, RdfFormat, Triple
from pyoxigraph import serialize as ox_serialize

from publisher.downloads import jsonld_nodes
from publisher.errors import NotFound
from publisher.mediatypes import RDF_TYPES, RdfType
from publisher.namespaces import DCTERMS, prefixes
from publisher.store import ReadStore
from publisher.web import publication
from publisher.web.errors import error_response
from publisher.web.i18n import language, words
from publisher.web.labels import describe_for_html

bp = Blueprint("resources", __name__)

HTML = "text/html"
TEXT = "text/plain"
DOCUMENT_TYPES = [t for t in RDF_TYPES if t.name != "nquads"]
BY_EXTENSION = {t.extension: t.media_type for t in DOCUMENT_TYPES} | {"html": HTML, "txt": TEXT}
MAX_FRAGMENT_DEPTH = 4


@dataclass(frozen=True)
class Alternate:
    media_type: str
    href: str
    label: str


@bp.route("/context.jsonld", methods=["GET", "HEAD"])
def context() -> Response:
    """The JSON-LD context every JSON-LD document of this publisher is compacted with."""
    body = json.dumps({"@context": jsonld_context()}, ensure_ascii=False, indent=2) + "\n"
    response = Response(body, mimetype="application/ld+json")
    return conditional(response, cacheable=True)


@bp.route("/id/<path:rest>", methods=["GET", "HEAD"])
@bp.route("/def/<path:rest>", methods=["GET", "HEAD"])
@bp.route("/graph/<path:rest>", methods=["GET", "HEAD"])
def resource(rest: str) -> Response:
    pub = publication()
    path = request.path
    suffix_type = None
    stem, dot, extension = path.rpartition(".")
    if dot and "/" not in extension and extension in BY_EXTENSION:
        path, suffix_type = stem, BY_EXTENSION[extension]
    iri = pub.iris.base + path
    is_source = path.endswith("/source") and path.startswith("/id/report/")
    offers = [t.media_type for t in DOCUMENT_TYPES] + [HTML] + ([TEXT] if is_source else [])
    media_type = suffix_type or negotiate(offers)
    if media_type is None or media_type not in offers:
        return error_response(
            406,
            "None of the media types you accept is available for this resource.",
            available=offers,
        )
    if media_type == TEXT:
        return source_text(path)
    triples = describe(pub.store, iri)
    if not triples:
        raise NotFound(f"Nothing is published at {iri}.")
    alternates = alternates_of(path)
    if media_type == HTML:
        body = render_html(iri, triples, alternates)
        response = Response(body, mimetype=HTML)
    else:
        rdf_type = next(t for t in DOCUMENT_TYPES if t.media_type == media_type)
        response = Response(serialize(triples, rdf_type), mimetype=media_type)
    response.headers["Link"] = ", ".join(f'<{a.href}>; rel="alternate"; type="{a.media_type}"' for a in alternates)
    if suffix_type is None:
        response.headers["Content-Location"] = next(
            (a.href for a in alternates if a.media_type == media_type), request.path
        )
    return conditional(response)


def negotiate(offers: list[str]) -> str | None:
    """The best offer for the request's Accept header; the first offer when it has none."""
    if not request.accept_mimetypes:
        return offers[0]
    return request.accept_mimetypes.best_match(offers)


def conditional(response: Response, cacheable: bool = False) -> Response:
    """ETag from the body, Last-Modified from the build, Vary, and 304 on revalidation."""
    response.vary.add("Accept")
    if response.mimetype == HTML:
        response.vary.add("Accept-Language")
    built = publication().manifest.get("built")
    if built:
        response.last_modified = dt.datetime.strptime(built, "%Y%m%dT%H%M%S%fZ").replace(tzinfo=dt.UTC)
    response.add_etag()
    response.cache_control.public = True
    response.cache_control.max_age = 300 if cacheable else 60
    response.make_conditional(request)
    return response


def describe(store: ReadStore, iri: str) -> list[Triple]:
    """The triples of the document about `iri` (see the module docstring)."""
    if iri.endswith("/") and not iri.endswith("//"):
        return describe(store, iri.rstrip("/"))  # a code base such as {base}/def/{format}/ is its format
    node = NamedNode(iri)
    if store.contains_named_graph(node):
        return [q.triple for q in store.quads_for_pattern(None, None, None, node)]
    triples: dict[Triple, None] = {}
    for quad in _with_fragments(store, node, 0):
        triples[quad.triple] = None
    if not triples:
        # A document of several graphs, such as {base}/def/shapes for {base}/def/shapes/*.
        for graph in store.named_graphs():
            if isinstance(graph, NamedNode) and graph.value.startswith(iri + "/"):
                for quad in store.quads_for_pattern(None, None, None, graph):
                    triples[quad.triple] = None
    else:
        for quad in store.quads_for_pattern(None, NamedNode(str(DCTERMS.publisher)), node, None):
            triples[quad.triple] = None
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


def serialize(triples: list[Triple], rdf_type: RdfType) -> bytes:
    base = publication().iris.base
    if rdf_type.oxigraph == RdfFormat.JSON_LD:
        # Compacted with the context served at /context.jsonld (publisher.downloads writes the same
        # compaction as the downloads, with the context inline there).
        nodes = jsonld_nodes(ox_serialize(triples, format=RdfFormat.N_TRIPLES) or b"", base)
        document = {"@context": f"{base}/context.jsonld", "@graph": nodes}
        return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    turtle_prefixes = {k: v for k, v in prefixes(base).items() if "/id/" not in v}  # id/ paths read better whole
    data = ox_serialize(
        triples, format=rdf_type.oxigraph, prefixes=turtle_prefixes if rdf_type.name == "turtle" else None
    )
    assert data is not None
    return data


def jsonld_context() -> dict[str, str]:
    return dict(sorted(prefixes(publication().iris.base).items()))


def alternates_of(path: str) -> list[Alternate]:
    base = publication().iris.base
    labels = {"text/turtle": "Turtle", "application/ld+json": "JSON-LD", "application/n-triples": "N-Triples"}
    labels |= {"application/rdf+xml": "RDF/XML", HTML: "HTML"}
    found = [Alternate(t.media_type, f"{base}{path}.{t.extension}", labels[t.media_type]) for t in DOCUMENT_TYPES]
    found.append(Alternate(HTML, f"{base}{path}.html", "HTML"))
    if path.endswith("/source") and path.startswith("/id/report/"):
        found.append(Alternate(TEXT, f"{base}{path}.txt", "Text"))
    return found


def source_text(path: str) -> Response:
    """The source document itself, as kept beside the record and copied into the release."""
    parts = path.split("/")  # "", "id", "report", agency, year, "source"
    if len(parts) != 6:
        abort(404)
    text_path = publication().release / "sources" / parts[3] / f"{parts[4]}.txt"
    if not text_path.is_file():
        raise NotFound(f"No source document is published for {path}.")
    response = Response(text_path.read_bytes(), mimetype=TEXT)
    return conditional(response)


def render_html(iri: str, triples: list[Triple], alternates: list[Alternate]) -> str:
    from publisher.web import reports

    lang = language()
    pub = publication()
    report = pub.iris.report_key(iri)
    if report is not None:
        return reports.render_report(report[0], report[1], lang, alternates)
    if iri.startswith(f"{pub.iris.base}/id/agency/"):
        return reports.render_agency(iri.rsplit("/", 1)[1], lang, alternates)
    return render_template(
        "resource.html",
        lang=lang,
        w=words(lang),
        iri=iri,
        alternates=alternates,
        **describe_for_html(pub.store, iri, triples, lang),
    )
