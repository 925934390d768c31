"""Queries never take the threads pages need: a bounded number in flight, a rate limit per client, workers up early.

One build of the bundled data, served on loopback by servers with different settings:
`crowded` lets 8 - 4 = 4 queries in at once (threads 8, reserved_threads 4) on one
query worker with a 6 s time limit, so that runaway queries fill every place for a
while; `limited` lets a client send 5 queries a minute. Statuses and headers are
asserted, never durations: "while they are in flight" is shown by the runaway
queries' answers not having arrived yet.
"""

from __future__ import annotations

import http.client
import json
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest

from publisher.build.builder import build
from publisher.errors import ConfigurationError
from publisher.settings import Settings, load_settings
from publisher.web import create_app
from tests.helpers import BASE, DATA, LiveServer, free_port
from tests.http import Answer, fetch

JSON_RESULTS = "application/sparql-results+json"
#: Queries that may be inside the query service at once: threads (8, the default) less reserved_threads (4).
CAPACITY = 4
QUERY_TIMEOUT = 6
RATE = 5
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
REPORT = "/id/report/jilin-city-science-technology-bureau/2011"


def settings_for(build_dir: Path, **overrides: object) -> Settings:
    """Settings of a server on a port of its own, for the one build (whose IRIs are under BASE)."""
    values = {"base_iri": BASE, "data_dir": DATA, "build_dir": build_dir, "port": free_port()}
    return load_settings({**values, **overrides}, environ={})


@pytest.fixture(scope="module")
def build_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("admission")
    build(settings_for(folder))
    return folder


@pytest.fixture(scope="module")
def crowded(build_dir: Path) -> Iterator[LiveServer]:
    server = LiveServer(
        settings_for(
            build_dir,
            threads=8,
            reserved_threads=8 - CAPACITY,
            query_workers=1,
            query_timeout=QUERY_TIMEOUT,
            query_rate_limit="",
        )
    )
    yield server
    server.close()


@pytest.fixture(scope="module")
def limited(build_dir: Path) -> Iterator[LiveServer]:
    server = LiveServer(settings_for(build_dir, query_rate_limit=f"{RATE} per minute"))
    yield server
    server.close()


def sparql(server: LiveServer, query: str, headers: dict[str, str] | None = None) -> Answer:
    return fetch(f"{server.url}/sparql?query={quote(query)}", headers={"Accept": JSON_RESULTS, **(headers or {})})


def from_address(address: str, server: LiveServer, path: str) -> Answer:
    """GET `path` from another loopback address: another client."""
    connection = http.client.HTTPConnection(
        "127.0.0.1", int(server.settings.port), timeout=30, source_address=(address, 0)
    )
    try:
        connection.request("GET", path, headers={"Accept": JSON_RESULTS})
        response = connection.getresponse()
        return Answer(response.status, response.headers, response.read())
    finally:
        connection.close()


def error_message(answer: Answer) -> str:
    message: str = json.loads(answer.body)["error"]["message"]
    return message


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def wait_for(condition: object, bound: float = 60.0) -> None:
    """Wait until `condition()` holds; fail after a generous `bound` seconds rather than hang."""
    deadline = time.monotonic() + bound
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, "gave up waiting"
        time.sleep(0.05)


# --- Admission: a full query queue is refused at once, pages keep their threads -------------------------


