"""The W3C SPARQL 1.1 Protocol test manifest, replayed over real HTTP against /sparql.

The runner reads the manifest itself (rdflib): it walks mf:entries, loads every
ut:graphData into a store of its own (graph IRI = rdfs:label, content = the .nt file)
published in a build_dir/current release, serves it with the real app under waitress,
and replays each ht:Request as written — method, path (with /sparql/ replaced by our
endpoint path), headers, body in its declared character encoding — checking
mf:expectedStatus, mf:expectedFormat and mf:expectedBoolean.

This endpoint is read-only, so the update tests are checked the other way round:
each update request must be answered with 4xx (never 5xx), and a query that the test
uses to see the update's effect must find that nothing changed (its boolean is false).

After the manifest: the service description and content negotiation of /sparql.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit
from urllib.request import url2pathname

import pyoxigraph
import pytest
from rdflib import RDF, RDFS, Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.query import Result
from rdflib.term import Node

from publisher.release.paths import MANIFEST as MANIFEST_FILE
from publisher.release.paths import RELEASES, STORE
from publisher.settings import Settings, load_settings
from publisher.sparql.answers import Term
from publisher.sparql.service import QueryService
from publisher.store.publishing import Release
from tests.helpers import BOTH_BACKENDS, DATA, SHARED, Backend, LiveServer, free_port
from tests.http import Answer, fetch

pytestmark = BOTH_BACKENDS

MANIFEST = SHARED / "conformance" / "sparql11-protocol" / "manifest.ttl"
EXPECTED_ENTRIES = 34

MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = Namespace("http://www.w3.org/2011/http#")
HTS = Namespace("http://www.w3.org/2011/http-statusCodes#")
CNT = Namespace("http://www.w3.org/2011/content#")
UT = Namespace("http://www.w3.org/2009/sparql/tests/test-update#")
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
FORMATS = Namespace("http://www.w3.org/ns/formats/")

ENDPOINT_PATH = "/sparql"
XSD_INTEGER = "http://www.w3.org/2001/XMLSchema#integer"
RESULTS_MEDIA_TYPES = {
    "application/sparql-results+json": "json",
    "application/sparql-results+xml": "xml",
    "text/csv": "csv",
    "text/tab-separated-values": "tsv",
}
BOOLEAN_MEDIA_TYPES = {"application/sparql-results+json", "application/sparql-results+xml"}
RDF_MEDIA_TYPES = {
    "text/turtle": "turtle",
    "application/rdf+xml": "xml",
    "application/n-triples": "nt",
    "application/ld+json": "json-ld",
}


@dataclass
class ProtocolRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes | None
    expected_status_classes: set[int]
    expected_format: str | None
    expected_boolean: bool | None

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";", 1)[0].strip().lower()

    @property
    def is_update(self) -> bool:
        """A SPARQL Update operation: a sparql-update body, or an update= parameter in the URL or form."""
        url_params = parse_qs(urlsplit(self.path).query)
        form_params = (
            parse_qs(self.body.decode("utf-8"))
            if self.body and self.content_type == "application/x-www-form-urlencoded"
            else {}
        )
        return self.content_type == "application/sparql-update" or "update" in url_params or "update" in form_params


@dataclass
class Entry:
    name: str
    title: str
    graph_data: dict[str, Path] = field(default_factory=dict)
    requests: list[ProtocolRequest] = field(default_factory=list)


def read_manifest() -> tuple[Graph, list[Entry]]:
    graph = Graph()
    graph.parse(MANIFEST, format="turtle")
    manifest = graph.value(predicate=RDF.type, object=MF.Manifest)
    assert manifest is not None, f"{MANIFEST} has no mf:Manifest"
    entries = []
    entry_list = graph.value(manifest, MF.entries)
    assert entry_list is not None, "the manifest has no mf:entries"
    for node in Collection(graph, entry_list):
        assert isinstance(node, URIRef)
        entry = Entry(node.split("#", 1)[1], str(graph.value(node, MF.name)))
        for data in graph.objects(node, UT.graphData):
            location = graph.value(data, UT.graph)
            entry.graph_data[str(graph.value(data, RDFS.label))] = Path(url2pathname(urlsplit(str(location)).path))
        requests = graph.value(graph.value(node, MF.action), HT.requests)
        assert requests is not None, f"{node} has no ht:requests"
        entry.requests = [read_request(graph, r) for r in Collection(graph, requests)]
        entries.append(entry)
    return graph, entries


def read_request(graph: Graph, node: Node) -> ProtocolRequest:
    headers = {}
    header_list = graph.value(node, HT.headers)
    if header_list is not None:
        for header in Collection(graph, header_list):
            headers[str(graph.value(header, HT.fieldName)).lower()] = str(graph.value(header, HT.fieldValue))
    body = None
    body_node = graph.value(node, HT.body)
    if body_node is not None:
        encoding = str(graph.value(body_node, CNT.characterEncoding) or "UTF-8")
        body = str(graph.value(body_node, CNT.chars)).encode(encoding)
    response = graph.value(node, HT.resp)
    classes = {int(str(code).rsplit("StatusCode", 1)[1][0]) for code in graph.objects(response, MF.expectedStatus)}
    expected_format = graph.value(response, MF.expectedFormat)
    expected_boolean = graph.value(response, MF.expectedBoolean)
    path = str(graph.value(node, HT.absolutePath))
    assert path.startswith("/sparql/"), path
    return ProtocolRequest(
        method=str(graph.value(node, HT.methodName)),
        path=ENDPOINT_PATH + path[len("/sparql/") :],
        headers=headers,
        body=body,
        expected_status_classes=classes,
        expected_format=str(expected_format) if expected_format is not None else None,
        expected_boolean=expected_boolean.toPython() if isinstance(expected_boolean, Literal) else None,
    )


MANIFEST_GRAPH, ENTRIES = read_manifest()


def test_the_walk_finds_every_entry() -> None:
    """A broken walk (or a filter left behind) must fail: 34 entries, each a typed test with requests."""
    assert len(ENTRIES) == EXPECTED_ENTRIES
    assert len({e.name for e in ENTRIES}) == EXPECTED_ENTRIES
    typed = {str(s).split("#", 1)[1] for s in MANIFEST_GRAPH.subjects(RDF.type, MF.ProtocolTest)}
    assert typed == {e.name for e in ENTRIES}
    assert all(entry.requests for entry in ENTRIES)
    assert sum(len(entry.requests) for entry in ENTRIES) == 39  # 5 update tests check their effect with a query
    assert sum(1 for entry in ENTRIES for r in entry.requests if r.is_update) == 12


def publish(settings: Settings, release_id: str, graphs: dict[str, Path]) -> None:
    """Publish `graphs` (graph IRI → N-Triples file) as a release in build_dir, as a build would."""
    build_dir = Path(settings.build_dir)
    folder = build_dir / RELEASES / release_id
    folder.mkdir(parents=True)
    store = pyoxigraph.Store(str(folder / STORE))
    for label, path in sorted(graphs.items()):
        data = Graph().parse(path, format="nt").serialize(format="nt", encoding="utf-8")
        store.bulk_load(data, format=pyoxigraph.RdfFormat.N_TRIPLES, to_graph=pyoxigraph.NamedNode(label))
    (folder / MANIFEST_FILE).write_text(json.dumps({"inputs": release_id, "reports": []}), encoding="utf-8")
    Release(build_dir, folder, store).publish(settings)


def settings_for(build_dir: Path, backend: Backend) -> Settings:
    port = free_port()
    overrides = {"base_iri": f"http://127.0.0.1:{port}", "data_dir": DATA, "build_dir": build_dir, "port": port}
    return load_settings({**overrides, **backend.overrides()}, environ={})


def manifest_graphs() -> dict[str, Path]:
    graphs: dict[str, Path] = {}
    for entry in ENTRIES:
        graphs.update(entry.graph_data)
    assert len(graphs) == 3, graphs
    return graphs


@pytest.fixture(scope="module")
def protocol_server(tmp_path_factory: pytest.TempPathFactory, backend: Backend) -> Iterator[LiveServer]:
    """The manifest's graph data as a published release (into `backend`), served by the real app on loopback."""
    settings = settings_for(tmp_path_factory.mktemp("protocol-build"), backend)
    publish(settings, "sparql11-protocol", manifest_graphs())
    server = LiveServer(settings)
    yield server
    server.close()


