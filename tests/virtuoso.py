"""The Virtuoso the tests run against: the one `scripts/test` started, else a throw-away one of our own.

`scripts/test` starts a Virtuoso on loopback before pytest and names it in
PUBLISHER_TEST_VIRTUOSO_QUERY_URL, _UPDATE_URL, _GRAPH_STORE_URL, _USER, _PASSWORD,
_SQL_PORT and _DBA_PASSWORD. When
those are absent (pytest run by hand), `virtuoso_endpoint()` starts one itself with
`scripts/virtuoso start` in a temporary folder and stops it by its pid when the
interpreter exits. It returns None only when Virtuoso cannot be installed here (the
script exits 3); `virtuoso_unavailable_reason()` then says why, for `pytest.skip`.
Any other failure (the server does not come up, the endpoint named in the environment
does not answer) raises, so a broken Virtuoso fails the tests instead of skipping them.
`start_virtuoso()` starts one more (for tests that need a store of their own).

`wipe(endpoint)` drops every graph the writer can see (never Virtuoso's own, virtrdf#)
between test builds. The environment names the writer (user `publisher`, created by
deploy/virtuoso-setup.sql, which scripts/virtuoso runs), not dba.
"""

from __future__ import annotations

import atexit
import json
import os
import shutil
import subprocess
import sys
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from SPARQLWrapper import JSON, POST, SPARQLWrapper

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "virtuoso"
ENV_PREFIX = "PUBLISHER_TEST_VIRTUOSO_"
VIRTRDF = "http://www.openlinksw.com/schemas/virtrdf#"  # Virtuoso's own graph: never dropped
CANNOT_INSTALL = 3  # exit code of scripts/virtuoso when virtuoso-t is missing and cannot be installed


@dataclass(frozen=True)
class VirtuosoEndpoint:
    query_url: str
    update_url: str
    user: str
    password: str
    sql_port: int | None = None
    graph_store_url: str | None = None
    dba_password: str | None = None  # for isql-vt; absent when the environment names only the writer

    @classmethod
    def from_exports(cls, found: dict[str, Any]) -> VirtuosoEndpoint:
        """The endpoint `scripts/virtuoso start` printed (its VIRTUOSO_* values)."""
        return cls(
            query_url=found["VIRTUOSO_QUERY_URL"],
            update_url=found["VIRTUOSO_UPDATE_URL"],
            user=found["VIRTUOSO_USER"],
            password=found["VIRTUOSO_PASSWORD"],
            sql_port=int(found["VIRTUOSO_SQL_PORT"]),
            graph_store_url=found["VIRTUOSO_GRAPH_STORE_URL"],
            dba_password=found["VIRTUOSO_DBA_PASSWORD"],
        )


_state: dict[str, VirtuosoEndpoint | str | None] = {}


def virtuoso_endpoint() -> VirtuosoEndpoint | None:
    """The endpoint of the tests' Virtuoso (started once per process if the environment names none)."""
    if "endpoint" not in _state:
        _state["endpoint"] = _from_environment() or _start_own()
    found = _state["endpoint"]
    assert found is None or isinstance(found, VirtuosoEndpoint)
    return found


def virtuoso_unavailable_reason() -> str | None:
    """Why there is no Virtuoso (after `virtuoso_endpoint()` returned None), else None."""
    reason = _state.get("reason")
    return reason if isinstance(reason, str) else None


def _from_environment() -> VirtuosoEndpoint | None:
    query_url = os.environ.get(ENV_PREFIX + "QUERY_URL", "")
    if not query_url:
        return None
    sql_port = os.environ.get(ENV_PREFIX + "SQL_PORT", "")
    endpoint = VirtuosoEndpoint(
        query_url=query_url,
        update_url=os.environ.get(ENV_PREFIX + "UPDATE_URL", "") or query_url,
        user=os.environ.get(ENV_PREFIX + "USER", "") or "dba",
        password=os.environ.get(ENV_PREFIX + "PASSWORD", "") or "dba",
        sql_port=int(sql_port) if sql_port else None,
        graph_store_url=os.environ.get(ENV_PREFIX + "GRAPH_STORE_URL") or None,
        dba_password=os.environ.get(ENV_PREFIX + "DBA_PASSWORD") or None,
    )
    try:
        select(endpoint, "ASK {}")
    except Exception as exc:
        raise RuntimeError(
            f"{ENV_PREFIX}QUERY_URL={query_url} does not answer ({exc}): start Virtuoso again "
            f"(`python3 scripts/virtuoso start DIR`) and export its URLs, or unset {ENV_PREFIX}* "
            "to let the tests start their own."
        ) from exc
    return endpoint


def _start_own() -> VirtuosoEndpoint | None:
    try:
        return start_virtuoso()
    except VirtuosoUnavailable as exc:
        _state["reason"] = str(exc)
        return None


