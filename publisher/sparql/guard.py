"""The query guard: what the public endpoint refuses before evaluating anything.

`check_query` reads the query token by token (`publisher.rdf.sparqltokens`: strings,
IRIs and comments are skipped, so a keyword inside them does not count) and refuses
SPARQL Update operations, `LOAD`, `SERVICE` and a store's own functions (Virtuoso's
`bif:` and `sql:`): a public endpoint never writes, never opens an outbound
connection and offers SPARQL 1.1 only. `check_limits` refuses, with a 400 naming the
setting, a query nested deeper than `max_query_depth` (10,000 nested braces overflow
the engine parser's stack and end its process) or whose VALUES blocks hold more than
`max_values` terms. `update_operation` finds the keyword that makes a text an update
(or a LOAD), for callers that word their own refusal (the command line).
"""

from __future__ import annotations

import re

from publisher.errors import QueryError, QueryRefused
from publisher.rdf.sparqltokens import Token, deepest_nesting, tokens, values_size

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


def check_limits(query: str, max_depth: int, max_values: int) -> None:
    """Raise QueryError (a 400) naming the setting if the query nests deeper or holds larger VALUES than allowed."""
    depth, line = deepest_nesting(query)
    if depth > max_depth:
        raise QueryError(
            f"The query nests {depth} levels deep (line {line}: braces, parentheses, brackets and runs of ! count, "
            f"so nested OPTIONAL and subqueries do); a query may nest at most {max_depth} (setting max_query_depth). "
            "Write the pattern flatter. / "
            f"查询嵌套了 {depth} 层（第 {line} 行；花括号、圆括号、方括号和连续的 ! 都计入，"
            "嵌套的 OPTIONAL 和子查询亦然），"
            f"查询最多可嵌套 {max_depth} 层（设置 max_query_depth）。请减少嵌套。"
        )
    size = values_size(query)
    if size > max_values:
        raise QueryError(
            f"The query's VALUES blocks hold {size} terms; a query may hold at most {max_values} "
            "(setting max_values). Split the list over several queries, or download the data. / "
            f"查询的 VALUES 块共有 {size} 个值，一个查询最多可有 {max_values} 个（设置 max_values）。"
            "请分成几个查询，或下载数据。"
        )


def update_operation(query: str) -> Token | None:
    """The first keyword (INSERT, DELETE, LOAD, CLEAR, …) that makes the text an update rather than a query."""
    for token in tokens(query):
        if token.kind == "word" and (token.text.upper() in UPDATE_KEYWORDS or token.text.upper() == "LOAD"):
            return token
    return None
