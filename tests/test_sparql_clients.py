"""Real SPARQL clients (SPARQLWrapper, rdflib's SPARQLStore) get the seed's figures over HTTP.

The expected figures are read from the source document itself — the sentences
"…主动公开政府信息共658条…" — not from the record or the code under test.
"""

from __future__ import annotations

import csv
import html
import io
import re
from xml.dom.minidom import Document

import pytest
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from rdflib.query import ResultRow
from SPARQLWrapper import CSV, JSON, TURTLE, XML, SPARQLWrapper

from tests.helpers import BOTH_BACKENDS, SEED_SOURCE, LiveServer
from tests.http import fetch

pytestmark = BOTH_BACKENDS

PERIOD = {"2011年": "annual", "截止2011年末": "cumulative", "截至2011年末": "cumulative"}


def totals_in_source() -> dict[str, int]:
    """{period type: total proactively disclosed}, from the source's own sentences."""
    text = SEED_SOURCE.read_text(encoding="utf-8")
    found = re.findall(r"(2011年|截[止至]2011年末),我局主动公开政府信息共(\d+)条", text)
    assert len(found) == 2, found
    return {PERIOD[period]: int(count) for period, count in found}


EXPECTED = totals_in_source()


def test_the_source_states_both_totals() -> None:
    assert EXPECTED == {"annual": 658, "cumulative": 2006}


def totals_query(base: str) -> str:
    return f"""PREFIX dis: <{base}/def/disclosure#>
SELECT ?period ?count WHERE {{
  ?obs dis:item <{base}/def/jilin-city-2011/category/all> ;
       dis:periodType ?period ;
       dis:count ?count .
}}"""


def period_name(base: str, iri: str) -> str:
    prefix = f"{base}/def/common/period-type/"
    assert iri.startswith(prefix), iri
    return iri[len(prefix) :]


def wrapper(server: LiveServer, query: str, return_format: str) -> SPARQLWrapper:
    client = SPARQLWrapper(server.url + "/sparql")
    client.setQuery(query)
    client.setReturnFormat(return_format)
    return client


def test_sparqlwrapper_json(live_server: LiveServer) -> None:
    base = live_server.settings.base
    results = wrapper(live_server, totals_query(base), JSON).queryAndConvert()
    assert isinstance(results, dict)
    rows = results["results"]["bindings"]
    got = {period_name(base, row["period"]["value"]): int(row["count"]["value"]) for row in rows}
    assert got == EXPECTED
    assert results["truncated"] is False


def test_sparqlwrapper_xml(live_server: LiveServer) -> None:
    base = live_server.settings.base
    document = wrapper(live_server, totals_query(base), XML).queryAndConvert()
    assert isinstance(document, Document)
    got = {}
    for result in document.getElementsByTagName("result"):
        values = {
            binding.getAttribute("name"): binding.firstChild.firstChild.data  # type: ignore[union-attr]
            for binding in result.getElementsByTagName("binding")
        }
        got[period_name(base, values["period"])] = int(values["count"])
    assert got == EXPECTED


def test_sparqlwrapper_csv(live_server: LiveServer) -> None:
    base = live_server.settings.base
    data = wrapper(live_server, totals_query(base), CSV).queryAndConvert()
    assert isinstance(data, bytes)
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8"))))
    assert {period_name(base, row["period"]): int(row["count"]) for row in rows} == EXPECTED


def test_rdflib_sparqlstore(live_server: LiveServer) -> None:
    base = live_server.settings.base
    graph = Graph(store=SPARQLStore(query_endpoint=live_server.url + "/sparql"))
    got = {}
    for row in graph.query(totals_query(base)):
        assert isinstance(row, ResultRow)
        period, count = row
        assert isinstance(count, Literal), count  # typed: an xsd:integer, not a string
        got[period_name(base, str(period))] = count.toPython()
    assert got == EXPECTED


def test_construct_over_http_parses_as_turtle(live_server: LiveServer) -> None:
    base = live_server.settings.base
    dis = Namespace(f"{base}/def/disclosure#")
    query = f"""PREFIX dis: <{dis}>
CONSTRUCT {{ ?obs dis:item ?item ; dis:periodType ?period ; dis:count ?count }}
WHERE {{ ?obs dis:item ?item ; dis:periodType ?period ; dis:count ?count }}"""
    client = wrapper(live_server, query, TURTLE)
    data = client.queryAndConvert()
    assert isinstance(data, bytes)
    assert data.startswith(b"@prefix dis:")  # the query's own prefixes are reused
    graph = Graph().parse(data=data, format="turtle")
    total = URIRef(f"{base}/def/jilin-city-2011/category/all")
    got = {}
    for obs in graph.subjects(dis.item, total):
        count = graph.value(obs, dis["count"])
        assert isinstance(count, Literal)
        got[period_name(base, str(graph.value(obs, dis.periodType)))] = count.toPython()
    assert got == EXPECTED


@pytest.mark.parametrize("return_format", [JSON, XML])
def test_sparqlwrapper_ask(live_server: LiveServer, return_format: str) -> None:
    base = live_server.settings.base
    query = f"ASK {{ ?obs <{base}/def/disclosure#count> {EXPECTED['annual']} }}"
    result = wrapper(live_server, query, return_format).query()
    media_type = {JSON: "application/sparql-results+json", XML: "application/sparql-results+xml"}[return_format]
    assert result.info()["content-type"].startswith(media_type)
    converted = result.convert()
    if return_format == JSON:
        assert isinstance(converted, dict) and converted["boolean"] is True
    else:
        assert isinstance(converted, Document)
        assert converted.getElementsByTagName("boolean")[0].firstChild.data == "true"  # type: ignore[union-attr]


def test_the_form_example_query_runs(live_server: LiveServer) -> None:
    """The query a browser finds in the form is real: it answers with the seed's figures."""
    page = fetch(live_server.url + "/sparql", headers={"Accept": "text/html"})
    assert page.media_type == "text/html"
    match = re.search(r"<textarea[^>]*>(.*?)</textarea>", page.text, re.DOTALL)
    assert match is not None
    results = wrapper(live_server, html.unescape(match.group(1)), JSON).queryAndConvert()
    assert isinstance(results, dict)
    counts = [int(row["count"]["value"]) for row in results["results"]["bindings"]]
    assert EXPECTED["annual"] in counts and EXPECTED["cumulative"] in counts
