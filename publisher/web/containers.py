"""Container IRIs: a paged listing of what is under them, never every graph beneath.

    /id                    the kinds of resource: /id/agency and /id/report
    /id/agency             every agency (the named query `agencies`)
    /id/report             every report (`reports`)
    /id/report/{agency}    one agency's reports (`agency-reports`); 404 for an agency with none
    /def                   the vocabulary, the formats, the code lists and the shapes: the named
                           graphs under /def, one member per first segment (/def/shapes/* is /def/shapes)
    /graph                 the named graphs of shared data

Each is a hydra:Collection. Page n (`?page=n`, from 1, `listing_page_size` members each)
is the collection with hydra:totalItems, that page's hydra:member (each with its labels in
zh and en) and a hydra:PartialCollectionView linking the first, previous, next and last
pages — negotiated like every document (Turtle, JSON-LD, N-Triples, RDF/XML, HTML).
A page past the last is 404. The members are read from the store's own indexes (named
queries, the list of named graphs): the work and the answer are bounded by a page,
whatever the size of the corpus.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from urllib.parse import urlencode

from flask import Response, render_template, request
from pyoxigraph import Literal, NamedNode, Triple

from publisher.errors import NotFound
from publisher.rdf.catalogterms import HYDRA
from publisher.rdf.iris import SLUG, Iris
from publisher.rdf.namespaces import RDF, RDFS, XSD
from publisher.sparql import namedqueries
from publisher.store.readstore import ReadStore
from publisher.web.documents import rdf_response
from publisher.web.i18n import WORDS, language, words
from publisher.web.labels import label
from publisher.web.negotiation import DOCUMENT_OFFERS, HTML, Alternate, alternates, with_alternates
from publisher.web.state import publication

#: A page number as `?page=` gives it.
PAGE_NUMBER = re.compile(r"[1-9][0-9]{0,8}")


@dataclass(frozen=True)
class Member:
    iri: str
    labels: tuple[str, str]  # zh, en


@dataclass(frozen=True)
class Listing:
    """A container: its IRI and path (under the base), its title (zh, en), and every member, in order."""

    iri: str
    path: str
    titles: tuple[str, str]
    members: list[Member]


def listing(path: str) -> Listing | None:
    """The container at `path` (no suffix, no trailing slash), or None when `path` is not a container."""
    pub = publication()
    iris, store = pub.iris, pub.store
    roots = {
        "/id": lambda: id_members(iris),
        _path(iris, iris.agencies): lambda: agency_members(store, iris),
        _path(iris, iris.reports): lambda: report_members(store, iris),
        _path(iris, iris.definitions): lambda: graph_members(store, iris.definitions),
        "/graph": lambda: graph_members(store, iris.page("/graph/")),
    }
    titles = {
        "/id": WORDS["resources"],
        _path(iris, iris.agencies): WORDS["agencies"],
        _path(iris, iris.reports): WORDS["reports"],
        _path(iris, iris.definitions): WORDS["definitions"],
        "/graph": WORDS["named_graphs"],
    }
    if path in roots:
        return Listing(iris.page(path), path, titles[path], roots[path]())
    agency = path.removeprefix(_path(iris, iris.reports) + "/")
    if agency != path and SLUG.fullmatch(agency):
        return agency_reports(store, iris, agency)
    return None


def _path(iris: Iris, prefix: str) -> str:
    """The path of a container whose members' IRIs start with `prefix`."""
    return prefix.removeprefix(iris.base).rstrip("/")


def id_members(iris: Iris) -> list[Member]:
    return [
        Member(iris.agencies.rstrip("/"), WORDS["agencies"]),
        Member(iris.reports.rstrip("/"), WORDS["reports"]),
    ]


def agency_members(store: ReadStore, iris: Iris) -> list[Member]:
    rows = namedqueries.get("agencies").rows(store, iris.base, {})
    return [Member(row["agency"], (row["agency_zh"], row["agency_en"])) for row in rows]


def report_members(store: ReadStore, iris: Iris) -> list[Member]:
    rows = namedqueries.get("reports").rows(store, iris.base, {})
    return [Member(row["report"], (row["title_zh"], row["title_en"])) for row in rows]


def agency_reports(store: ReadStore, iris: Iris, agency: str) -> Listing:
    rows = namedqueries.get("agency-reports").rows(store, iris.base, {"agency": agency})
    if not rows:
        raise NotFound(f"No report of {agency} is published; /id/report lists every report.")
    names = [label(store, NamedNode(str(iris.agency(agency))), lang) or agency for lang in ("zh", "en")]
    zh, en = WORDS["reports_of"]
    titles = (zh.format(agency=names[0]), en.format(agency=names[1]))
    members = [Member(row["report"], (row["title_zh"], row["title_en"])) for row in rows]
    path = _path(iris, iris.reports) + f"/{agency}"
    return Listing(iris.page(path), path, titles, members)


