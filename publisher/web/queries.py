"""Named queries over HTTP: /queries lists them, /queries/<name>?param=… runs one.

Results come in every SPARQL results format by Accept or `format=` (json, xml, csv,
tsv, or any value /sparql takes for them), or as an HTML page showing the query text
(with BASE, ready to copy), its parameters and the results.

Running one takes a place of the query service like a SPARQL query
(`QueryService.admitted`): when every place is taken it is answered 503 with
Retry-After at once, and it counts against the client's query_rate_limit
(publisher.web.admission).
"""

from __future__ import annotations

from flask import Blueprint, Response, render_template, request

from publisher.errors import QueryBusy
from publisher.rdf.mediatypes import RESULTS_BY_NAME, RESULTS_TYPES
from publisher.sparql import namedqueries
from publisher.web.admission import busy
from publisher.web.errors import error_response
from publisher.web.i18n import language, words
from publisher.web.negotiation import HTML, RESULTS_FORMAT_VALUES, conditional, negotiate
from publisher.web.state import publication, query_service

bp = Blueprint("queries", __name__)


@bp.errorhandler(QueryBusy)
def query_busy(exc: QueryBusy) -> Response:
    return busy(exc)


@bp.route("/queries", methods=["GET", "HEAD"])
def index() -> str:
    lang = language()
    return render_template("queries.html", lang=lang, w=words(lang), queries=list(namedqueries.catalogue().values()))


@bp.route("/queries/<name>", methods=["GET", "HEAD"])
def run(name: str) -> Response:
    query = namedqueries.get(name)
    values = {k: v for k, v in request.args.items() if k not in ("format", "lang")}
    asked = request.args.get("format")
    if asked is not None:
        format_name = RESULTS_FORMAT_VALUES.get(asked.strip().lower())
        if format_name is None:
            return error_response(406, f"Unknown format {asked!r}.", available=[*RESULTS_BY_NAME, "html"])
        media_type = HTML if format_name == "html" else RESULTS_BY_NAME[format_name].media_type
    else:
        offers = [HTML] + [t.media_type for t in RESULTS_TYPES]
        media_type = negotiate(offers) or ""
        if not media_type:
            return error_response(406, "None of the media types you accept is available.", available=offers)
    with query_service().admitted():
        return conditional(answer(query, values, media_type))


def answer(query: namedqueries.NamedQuery, values: dict[str, str], media_type: str) -> Response:
    """The named query's results for `values`, as `media_type` (an HTML page or a SPARQL results format)."""
    pub = publication()
    if media_type == HTML:
        lang = language()
        ready = all(values.get(p.name) for p in query.parameters)
        variables, rows = query.results(pub.store, pub.iris.base, values) if ready else ([], [])
        body = render_template(
            "query.html",
            lang=lang,
            w=words(lang),
            query=query,
            text=query.with_base(pub.iris.base),
            values=values,
            rows=rows,
            variables=variables,
            ready=ready,
            formats=list(RESULTS_BY_NAME),
        )
        response = Response(body, mimetype=HTML)
    else:
        results_type = next(t for t in RESULTS_TYPES if t.media_type == media_type)
        data = query.serialize(pub.store, pub.iris.base, values, results_type.name)
        response = Response(data, mimetype=media_type)
    return response
