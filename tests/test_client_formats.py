"""The `format=` values clients send are mapped, or left to Accept: SPARQLWrapper's N3 gets Turtle, not 406.

SPARQLWrapper sends `format=` (and `output=`, `results=`) with the name of its return
format for every query form, and an Accept it could read: `setReturnFormat(N3)` sends
format=n3 with Accept text/turtle, text/n3, … . The expected figures are read from the
source document's own sentences ("…主动公开政府信息共658条…"), not from the record.
"""

from __future__ import annotations

import json
import re
from urllib.parse import quote

import pytest
from rdflib import Graph, Namespace
from SPARQLWrapper import N3, SPARQLWrapper

from tests.helpers import SEED_SOURCE, LiveServer
from tests.http import fetch

NTRIPLES = "application/n-triples"


def totals_in_source() -> set[int]:
    """The two totals proactively disclosed (the year's, and the cumulative), as the source states them."""
    found = re.findall(r"(?:2011年|截[止至]2011年末),我局主动公开政府信息共(\d+)条", SEED_SOURCE.read_text("utf-8"))
    assert len(found) == 2, found
    return {int(count) for count in found}


def totals_construct(base: str, form: str) -> str:
    where = f"?obs dis:item <{base}/def/jilin-city-2011/category/all> ; dis:count ?count ."
    if form == "DESCRIBE":
        return f"PREFIX dis: <{base}/def/disclosure#>\nDESCRIBE ?obs WHERE {{ {where} }}"
    return f"PREFIX dis: <{base}/def/disclosure#>\nCONSTRUCT {{ ?obs dis:count ?count }} WHERE {{ {where} }}"


@pytest.mark.parametrize("form", ["CONSTRUCT", "DESCRIBE"])
def test_sparqlwrapper_n3_gets_turtle(live_server: LiveServer, form: str) -> None:
    base = live_server.settings.base
    client = SPARQLWrapper(live_server.url + "/sparql")
    client.setQuery(totals_construct(base, form))
    client.setReturnFormat(N3)
    result = client.query()
    assert result.response.status == 200
    assert result.response.headers["Content-Type"].startswith("text/turtle")
    data = result.convert()
    assert isinstance(data, bytes)
    graph = Graph().parse(data=data, format="turtle")
    counts = {o.toPython() for o in graph.objects(None, Namespace(f"{base}/def/disclosure#")["count"])}
    assert totals_in_source() <= counts


@pytest.mark.parametrize(
    ("query", "value", "accept", "media_type"),
    [
        pytest.param("CONSTRUCT WHERE { ?s a ?t } LIMIT 1", "n3", "", "text/turtle", id="n3-without-accept"),
        pytest.param(
            "CONSTRUCT WHERE { ?s a ?t } LIMIT 1",
            "csv",
            "application/n-triples",
            "application/n-triples",
            id="csv-graph",
        ),
        pytest.param("SELECT ?s WHERE { ?s a ?t } LIMIT 1", "turtle", "text/csv", "text/csv", id="turtle-select"),
        pytest.param(
            "ASK { ?s ?p ?o }", "rdf", "application/sparql-results+xml", "application/sparql-results+xml", id="rdf-ask"
        ),
        pytest.param("CONSTRUCT WHERE { ?s a ?t } LIMIT 1", "rdf", "", "application/rdf+xml", id="rdf-graph"),
    ],
)
def test_a_format_of_the_other_kind_is_left_to_accept(
    live_server: LiveServer, query: str, value: str, accept: str, media_type: str
) -> None:
    headers = {"Accept": accept} if accept else {}
    answer = fetch(f"{live_server.url}/sparql?query={quote(query)}&format={value}", headers=headers)
    assert answer.status == 200, answer.body
    assert answer.media_type == media_type


def test_an_unknown_format_is_still_406(live_server: LiveServer) -> None:
    answer = fetch(f"{live_server.url}/sparql?query={quote('ASK {}')}&format=bogus")
    assert answer.status == 406
    message = json.loads(answer.body)["error"]["message"]
    assert "format=bogus" in message and "json" in message, message  # names the formats available


def test_a_named_query_takes_the_format_values_of_sparql(live_server: LiveServer) -> None:
    answer = fetch(f"{live_server.url}/queries/agencies?format={quote('application/sparql-results+json')}")
    assert answer.status == 200, answer.body
    assert answer.media_type == "application/sparql-results+json"
