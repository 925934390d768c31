"""scripts/virtuoso against the real server: loopback only, SPARQL over HTTP, authenticated updates, UTF-8, stop."""

from __future__ import annotations

import hashlib
import http.client
import json
import re
import secrets
import shlex
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from SPARQLWrapper import DIGEST, JSON, POST, SPARQLWrapper

from publisher.store.remote import STAGING_GRAPHS
from tests.virtuoso import (
    CANNOT_INSTALL,
    SCRIPT,
    VIRTRDF,
    VirtuosoEndpoint,
    VirtuosoUnavailable,
    graphs,
    select,
    start_virtuoso,
    update,
    wipe,
)

TITLE = "政府信息公开工作年度报告"
GRAPH = "http://127.0.0.1:8000/id/report/test-agency/2011"
SETUP_SQL = Path(__file__).resolve().parent.parent / "deploy" / "virtuoso-setup.sql"


@dataclass(frozen=True)
class Started:
    directory: Path
    pid: int
    sql_port: int
    http_port: int
    endpoint: VirtuosoEndpoint
    exports: dict[str, str]


def run_script(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args], capture_output=True, text=True, check=False, timeout=900
    )


def start(directory: Path, *extra: str) -> Started:
    done = run_script("start", str(directory), *extra)
    if done.returncode == CANNOT_INSTALL:
        pytest.skip("Virtuoso is not available here: " + done.stderr.strip())
    assert done.returncode == 0, done.stderr
    exports = {}
    for line in done.stdout.splitlines():
        word, assignment = shlex.split(line)  # what `eval "$(scripts/virtuoso start DIR)"` runs
        assert word == "export", line
        key, _, value = assignment.partition("=")
        exports[key] = value
    found = json.loads((directory / "endpoint.json").read_text(encoding="utf-8"))
    assert {k: str(v) for k, v in found.items()} == exports
    return Started(
        directory=directory,
        pid=int(exports["VIRTUOSO_PID"]),
        sql_port=int(exports["VIRTUOSO_SQL_PORT"]),
        http_port=int(exports["VIRTUOSO_HTTP_PORT"]),
        endpoint=VirtuosoEndpoint.from_exports(exports),
        exports=exports,
    )


def alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8")
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] not in ("Z", "X")


def listening(port: int) -> set[str]:
    """Local addresses with a TCP socket listening on `port`, from /proc/net/tcp and tcp6 (what `ss -ltn` reads)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text(encoding="utf-8").splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            address, port_hex = fields[1].rsplit(":", 1)
            if fields[3] == "0A" and int(port_hex, 16) == port:  # 0A: LISTEN
                if len(address) == 8:
                    found.add(socket.inet_ntoa(bytes.fromhex(address)[::-1]))
                else:
                    found.add(address)
    return found


def outward_address() -> str | None:
    """This machine's address on its default route (a UDP 'connect' sends nothing), if it has one."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        try:
            sock.connect(("192.0.2.1", 9))
        except OSError:
            return None
        address: str = sock.getsockname()[0]
    return None if address.startswith("127.") else address


@pytest.fixture(scope="module")
def virtuoso(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Started]:
    started = start(tmp_path_factory.mktemp("virtuoso"))
    yield started
    run_script("stop", str(started.directory))


def test_listens_on_loopback_only(virtuoso: Started) -> None:
    for port in (virtuoso.sql_port, virtuoso.http_port):
        assert listening(port) == {"127.0.0.1"}, f"port {port} listens on {listening(port)}"
    outward = outward_address()
    if outward is not None:  # the machine has another address: nothing answers there
        for port in (virtuoso.sql_port, virtuoso.http_port):
            with pytest.raises(ConnectionRefusedError):
                socket.create_connection((outward, port), timeout=5).close()
    socket.create_connection(("127.0.0.1", virtuoso.http_port), timeout=5).close()


