"""Reading SPARQL text token by token: keywords told apart from strings, IRIs, prefixed names and variables.

An approximation of the SPARQL 1.1 grammar's terminals, good enough to find a keyword
(a `SERVICE` inside a string or a comment is not one), the declared prefixes, the query
form and the outermost group pattern, without parsing the query:

    >>> [token.text for token in tokens("ASK { ?s <urn:p> 'SERVICE' } # LOAD")]
    ['ASK', '{', '?s', '<urn:p>', "'SERVICE'", '}']
    >>> query_form("PREFIX s: <http://example.org/select#> CONSTRUCT WHERE { ?s ?p ?o }")
    'CONSTRUCT'
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

#: One token a match, named by its group: ws, comment, string, iri, var, lang, pname, word, number or other.
TOKEN_PATTERN = re.compile(
    r"""
      (?P<ws>\s+)
    | (?P<comment>\#[^\r\n]*)
    | (?P<string>\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
               |'''(?:[^'\\]|\\.|'(?!''))*'''
               |"(?:[^"\\\r\n]|\\.)*"
               |'(?:[^'\\\r\n]|\\.)*')
    | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
    | (?P<var>[?$]\w+)
    | (?P<lang>@[A-Za-z]+(?:-[A-Za-z0-9]+)*)
    | (?P<pname>(?:[^\W\d][\w.-]*)?:(?:[\w.:-]|%[0-9A-Fa-f]{2}|\\.)*)
    | (?P<word>[^\W\d]\w*)
    | (?P<number>\d+\.\d*[eE][+-]?\d+|\.?\d+[eE][+-]?\d+|\d*\.\d+|\d+)
    | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)
#: The keywords that open a query form.
QUERY_FORMS = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")
#: What opens and what closes a level of nesting: a group `{}`, an expression or list `()`, a blank node `[]`.
OPENERS, CLOSERS = frozenset("{(["), frozenset("})]")
#: The kinds of token that are a term of a VALUES block (UNDEF, true and false are words).
VALUE_KINDS = frozenset({"iri", "string", "pname", "number", "word"})


@dataclass(frozen=True)
class Token:
    """A token of a SPARQL text: its kind (a group of `TOKEN_PATTERN`), its text and the line it starts on."""

    kind: str
    text: str
    line: int


def tokens(query: str) -> Iterator[Token]:
    """The tokens of a SPARQL text, whitespace and comments dropped (an approximation of the grammar
    good enough to tell keywords from strings, IRIs, prefixed names and variables)."""
    line = 1
    for match in TOKEN_PATTERN.finditer(query):
        kind = match.lastgroup or "other"
        text = match.group()
        if kind not in ("ws", "comment"):
            yield Token(kind, text, line)
        line += text.count("\n")


def declares_dataset(query: str) -> bool:
    """Whether the query names its own dataset (FROM, FROM NAMED), which then replaces the union default graph."""
    return any(token.kind == "word" and token.text.upper() == "FROM" for token in tokens(query))


def declared_prefixes(query: str) -> dict[str, str]:
    """The PREFIX declarations of a query, {prefix: namespace}, to reuse when serialising its answer."""
    found: dict[str, str] = {}
    items = list(tokens(query))
    for first, second, third in zip(items, items[1:], items[2:], strict=False):
        declaration = first.kind == "word" and first.text.upper() == "PREFIX" and third.kind == "iri"
        if declaration and second.kind == "pname" and second.text.endswith(":") and second.text.count(":") == 1:
            found[second.text[:-1]] = third.text[1:-1]
    return found


def query_form(query: str) -> str | None:
    """SELECT, ASK, CONSTRUCT or DESCRIBE: the first query-form keyword of the text (None if it has none)."""
    for token in tokens(query):
        if token.kind == "word" and token.text.upper() in QUERY_FORMS:
            return token.text.upper()
    return None


def outermost_group(query: str) -> int | None:
    """The offset just inside the query's outermost group pattern, where a VALUES block binds before anything else.

    The outermost group is the first `{` at depth 0 after the top-level WHERE, or, when
    the query has no WHERE keyword (`SELECT * { ... }`, `ASK { ... }`), the first `{` at
    depth 0 — for CONSTRUCT, whose first group is its template, WHERE is required. None
    when the query has no such group.
    """
    depth = 0
    where_seen = False
    first_group: int | None = None
    for match in TOKEN_PATTERN.finditer(query):
        kind, text = match.lastgroup, match.group()
        if kind == "word" and text.upper() == "WHERE" and depth == 0:
            where_seen = True
        elif kind == "other" and text == "{":
            if depth == 0:
                if where_seen:
                    return match.end()
                if first_group is None:
                    first_group = match.end()
            depth += 1
        elif kind == "other" and text == "}":
            depth -= 1
    if query_form(query) == "CONSTRUCT":
        return None
    return first_group


def deepest_nesting(query: str) -> tuple[int, int]:
    """(depth, line): how deeply groups, brackets and parentheses nest in the query, and the line it is reached on.

    Every `{`, `(` and `[` outside strings, IRIs and comments opens a level, so nested
    OPTIONALs, subqueries, expressions and blank nodes all count; so does each `!` of a
    run of them (`!!!true`), which a parser also reads one inside the other:

    >>> deepest_nesting("SELECT * { ?s ?p ?o OPTIONAL { ?s ?q [ ?r ?o ] } }")
    (3, 1)
    """
    depth = deepest = negations = 0
    line = 1
    for token in tokens(query):
        negations = negations + 1 if token.text == "!" else 0
        if token.kind == "other" and token.text in OPENERS:
            depth += 1
        elif token.kind == "other" and token.text in CLOSERS:
            depth = max(0, depth - 1)
        if depth + negations > deepest:
            deepest, line = depth + negations, token.line
    return deepest, line


def values_size(query: str) -> int:
    """How many terms the query's VALUES blocks hold together (a literal's datatype is part of its term).

    >>> values_size("SELECT * { VALUES (?a ?b) { (1 'x'^^<urn:t>) (UNDEF 2.5) } }")
    4
    """
    count = 0
    seen_values = inside = False  # after the keyword VALUES; inside its data block
    previous = ["", ""]
    for token in tokens(query):
        if token.kind == "word" and token.text.upper() == "VALUES" and not inside:
            seen_values = True
        elif token.kind == "other" and token.text == "{" and seen_values:
            inside, seen_values = True, False
        elif inside and token.kind == "other" and token.text == "}":
            inside = False
        elif inside and token.kind in VALUE_KINDS and previous != ["^", "^"]:
            count += 1
        previous = [previous[1], token.text]
    return count
