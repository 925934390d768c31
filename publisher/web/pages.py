"""The home page, the index of agencies and reports, and the health check."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, render_template

from publisher.errors import StoreError
from publisher.sparql import namedqueries
from publisher.web.i18n import language, words
from publisher.web.state import publication

bp = Blueprint("pages", __name__)


@bp.route("/", methods=["GET", "HEAD"])
def home() -> str:
    pub = publication()
    lang = language()
    reports = namedqueries.get("reports").rows(pub.store, pub.iris.base, {})
    return render_template(
        "home.html",
        lang=lang,
        w=words(lang),
        reports=reports,
        base=pub.iris.base,
        endpoint=str(pub.catalog_iris.endpoint),
    )


@bp.route("/agencies", methods=["GET", "HEAD"])
def agencies() -> str:
    pub = publication()
    lang = language()
    base = pub.iris.base
    reports = namedqueries.get("reports").rows(pub.store, base, {})
    rows = []
    for agency in namedqueries.get("agencies").rows(pub.store, base, {}):
        years = [(r["year"], r["report"][len(base) :]) for r in reports if r["agency"] == agency["agency"]]
        name = agency["agency_zh"] if lang == "zh" else agency["agency_en"]
        rows.append((agency["agency"].rsplit("/", 1)[1], name, years))
    return render_template("agencies.html", lang=lang, w=words(lang), agencies=rows)


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
