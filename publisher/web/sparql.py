"""The SPARQL 1.1 Protocol endpoint, /sparql: queries by GET, URL-encoded POST or direct POST.

    GET  /sparql?query=...                      a query (default-graph-uri, named-graph-uri, format)
    POST /sparql  (application/x-www-form-urlencoded, query=...)
    POST /sparql  (application/sparql-query, the query as the body)
    GET  /sparql                                the SPARQL Service Description (Turtle by default),
                                                or a query form when the client prefers HTML

The request is read by publisher.web.sparqlrequest; the format is chosen by `Accept`
(with q-values) unless `format=` names one (a name, extension or media type of
`publisher.rdf.mediatypes`, or json/xml/html: publisher.web.negotiation; N3, which
clients such as SPARQLWrapper ask for, is answered as Turtle). A `format=` that names a
format of the other kind of answer (csv for a CONSTRUCT, turtle for a SELECT: clients
send one value for every query) is left out, and `Accept` decides. The description is
publisher.web.servicedescription, the HTML form publisher.web.sparqlpage.
The endpoint is read-only: updates, LOAD and SERVICE are refused with 403 before
anything is evaluated. Errors: 400 bad query (the parser's message; nested deeper
than max_query_depth, VALUES past max_values), 403 refused, 405 other methods, 406 no
acceptable format, 413 query larger than max_query_bytes, 415 unknown body type, 429
past the client's query_rate_limit (publisher.web.admission), 503 stopped at the
query_timeout, or not run because every query worker is taken (with Retry-After).
Every error has the one shape of `error_response`.
"""

from __future__ import annotations

from flask import Blueprint, Response, request

from publisher.errors import QueryBusy, QueryError, QueryRefused, QueryTimeout
from publisher.rdf.sparqltokens import declared_prefixes
from publisher.sparql.answers import Answer
from publisher.sparql.results import graph, serialize
from publisher.web.admission import busy
from publisher.web.errors import error_response
from publisher.web.negotiation import (
    GRAPH_FORMAT_VALUES,
    GRAPH_OFFERS,
    HTML,
    RESULTS_FORMAT_VALUES,
    RESULTS_OFFERS,
    choose_format,
    format_media_type,
)
from publisher.web.queryeditor import with_known_prefixes
from publisher.web.servicedescription import SD_PREFIXES, description_triples
from publisher.web.sparqlpage import page
from publisher.web.sparqlrequest import Operation, read_operation
from publisher.web.state import publication, query_service

bp = Blueprint("sparql", __name__)

#: `format=` values clients send that name a graph format by another name: N3 (whose subset Turtle is) and
#: the media types SPARQLWrapper lists for it and for JSON-LD.
GRAPH_FORMAT_ALIASES = {
    "n3": "turtle",
    "text/n3": "turtle",
    "text/rdf+n3": "turtle",
    "application/n3": "turtle",
    "application/turtle": "turtle",
    "application/x-json+ld": "jsonld",
}
GRAPH_VALUES = GRAPH_FORMAT_VALUES | GRAPH_FORMAT_ALIASES
#: Every `format=` value that names a format of either kind of answer.
KNOWN_FORMAT_VALUES = frozenset(RESULTS_FORMAT_VALUES) | frozenset(GRAPH_VALUES)


def asked_formats(values: dict[str, str], formats: list[str]) -> list[str]:
    """The `format=` values that apply to this kind of answer: a format of the other kind is left to Accept.

    A value unknown to both kinds is kept, so that it is answered 406 naming the formats available.
    """
    return [value for value in formats if value in values or value not in KNOWN_FORMAT_VALUES]


@bp.errorhandler(QueryError)
def query_error(exc: QueryError) -> Response:
    if isinstance(exc, QueryBusy):
        return busy(exc)
    if isinstance(exc, QueryTimeout):
        return error_response(503, str(exc))
    if isinstance(exc, QueryRefused):
        return error_response(403, str(exc))
    return error_response(400, str(exc))


@bp.route("/sparql", methods=["GET", "POST", "OPTIONS"])
def endpoint() -> Response:
    if request.method == "OPTIONS":
        return preflight()
    pub = publication()
    operation = read_operation(int(pub.settings.max_query_bytes))
    operation = with_known_prefixes(operation)  # the HTML page only: known prefixes declared (queryeditor)
    if operation.query is None:
        return service_description(operation)
    default_graphs, named_graphs = operation.dataset
    answer = query_service().run(
        operation.query,
        default_graphs=default_graphs,
        named_graphs=named_graphs,
        base_iri=str(pub.catalog_iris.endpoint),
    )
    return answer_response(answer, operation)


def preflight() -> Response:
    """CORS preflight: any origin may GET and POST queries (the app adds Access-Control-Allow-Origin)."""
    response = Response(status=204)
    response.headers["Allow"] = "GET, HEAD, POST, OPTIONS"
    response.headers["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
    response.headers["Access-Control-Allow-Headers"] = "Accept, Content-Type"
    response.headers["Access-Control-Max-Age"] = "86400"
    return response


def answer_response(answer: Answer, operation: Operation) -> Response:
    """The answer in the format `format=` or Accept asks for, with its row count and truncation."""
    assert operation.query is not None
    if answer.kind == "graph":
        format_name = choose_format(GRAPH_OFFERS, GRAPH_VALUES, asked_formats(GRAPH_VALUES, operation.formats))
    else:
        formats = asked_formats(RESULTS_FORMAT_VALUES, operation.formats)
        format_name = choose_format(RESULTS_OFFERS, RESULTS_FORMAT_VALUES, formats)
    if format_name == "html":
        response = Response(page(operation, answer), mimetype=HTML)
    else:
        body = serialize(answer, format_name, prefixes=declared_prefixes(operation.query))
        response = Response(body, mimetype=format_media_type(format_name))
    response.headers["Vary"] = "Accept"
    if answer.kind != "ask":
        response.headers["X-Result-Rows"] = str(answer.size)
        response.headers["X-Result-Truncated"] = "true" if answer.truncated else "false"
    return response


def service_description(operation: Operation) -> Response:
    """GET /sparql without a query: the Service Description, or the query form for a browser."""
    format_name = choose_format(GRAPH_OFFERS, GRAPH_VALUES, asked_formats(GRAPH_VALUES, operation.formats))
    if format_name == "html":
        response = Response(page(None, None), mimetype=HTML)
    else:
        body = graph(description_triples(), format_name, prefixes=SD_PREFIXES)
        response = Response(body, mimetype=format_media_type(format_name))
    response.headers["Vary"] = "Accept"
    return response
