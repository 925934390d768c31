"""A public endpoint that can't be abused: time limit, row cap, size cap, refusals, no 5xx.

One server for the module, built from the bundled data and served on loopback with
small limits (1.5 s, 5 rows, 2048 bytes) so that each limit can be reached quickly.
"""

from __future__ import annotations

import json
import os
import socket
import threading
import time
from collections.abc import Iterator
from urllib.parse import quote

import pyoxigraph
import pytest

from tests.helpers import BOTH_BACKENDS, Backend, LiveServer, start_live_server
from tests.http import Answer, fetch

pytestmark = BOTH_BACKENDS

TIMEOUT = 1.5
ROW_CAP = 5
MAX_QUERY_BYTES = 2048
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
# Virtuoso refuses RUNAWAY at once by its cost estimate (tested below); this one it runs, for 6.5 s on the seed
RUNAWAY_ON_VIRTUOSO = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f }"
JSON_RESULTS = "application/sparql-results+json"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, backend: Backend) -> Iterator[LiveServer]:
    live = start_live_server(
        tmp_path_factory.mktemp("abuse"),
        backend=backend,
        query_timeout=TIMEOUT,
        row_cap=ROW_CAP,
        max_query_bytes=MAX_QUERY_BYTES,
        query_workers=2,
    )
    yield live
    live.close()


def get(server: LiveServer, query: str, accept: str = JSON_RESULTS, extra: str = "") -> Answer:
    answer = fetch(f"{server.url}/sparql?query={quote(query)}{extra}", headers={"Accept": accept})
    assert_sane(answer)
    return answer


def post(server: LiveServer, body: bytes, content_type: str, accept: str = JSON_RESULTS) -> Answer:
    answer = fetch(f"{server.url}/sparql", "POST", {"Content-Type": content_type, "Accept": accept}, body)
    assert_sane(answer)
    return answer


def assert_sane(answer: Answer) -> None:
    """Every answer: CORS for everyone, and no 5xx but the deliberate 503 of a stopped query."""
    assert answer.header("Access-Control-Allow-Origin") == "*"
    if answer.status >= 500:
        assert answer.status == 503, answer.body
        assert "query_timeout" in error_message(answer), answer.body


def error_message(answer: Answer) -> str:
    error = json.loads(answer.body)["error"]
    assert error["status"] == answer.status
    message: str = error["message"]
    return message


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


# --- Time limit -------------------------------------------------------------------


