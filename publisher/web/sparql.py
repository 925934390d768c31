"""The SPARQL 1.1 Protocol endpoint, /sparql: queries by GET, URL-encoded POST or direct POST.

    GET  /sparql?query=...                      a query (default-graph-uri, named-graph-uri, format)
    POST /sparql  (application/x-www-form-urlencoded, query=...)
    POST /sparql  (application/sparql-query, the query as the body)
    GET  /sparql                                the SPARQL Service Description (Turtle by default),
                                                or a query form when the client prefers HTML

The format is chosen by `Accept` (with q-values) unless `format=` names one (a name,
extension or media type of `publisher.mediatypes`, or json/xml/html). The endpoint is
read-only: updates, LOAD and SERVICE are refused with 403 before anything is evaluated.
Errors: 400 bad query (the parser's message), 403 refused, 405 other methods, 406 no
acceptable format, 413 query larger than max_query_bytes, 415 unknown body type,
503 stopped at the query_timeout. Every error has the one shape of `error_response`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import unquote_to_bytes, urlencode

from flask import Blueprint, Response, current_app, render_template, request, url_for
from pyoxigraph import NamedNode
from werkzeug.exceptions import BadRequest, NotAcceptable, RequestEntityTooLarge, UnsupportedMediaType

from publisher.errors import QueryError, QueryRefused, QueryTimeout
from publisher.mediatypes import RDF_BY_NAME, RDF_TYPES, RESULTS_BY_NAME, RESULTS_TYPES
from publisher.querying import READ_ONLY_ADVICE, Answer, QueryService, Term, declared_prefixes
from publisher.results import graph, serialize, term_ntriples
from publisher.settings import Settings
from publisher.web.errors import error_response

bp = Blueprint("sparql", __name__)

HTML = "text/html"
FORM = "application/x-www-form-urlencoded"
SPARQL_QUERY = "application/sparql-query"
SPARQL_UPDATE = "application/sparql-update"
UTF8_NAMES = frozenset({"utf-8", "utf8", "us-ascii", "ascii"})

SD = "http://www.w3.org/ns/sparql-service-description#"
FORMATS = "http://www.w3.org/ns/formats/"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS_COMMENT = "http://www.w3.org/2000/01/rdf-schema#comment"
DCTERMS_TITLE = "http://purl.org/dc/terms/title"
SD_PREFIXES = {
    "sd": SD,
    "formats": FORMATS,
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "dcterms": "http://purl.org/dc/terms/",
}
#: W3C format IRIs (http://www.w3.org/ns/formats/) of the formats in publisher.mediatypes.
FORMAT_IRIS = {
    "json": "SPARQL_Results_JSON",
    "xml": "SPARQL_Results_XML",
    "csv": "SPARQL_Results_CSV",
    "tsv": "SPARQL_Results_TSV",
    "turtle": "Turtle",
    "jsonld": "JSON-LD",
    "ntriples": "N-Triples",
    "rdfxml": "RDF_XML",
    "nquads": "N-Quads",
}

# Media types offered, best first (the first is what */* gets), with the format each means.
RESULTS_OFFERS: list[tuple[str, str]] = [
    *((t.media_type, t.name) for t in RESULTS_TYPES),
    ("application/json", "json"),
    ("application/xml", "xml"),
    ("text/xml", "xml"),
    (HTML, "html"),
]
GRAPH_OFFERS: list[tuple[str, str]] = [
    *((t.media_type, t.name) for t in RDF_TYPES),
    ("application/json", "jsonld"),
    ("application/xml", "rdfxml"),
    ("text/xml", "rdfxml"),
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


@dataclass
class Operation:
    """What a request asks of the endpoint, read from its URL and body."""

    query: str | None = None
    default_graphs: list[str] = field(default_factory=list)
    named_graphs: list[str] = field(default_factory=list)
    formats: list[str] = field(default_factory=list)

    @property
    def dataset(self) -> tuple[list[str] | None, list[str] | None]:
        """(default graphs, named graphs) given by the protocol, or (None, None): the union default."""
        if not self.default_graphs and not self.named_graphs:
            return None, None
        return self.default_graphs, self.named_graphs


def service() -> QueryService:
    found: QueryService = current_app.extensions["query_service"]
    return found


def settings() -> Settings:
    found: Settings = current_app.extensions["publication"].settings
    return found


def endpoint_iri() -> str:
    return settings().base + "/sparql"


@bp.errorhandler(QueryError)
def query_error(exc: QueryError) -> Response:
    if isinstance(exc, QueryTimeout):
        return error_response(503, str(exc))
    if isinstance(exc, QueryRefused):
        return error_response(403, str(exc))
    return error_response(400, str(exc))


@bp.route("/sparql", methods=["GET", "POST", "OPTIONS"])
def endpoint() -> Response:
    if request.method == "OPTIONS":
        return preflight()
    operation = read_operation(int(settings().max_query_bytes))
    if operation.query is None:
        return service_description(operation)
    default_graphs, named_graphs = operation.dataset
    answer = service().run(
        operation.query, default_graphs=default_graphs, named_graphs=named_graphs, base_iri=endpoint_iri()
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


# --- Reading the request ------------------------------------------------------------


def read_operation(max_bytes: int) -> Operation:
    """The operation of this request, or an HTTP or query error saying what is wrong with it."""
    pairs = urlencoded(request.query_string, "the URL")
    body_query: str | None = None
    if request.method == "POST":
        mimetype = request.mimetype
        if mimetype == FORM:
            pairs += urlencoded(request.get_data(), "the form body")
        elif mimetype == SPARQL_QUERY:
            check_charset()
            if request.content_length is not None and request.content_length > max_bytes:
                raise too_large(request.content_length, max_bytes)
            body_query = utf8(request.get_data(), "The query")
        elif mimetype == SPARQL_UPDATE:
            raise QueryRefused(f"SPARQL Update is refused ({SPARQL_UPDATE} body). {READ_ONLY_ADVICE}")
        else:
            raise UnsupportedMediaType(
                f"A POST to /sparql must have Content-Type {FORM} (query=...) or {SPARQL_QUERY} "
                f"(the query as the body); got {request.mimetype or 'none'}."
            )
    names = {name for name, _ in pairs}
    if names & {"update", "using-graph-uri", "using-named-graph-uri"}:
        raise QueryRefused(f"SPARQL Update is refused (update parameter). {READ_ONLY_ADVICE}")
    queries = [value for name, value in pairs if name == "query"]
    if body_query is not None:
        if queries:
            raise BadRequest("Give the query either as the body or as a query= parameter, not both.")
        queries = [body_query]
    if len(queries) > 1:
        raise BadRequest(f"Give exactly one query= parameter; this request has {len(queries)}.")
    operation = Operation(
        query=queries[0] if queries else None,
        default_graphs=[value for name, value in pairs if name == "default-graph-uri"],
        named_graphs=[value for name, value in pairs if name == "named-graph-uri"],
        formats=[value.strip().lower() for name, value in pairs if name == "format" and value.strip()],
    )
    if operation.query is not None and len(operation.query.encode("utf-8")) > max_bytes:
        raise too_large(len(operation.query.encode("utf-8")), max_bytes)
    return operation


def urlencoded(raw: bytes, where: str) -> list[tuple[str, str]]:
    """Name/value pairs of application/x-www-form-urlencoded data, decoded as strict UTF-8."""
    pairs = []
    for part in raw.split(b"&"):
        if part:
            name, _, value = part.partition(b"=")
            pairs.append(
                (
                    utf8(unquote_to_bytes(name.replace(b"+", b" ")), f"A parameter name in {where}"),
                    utf8(unquote_to_bytes(value.replace(b"+", b" ")), f"A parameter in {where}"),
                )
            )
    return pairs


def utf8(data: bytes, what: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise QueryError(f"{what} is not valid UTF-8 ({exc}). The SPARQL 1.1 Protocol requires UTF-8.") from exc


def check_charset() -> None:
    charset = request.mimetype_params.get("charset")
    if charset is not None and charset.strip().lower() not in UTF8_NAMES:
        raise QueryError(f"charset={charset} is not accepted: send the query as UTF-8 (SPARQL 1.1 Protocol).")


def too_large(size: int, limit: int) -> RequestEntityTooLarge:
    return RequestEntityTooLarge(
        f"The query is {size} bytes; this endpoint accepts at most {limit} bytes (setting max_query_bytes)."
    )


# --- Choosing the format --------------------------------------------------------------


def choose_format(offers: list[tuple[str, str]], values: dict[str, str], operation: Operation) -> str:
    """The format `format=` names, else the best of `offers` for the Accept header (406 if none)."""
    if operation.formats:
        for value in operation.formats:
            if value in values:
                return values[value]
        known = sorted({name for name in values.values()})
        raise NotAcceptable(f"format={operation.formats[0]} is not available here; use one of {', '.join(known)}.")
    if not request.accept_mimetypes:
        return offers[0][1]
    best = request.accept_mimetypes.best_match([media for media, _ in offers])
    if best is None:
        media_types = ", ".join(dict.fromkeys(media for media, _ in offers))
        raise NotAcceptable(f"None of the media types in Accept can be produced; available: {media_types}.")
    return dict(offers)[best]


def media_type(format_name: str) -> str:
    if format_name in RESULTS_BY_NAME:
        return RESULTS_BY_NAME[format_name].media_type
    return RDF_BY_NAME[format_name].media_type


# --- Answers --------------------------------------------------------------------------


def answer_response(answer: Answer, operation: Operation) -> Response:
    assert operation.query is not None
    if answer.kind == "graph":
        format_name = choose_format(GRAPH_OFFERS, GRAPH_FORMAT_VALUES, operation)
    else:
        format_name = choose_format(RESULTS_OFFERS, RESULTS_FORMAT_VALUES, operation)
    if format_name == "html":
        response = Response(page(operation, answer), mimetype=HTML)
    else:
        body = serialize(answer, format_name, prefixes=declared_prefixes(operation.query))
        response = Response(body, mimetype=media_type(format_name))
    response.headers["Vary"] = "Accept"
    if answer.kind != "ask":
        response.headers["X-Result-Rows"] = str(answer.size)
        response.headers["X-Result-Truncated"] = "true" if answer.truncated else "false"
    return response


def cell(term: Term | None) -> dict[str, str | None]:
    """A term as a table cell of the HTML view: text, an optional link, an optional note (language, datatype)."""
    if term is None:
        return {"text": "", "href": None, "note": None}
    if term.type == "uri":
        linkable = term.value.startswith(("http://", "https://"))
        return {"text": term.value, "href": term.value if linkable else None, "note": None}
    if term.type == "bnode":
        return {"text": "_:" + term.value, "href": None, "note": None}
    if term.type == "triple":
        return {"text": term_ntriples(term), "href": None, "note": None}
    note = "@" + term.lang if term.lang else None
    if term.datatype:
        note = term.datatype.replace("http://www.w3.org/2001/XMLSchema#", "xsd:")
    return {"text": term.value, "href": None, "note": note}


def page(operation: Operation | None, answer: Answer | None) -> str:
    """The bilingual query form, with the answer below it when there is one."""
    query = operation.query if operation is not None and operation.query is not None else example_query()
    columns: list[str] = []
    rows: list[list[dict[str, str | None]]] = []
    links: list[tuple[str, str]] = []
    if answer is not None and answer.kind == "select":
        columns = list(answer.variables)
        rows = [[cell(term) for term in row] for row in answer.rows]
    elif answer is not None and answer.kind == "graph":
        columns = ["subject", "predicate", "object"]
        rows = [[cell(term) for term in triple] for triple in answer.triples]
    if answer is not None and operation is not None:
        offers = GRAPH_OFFERS if answer.kind == "graph" else RESULTS_OFFERS
        names = [name for _, name in offers if name != "html"]
        dataset = [("default-graph-uri", g) for g in operation.default_graphs]
        dataset += [("named-graph-uri", g) for g in operation.named_graphs]
        for name in dict.fromkeys(names):
            params = [("query", query), *dataset, ("format", name)]
            links.append((name, url_for("sparql.endpoint") + "?" + urlencode(params)))
    description = [(t.name, url_for("sparql.endpoint", format=t.name)) for t in RDF_TYPES]
    return render_template(
        "sparql.html",
        query=query,
        answer=answer,
        columns=columns,
        rows=rows,
        links=links,
        description=description,
        endpoint=endpoint_iri(),
        timeout=float(settings().query_timeout),
        row_cap=int(settings().row_cap),
        formats=[("html", "HTML")]
        + [(t.name, t.media_type) for t in RESULTS_TYPES]
        + [(t.name, t.media_type) for t in RDF_TYPES],
    )


def example_query() -> str:
    base = settings().base
    return (
        f"PREFIX dis: <{base}/def/disclosure#>\n"
        "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n\n"
        "# 每项数字：条目、期间类型、数值 / Every figure: item, period type, value\n"
        "SELECT ?report ?label ?period ?count WHERE {\n"
        "  ?obs dis:item ?item ;\n"
        "       dis:periodType ?period ;\n"
        "       dis:count ?count .\n"
        "  OPTIONAL { ?obs <http://purl.org/linked-data/cube#dataSet> ?report }\n"
        '  OPTIONAL { ?item skos:prefLabel ?label FILTER(lang(?label) = "zh") }\n'
        "}\n"
        "ORDER BY ?report ?item ?period\n"
        "LIMIT 100\n"
    )


# --- The service description --------------------------------------------------------


def service_description(operation: Operation) -> Response:
    format_name = choose_format(GRAPH_OFFERS, GRAPH_FORMAT_VALUES, operation)
    if format_name == "html":
        response = Response(page(None, None), mimetype=HTML)
    else:
        triples = description_triples()
        response = Response(graph(triples, format_name, prefixes=SD_PREFIXES), mimetype=media_type(format_name))
    response.headers["Vary"] = "Accept"
    return response


def sd(local: str) -> Term:
    return Term.iri(SD + local)


def description_triples() -> list[tuple[Term, Term, Term]]:
    """The SPARQL 1.1 Service Description of this endpoint, with the named graphs of the store."""
    endpoint = endpoint_iri()
    timeout = float(settings().query_timeout)
    row_cap = int(settings().row_cap)
    node, dataset, default = (
        Term.iri(endpoint + "#service"),
        Term.iri(endpoint + "#dataset"),
        Term.iri(endpoint + "#default-graph"),
    )
    a = Term.iri(RDF_TYPE)
    triples = [
        (node, a, sd("Service")),
        (node, sd("endpoint"), Term.iri(endpoint)),
        (node, sd("supportedLanguage"), sd("SPARQL11Query")),
        (node, sd("feature"), sd("UnionDefaultGraph")),
        (node, sd("defaultDataset"), dataset),
        (node, Term.iri(DCTERMS_TITLE), Term.literal("政府信息公开年度报告 SPARQL 查询服务", lang="zh")),
        (node, Term.iri(DCTERMS_TITLE), Term.literal("SPARQL endpoint of the disclosure annual reports", lang="en")),
        (
            node,
            Term.iri(RDFS_COMMENT),
            Term.literal(
                f"只读。每个查询最多运行 {timeout:g} 秒，最多返回 {row_cap} 行；不支持 SPARQL 更新、LOAD 和 SERVICE。",
                lang="zh",
            ),
        ),
        (
            node,
            Term.iri(RDFS_COMMENT),
            Term.literal(
                f"Read-only. Each query may run for {timeout:g} s and returns at most {row_cap} rows; "
                "SPARQL Update, LOAD and SERVICE are refused.",
                lang="en",
            ),
        ),
        (dataset, a, sd("Dataset")),
        (dataset, sd("defaultGraph"), default),
        (default, a, sd("Graph")),
        (
            default,
            Term.iri(RDFS_COMMENT),
            Term.literal(
                "默认图是所有命名图的并集（除非请求用 default-graph-uri / named-graph-uri 指定数据集）。", lang="zh"
            ),
        ),
        (
            default,
            Term.iri(RDFS_COMMENT),
            Term.literal(
                "The default graph is the union of all the named graphs (unless a request names its dataset "
                "with default-graph-uri / named-graph-uri).",
                lang="en",
            ),
        ),
    ]
    triples += [(node, sd("resultFormat"), Term.iri(FORMATS + FORMAT_IRIS[name])) for name in FORMAT_IRIS]
    store = current_app.extensions["publication"].store
    graphs = sorted(g.value for g in store.named_graphs() if isinstance(g, NamedNode))
    for number, name in enumerate(graphs):
        named = Term("bnode", f"graph{number}")
        triples += [
            (dataset, sd("namedGraph"), named),
            (named, a, sd("NamedGraph")),
            (named, sd("name"), Term.iri(name)),
        ]
    return triples
