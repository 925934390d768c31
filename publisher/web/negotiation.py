"""Content negotiation: the format an answer is sent in, by URL suffix, `format=` or Accept.

Every table here is read from publisher.rdf.mediatypes (one table, many readers):

    documents   a linked-data or catalog document: the RDF formats but N-Quads, and HTML;
                a report's source document also as its text rendition and as published
                (a PDF; a web page by its .html suffix). Chosen by a suffix
                (.ttl .jsonld .nt .rdf .html .txt .pdf) or by Accept (q-values); every
                answer lists its alternates in a Link header and says which one it is in
                Content-Location when the URL had no suffix.
    SPARQL      the endpoint's results and graphs: chosen by `format=` (a name, extension
                or media type, or an alias such as json or xml), else by Accept.

`conditional` gives every answer its validators (ETag, Last-Modified from the build)
and Vary, and turns a revalidation into 304.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from flask import Response, request
from werkzeug.exceptions import NotAcceptable

from publisher.rdf.iris import Iris
from publisher.rdf.mediatypes import FILE_BY_NAME, RDF_BY_NAME, RDF_TYPES, RESULTS_BY_NAME, RESULTS_TYPES, RdfType
from publisher.records.sources import FILE_SUFFIXES, PDF
from publisher.web.errors import JSON, error_response
from publisher.web.state import publication

HTML = FILE_BY_NAME["html"].media_type
TEXT = FILE_BY_NAME["text"].media_type
XML = FILE_BY_NAME["xml"].media_type
#: An alias clients send for the SPARQL XML formats (with JSON, for the JSON ones).
XML_ALIAS = "text/xml"

# ---------------------------------------------------------------------------
# Documents
# ---------------------------------------------------------------------------

#: The RDF formats a document is served in (N-Quads is for whole dumps only).
DOCUMENT_TYPES: tuple[RdfType, ...] = tuple(t for t in RDF_TYPES if t.name != "nquads")
#: What a document is offered as, best first (the first is what a request without Accept gets).
DOCUMENT_OFFERS: tuple[str, ...] = (*(t.media_type for t in DOCUMENT_TYPES), HTML)
#: URL suffix → media type of a document.
SUFFIXES = {t.extension: t.media_type for t in DOCUMENT_TYPES} | {"html": HTML}
#: URL suffix → media type of a document or of a report's source document (its text, or a PDF original).
SOURCE_SUFFIXES = SUFFIXES | {FILE_BY_NAME["text"].extension: TEXT, FILE_SUFFIXES[PDF]: PDF}
#: Media type → URL suffix.
EXTENSIONS = {media_type: extension for extension, media_type in SOURCE_SUFFIXES.items()}
#: Media type → its name in the list of other formats.
LABELS = {t.media_type: t.label for t in DOCUMENT_TYPES} | {
    HTML: FILE_BY_NAME["html"].label,
    TEXT: FILE_BY_NAME["text"].label,
    PDF: "PDF",
}
NOT_ACCEPTABLE = "None of the media types you accept is available for this resource."


@dataclass(frozen=True)
class Alternate:
    """One format of a document: its media type, its address and its name."""

    media_type: str
    href: str
    label: str


def negotiate(offers: Sequence[str]) -> str | None:
    """The best offer for the request's Accept header; the first offer when it has none."""
    if not request.accept_mimetypes:
        return offers[0]
    return request.accept_mimetypes.best_match(offers)


def split_suffix(path: str, suffixes: dict[str, str] = SUFFIXES) -> tuple[str, str | None]:
    """(path without its suffix, the suffix's media type), or (path, None) when it has none of `suffixes`."""
    stem, dot, extension = path.rpartition(".")
    if dot and "/" not in extension and extension in suffixes:
        return stem, suffixes[extension]
    return path, None


def choose(offers: Sequence[str], suffix_type: str | None) -> str | None:
    """The media type to answer in: the suffix's, else the best for Accept; None when none of `offers` is."""
    media_type = suffix_type or negotiate(offers)
    return media_type if media_type in offers else None


def not_acceptable(offers: Sequence[str]) -> Response:
    """406, listing the media types the resource is available in."""
    return error_response(406, NOT_ACCEPTABLE, available=list(offers))


def alternates(iris: Iris, path: str, offers: Sequence[str]) -> list[Alternate]:
    """Every format of the document at `path` (without suffix), in the order of `offers`."""
    return [Alternate(media, iris.document(path, EXTENSIONS[media]), LABELS[media]) for media in offers]


def link_header(found: Sequence[Alternate]) -> str:
    return ", ".join(f'<{a.href}>; rel="alternate"; type="{a.media_type}"' for a in found)


def with_alternates(
    response: Response, found: Sequence[Alternate], media_type: str, suffix_type: str | None
) -> Response:
    """A document's answer: its alternates as Link, Content-Location when negotiated, then `conditional`."""
    response.headers["Link"] = link_header(found)
    if suffix_type is None:
        response.headers["Content-Location"] = next((a.href for a in found if a.media_type == media_type), request.path)
    return conditional(response)


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


# ---------------------------------------------------------------------------
# SPARQL results and graphs
# ---------------------------------------------------------------------------

# Media types offered, best first (the first is what */* gets), with the format each means.
RESULTS_OFFERS: list[tuple[str, str]] = [
    *((t.media_type, t.name) for t in RESULTS_TYPES),
    (JSON, "json"),
    (XML, "xml"),
    (XML_ALIAS, "xml"),
    (HTML, "html"),
]
GRAPH_OFFERS: list[tuple[str, str]] = [
    *((t.media_type, t.name) for t in RDF_TYPES),
    (JSON, "jsonld"),
    (XML, "rdfxml"),
    (XML_ALIAS, "rdfxml"),
    (HTML, "html"),
]
# What `format=` may say: a name, an extension or a media type of the tables, or an alias.
RESULTS_FORMAT_VALUES = {
    **{t.name: t.name for t in RESULTS_TYPES},
    **{t.extension: t.name for t in RESULTS_TYPES},
    **{media: name for media, name in RESULTS_OFFERS},
    "html": "html",
}
GRAPH_FORMAT_VALUES = {
    **{t.name: t.name for t in RDF_TYPES},
    **{t.extension: t.name for t in RDF_TYPES},
    **{media: name for media, name in GRAPH_OFFERS},
    "json": "jsonld",
    "json-ld": "jsonld",
    "xml": "rdfxml",
    "rdf+xml": "rdfxml",
    "n-triples": "ntriples",
    "n-quads": "nquads",
    "html": "html",
}


def choose_format(offers: list[tuple[str, str]], values: dict[str, str], formats: Sequence[str]) -> str:
    """The format the first of `formats` (`format=`) names, else the best of `offers` for Accept (406 if none)."""
    if formats:
        for value in formats:
            if value in values:
                return values[value]
        known = sorted({name for name in values.values()})
        raise NotAcceptable(f"format={formats[0]} is not available here; use one of {', '.join(known)}.")
    if not request.accept_mimetypes:
        return offers[0][1]
    best = request.accept_mimetypes.best_match([media for media, _ in offers])
    if best is None:
        media_types = ", ".join(dict.fromkeys(media for media, _ in offers))
        raise NotAcceptable(f"None of the media types in Accept can be produced; available: {media_types}.")
    return dict(offers)[best]


def format_media_type(format_name: str) -> str:
    """The media type of a SPARQL results format or RDF format, by name."""
    if format_name in RESULTS_BY_NAME:
        return RESULTS_BY_NAME[format_name].media_type
    return RDF_BY_NAME[format_name].media_type