def test_pages_are_answered_while_runaway_queries_fill_every_place(crowded: LiveServer) -> None:
    service = crowded.app.extensions["query_service"]
    assert service.wait_ready(60)
    answers: list[Answer] = []
    senders = [threading.Thread(target=lambda: answers.append(sparql(crowded, RUNAWAY))) for _ in range(2 * CAPACITY)]
    for sender in senders:
        sender.start()
    wait_for(lambda: len(answers) >= CAPACITY)  # the ones past the capacity are answered at once
    refused = list(answers)
    assert [a.status for a in refused] == [503] * CAPACITY
    for answer in refused:
        assert answer.header("Retry-After") == str(QUERY_TIMEOUT)
        message = error_message(answer)
        assert "reserved_threads" in message and "查询未执行" in message, message
    assert service.inside == CAPACITY

    # While the runaways fill every place: pages, an uncached report page and the health check answer 200.
    assert fetch(f"{crowded.url}/healthz").status == 200
    page = fetch(f"{crowded.url}{REPORT}", headers={"Accept": "text/html"})
    assert page.status == 200 and page.media_type == "text/html"
    assert fetch(f"{crowded.url}/queries", headers={"Accept": "text/html"}).status == 200
    # One query more, by /sparql or as a named query, is refused at once with Retry-After.
    extra = sparql(crowded, "ASK { ?s ?p ?o }")
    named = fetch(f"{crowded.url}/queries/agencies?format=csv")  # not asked elsewhere: no cached answer
    for answer in (extra, named):
        assert answer.status == 503, answer.body
        assert answer.header("Retry-After") == str(QUERY_TIMEOUT)
        assert answer.header("Access-Control-Allow-Origin") == "*"
    assert len(answers) == CAPACITY, "a runaway was answered before the pages: they waited for it"

    for sender in senders:
        sender.join(60)
    assert [a.status for a in answers] == [503] * (2 * CAPACITY)  # each runaway stopped or never run
    assert service.inside == 0
    assert sparql(crowded, "ASK { ?s ?p ?o }").status == 200  # and queries are answered again


# --- A rate limit per client -----------------------------------------------------------------------


def test_a_client_past_the_rate_limit_gets_429_and_others_do_not(limited: LiveServer) -> None:
    # Each query differs: a repeated one would be answered from the response cache, which counts nothing.
    for n in range(RATE - 1):
        assert sparql(limited, f"ASK {{ FILTER({n} = {n}) }}").status == 200
    assert fetch(f"{limited.url}/queries/agencies?format=json").status == 200  # named queries count too
    over = sparql(limited, "ASK { FILTER(-1 = -1) }")
    assert over.status == 429
    retry = over.header("Retry-After")
    # the limit's window is a minute counted from a whole second (limits' windows): its end is at most 61 s away
    assert retry is not None and 1 <= int(retry) <= 61
    message = error_message(over)
    assert "query_rate_limit" in message and "查询过多" in message, message
    assert fetch(f"{limited.url}/queries/reports?format=json").status == 429
    # Pages are not counted; another client has its own count.
    assert fetch(f"{limited.url}/healthz").status == 200
    assert fetch(f"{limited.url}{REPORT}", headers={"Accept": "text/turtle"}).status == 200
    other = from_address("127.0.0.2", limited, f"/sparql?query={quote('ASK { FILTER(-2 = -2) }')}")
    assert other.status == 200, other.body


def test_no_rate_limit_when_the_setting_is_empty(crowded: LiveServer) -> None:
    assert crowded.settings.query_rate_limit == ""
    statuses = [sparql(crowded, f"ASK {{ FILTER({n} = {n}) }}").status for n in range(RATE + 2)]
    assert statuses == [200] * (RATE + 2)


def test_a_malformed_rate_limit_is_a_configuration_error(build_dir: Path) -> None:
    with pytest.raises(ConfigurationError, match="query_rate_limit"):
        create_app(settings_for(build_dir, query_rate_limit="often"))


# --- Workers start with the app, not with the first query ---------------------------------------------


def test_query_workers_start_before_the_first_query(build_dir: Path) -> None:
    app = create_app(settings_for(build_dir, query_workers=2))
    service = app.extensions["query_service"]
    try:
        started = service.worker_pids()  # before any request
        assert len(started) == 2
        assert all(alive(pid) for pid in started)
        assert service.wait_ready(60)  # ready without a query having been sent
        answer = app.test_client().get(f"/sparql?query={quote('ASK { ?s ?p ?o }')}", headers={"Accept": JSON_RESULTS})
        assert answer.status_code == 200 and answer.json is not None and answer.json["boolean"] is True
        assert service.worker_pids() == started  # answered by the workers started with the app
    finally:
        service.close()
