"""One GET never takes the corpus (#15): containers answer a paged listing, documents are capped, the cache holds.

An IRI with no triples of its own used to gather every named graph under it
(`/id/report.jsonld` answered the whole corpus). Now /id, /id/agency, /id/report,
/id/report/{agency}, /def and /graph answer a Hydra collection, one page at a time;
every other document is refused past its caps (triples, bytes) with an error in
English and Chinese; and a query string the documents do not read is answered from the
cache instead of being made again.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDFS

from publisher.errors import ConfigurationError
from publisher.settings import load_settings
from tests.helpers import LiveServer, start_live_server
from tests.http import fetch

HYDRA = Namespace("http://www.w3.org/ns/hydra/core#")
AGENCY = "jilin-city-science-technology-bureau"
REPORT = f"/id/report/{AGENCY}/2011"
#: The report's titles, as data/reports/jilin-city-science-technology-bureau/2011.yaml gives them.
TITLE_ZH = "吉林市科学技术局2011年政府信息公开工作年度报告"
TITLE_EN = "Jilin Municipal Bureau of Science and Technology: government information disclosure annual report 2011"
#: A figure of the report: in its graph, never in a listing.
FIGURE = f"{REPORT}/proactive-total-2011"
#: The documents under /def, one per ontology/*.ttl and shapes/*.ttl (/def/shapes/* is one member), sorted.
DEFINITIONS = [
    "/def/common",
    "/def/disclosure",
    "/def/jilin-city-2011",
    "/def/national-2019",
    "/def/national-2021",
    "/def/pre-2019",
    "/def/regulation-2019",
    "/def/shapes",
]


@pytest.fixture(scope="module")
def small_pages(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The bundled data served with 3 members a page and documents capped at 100 triples."""
    server = start_live_server(tmp_path_factory.mktemp("small-pages"), listing_page_size=3, document_triple_cap=100)
    yield server
    server.close()


