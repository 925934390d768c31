"""Every minted IRI dereferences over real HTTP, in the format the client asks for."""

from __future__ import annotations

import json

import pytest
from rdflib import Graph
from rdflib.compare import graph_diff, isomorphic

from tests.helpers import BOTH_BACKENDS, SEED_SOURCE, LiveServer
from tests.http import fetch

pytestmark = BOTH_BACKENDS

RDF_FORMATS = {
    "text/turtle": ("ttl", "turtle"),
    "application/ld+json": ("jsonld", "json-ld"),
    "application/n-triples": ("nt", "nt"),
    "application/rdf+xml": ("rdf", "xml"),
}


def report_path() -> str:
    return "/id/report/jilin-city-science-technology-bureau/2011"


def parse(answer_body: bytes, rdflib_format: str, base: str) -> Graph:
    graph = Graph()
    graph.parse(data=answer_body, format=rdflib_format, publicID=base)
    return graph


def assert_isomorphic(expected: Graph, actual: Graph) -> None:
    if not isomorphic(expected, actual):
        _both, only_expected, only_actual = graph_diff(expected, actual)
        pytest.fail(
            "graphs differ\nonly in expected:\n"
            + only_expected.serialize(format="nt")
            + "\nonly in actual:\n"
            + only_actual.serialize(format="nt")
        )


@pytest.mark.parametrize("media_type", list(RDF_FORMATS))
def test_report_iri_answers_each_rdf_format_by_accept_and_by_suffix(live_server: LiveServer, media_type: str) -> None:
    url = live_server.url + report_path()
    extension, rdflib_format = RDF_FORMATS[media_type]
    by_accept = fetch(url, headers={"Accept": media_type})
    by_suffix = fetch(f"{url}.{extension}")
    assert by_accept.status == 200 and by_suffix.status == 200
    assert by_accept.media_type == media_type and by_suffix.media_type == media_type
    assert "Accept" in (by_accept.header("Vary") or "")
    graph = parse(by_accept.body, rdflib_format, url)
    assert len(graph) > 100
    assert_isomorphic(graph, parse(by_suffix.body, rdflib_format, url))


def test_rdf_forms_of_the_report_are_isomorphic(live_server: LiveServer) -> None:
    url = live_server.url + report_path()
    graphs = {
        media_type: parse(fetch(url, headers={"Accept": media_type}).body, fmt, url)
        for media_type, (_ext, fmt) in RDF_FORMATS.items()
    }
    turtle = graphs.pop("text/turtle")
    for graph in graphs.values():
        assert_isomorphic(turtle, graph)


def test_jsonld_is_compacted_with_the_published_context(live_server: LiveServer) -> None:
    answer = fetch(live_server.url + report_path(), headers={"Accept": "application/ld+json"})
    document = json.loads(answer.body)
    assert document["@context"] == f"{live_server.url}/context.jsonld"
    context = fetch(live_server.url + "/context.jsonld")
    assert context.status == 200 and context.media_type == "application/ld+json"
    assert json.loads(context.body)["@context"]["dis"] == f"{live_server.url}/def/disclosure#"


def test_report_iri_answers_html_by_accept_and_suffix(live_server: LiveServer) -> None:
    url = live_server.url + report_path()
    for answer in (
        fetch(url, headers={"Accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8"}),
        fetch(url + ".html"),
    ):
        assert answer.status == 200 and answer.media_type == "text/html"
        assert "吉林市科学技术局2011年政府信息公开工作年度报告" in answer.text
        for media_type, (extension, _format) in RDF_FORMATS.items():
            assert f'<link rel="alternate" type="{media_type}" href="{url}.{extension}">' in answer.text


def test_q_values_choose_the_preferred_type(live_server: LiveServer) -> None:
    answer = fetch(
        live_server.url + report_path(),
        headers={"Accept": "text/turtle;q=0.5, application/n-triples;q=0.9, text/html;q=0.1"},
    )
    assert answer.media_type == "application/n-triples"


def test_no_accept_header_gets_turtle(live_server: LiveServer) -> None:
    assert fetch(live_server.url + report_path()).media_type == "text/turtle"


def test_unacceptable_type_is_406_listing_the_available_ones(live_server: LiveServer) -> None:
    answer = fetch(live_server.url + report_path(), headers={"Accept": "image/png"})
    assert answer.status == 406
    assert answer.header("Access-Control-Allow-Origin") == "*"
    available = json.loads(answer.body)["error"]["available"]
    assert set(RDF_FORMATS) | {"text/html"} <= set(available)


def test_head_has_the_headers_and_no_body(live_server: LiveServer) -> None:
    url = live_server.url + report_path()
    get = fetch(url, headers={"Accept": "text/turtle"})
    head = fetch(url, method="HEAD", headers={"Accept": "text/turtle"})
    assert head.status == 200 and head.body == b""
    assert head.header("ETag") == get.header("ETag")
    assert head.header("Content-Length") == str(len(get.body))