def parse_results(answer: Answer) -> Result:
    assert answer.media_type in RESULTS_MEDIA_TYPES, f"not a SPARQL results type: {answer.media_type}"
    return Result.parse(io.BytesIO(answer.body), content_type=answer.media_type)


def check(request: ProtocolRequest, answer: Answer, update_refused: bool) -> None:
    where = f"{request.method} {request.path} → {answer.status} {answer.body[:300]!r}"
    assert answer.status < 500, where
    assert answer.header("Access-Control-Allow-Origin") == "*", where
    if request.is_update:
        assert 400 <= answer.status < 500, f"an update must be refused with 4xx: {where}"
        assert json.loads(answer.body)["error"]["message"], where
        return
    assert answer.status // 100 in request.expected_status_classes, where
    if request.expected_format == "boolean" or request.expected_boolean is not None:
        assert answer.media_type in BOOLEAN_MEDIA_TYPES, where
        result = parse_results(answer)
        assert result.type == "ASK", where
        if request.expected_boolean is not None:
            # After a refused update nothing has changed, so a query probing its effect finds nothing.
            expected = False if update_refused else request.expected_boolean
            assert result.askAnswer is expected, where
    elif request.expected_format == "tabular":
        result = parse_results(answer)
        assert result.type == "SELECT", where
        assert [str(v) for v in result.vars or []] == ["value"], where
        assert [row[0].toPython() for row in result] == [1], where  # type: ignore[index, union-attr]
    elif request.expected_format == "RDF":
        assert answer.media_type in RDF_MEDIA_TYPES, where
        Graph().parse(data=answer.body, format=RDF_MEDIA_TYPES[answer.media_type])


