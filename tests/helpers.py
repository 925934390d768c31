"""Helpers the tests share: where the data is, settings for a test build, backends, a live server on loopback.

Imported by conftest.py (the fixtures) and by test modules; test modules import nothing from one another.
"""

from __future__ import annotations

import contextlib
import csv
import http.client
import io
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from waitress.server import create_server

from publisher.build.builder import build
from publisher.publication.export import STATIC_EXPORT, ExportResult, export, export_settings
from publisher.settings import PROJECT_ROOT, Settings, env_name, load_settings
from publisher.synthetic import generate
from publisher.web import create_app
from tests import virtuoso
from tests.http import Answer, fetch

DATA = PROJECT_ROOT / "data"
SEED_RECORD = DATA / "reports" / "jilin-city-science-technology-bureau" / "2011.yaml"
SEED_SOURCE = DATA / "reports" / "jilin-city-science-technology-bureau" / "2011.source.txt"
SHARED = PROJECT_ROOT.parent / "shared"
BASE = "http://127.0.0.1:8000"
BACKENDS = ("embedded", "virtuoso")
#: `pytestmark = BOTH_BACKENDS` runs a module's tests that build or serve on the embedded store and on Virtuoso.
BOTH_BACKENDS = pytest.mark.both_backends
#: The real published reports of ../shared/real-reports (read there, never copied into the project).
REAL_REPORTS = SHARED / "real-reports"


class Backend:
    """Where a test build publishes: settings overrides per build, and the Virtuosos to give back."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._held: list[virtuoso.VirtuosoEndpoint] = []

    def __repr__(self) -> str:
        return self.name

    def overrides(self) -> dict[str, Any]:
        """Settings for one more build: for Virtuoso, a Virtuoso no other live build uses."""
        if self.name == "embedded":
            return {}
        endpoint = POOL.acquire()
        self._held.append(endpoint)
        return {
            "store": "virtuoso",
            "store_query_url": endpoint.query_url,
            "store_update_url": endpoint.update_url,
            "store_user": endpoint.user,
            "store_password": endpoint.password,
        }

    def give_back(self) -> None:
        while self._held:
            POOL.release(self._held.pop())


class VirtuosoPool:
    """Virtuosos for test builds: the tests' own first, more started when several builds are alive at once."""

    def __init__(self) -> None:
        self.idle: list[virtuoso.VirtuosoEndpoint] = []
        self.started = False

    def acquire(self) -> virtuoso.VirtuosoEndpoint:
        if self.idle:
            return self.idle.pop()
        if not self.started:
            self.started = True
            first = virtuoso.virtuoso_endpoint()
            if first is None:
                pytest.skip(virtuoso.virtuoso_unavailable_reason() or "Virtuoso is not available here")
            virtuoso.wipe(first)
            return first
        return virtuoso.start_virtuoso()

    def release(self, endpoint: virtuoso.VirtuosoEndpoint) -> None:
        virtuoso.wipe(endpoint)
        self.idle.append(endpoint)


POOL = VirtuosoPool()


