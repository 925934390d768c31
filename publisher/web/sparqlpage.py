"""The HTML face of /sparql: the query editor, with the answer as a table (and a chart) below it.

Shown to a browser that asks /sparql for HTML: without a query (the editor, with an
example), or with one (the query as run, highlighted; its rows or triples, IRIs as
links; a chart of a numeric column; links to the same answer in every other format).
The page's state is its query string: query, lang, chart (the column drawn). Its
aids (prefixes, highlighting, examples, chart) are publisher.web.queryeditor.
"""

from __future__ import annotations

from urllib.parse import urlencode

from flask import render_template, request, url_for

from publisher.rdf.mediatypes import RDF_TYPES, RESULTS_TYPES
from publisher.rdf.namespaces import QB, SKOS, XSD
from publisher.sparql.answers import Answer, Term
from publisher.sparql.results import term_ntriples
from publisher.web import charts, queryeditor
from publisher.web.i18n import LANGUAGES, language, words
from publisher.web.negotiation import GRAPH_OFFERS, RESULTS_OFFERS
from publisher.web.sparqlrequest import Operation
from publisher.web.state import publication


def cell(term: Term | None) -> dict[str, str | None]:
    """A term as a table cell of the HTML view: text, an optional link, an optional note (language, datatype)."""
    if term is None:
        return {"text": "", "href": None, "note": None}
    if term.type == "uri":
        return {"text": term.value, "href": queryeditor.local_href(term.value), "note": None}
    if term.type == "bnode":
        return {"text": "_:" + term.value, "href": None, "note": None}
    if term.type == "triple":
        return {"text": term_ntriples(term), "href": None, "note": None}
    note = "@" + term.lang if term.lang else None
    if term.datatype:
        note = term.datatype.replace(str(XSD), "xsd:")
    return {"text": term.value, "href": None, "note": note}


def page(operation: Operation | None, answer: Answer | None) -> str:
    """The query editor, with the answer below it when there is one."""
    lang = language()
    query = operation.query if operation is not None and operation.query is not None else example_query()
    submitted = request.values.get("query")
    added = list(queryeditor.undeclared(submitted)) if submitted and submitted != query else []
    columns: list[str] = []
    rows: list[list[dict[str, str | None]]] = []
    if answer is not None and answer.kind == "select":
        columns = list(answer.variables)
        rows = [[cell(term) for term in row] for row in answer.rows]
    elif answer is not None and answer.kind == "graph":
        columns = ["subject", "predicate", "object"]
        rows = [[cell(term) for term in triple] for triple in answer.triples]
    links = format_links(query, operation, answer) if answer is not None and operation is not None else []
    description = [(t.name, url_for("sparql.endpoint", format=t.name)) for t in RDF_TYPES]
    pub = publication()
    other = LANGUAGES[1 - LANGUAGES.index(lang)]
    return render_template(
        "sparql.html",
        lang=lang,
        other=other,
        w=words(lang),
        o=words(other),
        switch=url_for("sparql.endpoint") + "?" + urlencode({**request.args, "lang": other}),
        query=query,
        highlighted=queryeditor.highlighted(query) if answer is not None else None,
        added=added,
        known=queryeditor.known_prefixes(),
        examples=queryeditor.examples(lang),
        answer=answer,
        columns=columns,
        rows=rows,
        chart=result_chart(columns, answer, lang),
        links=links,
        description=description,
        endpoint=str(pub.catalog_iris.endpoint),
        timeout=f"{float(pub.settings.query_timeout):g}",
        row_cap=int(pub.settings.row_cap),
        formats=[("html", "HTML")]
        + [(t.name, t.media_type) for t in RESULTS_TYPES]
        + [(t.name, t.media_type) for t in RDF_TYPES],
    )


def result_chart(columns: list[str], answer: Answer | None, lang: str) -> dict[str, object] | None:
    """The chart of a SELECT answer's numeric column (`chart=` names which; the first by default), or None."""
    if answer is None or answer.kind != "select" or not 0 < answer.size <= queryeditor.CHART_ROWS:
        return None
    numeric = queryeditor.numeric_columns(columns, answer)
    if not numeric:
        return None
    column = request.args.get("chart", "")
    column = column if column in numeric else numeric[0]
    labels, values = queryeditor.chart_data(columns, answer, column)
    title = words(lang)["editor_chart_title"].format(column=column)
    others = [(name, url_for("sparql.endpoint") + "?" + urlencode({**request.args, "chart": name})) for name in numeric]
    return {"svg": charts.bar_chart(title, labels, values, "result-chart"), "column": column, "others": others}


def format_links(query: str, operation: Operation, answer: Answer) -> list[tuple[str, str]]:
    """(format, URL) of the same answer in every other format, the request's dataset kept."""
    offers = GRAPH_OFFERS if answer.kind == "graph" else RESULTS_OFFERS
    names = [name for _, name in offers if name != "html"]
    dataset = [("default-graph-uri", g) for g in operation.default_graphs]
    dataset += [("named-graph-uri", g) for g in operation.named_graphs]
    links = []
    for name in dict.fromkeys(names):
        params = [("query", query), *dataset, ("format", name)]
        links.append((name, url_for("sparql.endpoint") + "?" + urlencode(params)))
    return links


def example_query() -> str:
    """The query the empty form shows: every figure, with its item's Chinese label."""
    return (
        f"PREFIX dis: <{publication().iris.vocabulary}>\n"
        f"PREFIX skos: <{SKOS}>\n\n"
        "# 每项数字：条目、期间类型、数值 / Every figure: item, period type, value\n"
        "SELECT ?report ?label ?period ?count WHERE {\n"
        "  ?obs dis:item ?item ;\n"
        "       dis:periodType ?period ;\n"
        "       dis:count ?count .\n"
        f"  OPTIONAL {{ ?obs <{QB.dataSet}> ?report }}\n"
        '  OPTIONAL { ?item skos:prefLabel ?label FILTER(lang(?label) = "zh") }\n'
        "}\n"
        "ORDER BY ?report ?item ?period\n"
        "LIMIT 100\n"
    )
