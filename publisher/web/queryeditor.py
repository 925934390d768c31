"""The aids of the /sparql query editor: known prefixes declared, highlighting, named queries as examples, a chart.

All drawn on the server, so the editor works without JavaScript and under a CSP that
allows no inline script or style:

- the store's prefixes (publisher.rdf.namespaces.prefixes) are listed, and a query
  the page runs that uses one without declaring it gets the declaration added
  (`with_known_prefixes`); a client that asks for any other format gets the endpoint's
  plain behaviour;
- the query is highlighted with Pygments' SPARQL lexer (spans with Pygments' short
  token classes, coloured by static/queryeditor.css);
- each named query is an example: its text with BASE and, for a parameterised one,
  a VALUES block opening its WHERE group that binds the parameters to the example
  values its header's help gives ("e.g. 2011"), one link away as /sparql?query=...;
- a numeric column of a SELECT answer is drawn as a bar chart (publisher.web.charts),
  the results table being its alternative.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import cache
from urllib.parse import urlencode

from flask import request, url_for
from markupsafe import Markup
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import SparqlLexer

from publisher.rdf.iris import Iris
from publisher.rdf.namespaces import XSD, prefixes
from publisher.rdf.sparqltokens import TOKEN_PATTERN, declared_prefixes, tokens
from publisher.sparql import namedqueries
from publisher.sparql.answers import Answer, Term
from publisher.web.negotiation import GRAPH_FORMAT_VALUES, HTML, RESULTS_FORMAT_VALUES, RESULTS_OFFERS
from publisher.web.sparqlrequest import Operation
from publisher.web.state import publication

#: The XML Schema datatypes whose literals a chart can draw.
NUMERIC_TYPES = frozenset(
    str(XSD) + name
    for name in (
        *("integer", "decimal", "double", "float", "long", "int", "short", "byte"),
        *("nonNegativeInteger", "positiveInteger", "nonPositiveInteger", "negativeInteger"),
        *("unsignedLong", "unsignedInt", "unsignedShort", "unsignedByte"),
    )
)
#: At most this many rows are charted (a longer answer is shown as its table only).
CHART_ROWS = 60
_EXAMPLE = re.compile(r"e\.g\.\s+([^\s,;]+)|:\s*([A-Za-z0-9][\w/.-]*)")


def known_prefixes() -> dict[str, str]:
    """The store's prefixes: prefix → namespace IRI, as the publication serialises its data."""
    return prefixes(publication().iris.base)


def undeclared(query: str) -> dict[str, str]:
    """The known prefixes the query uses (prefixed names) without declaring them."""
    known = known_prefixes()
    declared = declared_prefixes(query)
    used = dict.fromkeys(token.text.split(":", 1)[0] for token in tokens(query) if token.kind == "pname")
    return {prefix: known[prefix] for prefix in used if prefix in known and prefix not in declared}


def declare_known(query: str) -> str:
    """The query with a PREFIX declaration put before it for each known prefix it uses undeclared."""
    missing = undeclared(query)
    if not missing:
        return query
    return "".join(f"PREFIX {prefix}: <{namespace}>\n" for prefix, namespace in missing.items()) + query


def wants_page(operation: Operation) -> bool:
    """Whether this request is answered with the HTML page: `format=html`, or Accept prefers HTML."""
    for value in operation.formats:
        if value in RESULTS_FORMAT_VALUES or value in GRAPH_FORMAT_VALUES:
            return "html" in (RESULTS_FORMAT_VALUES.get(value), GRAPH_FORMAT_VALUES.get(value))
    if not request.accept_mimetypes:
        return False
    return request.accept_mimetypes.best_match([media for media, _ in RESULTS_OFFERS]) == HTML


def with_known_prefixes(operation: Operation) -> Operation:
    """The operation as the page runs it: known prefixes declared. Any other answer: the operation unchanged."""
    if operation.query is None or not wants_page(operation):
        return operation
    return replace(operation, query=declare_known(operation.query))