def test_answers_sparql_over_http_with_no_graph_of_its_own_visible(virtuoso: Started) -> None:
    assert select(virtuoso.endpoint, "ASK {}")["boolean"] is True
    assert graphs(virtuoso.endpoint) == set()  # system graphs emptied or private (deploy/virtuoso-setup.sql)
    assert graphs(virtuoso.endpoint, as_writer=True) == set()
    query = urllib.parse.urlencode({"query": "SELECT (1 + 1 AS ?two) {}"})
    request = urllib.request.Request(
        f"{virtuoso.endpoint.query_url}?{query}", headers={"Accept": "application/sparql-results+json"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.headers.get_content_type() == "application/sparql-results+json"
        body = json.load(response)
    assert body["results"]["bindings"][0]["two"]["value"] == "2"


def test_authenticated_update_is_accepted(virtuoso: Started) -> None:
    update(virtuoso.endpoint, f"INSERT DATA {{ GRAPH <{GRAPH}> {{ <{GRAPH}> <urn:p> 7 }} }}")
    answer = select(virtuoso.endpoint, f"SELECT ?o WHERE {{ GRAPH <{GRAPH}> {{ <{GRAPH}> <urn:p> ?o }} }}")
    assert [row["o"]["value"] for row in answer["results"]["bindings"]] == ["7"]
    update(virtuoso.endpoint, f"DROP SILENT GRAPH <{GRAPH}>")
    assert GRAPH not in graphs(virtuoso.endpoint)


def test_sparqlwrapper_digest_update_is_accepted(virtuoso: Started) -> None:
    """The client the publisher uses; its DIGEST mode installs a process-wide urllib opener, undone here."""
    client = SPARQLWrapper(virtuoso.endpoint.query_url, updateEndpoint=virtuoso.endpoint.update_url)
    client.setHTTPAuth(DIGEST)
    client.setCredentials(virtuoso.endpoint.user, virtuoso.endpoint.password)
    client.setMethod(POST)
    client.setQuery(f'INSERT DATA {{ GRAPH <{GRAPH}> {{ <{GRAPH}> <urn:p> "{TITLE}"@zh }} }}')
    try:
        assert client.query().response.status == 200
    finally:
        urllib.request.install_opener(None)  # type: ignore[arg-type]
    assert GRAPH in graphs(virtuoso.endpoint)
    update(virtuoso.endpoint, f"DROP SILENT GRAPH <{GRAPH}>")


def digest_post(url: str, body: str, credentials: tuple[str, str] | None) -> tuple[int, bytes]:
    """POST a form with HTTP digest auth (RFC 7616, MD5, qop=auth), answering the server's one challenge.

    Written out with http.client rather than urllib's handler, which retries a refused
    password five times and leaves each refused response's socket open.
    """
    parts = urllib.parse.urlsplit(url)
    assert parts.hostname and parts.port
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    headers = {"Content-Type": "application/x-www-form-urlencoded; charset=UTF-8"}
    try:
        connection.request("POST", parts.path, body.encode(), headers)
        response = connection.getresponse()
        content = response.read()
        if response.status != 401 or credentials is None:
            return response.status, content
        challenge = dict(re.findall(r'(\w+)="?([^",]*)"?', response.getheader("WWW-Authenticate", "")))
        user, password = credentials

        def md5(text: str) -> str:
            return hashlib.md5(text.encode()).hexdigest()

        cnonce, count = secrets.token_hex(8), "00000001"
        ha1, ha2 = md5(f"{user}:{challenge['realm']}:{password}"), md5(f"POST:{parts.path}")
        digest = md5(f"{ha1}:{challenge['nonce']}:{count}:{cnonce}:auth:{ha2}")
        headers["Authorization"] = (
            f'Digest username="{user}", realm="{challenge["realm"]}", nonce="{challenge["nonce"]}", '
            f'uri="{parts.path}", qop=auth, nc={count}, cnonce="{cnonce}", response="{digest}", '
            f'opaque="{challenge.get("opaque", "")}", algorithm=MD5'
        )
        connection.request("POST", parts.path, body.encode(), headers)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


@pytest.mark.parametrize(
    ("where", "credentials", "expected"),
    [
        pytest.param("query_url", None, 500, id="public-endpoint-anonymous"),  # Virtuoso: SR186 SECURITY
        pytest.param("update_url", None, 401, id="auth-endpoint-anonymous"),
        pytest.param("update_url", ("dba", "not-the-password"), 401, id="auth-endpoint-wrong-password"),
        pytest.param("update_url", ("nobody", "nobody"), 401, id="auth-endpoint-other-user"),
    ],
)
def test_update_without_the_credentials_is_refused(
    virtuoso: Started, where: str, credentials: tuple[str, str] | None, expected: int
) -> None:
    body = urllib.parse.urlencode({"update": f"INSERT DATA {{ GRAPH <{GRAPH}> {{ <{GRAPH}> <urn:p> 1 }} }}"})
    status, content = digest_post(getattr(virtuoso.endpoint, where), body, credentials)
    assert status == expected, content[:300]
    if expected == 500:
        assert b"SECURITY" in content
    assert GRAPH not in graphs(virtuoso.endpoint)


def test_the_same_digest_client_with_the_password_is_accepted(virtuoso: Started) -> None:
    """The positive control of the test above: same code, the right password."""
    body = urllib.parse.urlencode({"update": f"INSERT DATA {{ GRAPH <{GRAPH}> {{ <{GRAPH}> <urn:p> 1 }} }}"})
    credentials = (virtuoso.endpoint.user, virtuoso.endpoint.password)
    status, content = digest_post(virtuoso.endpoint.update_url, body, credentials)
    assert status == 200, content[:300]
    assert GRAPH in graphs(virtuoso.endpoint)
    update(virtuoso.endpoint, f"DROP SILENT GRAPH <{GRAPH}>")


def test_graph_store_protocol_put_needs_auth(virtuoso: Started) -> None:
    assert virtuoso.endpoint.graph_store_url
    body = f'<{GRAPH}> <urn:p> "{TITLE}"@zh .\n'.encode()
    url = f"{virtuoso.endpoint.graph_store_url}?{urllib.parse.urlencode({'graph-uri': GRAPH})}"
    anonymous = url.replace("/sparql-graph-crud-auth?", "/sparql-graph-crud?")
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.build_opener().open(
            urllib.request.Request(anonymous, data=body, method="PUT", headers={"Content-Type": "text/turtle"})
        )
    with refused.value as answer:
        assert answer.code in (401, 403), answer.read()[:300]
    passwords = urllib.request.HTTPPasswordMgrWithDefaultRealm()
    passwords.add_password(None, url, virtuoso.endpoint.user, virtuoso.endpoint.password)
    opener = urllib.request.build_opener(urllib.request.HTTPDigestAuthHandler(passwords))
    request = urllib.request.Request(url, data=body, method="PUT", headers={"Content-Type": "text/turtle"})
    with opener.open(request, timeout=10) as response:
        assert response.status in (200, 201, 204)
    answer = select(virtuoso.endpoint, f"SELECT ?o WHERE {{ GRAPH <{GRAPH}> {{ ?s ?p ?o }} }}")
    assert [row["o"]["value"] for row in answer["results"]["bindings"]] == [TITLE]
    update(virtuoso.endpoint, f"DROP SILENT GRAPH <{GRAPH}>")


def count_in(endpoint: VirtuosoEndpoint, graph: str) -> int:
    answer = select(endpoint, f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")
    return int(answer["results"]["bindings"][0]["n"]["value"])


def test_virtuosos_own_graph_is_hidden_from_readers_and_the_writer(virtuoso: Started) -> None:
    assert count_in(virtuoso.endpoint, VIRTRDF) == 0
    assert (
        select(virtuoso.endpoint, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")["results"]["bindings"][0]["n"]["value"]
        == "0"
    )
    assert VIRTRDF not in graphs(virtuoso.endpoint, as_writer=True)
    with pytest.raises(RuntimeError, match="HTTP"):  # the writer is not dba: it cannot empty Virtuoso's graph
        update(virtuoso.endpoint, f"CLEAR GRAPH <{VIRTRDF}>")
    assert select(virtuoso.endpoint, "ASK {}")["boolean"] is True  # still working


def test_staging_graphs_are_written_by_the_writer_and_hidden_from_readers(virtuoso: Started) -> None:
    assert len(STAGING_GRAPHS) >= 2
    inserts = " ".join(f"GRAPH <{g}> {{ <{g}> <urn:p> {n} }}" for n, g in enumerate(STAGING_GRAPHS))
    update(virtuoso.endpoint, f"INSERT DATA {{ {inserts} }}")
    try:
        assert graphs(virtuoso.endpoint, as_writer=True) == set(STAGING_GRAPHS)
        assert graphs(virtuoso.endpoint) == set()
        for graph in STAGING_GRAPHS:
            assert count_in(virtuoso.endpoint, graph) == 0, graph
        # a staged graph moved over a published one becomes visible in one step
        update(virtuoso.endpoint, f"MOVE SILENT GRAPH <{STAGING_GRAPHS[0]}> TO <{GRAPH}>")
        assert graphs(virtuoso.endpoint) == {GRAPH}
        assert count_in(virtuoso.endpoint, GRAPH) == 1
    finally:
        dropped = wipe(virtuoso.endpoint)
    assert dropped == {GRAPH, *STAGING_GRAPHS[1:]}
    assert graphs(virtuoso.endpoint, as_writer=True) == set()


def test_distinct_graph_list_names_private_graphs_a_known_virtuoso_limit(virtuoso: Started) -> None:
    """Virtuoso 7.2.5 answers exactly this query from a shortcut that skips graph-level security (names only)."""
    names = select(virtuoso.endpoint, "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
    assert VIRTRDF in {row["g"]["value"] for row in names["results"]["bindings"]}  # see deploy/README.md
    assert graphs(virtuoso.endpoint) == set()  # GROUP BY ?g: secured


def test_setup_sql_runs_again_and_changes_the_writers_password(virtuoso: Started) -> None:
    assert virtuoso.endpoint.dba_password
    command = ["isql-vt", f"127.0.0.1:{virtuoso.sql_port}", "dba", virtuoso.endpoint.dba_password, str(SETUP_SQL)]
    done = subprocess.run(
        [*command, "-u", "WRITER=publisher", "WRITER_PASSWORD=second-password"],
        capture_output=True, text=True, check=False, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0 and "*** Error" not in done.stderr, done.stderr
    body = urllib.parse.urlencode({"update": f"INSERT DATA {{ GRAPH <{GRAPH}> {{ <{GRAPH}> <urn:p> 1 }} }}"})
    assert digest_post(virtuoso.endpoint.update_url, body, ("publisher", virtuoso.endpoint.password))[0] == 401
    assert digest_post(virtuoso.endpoint.update_url, body, ("publisher", "second-password"))[0] == 200
    assert graphs(virtuoso.endpoint) == {GRAPH}
    missing = subprocess.run(command, capture_output=True, text=True, check=False, timeout=120)
    assert "Name the writer and its password" in missing.stderr
    as_dba = subprocess.run(
        [*command, "-u", "WRITER=dba", "WRITER_PASSWORD=x"], capture_output=True, text=True, check=False, timeout=120
    )
    assert "WRITER must be a user of its own, not dba" in as_dba.stderr
    # put the first password back for the other tests
    subprocess.run(
        [*command, "-u", "WRITER=publisher", f"WRITER_PASSWORD={virtuoso.endpoint.password}"],
        capture_output=True, text=True, check=True, timeout=120,
    )  # fmt: skip
    update(virtuoso.endpoint, f"DROP SILENT GRAPH <{GRAPH}>")


def test_chinese_literals_round_trip_exactly(virtuoso: Started) -> None:
    literals = [TITLE, "吉林市科学技术局", "〔2019〕60号 · 本年增/减", "𠀀𪚥"]  # the last two outside the BMP
    triples = " ".join(f'<{GRAPH}> <urn:label{i}> "{text}"@zh .' for i, text in enumerate(literals))
    update(virtuoso.endpoint, f"INSERT DATA {{ GRAPH <{GRAPH}> {{ {triples} }} }}")
    try:
        client = SPARQLWrapper(virtuoso.endpoint.query_url)
        client.setReturnFormat(JSON)
        client.setQuery(f"SELECT ?p ?o WHERE {{ GRAPH <{GRAPH}> {{ ?s ?p ?o }} }} ORDER BY ?p")
        rows = client.query().convert()["results"]["bindings"]
        assert [(row["o"]["value"], row["o"]["xml:lang"]) for row in rows] == [(text, "zh") for text in literals]
        client.setQuery(f'SELECT ?p WHERE {{ GRAPH <{GRAPH}> {{ ?s ?p "{TITLE}"@zh }} }}')  # Chinese in the query
        assert [row["p"]["value"] for row in client.query().convert()["results"]["bindings"]] == ["urn:label0"]
    finally:
        update(virtuoso.endpoint, f"DROP SILENT GRAPH <{GRAPH}>")


def test_start_refuses_a_folder_that_holds_a_database(virtuoso: Started) -> None:
    done = run_script("start", str(virtuoso.directory))
    assert done.returncode == 2
    assert "stop" in done.stderr  # still running: says to stop it first
    assert alive(virtuoso.pid)


def test_stop_ends_the_process(tmp_path: Path) -> None:
    started = start(tmp_path / "db", "--password", "s3cret-~.+_", "--dba-password", "dba-2")
    assert started.endpoint.password == "s3cret-~.+_"
    assert started.endpoint.dba_password == "dba-2"
    update(started.endpoint, "INSERT DATA { GRAPH <urn:g> { <urn:s> <urn:p> 1 } }")  # the given password works
    assert alive(started.pid)
    done = run_script("stop", str(started.directory))
    assert done.returncode == 0, done.stderr
    assert not alive(started.pid)
    assert not (started.directory / "virtuoso.pid").exists()
    for port in (started.sql_port, started.http_port):
        assert listening(port) == set()
    again = run_script("stop", str(started.directory))
    assert again.returncode == 2
    assert "no Virtuoso pid file" in again.stderr


@pytest.mark.parametrize(
    ("option", "password"),
    [
        pytest.param("--password", "it's", id="quote"),
        pytest.param("--password", "a b", id="space"),
        pytest.param("--dba-password", "a$x", id="isql-macro"),
        pytest.param("--dba-password", "a=b", id="equals"),
    ],
)
def test_start_refuses_a_password_isql_would_change(tmp_path: Path, option: str, password: str) -> None:
    done = run_script("start", str(tmp_path / "db"), option, password)
    assert done.returncode == 2
    assert f"{option} may hold only ASCII letters, digits" in done.stderr
    assert not (tmp_path / "db" / "virtuoso.pid").exists()


def test_start_fails_clearly_on_a_port_in_use(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        begin = time.monotonic()
        done = run_script("start", str(tmp_path / "db"), "--http-port", str(port))
    assert done.returncode == 2
    assert f"port {port} (--http-port) is in use" in done.stderr
    assert time.monotonic() - begin < 30
    assert not (tmp_path / "db" / "virtuoso.pid").exists()


def test_without_virtuoso_or_apt_get_the_script_exits_3_and_the_tests_can_say_why(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))  # no virtuoso-t, isql-vt, apt-get or sudo on it
    done = run_script("start", str(tmp_path / "db"))
    assert done.returncode == CANNOT_INSTALL
    assert "virtuoso-t is not installed and there is no apt-get to install it" in done.stderr
    with pytest.raises(VirtuosoUnavailable, match="Virtuoso is not available here: virtuoso-t is not installed"):
        start_virtuoso()