@pytest.mark.parametrize("entry", [pytest.param(e, id=e.name) for e in ENTRIES])
def test_protocol_manifest_entry(protocol_server: LiveServer, entry: Entry) -> None:
    assert entry.requests, f"{entry.name}: the manifest entry has no request"
    update_refused = False
    for request in entry.requests:
        answer = fetch(protocol_server.url + request.path, request.method, request.headers, request.body)
        check(request, answer, update_refused)
        update_refused = update_refused or request.is_update


# --- Beyond the manifest: service description, formats, methods ---------------------


def sparql_get(server: LiveServer, query: str, accept: str | None = None, extra: str = "") -> Answer:
    headers = {"Accept": accept} if accept else {}
    return fetch(f"{server.url}{ENDPOINT_PATH}?query={quote(query)}{extra}", headers=headers)


def test_service_description_is_turtle_by_default(protocol_server: LiveServer) -> None:
    answer = fetch(protocol_server.url + ENDPOINT_PATH)
    assert answer.status == 200
    assert answer.media_type == "text/turtle"
    graph = Graph().parse(data=answer.body, format="turtle")
    service = graph.value(predicate=RDF.type, object=SD.Service)
    assert service is not None
    assert graph.value(service, SD.endpoint) == URIRef(protocol_server.url + ENDPOINT_PATH)
    assert (service, SD.supportedLanguage, SD.SPARQL11Query) in graph
    assert (service, SD.feature, SD.UnionDefaultGraph) in graph
    formats = set(graph.objects(service, SD.resultFormat))
    assert {FORMATS.SPARQL_Results_JSON, FORMATS.SPARQL_Results_XML, FORMATS.SPARQL_Results_CSV} <= formats
    assert {FORMATS.SPARQL_Results_TSV, FORMATS.Turtle, FORMATS["JSON-LD"], FORMATS["N-Triples"]} <= formats
    assert FORMATS.RDF_XML in formats
    dataset = graph.value(service, SD.defaultDataset)
    default_graph = graph.value(dataset, SD.defaultGraph)
    assert any("union of all" in str(c) for c in graph.objects(default_graph, RDFS.comment))
    names = {str(graph.value(g, SD.name)) for g in graph.objects(dataset, SD.namedGraph)}
    assert names == {f"http://kasei.us/2009/09/sparql/data/data{i}.rdf" for i in (1, 2, 3)}


