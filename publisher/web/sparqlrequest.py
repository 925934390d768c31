"""What a request to /sparql asks, read as the SPARQL 1.1 Protocol says: the query, its dataset, its format.

    GET  /sparql?query=...                      a query (default-graph-uri, named-graph-uri, format)
    POST /sparql  (application/x-www-form-urlencoded, query=...)
    POST /sparql  (application/sparql-query, the query as the body)

Parameters and bodies are decoded as strict UTF-8. Updates are refused (403) before
anything is evaluated; a query larger than max_query_bytes is 413, and so is a body
longer than such a query could be (a form body: three bytes per byte percent-encoded,
plus `FORM_EXTRA` for the other parameters), before it is read; an unknown body type
is 415, two queries or a malformed one 400.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import unquote_to_bytes

from flask import request
from werkzeug.exceptions import BadRequest, RequestEntityTooLarge, UnsupportedMediaType

from publisher.errors import QueryError, QueryRefused
from publisher.sparql.guard import READ_ONLY_ADVICE

FORM = "application/x-www-form-urlencoded"
SPARQL_QUERY = "application/sparql-query"
SPARQL_UPDATE = "application/sparql-update"
UTF8_NAMES = frozenset({"utf-8", "utf8", "us-ascii", "ascii"})
#: Bytes a form body may hold beyond its percent-encoded query: the dataset and format parameters.
FORM_EXTRA = 65536


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


def read_operation(max_bytes: int) -> Operation:
    """The operation of this request, or an HTTP or query error saying what is wrong with it."""
    pairs = urlencoded(request.query_string, "the URL")
    body_query: str | None = None
    if request.method == "POST":
        form, body_query = read_body(max_bytes)
        pairs += form
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


def read_body(max_bytes: int) -> tuple[list[tuple[str, str]], str | None]:
    """A POST's body: (its form parameters, None), or ([], the query it is)."""
    mimetype = request.mimetype
    if mimetype == FORM:
        longest = 3 * max_bytes + FORM_EXTRA
        if request.content_length is not None and request.content_length > longest:
            raise RequestEntityTooLarge(
                f"The form body is {request.content_length} bytes; a query of at most {max_bytes} bytes (setting "
                f"max_query_bytes) takes at most {longest} bytes percent-encoded with its other parameters."
            )
        return urlencoded(request.get_data(), "the form body"), None
    if mimetype == SPARQL_QUERY:
        check_charset()
        if request.content_length is not None and request.content_length > max_bytes:
            raise too_large(request.content_length, max_bytes)
        return [], utf8(request.get_data(), "The query")
    if mimetype == SPARQL_UPDATE:
        raise QueryRefused(f"SPARQL Update is refused ({SPARQL_UPDATE} body). {READ_ONLY_ADVICE}")
    raise UnsupportedMediaType(
        f"A POST to /sparql must have Content-Type {FORM} (query=...) or {SPARQL_QUERY} "
        f"(the query as the body); got {request.mimetype or 'none'}."
    )


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