@pytest.fixture(scope="module")
def small_bytes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The bundled data served with documents capped at 20 KB once serialised."""
    server = start_live_server(tmp_path_factory.mktemp("small-bytes"), document_max_mb=0.02)
    yield server
    server.close()


def turtle(server: LiveServer, path: str) -> Graph:
    answer = fetch(server.url + path, headers={"Accept": "text/turtle"})
    assert answer.status == 200, (path, answer.status, answer.body[:300])
    assert answer.media_type == "text/turtle"
    return Graph().parse(data=answer.body, format="turtle")


def members(graph: Graph, container: str) -> set[str]:
    return {str(o) for o in graph.objects(URIRef(container), HYDRA.member)}


# ---------------------------------------------------------------------------
# Containers: a listing, never the graphs beneath
# ---------------------------------------------------------------------------


def test_the_reports_container_is_a_listing_not_the_corpus(live_server: LiveServer) -> None:
    base = live_server.url
    answer = fetch(f"{base}/id/report.jsonld")
    assert answer.status == 200 and answer.media_type == "application/ld+json"
    assert b"proactive-total-2011" not in answer.body  # no figure of the report's graph
    assert len(answer.body) < 10_000, len(answer.body)
    nodes = {node["@id"]: node for node in json.loads(answer.body)["@graph"]}
    collection = nodes[f"{base}/id/report"]
    assert collection["http://www.w3.org/ns/hydra/core#totalItems"]["@value"] == "1"
    [member] = [m["@id"] for m in [collection["http://www.w3.org/ns/hydra/core#member"]]]
    assert member.endswith(f"{AGENCY}/2011")
    graph = Graph().parse(data=fetch(f"{base}/id/report.nt").body, format="nt")
    assert members(graph, f"{base}/id/report") == {base + REPORT}
    labels = set(graph.objects(URIRef(base + REPORT), RDFS.label))
    assert labels == {Literal(TITLE_ZH, lang="zh"), Literal(TITLE_EN, lang="en")}


@pytest.mark.parametrize("path", ["/id/report", "/id/report/", "/id/report.ttl", f"/id/report/{AGENCY}"])
def test_every_form_of_a_report_container_lists_the_report(live_server: LiveServer, path: str) -> None:
    container = live_server.url + path.removesuffix("/").removesuffix(".ttl")
    graph = turtle(live_server, path)
    assert members(graph, container) == {live_server.url + REPORT}
    assert not list(graph.triples((URIRef(live_server.url + FIGURE), None, None)))


def test_the_id_container_lists_the_kinds_of_resource(live_server: LiveServer) -> None:
    base = live_server.url
    assert members(turtle(live_server, "/id"), f"{base}/id") == {f"{base}/id/agency", f"{base}/id/report"}


def test_the_agency_container_lists_the_registry(live_server: LiveServer) -> None:
    base = live_server.url
    graph = turtle(live_server, "/id/agency")
    found = members(graph, f"{base}/id/agency")
    assert {f"{base}/id/agency/{AGENCY}", f"{base}/id/agency/jilin-city-government"} <= found
    assert Literal("吉林市科学技术局", lang="zh") in set(
        graph.objects(URIRef(f"{base}/id/agency/{AGENCY}"), RDFS.label)
    )


def test_an_agency_with_no_report_has_no_listing(live_server: LiveServer) -> None:
    answer = fetch(live_server.url + "/id/report/no-such-agency")  # errors are JSON but to browsers
    assert answer.status == 404
    assert "no-such-agency" in json.loads(answer.body)["error"]["message"]


def test_the_definitions_are_listed_page_by_page(small_pages: LiveServer) -> None:
    base = small_pages.url
    seen: list[str] = []
    for number, expected in ((1, DEFINITIONS[:3]), (2, DEFINITIONS[3:6]), (3, DEFINITIONS[6:])):
        graph = turtle(small_pages, f"/def?page={number}")
        found = members(graph, f"{base}/def")
        assert found == {base + path for path in expected}, number
        seen += sorted(found)
        view = URIRef(f"{base}/def?page={number}")
        assert (URIRef(f"{base}/def"), HYDRA.view, view) in graph
        assert (URIRef(f"{base}/def"), HYDRA.totalItems, Literal(len(DEFINITIONS))) in graph
        assert (view, HYDRA.last, URIRef(f"{base}/def?page=3")) in graph
        following = set(graph.objects(view, HYDRA.next))
        assert following == ({URIRef(f"{base}/def?page={number + 1}")} if number < 3 else set())
    assert seen == [base + path for path in DEFINITIONS]
    past = fetch(f"{base}/def?page=4")
    assert past.status == 404 and "3 page(s)" in json.loads(past.body)["error"]["message"]
    assert fetch(f"{base}/def?page=zero").status == 404


@pytest.mark.parametrize(
    "lang, heading, previous",
    [
        pytest.param("zh", "定义：本体、报告格式、代码表与形状", "上一页", id="zh"),
        pytest.param("en", "Definitions", "Previous page", id="en"),
    ],
)
def test_a_listing_page_in_html_in_both_languages(
    small_pages: LiveServer, lang: str, heading: str, previous: str
) -> None:
    answer = fetch(f"{small_pages.url}/def?page=2&lang={lang}", headers={"Accept": "text/html"})
    assert answer.status == 200 and answer.media_type == "text/html"
    assert heading in answer.text and previous in answer.text
    assert 'href="/def/national-2019?lang=' in answer.text
    assert 'href="/def/common?lang=' not in answer.text  # on page 1
    assert f'rel="alternate" type="text/turtle" href="{small_pages.url}/def.ttl?page=2"' in answer.text


# ---------------------------------------------------------------------------
# Documents: capped like a query answer
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("accept", ["text/turtle", "application/ld+json", "text/html"])
def test_a_document_past_the_triple_cap_is_refused_in_both_languages(small_pages: LiveServer, accept: str) -> None:
    # The report's graph holds 772 triples (the seed's figures and facts); the cap here is 100.
    answer = fetch(small_pages.url + REPORT, headers={"Accept": accept})
    assert answer.status == 403, answer.body[:300]
    message = answer.text if accept == "text/html" else json.loads(answer.body)["error"]["message"]
    assert "more than 100 triples" in message and "超过 100 个三元组" in message
    assert "/catalog" in message and "/sparql" in message
    assert b"proactive-total-2011" not in answer.body


def test_a_small_document_is_served_under_the_cap(small_pages: LiveServer) -> None:
    graph = turtle(small_pages, "/graph/agencies")  # the registry of the bundled data: two agencies
    assert (URIRef(f"{small_pages.url}/id/agency/{AGENCY}"), None, None) in graph


def test_a_document_past_the_byte_cap_is_refused(small_bytes: LiveServer) -> None:
    answer = fetch(small_bytes.url + REPORT + ".ttl")  # about 60 KB of Turtle; the cap here is 20 KB
    assert answer.status == 403, answer.body[:300]
    message = json.loads(answer.body)["error"]["message"]
    assert "larger than 0.02 MB" in message and "超过 0.02 MB" in message
    assert fetch(small_bytes.url + "/graph/agencies.ttl").status == 200


# ---------------------------------------------------------------------------
# A query string the documents do not read is no way around the cache
# ---------------------------------------------------------------------------


def test_unknown_parameters_are_answered_from_the_cache(live_server: LiveServer) -> None:
    cache = live_server.app.extensions["response_cache"]
    url = live_server.url + REPORT + ".nt"
    first = fetch(url + "?cache-buster=1")
    assert first.status == 200
    hits, misses = cache.hits, cache.misses
    again = fetch(url + "?cache-buster=2&another=x")
    assert again.status == 200 and again.body == first.body
    assert (cache.hits, cache.misses) == (hits + 1, misses)


def test_the_parameters_documents_read_still_make_a_difference(live_server: LiveServer) -> None:
    url = live_server.url + REPORT
    english = fetch(url + "?lang=en&x=1", headers={"Accept": "text/html"})
    chinese = fetch(url + "?lang=zh&x=1", headers={"Accept": "text/html"})
    assert 'lang="en"' in english.text and TITLE_EN in english.text
    assert 'lang="zh-CN"' in chinese.text and TITLE_ZH in chinese.text


def test_the_settings_refuse_a_cap_of_nothing(tmp_path: Path) -> None:
    for name in ("listing_page_size", "document_triple_cap", "document_max_mb"):
        with pytest.raises(ConfigurationError, match=f"{name} must be more than 0"):
            load_settings({name: 0, "build_dir": tmp_path}, environ={})