@pytest.mark.parametrize(
    ("accept", "rdflib_format"),
    [
        pytest.param("application/ld+json", "json-ld", id="jsonld"),
        pytest.param("application/n-triples", "nt", id="ntriples"),
        pytest.param("application/rdf+xml", "xml", id="rdfxml"),
    ],
)
def test_service_description_by_conneg(protocol_server: LiveServer, accept: str, rdflib_format: str) -> None:
    answer = fetch(protocol_server.url + ENDPOINT_PATH, headers={"Accept": accept})
    assert answer.status == 200
    assert answer.media_type == accept
    graph = Graph().parse(data=answer.body, format=rdflib_format)
    assert graph.value(predicate=RDF.type, object=SD.Service) is not None


def test_browsers_get_a_bilingual_query_form(protocol_server: LiveServer) -> None:
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    answer = fetch(protocol_server.url + ENDPOINT_PATH, headers={"Accept": browser})
    assert answer.status == 200
    assert answer.media_type == "text/html"
    assert "<textarea" in answer.text and 'name="query"' in answer.text
    assert "查询" in answer.text and "Query" in answer.text
    assert "运行" in answer.text and "Run" in answer.text


@pytest.mark.parametrize(
    ("accept", "media_type"),
    [
        pytest.param(None, "application/sparql-results+json", id="no-accept"),
        pytest.param("*/*", "application/sparql-results+json", id="any"),
        pytest.param("application/sparql-results+xml", "application/sparql-results+xml", id="xml"),
        pytest.param("text/csv", "text/csv", id="csv"),
        pytest.param("text/tab-separated-values", "text/tab-separated-values", id="tsv"),
        pytest.param("text/csv;q=0.5, application/sparql-results+xml;q=0.9", "application/sparql-results+xml", id="q"),
        pytest.param("text/csv, text/tab-separated-values;q=0.1", "text/csv", id="q-csv-first"),
        pytest.param("application/json", "application/sparql-results+json", id="plain-json"),
    ],
)
def test_select_results_by_accept(protocol_server: LiveServer, accept: str | None, media_type: str) -> None:
    # GRAPH ?g { ?s ?p ?o } rather than { }: Virtuoso 7.2 answers `GRAPH ?g { }` with one unbound row
    query = "SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g"
    answer = sparql_get(protocol_server, query, accept)
    assert answer.status == 200
    assert answer.media_type == media_type
    assert "Accept" in (answer.header("Vary") or "")
    result = parse_results(answer)
    assert [str(row[0]) for row in result] == [  # type: ignore[index]
        f"http://kasei.us/2009/09/sparql/data/data{i}.rdf" for i in (1, 2, 3)
    ]
    assert answer.header("X-Result-Rows") == "3"
    assert answer.header("X-Result-Truncated") == "false"


@pytest.mark.parametrize(
    ("value", "media_type"),
    [
        pytest.param("csv", "text/csv", id="csv"),
        pytest.param("tsv", "text/tab-separated-values", id="tsv"),
        pytest.param("xml", "application/sparql-results+xml", id="xml"),
        pytest.param("application/sparql-results+json", "application/sparql-results+json", id="media-type"),
    ],
)
def test_format_parameter_overrides_accept(protocol_server: LiveServer, value: str, media_type: str) -> None:
    answer = sparql_get(
        protocol_server, "SELECT (1 AS ?one) {}", "application/sparql-results+json;q=1", f"&format={quote(value)}"
    )
    assert answer.status == 200
    assert answer.media_type == media_type


