"""The home page, the index of agencies, and the health check.

The home page lists the published reports and the agency index the agencies, both
paged and filtered by name, level, region and year (a GET form: every filtered page
has a URL to share), over the release's corpus index (publisher.web.corpusindex).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Blueprint, Response, jsonify, render_template, request, url_for

from publisher.errors import StoreError
from publisher.web.corpusindex import (
    LEVELS,
    CorpusIndex,
    Filters,
    Page,
    corpus_index,
    matching_agencies,
    matching_reports,
    page_of,
    read_filters,
)
from publisher.web.i18n import language, words
from publisher.web.state import publication

bp = Blueprint("pages", __name__)


def link_to(endpoint: str, params: Mapping[str, str]) -> str:
    """The URL of `endpoint` with `params` as its path arguments and query string."""
    values: dict[str, Any] = dict(params)
    return url_for(endpoint, **values)


def pager_links(endpoint: str, filters: Filters, page: Page[Any], lang: str, **extra: str) -> dict[str, str | None]:
    """The URLs of the previous and next pages of a filtered list (None where there is none)."""

    def link(number: int) -> str:
        return link_to(endpoint, {"lang": lang, **filters.query(page=number), **extra})

    return {
        "previous": link(page.number - 1) if page.number > 1 else None,
        "next": link(page.number + 1) if page.number < page.pages else None,
    }


def finding_context(index: CorpusIndex, filters: Filters, lang: str) -> dict[str, Any]:
    """What every finding page's template needs besides its own list: words, the form's choices and values."""
    return {"lang": lang, "w": words(lang), "index": index, "filters": filters, "levels": LEVELS}


@bp.route("/", methods=["GET", "HEAD"])
def home() -> str:
    pub = publication()
    lang = language()
    index = corpus_index(pub.store, pub.iris.base)
    filters = read_filters(request.args, index)
    page = page_of(matching_reports(index, filters), filters.page, int(pub.settings.finding_page_size))
    return render_template(
        "home.html",
        **finding_context(index, filters, lang),
        page=page,
        pager=pager_links("pages.home", filters, page, lang),
        endpoint=str(pub.catalog_iris.endpoint),
    )


@bp.route("/agencies", methods=["GET", "HEAD"])
def agencies() -> str:
    pub = publication()
    lang = language()
    index = corpus_index(pub.store, pub.iris.base)
    filters = read_filters(request.args, index)
    page = page_of(matching_agencies(index, filters), filters.page, int(pub.settings.finding_page_size))
    return render_template(
        "agencies.html",
        **finding_context(index, filters, lang),
        page=page,
        pager=pager_links("pages.agencies", filters, page, lang),
    )


@bp.route("/healthz", methods=["GET", "HEAD"])
def healthz() -> Response:
    """Store reachable, with triple and report counts; 503 when there is no usable store."""
    pub = publication()
    try:
        store = pub.store
        manifest = pub.manifest
        # The build counted the embedded store's quads (counting 6M again takes a second); a remote one is asked.
        counted = manifest.get("triples") if pub.remote is None else None
        triples = counted if isinstance(counted, int) else len(store)
    except StoreError as exc:
        response = jsonify(status="unavailable", message=str(exc))
        response.status_code = 503
        return response
    return jsonify(
        status="ok",
        backend=pub.backend,
        release=pub.release.name,
        triples=triples,
        reports=len(manifest.get("reports", [])),
        base_iri=pub.iris.base,
    )