def test_runaway_query_is_stopped_while_other_queries_are_answered(server: LiveServer) -> None:
    service = server.app.extensions["query_service"]
    assert get(server, "ASK {}").status == 200  # workers up
    before = set(service.worker_pids())
    assert len(before) == 2

    runaway: dict[str, object] = {}

    query = RUNAWAY_ON_VIRTUOSO if server.settings.store == "virtuoso" else RUNAWAY

    def run_away() -> None:
        started = time.monotonic()
        runaway["answer"] = get(server, query)
        runaway["seconds"] = time.monotonic() - started

    thread = threading.Thread(target=run_away)
    thread.start()
    time.sleep(0.3)
    started = time.monotonic()
    simple = get(server, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    simple_seconds = time.monotonic() - started
    assert thread.is_alive(), "the runaway query should still be running while the simple one is answered"
    assert simple.status == 200
    assert simple_seconds < 1.0
    assert int(json.loads(simple.body)["results"]["bindings"][0]["n"]["value"]) > 100

    thread.join(TIMEOUT + 5)
    answer = runaway["answer"]
    assert isinstance(answer, Answer)
    assert answer.status == 503
    message = error_message(answer)
    assert f"{TIMEOUT:g} s" in message and "query_timeout" in message
    assert isinstance(runaway["seconds"], float)
    assert runaway["seconds"] < TIMEOUT + 1.0, runaway["seconds"]

    # The worker that ran it was killed (really stopped) and replaced.
    after = set(service.worker_pids())
    assert len(after) == 2
    killed = before - after
    assert len(killed) == 1
    assert not alive(killed.pop())

    # And the endpoint still answers, on both workers at once.
    answers: list[Answer] = []
    threads = [threading.Thread(target=lambda: answers.append(get(server, "ASK { ?s ?p ?o }"))) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert [a.status for a in answers] == [200, 200]
    assert all(json.loads(a.body)["boolean"] is True for a in answers)


def test_a_query_the_store_refuses_as_too_long_is_a_503_naming_the_limit(server: LiveServer) -> None:
    """Virtuoso refuses a query whose estimated cost is too high before running it: the same 503 as a timeout."""
    if server.settings.store != "virtuoso":
        pytest.skip("only Virtuoso refuses queries by their estimated cost; the embedded store runs them to the limit")
    answer = get(server, RUNAWAY)
    assert answer.status == 503
    message = error_message(answer)
    assert "query_timeout" in message
    assert "estimates" in message  # refused by the store before it ran, not stopped by our time limit


# --- Refused before execution ----------------------------------------------------------


@pytest.fixture()
def listener() -> Iterator[socket.socket]:
    """A loopback socket no one should ever connect to."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    sock.settimeout(0.5)
    yield sock
    sock.close()


def test_service_and_load_never_connect_out(server: LiveServer, listener: socket.socket) -> None:
    target = f"http://127.0.0.1:{listener.getsockname()[1]}"
    attempts = [
        get(server, f"SELECT * WHERE {{ SERVICE <{target}/sparql> {{ ?s ?p ?o }} }}"),
        get(server, f"select * where {{ service silent # a comment\n <{target}/sparql> {{ ?s ?p ?o }} }}"),
        get(
            server,
            f"SELECT * WHERE {{ ?x ?y ?z . Service ?endpoint {{ ?s ?p ?o }} VALUES ?endpoint {{ <{target}> }} }}",
        ),
        get(server, f"SELECT * WHERE {{ \\u0053ERVICE <{target}/sparql> {{ ?s ?p ?o }} }}"),
        get(server, f"LOAD <{target}/data.ttl>"),
        fetch(f"{server.url}/sparql?update={quote(f'LOAD <{target}/data.ttl>')}"),
        post(server, f"LOAD <{target}/data.ttl> INTO GRAPH <urn:x>".encode(), "application/sparql-update"),
    ]
    for answer in attempts:
        assert answer.status == 403, answer.body
        message = error_message(answer)
        assert "SERVICE" in message or "LOAD" in message or "Update" in message, message
    time.sleep(0.3)
    with pytest.raises(TimeoutError):
        listener.accept()
    # The listener itself works: a connection would have been seen.
    with socket.create_connection(listener.getsockname(), timeout=1):
        connection, _ = listener.accept()
        connection.close()


@pytest.mark.parametrize(
    ("send", "payload"),
    [
        pytest.param("get", "INSERT DATA { <urn:a> <urn:b> <urn:c> }", id="insert-as-query"),
        pytest.param("get", "DELETE WHERE { ?s ?p ?o }", id="delete-as-query"),
        pytest.param("get", "PREFIX x: <urn:x#> CLEAR ALL", id="clear-as-query"),
        pytest.param("update-param", "INSERT DATA { <urn:a> <urn:b> <urn:c> }", id="update-parameter"),
        pytest.param("form", "update=INSERT+DATA+%7B+%3Curn%3Aa%3E+%3Curn%3Ab%3E+%3Curn%3Ac%3E+%7D", id="form-update"),
        pytest.param("direct-update", "INSERT DATA { <urn:a> <urn:b> <urn:c> }", id="sparql-update-body"),
        pytest.param("direct-update", "not even SPARQL", id="sparql-update-body-malformed"),
    ],
)
def test_updates_are_refused(server: LiveServer, send: str, payload: str) -> None:
    if send == "get":
        answer = get(server, payload)
    elif send == "update-param":
        answer = fetch(f"{server.url}/sparql?update={quote(payload)}")
    elif send == "form":
        answer = post(server, payload.encode(), "application/x-www-form-urlencoded")
    else:
        answer = post(server, payload.encode(), "application/sparql-update")
    assert_sane(answer)
    assert answer.status == 403
    assert "read-only" in error_message(answer)
    assert json.loads(get(server, "ASK { <urn:a> <urn:b> <urn:c> }").body)["boolean"] is False


@pytest.mark.parametrize(
    "query",
    [
        pytest.param("PREFIX b: <bif:> SELECT (b:sys_stat('st_dbms_name') AS ?x) WHERE { }", id="bif-prefix"),
        pytest.param("SELECT (<bif:sys_stat>('st_dbms_name') AS ?x) WHERE { }", id="bif-iri"),
        pytest.param("SELECT (<SQL:sys_stat>('st_dbms_name') AS ?x) WHERE { }", id="sql-iri"),
    ],
)
def test_a_stores_own_functions_are_refused(server: LiveServer, query: str) -> None:
    # Virtuoso runs bif: (and sql:) functions for anonymous readers (bif:sys_stat answered there); SPARQL has none
    answer = get(server, query)
    assert answer.status == 403
    assert "built-in functions" in error_message(answer)


def test_keywords_inside_strings_iris_and_comments_do_not_count(server: LiveServer) -> None:
    query = """PREFIX drop: <http://example.org/LOAD/>
# SERVICE <http://example.org/> { } ; INSERT DATA { }
SELECT ?insert ?text WHERE {
  BIND(drop:SERVICE AS ?insert)
  BIND('''DELETE WHERE { ?s ?p ?o } ; LOAD <x>''' AS ?text)
  FILTER(?insert != <http://example.org/INSERT#CLEAR>)
}"""
    answer = get(server, query)
    assert answer.status == 200, answer.body
    binding = json.loads(answer.body)["results"]["bindings"][0]
    assert binding["insert"]["value"] == "http://example.org/LOAD/SERVICE"
    assert binding["text"]["value"].startswith("DELETE WHERE")


# --- Size, encoding, syntax ----------------------------------------------------------


def padded(size: int) -> str:
    """An ASK query of exactly `size` UTF-8 bytes (padded with a comment)."""
    head = "ASK { ?s ?p ?o } #"
    return head + "x" * (size - len(head))


def test_query_size_cap(server: LiveServer) -> None:
    assert get(server, padded(MAX_QUERY_BYTES)).status == 200
    too_big = padded(MAX_QUERY_BYTES + 1)
    for answer in (
        get(server, too_big),
        post(server, too_big.encode(), "application/sparql-query"),
        post(server, b"query=" + quote(too_big).encode(), "application/x-www-form-urlencoded"),
    ):
        assert answer.status == 413, answer.body
        assert str(MAX_QUERY_BYTES) in error_message(answer)
    # Bytes, not characters: 700 Chinese characters are 2100 bytes in UTF-8.
    chinese = "ASK {} # " + "查" * 700
    assert len(chinese) < MAX_QUERY_BYTES < len(chinese.encode("utf-8"))
    assert get(server, chinese).status == 413


def test_non_utf8_query_is_400_with_the_decoder_message(server: LiveServer) -> None:
    body = 'ASK { ?s ?p "caf\xe9" }'.encode("latin-1")
    with pytest.raises(UnicodeDecodeError) as decoding:
        body.decode("utf-8")
    for answer in (
        post(server, body, "application/sparql-query"),
        post(server, b"query=" + quote(body).encode(), "application/x-www-form-urlencoded"),
        fetch(f"{server.url}/sparql?query={quote(body)}"),
    ):
        assert_sane(answer)
        assert answer.status == 400, answer.body
        assert str(decoding.value) in error_message(answer)
    utf16 = post(server, "ASK {}".encode("utf-16"), "application/sparql-query; charset=UTF-16")
    assert utf16.status == 400
    assert "UTF-8" in error_message(utf16)


@pytest.mark.parametrize(
    "query",
    [
        pytest.param("SELECT * WHERE {", id="unclosed"),
        pytest.param("SELEKT ?x WHERE { ?x ?p ?o }", id="misspelt"),
        pytest.param("SELECT ?x WHERE { ?x ex:p ?o }", id="undeclared-prefix"),
        pytest.param("", id="empty"),
    ],
)
def test_malformed_query_is_400_with_the_parser_message(server: LiveServer, query: str) -> None:
    with pytest.raises(SyntaxError) as parsing:
        pyoxigraph.Store().query(query)
    answer = get(server, query)
    assert answer.status == 400
    assert str(parsing.value) in error_message(answer)


# --- Row cap -------------------------------------------------------------------------


def values_query(count: int) -> str:
    return "SELECT ?n WHERE { VALUES ?n { " + " ".join(str(i) for i in range(count)) + " } }"


@pytest.mark.parametrize(
    ("count", "rows", "truncated"),
    [
        pytest.param(ROW_CAP - 1, ROW_CAP - 1, False, id="under"),
        pytest.param(ROW_CAP, ROW_CAP, False, id="exactly-the-cap"),
        pytest.param(ROW_CAP + 1, ROW_CAP, True, id="one-over"),
    ],
)
def test_row_cap_in_headers_and_json(server: LiveServer, count: int, rows: int, truncated: bool) -> None:
    answer = get(server, values_query(count))
    assert answer.status == 200
    document = json.loads(answer.body)
    assert [int(b["n"]["value"]) for b in document["results"]["bindings"]] == list(range(rows))
    assert document["truncated"] is truncated
    assert answer.header("X-Result-Truncated") == ("true" if truncated else "false")
    assert answer.header("X-Result-Rows") == str(rows)


def test_row_cap_in_every_view(server: LiveServer) -> None:
    query = "SELECT ?s ?p ?o WHERE { ?s ?p ?o }"
    csv_answer = get(server, query, "text/csv")
    assert csv_answer.header("X-Result-Truncated") == "true"
    assert len(csv_answer.body.decode().split("\r\n")) == 1 + ROW_CAP + 1  # header, rows, final CRLF
    html = get(server, query, "text/html")
    assert html.media_type == "text/html"
    assert 'id="truncated"' in html.text and "截断" in html.text and "Truncated" in html.text
    assert html.text.count("<tr>") == 1 + ROW_CAP
    construct = get(server, "CONSTRUCT WHERE { ?s ?p ?o }", "application/n-triples")
    assert construct.header("X-Result-Truncated") == "true"
    assert construct.header("X-Result-Rows") == str(ROW_CAP)
    assert len(construct.body.decode().strip().splitlines()) == ROW_CAP


# --- Nothing answers 5xx -------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "method", "headers", "body", "status"),
    [
        pytest.param("/sparql?query=", "GET", {}, None, 400, id="empty-query-param"),
        pytest.param("/sparql?query=ASK%7B%7D&format=bogus", "GET", {}, None, 406, id="unknown-format"),
        pytest.param("/sparql?query=ASK%7B%7D&default-graph-uri=not%20an%20iri", "GET", {}, None, 400, id="bad-iri"),
        pytest.param("/sparql", "POST", {}, b"", 415, id="post-without-type"),
        pytest.param(
            "/sparql?query=ASK%7B%7D",
            "POST",
            {"Content-Type": "application/sparql-query"},
            b"ASK {}",
            400,
            id="query-twice",
        ),
        pytest.param("/sparql", "PATCH", {}, b"ASK {}", 405, id="patch"),
        pytest.param("/sparql?query=ASK%7B%7D", "HEAD", {}, None, 200, id="head"),
        pytest.param("/sparql?query=" + quote('ASK { FILTER("年度" = "年度") }'), "GET", {}, None, 200, id="unicode"),
    ],
)
def test_odd_requests_get_4xx_not_5xx(
    server: LiveServer, path: str, method: str, headers: dict[str, str], body: bytes | None, status: int
) -> None:
    answer = fetch(server.url + path, method, headers, body)
    assert_sane(answer)
    assert answer.status == status, answer.body
    if status >= 400 and method != "HEAD":
        assert error_message(answer)