def test_csv_and_tsv_follow_the_w3c_formats(protocol_server: LiveServer) -> None:
    query = (
        "SELECT ?s ?text ?n ?none WHERE { "
        'VALUES (?s ?text ?n) { (<http://ex.org/a> "say \\"hi\\", then\\tgo"@en 42) } }'
    )
    csv_answer = sparql_get(protocol_server, query, "text/csv")
    assert csv_answer.body == b's,text,n,none\r\nhttp://ex.org/a,"say ""hi"", then\tgo",42,\r\n'
    tsv_answer = sparql_get(protocol_server, query, "text/tab-separated-values")
    assert tsv_answer.body == b'?s\t?text\t?n\t?none\n<http://ex.org/a>\t"say \\"hi\\", then\\tgo"@en\t42\t\n'


@pytest.mark.parametrize(
    ("accept", "rdflib_format"),
    [
        pytest.param("text/turtle", "turtle", id="turtle"),
        pytest.param("application/ld+json", "json-ld", id="jsonld"),
        pytest.param("application/n-triples", "nt", id="ntriples"),
        pytest.param("application/rdf+xml", "xml", id="rdfxml"),
    ],
)
def test_construct_in_every_rdf_format(protocol_server: LiveServer, accept: str, rdflib_format: str) -> None:
    query = "CONSTRUCT { ?doc a ?type } WHERE { GRAPH ?g { ?doc a ?type } }"
    answer = sparql_get(protocol_server, query, accept)
    assert answer.status == 200
    assert answer.media_type == accept
    graph = Graph().parse(data=answer.body, format=rdflib_format)
    foaf_document = URIRef("http://xmlns.com/foaf/0.1/Document")
    assert set(graph.subjects(RDF.type, foaf_document)) == {
        URIRef(f"http://kasei.us/2009/09/sparql/data/data{i}.rdf") for i in (1, 2, 3)
    }


def test_unacceptable_format_is_406(protocol_server: LiveServer) -> None:
    answer = sparql_get(protocol_server, "ASK {}", "image/png")
    assert answer.status == 406
    assert answer.header("Access-Control-Allow-Origin") == "*"
    assert "application/sparql-results+json" in json.loads(answer.body)["error"]["message"]


def test_other_methods_get_405_with_allow(protocol_server: LiveServer) -> None:
    answer = fetch(protocol_server.url + ENDPOINT_PATH, method="DELETE")
    assert answer.status == 405
    assert answer.header("Access-Control-Allow-Origin") == "*"
    allowed = {m.strip() for m in (answer.header("Allow") or "").split(",")}
    assert {"GET", "POST", "OPTIONS"} <= allowed


def test_cors_preflight(protocol_server: LiveServer) -> None:
    answer = fetch(
        protocol_server.url + ENDPOINT_PATH,
        method="OPTIONS",
        headers={"Origin": "https://example.org", "Access-Control-Request-Method": "POST"},
    )
    assert answer.status == 204
    assert answer.header("Access-Control-Allow-Origin") == "*"
    assert "POST" in (answer.header("Access-Control-Allow-Methods") or "")
    assert "Content-Type" in (answer.header("Access-Control-Allow-Headers") or "")


DATA3 = "http://kasei.us/2009/09/sparql/data/data3.rdf"
DATA1 = "http://kasei.us/2009/09/sparql/data/data1.rdf"


