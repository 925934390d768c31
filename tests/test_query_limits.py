"""What a query may not be, checked by our own scanner before the engine sees it: too deep, too many VALUES, too big.

Nesting 10,000 braces (or 5,000 OPTIONALs) deep overflows the engine parser's stack and
ends the worker process; such a query is answered 400 naming max_query_depth, and the
workers are the same before and after. The limits are the defaults of the settings
table (64 levels, 10,000 VALUES terms, 65,536 bytes), typed here. The command line
refuses a SPARQL Update saying what to do instead.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from click.testing import CliRunner

from publisher.cli import main
from tests.helpers import LiveServer, start_live_server
from tests.http import Answer, fetch

JSON_RESULTS = "application/sparql-results+json"
MAX_DEPTH = 64
MAX_VALUES = 10000
MAX_QUERY_BYTES = 65536
SPARQL_QUERY = "application/sparql-query"


def post(server: LiveServer, body: bytes, content_type: str = SPARQL_QUERY) -> Answer:
    return fetch(f"{server.url}/sparql", "POST", {"Content-Type": content_type, "Accept": JSON_RESULTS}, body)


def error_message(answer: Answer) -> str:
    message: str = json.loads(answer.body)["error"]["message"]
    return message


def nested_braces(depth: int) -> str:
    return "ASK " + "{" * depth + " ?s ?p ?o " + "}" * depth


def nested_optionals(depth: int) -> str:
    return "ASK { ?s ?p ?o " + "OPTIONAL{" * (depth - 1) + "?s ?p ?o" + "}" * depth


def values_query(count: int) -> str:
    return "SELECT ?n WHERE { VALUES ?n { " + " ".join(str(i) for i in range(count)) + " } }"


@pytest.mark.parametrize(
    ("query", "depth"),
    [
        pytest.param(nested_braces(10_000), 10_000, id="10000-braces"),
        pytest.param(nested_optionals(5_000), 5_000, id="5000-optionals"),
        pytest.param("ASK { FILTER(" + "(" * 3_000 + "1" + ")" * 3_000 + ") }", 3_002, id="3000-parentheses"),
        pytest.param("ASK { FILTER(" + "!" * 20_000 + "true) }", 2 + 20_000, id="20000-negations"),
        pytest.param(nested_braces(MAX_DEPTH + 1), MAX_DEPTH + 1, id="one-past-the-limit"),
    ],
)
def test_a_query_nested_too_deep_is_400_naming_the_limit(live_server: LiveServer, query: str, depth: int) -> None:
    service = live_server.app.extensions["query_service"]
    assert service.wait_ready(60)
    workers = service.worker_pids()
    answer = post(live_server, query.encode())
    assert answer.status == 400, answer.body
    message = error_message(answer)
    assert f"nests {depth} levels" in message and f"at most {MAX_DEPTH}" in message, message
    assert "max_query_depth" in message and "查询嵌套了" in message, message
    assert service.worker_pids() == workers  # refused before any worker saw it: none ended


def test_a_query_at_the_depth_limit_is_answered(live_server: LiveServer) -> None:
    answer = post(live_server, nested_braces(MAX_DEPTH).encode())
    assert answer.status == 200, answer.body
    assert json.loads(answer.body)["boolean"] is True


def test_values_past_the_limit_are_400_naming_it(live_server: LiveServer) -> None:
    assert len(values_query(MAX_VALUES + 1).encode()) < MAX_QUERY_BYTES  # refused for its VALUES, not its size
    answer = post(live_server, values_query(MAX_VALUES + 1).encode())
    assert answer.status == 400, answer.body
    message = error_message(answer)
    assert f"hold {MAX_VALUES + 1} terms" in message and "max_values" in message and "VALUES 块" in message
    at_limit = post(live_server, values_query(MAX_VALUES).encode())
    assert at_limit.status == 200, at_limit.body


@pytest.mark.parametrize(
    "content_type",
    [
        pytest.param("application/x-www-form-urlencoded", id="form"),
        pytest.param(SPARQL_QUERY, id="sparql-query"),
    ],
)
def test_a_ten_megabyte_body_is_413_naming_the_limit(live_server: LiveServer, content_type: str) -> None:
    body = (b"query=" if content_type.endswith("urlencoded") else b"") + b"ASK {} #" + b"x" * 10_000_000
    answer = post(live_server, body, content_type)
    assert answer.status == 413, answer.body
    message = error_message(answer)
    assert str(MAX_QUERY_BYTES) in message and "max_query_bytes" in message, message


def test_a_query_string_past_the_limit_is_413(live_server: LiveServer) -> None:
    answer = fetch(f"{live_server.url}/sparql?query={quote(values_query(20_000))}", headers={"Accept": JSON_RESULTS})
    assert answer.status == 413, answer.body
    assert "max_query_bytes" in error_message(answer)


# --- The command line ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("update", "keyword"),
    [
        pytest.param("INSERT DATA { <urn:a> <urn:b> <urn:c> }", "INSERT", id="insert"),
        pytest.param("PREFIX x: <urn:x#>\nDELETE WHERE { ?s x:p ?o }", "DELETE", id="delete"),
        pytest.param("LOAD <http://example.org/data.ttl>", "LOAD", id="load"),
        pytest.param("clear all", "CLEAR", id="clear"),
    ],
)
def test_the_cli_refuses_an_update_saying_what_to_do(live_server: LiveServer, update: str, keyword: str) -> None:
    result = CliRunner().invoke(main, ["sparql", update, "--out", str(Path(live_server.settings.build_dir))])
    assert result.exit_code == 2, result.output
    assert f"{keyword} (line" in result.stderr and "SPARQL Update" in result.stderr, result.stderr
    assert "publisher build" in result.stderr and "records" in result.stderr
    assert "expected CONSTRUCT" not in result.stderr


def test_the_cli_refuses_a_query_nested_too_deep(live_server: LiveServer) -> None:
    # In a process of its own: before the check, the engine's parser ended the process it ran in (SIGSEGV).
    command = [sys.executable, "-c", "from publisher.cli import main; main()", "sparql", nested_braces(10_000)]
    result = subprocess.run(
        [*command, "--out", str(live_server.settings.build_dir)], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 2, (result.returncode, result.stderr)
    assert "max_query_depth" in result.stderr


#: A query whose answer the engine must hold whole before the first row (a sort over a cartesian product of the
#: store with itself, twice): its worker grows by gigabytes within seconds unless it is stopped.
MEMORY_HOG = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } ORDER BY ?c ?f ?i"


@pytest.fixture(scope="module")
def capped(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The seed served with a small memory cap for a query and a time limit long enough never to be reached first."""
    server = start_live_server(
        tmp_path_factory.mktemp("capped"), query_memory_mb=400, query_timeout=120.0, response_cache_mb=0
    )
    yield server
    server.close()


def test_a_query_past_the_memory_cap_is_stopped_and_says_which_setting(capped: LiveServer) -> None:
    workers = capped.app.extensions["query_service"].worker_pids()
    answer = post(capped, MEMORY_HOG.encode())
    assert answer.status == 403, (answer.status, answer.body[:300])
    message = error_message(answer)
    assert "query_memory_mb" in message and "400 MB" in message and "内存" in message, message
    # the worker that held the query was ended and replaced; the endpoint answers the next query
    assert capped.app.extensions["query_service"].worker_pids() != workers
    assert post(capped, b"ASK { ?s ?p ?o }").status == 200