def test_revalidation_answers_304(live_server: LiveServer) -> None:
    url = live_server.url + report_path()
    first = fetch(url, headers={"Accept": "text/turtle"})
    etag, modified = first.header("ETag"), first.header("Last-Modified")
    assert etag and modified
    assert fetch(url, headers={"Accept": "text/turtle", "If-None-Match": etag}).status == 304
    assert fetch(url, headers={"Accept": "text/turtle", "If-Modified-Since": modified}).status == 304
    other = fetch(url, headers={"Accept": "application/n-triples", "If-None-Match": etag})
    assert other.status == 200  # another representation, another ETag


def test_cors_on_success_and_errors(live_server: LiveServer) -> None:
    assert fetch(live_server.url + report_path()).header("Access-Control-Allow-Origin") == "*"
    missing = fetch(live_server.url + "/id/report/no-such-agency/2011")
    assert missing.status == 404
    assert missing.header("Access-Control-Allow-Origin") == "*"
    assert "no-such-agency" in json.loads(missing.body)["error"]["message"]


def test_html_in_chinese_and_english(live_server: LiveServer) -> None:
    url = live_server.url + report_path()
    english = fetch(url, headers={"Accept": "text/html", "Accept-Language": "en"})
    assert (
        "Jilin Municipal Bureau of Science and Technology: government information disclosure annual report 2011"
        in english.text
    )
    assert 'lang="en"' in english.text
    chinese = fetch(url + "?lang=zh", headers={"Accept": "text/html", "Accept-Language": "en"})
    assert "吉林市科学技术局2011年政府信息公开工作年度报告" in chinese.text
    assert 'lang="zh-CN"' in chinese.text
    assert "Accept-Language" in (english.header("Vary") or "")


def test_source_document_is_served_as_text(live_server: LiveServer) -> None:
    answer = fetch(live_server.url + report_path() + "/source", headers={"Accept": "text/plain"})
    assert answer.status == 200 and answer.media_type == "text/plain"
    assert answer.text == SEED_SOURCE.read_text(encoding="utf-8")


def minted_iris(live_server: LiveServer) -> set[str]:
    """Every IRI under the base that the store mentions, as a subject or an object."""
    store = live_server.app.extensions["publication"].store
    base = live_server.url
    iris: set[str] = set()
    for quad in store.quads_for_pattern(None, None, None):
        for term in (quad.subject, quad.predicate, quad.object, quad.graph_name):
            value = getattr(term, "value", "")
            if isinstance(value, str) and value.startswith(base + "/"):
                iris.add(value.split("#", 1)[0])
    return iris


def test_every_minted_iri_dereferences(live_server: LiveServer) -> None:
    iris = minted_iris(live_server)
    assert len(iris) > 50
    failures = []
    for iri in sorted(iris):
        for accept in ("text/turtle", "text/html"):
            answer = fetch(iri, headers={"Accept": accept})
            if answer.status != 200:
                failures.append(f"{answer.status} {accept} {iri}")
    assert not failures, "\n".join(failures)


# ---------------------------------------------------------------------------
# Paths no IRI can have, and paths that try to climb out of a release's sources (#15)
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        pytest.param("/id/agency/%00", id="nul"),
        pytest.param("/id/report/%20", id="space"),
        pytest.param("/def/%7B", id="brace"),
        pytest.param("/id/report/a%5Eb", id="caret"),
        pytest.param("/id/report/%", id="lone-percent"),
        pytest.param("/graph/%0A", id="newline"),
    ],
)
def test_a_path_no_iri_can_have_is_not_found_never_a_server_error(live_server: LiveServer, path: str) -> None:
    answer = fetch(live_server.url + path, headers={"Accept": "application/json"})
    assert answer.status == 404, answer.body[:300]
    assert json.loads(answer.body)["error"]["status"] == 404


@pytest.mark.parametrize(
    "path",
    [
        pytest.param("/id/report/%2E%2E/validation/source.txt", id="encoded-dots"),
        pytest.param("/id/report/../validation/source.txt", id="dots"),
        pytest.param("/id/report/jilin-city-science-technology-bureau/%2E%2E/source.txt", id="year-dots"),
        pytest.param("/id/report/%2E%2E/%2E%2E/source", id="text-by-accept"),
    ],
)
def test_a_source_path_cannot_climb_out_of_the_sources(live_server: LiveServer, path: str) -> None:
    answer = fetch(live_server.url + path, headers={"Accept": "text/plain"})
    assert answer.status == 404, answer.body[:300]
    assert str(live_server.settings.build_dir).encode() not in answer.body  # no path of the server's
    assert "符合要求".encode() not in answer.body  # nor the release's validation report