def highlighted(query: str) -> Markup:
    """The query as HTML with Pygments' token spans (class "highlight" on the <pre>)."""
    return Markup(highlight(query, SparqlLexer(), HtmlFormatter(cssclass="highlight")))


@dataclass(frozen=True)
class Example:
    """A named query as an example of the editor: its text ready to run and the link that opens it."""

    name: str
    title_zh: str
    title_en: str
    text: str
    html: Markup


def example_text(query: namedqueries.NamedQuery, base: str) -> str:
    """The named query with BASE and its parameters bound to their example values by a VALUES block put first
    in its WHERE group (so that the group's FILTERs see them, as with the named query's own bindings)."""
    text = query.with_base(base)
    if not query.parameters:
        return text
    names = " ".join(f"?{p.name}" for p in query.parameters)
    terms = " ".join(str(namedqueries.term(p.type, example_value(p), base)) for p in query.parameters)
    at = where_group(text)
    return f"{text[: at + 1]}\n  VALUES ({names}) {{ ({terms}) }}{text[at + 1 :]}"


def where_group(query: str) -> int:
    """Where the WHERE group opens: the offset of the first `{` after WHERE, else the first `{` (a SELECT's)."""
    braces, where = [], None
    for match in TOKEN_PATTERN.finditer(query):
        if match.lastgroup == "word" and match.group().upper() == "WHERE" and where is None:
            where = match.start()
        elif match.lastgroup == "other" and match.group() == "{":
            braces.append(match.start())
            if where is not None:
                return match.start()
    if not braces:
        raise ValueError("The query has no group pattern ({ ... }) to bind its parameters in.")
    return braces[0]


def example_value(parameter: namedqueries.Parameter) -> str:
    """The example value a parameter's help gives: "e.g. 2011", else the first word after a colon."""
    match = _EXAMPLE.search(parameter.help_en)
    if match is None:
        raise ValueError(f"Parameter {parameter.name} gives no example value in its help: write 'e.g. VALUE'.")
    return match.group(1) or match.group(2)


@cache
def _examples(base: str) -> tuple[Example, ...]:
    found = []
    for query in namedqueries.catalogue().values():
        text = example_text(query, base)
        found.append(Example(query.name, query.title_zh, query.title_en, text, highlighted(text)))
    return tuple(found)


def examples(lang: str) -> list[tuple[Example, str]]:
    """Every named query as (example, the /sparql link that opens it in the editor)."""
    endpoint = url_for("sparql.endpoint")
    return [
        (example, endpoint + "?" + urlencode({"query": example.text, "lang": lang}))
        for example in _examples(publication().iris.base)
    ]


def numeric_columns(columns: list[str], answer: Answer) -> list[str]:
    """The columns whose every bound value is a number (and at least one is bound)."""
    found = []
    for index, column in enumerate(columns):
        values = [term for term in (row[index] for row in answer.rows) if term is not None]
        if values and all(v.type == "literal" and (v.datatype or "") in NUMERIC_TYPES for v in values):
            found.append(column)
    return found


def chart_data(columns: list[str], answer: Answer, column: str) -> tuple[list[str], list[float | None]]:
    """(labels, values) of `column`: each row labelled by its first other column that is not a number."""
    index = columns.index(column)
    numeric = set(numeric_columns(columns, answer))
    label_at = next((i for i, c in enumerate(columns) if c not in numeric), None)
    labels, values = [], []
    for number, row in enumerate(answer.rows, start=1):
        labels.append(short(row[label_at]) if label_at is not None else str(number))
        term = row[index]
        values.append(float(term.value) if term is not None else None)
    return labels, values


def short(term: Term | None) -> str:
    """A label for a chart's axis: a literal's text, an IRI's last segment."""
    if term is None:
        return ""
    if term.type == "uri":
        return re.split(r"[/#]", term.value.rstrip("/"))[-1]
    return term.value


def local_href(iri: str) -> str | None:
    """Where a link to `iri` goes: our IRIs to their page on this server, other http(s) IRIs as they are."""
    iris: Iris = publication().iris
    if iris.within(iri):
        return iri.removeprefix(iris.base) or "/"
    return iri if iri.startswith(("http://", "https://")) else None
