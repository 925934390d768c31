"""The query guard: what the public endpoint refuses before evaluating anything.

`check_query` reads the query token by token (`publisher.rdf.sparqltokens`: strings,
IRIs and comments are skipped, so a keyword inside them does not count) and refuses
SPARQL Update operations, `LOAD`, `SERVICE` and a store's own functions (Virtuoso's
`bif:` and `sql:`): a public endpoint never writes, never opens an outbound
connection and offers SPARQL 1.1 only.
"""

from __future__ import annotations

import re

from publisher.errors import QueryRefused
from publisher.rdf.sparqltokens import tokens

#: IRI schemes of functions that run inside a store (Virtuoso's bif: and sql:), refused like SERVICE.
STORE_FUNCTION_SCHEMES = ("bif:", "sql:")
UPDATE_KEYWORDS = frozenset({"INSERT", "DELETE", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY"})

READ_ONLY_ADVICE = (
    "This endpoint is read-only: ask with SELECT, ASK, CONSTRUCT or DESCRIBE. The data changes only "
    "when its records are edited and the site is rebuilt."
)

_CODEPOINT_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")


def check_query(query: str) -> None:
    """Raise QueryRefused if the query would update data, LOAD a document or call a SERVICE.

    The query is checked as written and, when it has codepoint escapes, once more with
    them replaced, so that an escaped keyword cannot slip past (Oxigraph does not
    unescape keywords today; this stays safe if a parser does).
    """
    _check_tokens(query)
    unescaped = _unescape_codepoints(query)
    if unescaped != query:
        _check_tokens(unescaped)


def _unescape_codepoints(query: str) -> str:
    """The query with \\uXXXX / \\UXXXXXXXX escapes replaced, as SPARQL 1.1 §19.2 allows before parsing."""

    def replace(match: re.Match[str]) -> str:
        code = int(match.group(1) or match.group(2), 16)
        return chr(code) if code <= 0x10FFFF else match.group()

    return _CODEPOINT_ESCAPE.sub(replace, query)


def _check_tokens(query: str) -> None:
    for token in tokens(query):
        if token.kind == "iri" and token.text[1:].lower().startswith(STORE_FUNCTION_SCHEMES):
            raise QueryRefused(
                f"{token.text} (line {token.line}) is refused: a store's own built-in functions are not part of "
                "SPARQL 1.1 and are not offered here. Use SPARQL's own functions."
            )
        if token.kind != "word":
            continue
        keyword = token.text.upper()
        where = f"(line {token.line})"
        if keyword == "SERVICE":
            raise QueryRefused(
                f"SERVICE {where} is refused: this public endpoint never contacts other servers. Query the "
                "other endpoint yourself and combine the answers on your side."
            )
        if keyword == "LOAD":
            raise QueryRefused(f"LOAD {where} is refused: it would fetch a remote document. {READ_ONLY_ADVICE}")
        if keyword in UPDATE_KEYWORDS:
            raise QueryRefused(f"SPARQL Update ({keyword}, line {token.line}) is refused. {READ_ONLY_ADVICE}")
