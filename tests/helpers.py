"""Helpers the tests share: where the data is, settings for a test build, backends, a live server on loopback.

Imported by conftest.py (the fixtures) and by test modules; test modules import nothing from one another.
"""

from __future__ import annotations

import socket
import threading
from pathlib import Path
from typing import Any

import pytest
from waitress.server import create_server

from publisher.build.builder import build
from publisher.settings import PROJECT_ROOT, Settings, load_settings
from publisher.web import create_app
from tests import virtuoso

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
