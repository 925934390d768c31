"""The HTML face of /sparql: a bilingual query form, with the answer as a table below it.

Shown to a browser that asks /sparql for HTML: without a query (the form, with an
example), or with one (its rows or triples, and links to the same answer in every
other format).
"""

from __future__ import annotations

from urllib.parse import urlencode

from flask import render_template, url_for

from publisher.rdf.mediatypes import RDF_TYPES, RESULTS_TYPES
from publisher.rdf.namespaces import QB, SKOS, XSD
from publisher.sparql.answers import Answer, Term
from publisher.sparql.results import term_ntriples
from publisher.web.negotiation import GRAPH_OFFERS, RESULTS_OFFERS
from publisher.web.sparqlrequest import Operation
from publisher.web.state import publication


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
        note = term.datatype.replace(str(XSD), "xsd:")
    return {"text": term.value, "href": None, "note": note}


def page(operation: Operation | None, answer: Answer | None) -> str:
    """The bilingual query form, with the answer below it when there is one."""
    query = operation.query if operation is not None and operation.query is not None else example_query()
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
    return render_template(
        "sparql.html",
        query=query,
        answer=answer,
        columns=columns,
        rows=rows,
        links=links,
        description=description,
        endpoint=str(pub.catalog_iris.endpoint),
        timeout=float(pub.settings.query_timeout),
        row_cap=int(pub.settings.row_cap),
        formats=[("html", "HTML")]
        + [(t.name, t.media_type) for t in RESULTS_TYPES]
        + [(t.name, t.media_type) for t in RDF_TYPES],
    )


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