def graph_members(store: ReadStore, prefix: str) -> list[Member]:
    """One member per first segment of the named graphs under `prefix` ({base}/def/shapes/x is {base}/def/shapes)."""
    found: dict[str, None] = {}
    for graph in store.named_graphs():
        if isinstance(graph, NamedNode) and graph.value.startswith(prefix):
            found[prefix + graph.value[len(prefix) :].split("/", 1)[0]] = None
    members = []
    for iri in sorted(found):
        node = NamedNode(iri)
        members.append(Member(iri, (label(store, node, "zh") or iri, label(store, node, "en") or iri)))
    return members


# ---------------------------------------------------------------------------
# One page, as a document
# ---------------------------------------------------------------------------


def page_number(total: int, size: int) -> tuple[int, int]:
    """(the page `?page=` asks for, the last page); 404 for a page that is not there."""
    last = max(1, -(-total // size))
    raw = request.args.get("page", "1")
    if not PAGE_NUMBER.fullmatch(raw) or int(raw) > last:
        raise NotFound(f"This listing has {last} page(s) of {size}; there is no page {raw!r}. / 本列表共 {last} 页。")
    return int(raw), last


def page_iri(container: str, number: int) -> str:
    return f"{container}?{urlencode({'page': number})}"


def page_triples(found: Listing, number: int, last: int, size: int) -> list[Triple]:
    """The collection, this page's members with their labels, and the view linking the other pages."""
    collection, view = NamedNode(found.iri), NamedNode(page_iri(found.iri, number))
    triples: list[Triple] = []

    def add(subject: NamedNode, predicate: object, value: NamedNode | Literal) -> None:
        triples.append(Triple(subject, NamedNode(str(predicate)), value))

    add(collection, RDF.type, NamedNode(str(HYDRA.Collection)))
    for lang, title in zip(("zh", "en"), found.titles, strict=True):
        add(collection, RDFS.label, Literal(title, language=lang))
    add(collection, HYDRA.totalItems, Literal(str(len(found.members)), datatype=NamedNode(str(XSD.integer))))
    add(collection, HYDRA.view, view)
    for member in found.members[(number - 1) * size : number * size]:
        add(collection, HYDRA.member, NamedNode(member.iri))
        for lang, text in zip(("zh", "en"), member.labels, strict=True):
            add(NamedNode(member.iri), RDFS.label, Literal(text, language=lang))
    add(view, RDF.type, NamedNode(str(HYDRA.PartialCollectionView)))
    add(view, HYDRA.first, NamedNode(page_iri(found.iri, 1)))
    add(view, HYDRA.last, NamedNode(page_iri(found.iri, last)))
    if number > 1:
        add(view, HYDRA.previous, NamedNode(page_iri(found.iri, number - 1)))
    if number < last:
        add(view, HYDRA.next, NamedNode(page_iri(found.iri, number + 1)))
    return triples


def answer(found: Listing, media_type: str, suffix_type: str | None) -> Response:
    """One page of the listing in `media_type`, with its alternates (the same page in the other formats)."""
    pub = publication()
    size = int(pub.settings.listing_page_size)
    number, last = page_number(len(found.members), size)
    query = "" if number == 1 else f"?{urlencode({'page': number})}"
    found_formats = [replace(a, href=a.href + query) for a in alternates(pub.iris, found.path, DOCUMENT_OFFERS)]
    if media_type == HTML:
        response = Response(render_page(found, number, last, size, found_formats), mimetype=HTML)
    else:
        response = rdf_response(page_triples(found, number, last, size), media_type)
    return with_alternates(response, found_formats, media_type, suffix_type)


def render_page(found: Listing, number: int, last: int, size: int, found_formats: list[Alternate]) -> str:
    lang = language()
    index = 0 if lang == "zh" else 1
    base = publication().iris.base
    members = [
        (member.iri.removeprefix(base) or "/", member.labels[index], member.iri)
        for member in found.members[(number - 1) * size : number * size]
    ]
    return render_template(
        "container.html",
        lang=lang,
        w=words(lang),
        alternates=found_formats,
        iri=found.iri,
        path=found.path,
        title=found.titles[index],
        members=members,
        total=len(found.members),
        number=number,
        last=last,
    )