class VirtuosoUnavailable(RuntimeError):
    """virtuoso-t is missing here and cannot be installed (scripts/virtuoso exit 3)."""


def start_virtuoso(buffers: int = 20000) -> VirtuosoEndpoint:
    """A throw-away Virtuoso of its own (scripts/virtuoso start in a temporary folder), stopped at exit.

    Raises VirtuosoUnavailable when Virtuoso cannot be installed here, RuntimeError when it
    does not start.
    """
    directory = Path(tempfile.mkdtemp(prefix="publisher-test-virtuoso-"))
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "start", str(directory), "--json", "--buffers", str(buffers)],
        capture_output=True, text=True, check=False, timeout=900,
    )  # fmt: skip
    if done.returncode != 0:
        shutil.rmtree(directory, ignore_errors=True)
        if done.returncode == CANNOT_INSTALL:
            raise VirtuosoUnavailable("Virtuoso is not available here: " + done.stderr.strip().removeprefix("error: "))
        raise RuntimeError(f"scripts/virtuoso start failed ({done.returncode}):\n{done.stderr}")
    atexit.register(_stop_own, directory)
    return VirtuosoEndpoint.from_exports(json.loads(done.stdout))


def _stop_own(directory: Path) -> None:
    subprocess.run([sys.executable, str(SCRIPT), "stop", str(directory)], capture_output=True, check=False)
    shutil.rmtree(directory, ignore_errors=True)


def select(endpoint: VirtuosoEndpoint, query: str) -> dict[str, Any]:
    """A SELECT or ASK on the read-only endpoint, answered as SPARQL JSON."""
    client = SPARQLWrapper(endpoint.query_url)
    client.setMethod(POST)
    client.setReturnFormat(JSON)
    client.setQuery(query)
    response = client.query().response
    try:
        answer: dict[str, Any] = json.loads(response.read())
    finally:
        response.close()
    return answer


def _writer_opener(endpoint: VirtuosoEndpoint) -> urllib.request.OpenerDirector:
    """A private urllib opener with the writer's digest credentials.

    Private on purpose: SPARQLWrapper's DIGEST mode installs its opener process-wide
    (`urllib.request.install_opener`), after which every plain `urlopen` to that
    endpoint is silently authenticated, which would hide a refused write.
    """
    passwords = urllib.request.HTTPPasswordMgrWithDefaultRealm()
    passwords.add_password(None, endpoint.update_url, endpoint.user, endpoint.password)
    return urllib.request.build_opener(urllib.request.HTTPDigestAuthHandler(passwords))


def _post_as_writer(endpoint: VirtuosoEndpoint, form: dict[str, str], accept: str = "*/*") -> bytes:
    body = urllib.parse.urlencode(form).encode("utf-8")
    request = urllib.request.Request(
        endpoint.update_url,
        data=body,
        headers={"Content-Type": "application/x-www-form-urlencoded; charset=UTF-8", "Accept": accept},
    )
    try:
        with _writer_opener(endpoint).open(request, timeout=120) as response:
            data: bytes = response.read()
            return data
    except urllib.error.HTTPError as exc:
        with exc:
            said = exc.read().decode("utf-8", "replace")[:800]
        raise RuntimeError(f"{endpoint.update_url} as {endpoint.user} failed with HTTP {exc.code}: {said}") from exc


def update(endpoint: VirtuosoEndpoint, text: str) -> None:
    """A SPARQL Update through the authenticated endpoint (HTTP digest), as the publisher writes."""
    _post_as_writer(endpoint, {"update": text})


#: Lists graphs without Virtuoso's shortcut for exactly `SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }`,
#: which (7.2.5) names private graphs too; this form applies graph-level security.
GRAPHS_QUERY = "SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"


def graphs(endpoint: VirtuosoEndpoint, as_writer: bool = False) -> set[str]:
    """Every named graph holding a triple that anonymous readers see, or with `as_writer` that the writer sees."""
    if as_writer:
        answer = json.loads(_post_as_writer(endpoint, {"query": GRAPHS_QUERY}, "application/sparql-results+json"))
    else:
        answer = select(endpoint, GRAPHS_QUERY)
    return {row["g"]["value"] for row in answer["results"]["bindings"]}


def wipe(endpoint: VirtuosoEndpoint) -> set[str]:
    """Drop every graph the writer sees (staging graphs included; never Virtuoso's own), before a test build."""
    dropped = graphs(endpoint, as_writer=True) - {VIRTRDF}
    if dropped:
        update(endpoint, " ;\n".join(f"DROP SILENT GRAPH <{g}>" for g in sorted(dropped)))
    left = graphs(endpoint, as_writer=True) - {VIRTRDF}
    if left:
        raise RuntimeError(f"wiping Virtuoso at {endpoint.update_url} left graphs behind: {sorted(left)}")
    return dropped