@pytest.mark.parametrize(
    ("query", "dataset", "expected"),
    [
        pytest.param(f"ASK {{ <{DATA3}> a ?type }}", "", True, id="union-default-graph"),
        pytest.param(
            f"ASK {{ <{DATA3}> a ?type }}", f"&default-graph-uri={quote(DATA1)}", False, id="default-graph-uri"
        ),
        pytest.param(
            f"ASK {{ <{DATA1}> a ?type }}", f"&default-graph-uri={quote(DATA1)}", True, id="default-graph-uri-own"
        ),
        pytest.param(
            f"ASK {{ <{DATA1}> a ?type }}", f"&named-graph-uri={quote(DATA1)}", False, id="named-only-empty-default"
        ),
        pytest.param(
            f"ASK {{ GRAPH ?g {{ <{DATA3}> a ?type }} }}",
            f"&named-graph-uri={quote(DATA1)}",
            False,
            id="named-graph-uri",
        ),
        pytest.param(f"ASK FROM <{DATA1}> {{ <{DATA3}> a ?type }}", "", False, id="from-in-query"),
    ],
)
def test_protocol_dataset_replaces_the_union(
    protocol_server: LiveServer, query: str, dataset: str, expected: bool
) -> None:
    """The manifest's dataset tests also pass on the union default graph; these tell them apart."""
    answer = sparql_get(protocol_server, query, "application/sparql-results+json", dataset)
    assert answer.status == 200, answer.body
    assert json.loads(answer.body)["boolean"] is expected


def test_describe_returns_the_resource(protocol_server: LiveServer) -> None:
    answer = sparql_get(protocol_server, f"DESCRIBE <{DATA1}>", "application/n-triples")
    graph = Graph().parse(data=answer.body, format="nt")
    assert (URIRef(DATA1), RDF.type, URIRef("http://xmlns.com/foaf/0.1/Document")) in graph


def test_relative_iris_resolve_against_the_endpoint(protocol_server: LiveServer) -> None:
    answer = sparql_get(protocol_server, "SELECT ?x WHERE { BIND(<thing> AS ?x) }", "application/sparql-results+json")
    value = json.loads(answer.body)["results"]["bindings"][0]["x"]["value"]
    assert value == protocol_server.url + "/thing"


def test_a_new_release_is_served_without_restart(tmp_path: Path, backend: Backend) -> None:
    """Workers reopen the store when build_dir/current is switched to a new release."""
    graphs = manifest_graphs()
    first = dict(sorted(graphs.items())[:1])
    settings = settings_for(tmp_path, backend)
    publish(settings, "first", first)
    server = LiveServer(settings)
    try:
        count = "SELECT (COUNT(DISTINCT ?g) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"

        def graphs_served() -> int:
            answer = sparql_get(server, count, "application/sparql-results+json")
            return int(json.loads(answer.body)["results"]["bindings"][0]["n"]["value"])

        assert graphs_served() == 1
        assert graphs_served() == 1  # both workers have the first release open
        publish(settings, "second", graphs)
        assert [graphs_served() for _ in range(4)] == [3, 3, 3, 3]
    finally:
        server.close()


def test_query_service_bindings_are_substituted(protocol_server: LiveServer) -> None:
    """`run(bindings=...)`, as named queries call it: Terms or pyoxigraph terms, by variable name."""
    service: QueryService = protocol_server.app.extensions["query_service"]
    ask = "ASK { GRAPH ?g { ?doc a ?type } }"
    assert service.run(ask, bindings={"doc": Term.iri(DATA1)}).boolean is True
    assert service.run(ask, bindings={"doc": pyoxigraph.NamedNode("http://example.org/none")}).boolean is False
    answer = service.run(
        "SELECT ?label ?plain WHERE { BIND(STR(?label) AS ?plain) }", bindings={"label": Term.literal("年", lang="zh")}
    )
    assert answer.variables == ("label", "plain")
    assert answer.rows == ((Term("literal", "年", lang="zh"), Term("literal", "年")),)
    number = service.run("SELECT ?n WHERE {}", bindings={"n": Term.literal("658", XSD_INTEGER)})
    assert list(number.records()) == [{"n": Term("literal", "658", datatype=XSD_INTEGER)}]