def make_settings(
    data_dir: Path = DATA, build_dir: Path | None = None, base: str = BASE, backend: Backend | None = None
) -> Settings:
    overrides = {"base_iri": base, "data_dir": data_dir, "build_dir": build_dir or Path("/nonexistent")}
    return load_settings({**overrides, **(backend.overrides() if backend else {})}, environ={})


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class LiveServer:
    """The real app under waitress on a loopback port, in a background thread."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.app = create_app(settings)
        self.server = create_server(self.app, host="127.0.0.1", port=int(settings.port), threads=8)
        self.url = f"http://127.0.0.1:{settings.port}"
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()

    def close(self) -> None:
        """End the server loop from inside its own thread, then close the server.

        Closing the sockets while the loop is in select() kills the thread with EBADF;
        emptying the loop's socket map first (waitress has no public stop) lets it return.
        """

        def stop() -> None:  # in the server's thread: close the open connections, then leave the loop
            for dispatcher in list(self.server._map.values()):
                if dispatcher is not self.server and dispatcher is not self.server.trigger:
                    dispatcher.close()
            self.server._map.clear()

        self.server.trigger.pull_trigger(stop)
        self.thread.join(5)
        assert not self.thread.is_alive(), "the server thread did not stop"
        # Let the request threads finish before the trigger is closed: a thread that finishes later pulls
        # the closed trigger, whose file descriptor may by then be another server's client connection
        # (seen as "xHTTP/1.1 200 OK": waitress's wake-up byte written into someone else's response).
        self.server.task_dispatcher.shutdown(cancel_pending=True, timeout=5)
        self.server.close()
        self.app.extensions["query_service"].close()


def start_live_server(
    build_dir: Path, data_dir: Path = DATA, backend: Backend | None = None, **overrides: object
) -> LiveServer:
    """Build `data_dir` with the base IRI of a fresh loopback port (into `backend`'s store), then serve it."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    chosen = backend.overrides() if backend else {}
    settings = load_settings(
        {"base_iri": base, "data_dir": data_dir, "build_dir": build_dir, "port": port, **chosen, **overrides},
        environ={},
    )
    build(settings)
    return LiveServer(settings)


PUBLISHER = str(Path(sys.executable).parent / "publisher")


class ServedProcess:
    """`publisher serve` in a process of its own, as an operator runs it; what it prints kept in files.

    Every process of the server (web processes, query workers) writes to the same stderr
    file, so a traceback or a crash message of any of them is found by `stderr_since`.
    `settings` are passed as PUBLISHER_* environment variables (every other one removed).
    """

    def __init__(
        self, build_dir: Path, data_dir: Path, log_dir: Path, base: str | None = None, **settings: object
    ) -> None:
        self.build_dir, self.data_dir, self.log_dir = build_dir, data_dir, log_dir
        self.settings = settings
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.base = base or self.url  # another server's base: serve its build as it is, without rebuilding it
        environ = {k: v for k, v in os.environ.items() if not k.startswith("PUBLISHER_")}
        environ.update({env_name(name): str(value) for name, value in settings.items()})
        self.stdout_path = log_dir / f"serve-{self.port}.stdout"
        self.stderr_path = log_dir / f"serve-{self.port}.stderr"
        command = [PUBLISHER, "serve", "--port", str(self.port), "--base-iri", self.base]
        command += ["--out", str(build_dir), "--data", str(data_dir)]
        with self.stdout_path.open("wb") as out, self.stderr_path.open("wb") as err:
            self.process = subprocess.Popen(command, stdout=out, stderr=err, env=environ, start_new_session=True)
        self._wait_until_serving()

    def _wait_until_serving(self, limit: float = 120.0) -> None:
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"publisher serve exited with {self.process.returncode}: {self.stderr_since(0)}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                    sock.sendall(b"GET /healthz HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
                    if sock.recv(64).split(b" ", 2)[1:2] == [b"200"]:
                        return
            except OSError:
                pass
            time.sleep(0.2)
        self.close()
        raise AssertionError(f"publisher serve did not answer /healthz within {limit:g} s")

    def wait_for_query_workers(self, workers: int, limit: float = 60.0) -> None:
        """Wait (untimed) until `workers` cheap queries sent at once are each answered at once: all workers ready."""
        deadline = time.monotonic() + limit
        url = f"{self.url}/sparql?query=ASK%7B%7D"
        while time.monotonic() < deadline:
            with ThreadPoolExecutor(workers) as pool:
                answers = list(pool.map(lambda _: timed(fetch, url), range(workers)))
            if all(answer.status == 200 and elapsed < 1.0 for answer, elapsed in answers):
                return
            time.sleep(0.2)
        raise AssertionError(f"the server's {workers} query workers were not all ready within {limit:g} s")

    def stderr_offset(self) -> int:
        return self.stderr_path.stat().st_size

    def stderr_since(self, offset: int) -> str:
        """What the server's processes wrote to stderr from `offset` (a `stderr_offset()`) on."""
        with self.stderr_path.open("rb") as err:
            err.seek(offset)
            return err.read().decode("utf-8", "replace")

    def close(self) -> None:
        """Stop the server (SIGTERM, as Ctrl-C would), then anything of its session still alive."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(5)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)  # query workers left behind, if any


def timed(send: Callable[..., Answer], *args: object) -> tuple[Answer, float]:
    """`send(*args)`'s answer and the seconds it took."""
    start = time.monotonic()
    answer = send(*args)
    return answer, time.monotonic() - start


#: What no answer body and no server log may contain: Python's tracebacks and fatal errors.
CRASH_MARKERS = ("Traceback (most recent call last)", "Fatal Python error", "Segmentation fault", "core dumped")


def crash_markers_in(text: str) -> list[str]:
    """The CRASH_MARKERS found in `text` (empty when there is none)."""
    return [marker for marker in CRASH_MARKERS if marker in text]


def hostile_corpus(target: Path, agencies: int = 4, years: tuple[int, ...] = (2011, 2019, 2021)) -> Path:
    """A small synthetic corpus (`agencies` × `years`, each year in its era's format) for requests to break.

    Seed 7: the agencies are hean-province-government, then its departments.
    """
    generate(target, agencies, years=years, seed=7)
    return target


def raw_request(port: int, request: bytes, timeout: float = 30.0) -> Answer:
    """Send `request` byte for byte (a request line no HTTP client would write) to 127.0.0.1:`port`."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(request)
        response = http.client.HTTPResponse(sock, method=request.split(b" ", 1)[0].decode("latin-1"))
        response.begin()
        return Answer(response.status, response.headers, response.read())


#: A live server for exports to link to for what needs the app (no one serves it: nothing follows those links).
LIVE_BASE = "https://live.example.org"


def export_site(settings: Settings, target: Path, live_base: str = "") -> ExportResult:
    """`publisher export` in process: an app of the export's own (STATIC_EXPORT, no response cache), closed after."""
    chosen = Settings({**settings.values, "export_live_base": live_base})
    app = create_app(export_settings(chosen), {STATIC_EXPORT: True})
    try:
        return export(app, target)
    finally:
        app.extensions["query_service"].close()


def same_page(static: str, live: str, live_base: str = LIVE_BASE) -> bool:
    """An exported page is the live one but for its links to `live_base` (live /sparql: {live_base}/sparql)."""
    return static.replace(f'"{live_base}/', '"/') == live


#: Debian's chromium, which Playwright drives (it downloads no browser of its own).
CHROMIUM = "/usr/bin/chromium"
#: What this machine's closed network needs of a headless chromium (no background connections, no sandbox as root).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@contextlib.contextmanager
def chromium() -> Iterator[Any]:
    """A headless Debian chromium driven by Playwright, closed when the block ends (a module fixture's body)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield instance
        finally:
            instance.close()


def open_page(browser: Any, url: str, lang: str) -> Any:
    """A new tab in the locale of `lang` (zh or en), at `url`."""
    page = browser.new_page(locale="zh-CN" if lang == "zh" else "en-US")
    page.goto(url)
    return page


def read_csv(url: str) -> list[dict[str, str]]:
    """The rows of a CSV answer (its BOM dropped); the answer must be a 200 of text/csv."""
    answer = fetch(url)
    assert answer.status == 200 and answer.media_type == "text/csv", (answer.status, answer.media_type)
    return list(csv.DictReader(io.StringIO(answer.text.removeprefix("\ufeff"))))


def series_points(page: Any) -> dict[int, int]:
    """An agency page's chart (svg#series-chart) as its SVG states it: each dot's year (x label) and value."""
    pairs = page.eval_on_selector_all(
        "svg#series-chart g.dots",
        "groups => groups.map(g => [g.querySelector('desc.x_label').textContent,"
        " g.querySelector('desc.value').textContent])",
    )
    return {int(year): int(value) for year, value in pairs}
