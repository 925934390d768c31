"""Shared fixtures: the project as shipped, a built store, and copies of the data to break."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from pyoxigraph import Store

from publisher.build import BuildResult, Project, build, load_project
from publisher.settings import PROJECT_ROOT, Settings, load_settings
from publisher.store import open_store

DATA = PROJECT_ROOT / "data"
SEED_RECORD = DATA / "reports" / "jilin-city-science-technology-bureau" / "2011.yaml"
SEED_SOURCE = DATA / "reports" / "jilin-city-science-technology-bureau" / "2011.source.txt"
SHARED = PROJECT_ROOT.parent / "shared"
BASE = "http://127.0.0.1:8000"


def make_settings(data_dir: Path = DATA, build_dir: Path | None = None, base: str = BASE) -> Settings:
    overrides = {"base_iri": base, "data_dir": data_dir, "build_dir": build_dir or Path("/nonexistent")}
    return load_settings(overrides, environ={})


@pytest.fixture(scope="session")
def project() -> Project:
    return load_project(make_settings())


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Settings, BuildResult]:
    """The bundled data, built once for the session."""
    settings = make_settings(build_dir=tmp_path_factory.mktemp("build"))
    return settings, build(settings)


@pytest.fixture(scope="session")
def store(built: tuple[Settings, BuildResult]) -> Store:
    return open_store(Path(built[0].build_dir))


@pytest.fixture()
def data_copy(tmp_path: Path) -> Callable[..., Path]:
    """A copy of data/ whose seed record has been edited by `edit(text) -> text`."""

    def copy(edit: Callable[[str], str] = lambda text: text) -> Path:
        target = tmp_path / "data"
        if not target.exists():
            shutil.copytree(DATA, target)
        record = target / SEED_RECORD.relative_to(DATA)
        record.write_text(edit(record.read_text(encoding="utf-8")), encoding="utf-8")
        return target

    return copy


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class LiveServer:
    """The real app under waitress on a loopback port, in a background thread."""

    def __init__(self, settings: Settings) -> None:
        import threading

        from waitress.server import create_server

        from publisher.web import create_app

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
        self.server.trigger.pull_trigger(self.server._map.clear)
        self.thread.join(5)
        assert not self.thread.is_alive(), "the server thread did not stop"
        self.server.close()
        self.app.extensions["query_service"].close()


def start_live_server(build_dir: Path, data_dir: Path = DATA, **overrides: object) -> LiveServer:
    """Build `data_dir` with the base IRI of a fresh loopback port, then serve it."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    settings = load_settings(
        {"base_iri": base, "data_dir": data_dir, "build_dir": build_dir, "port": port, **overrides}, environ={}
    )
    build(settings)
    return LiveServer(settings)


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The bundled data, built and served over real HTTP on loopback for the session."""
    server = start_live_server(tmp_path_factory.mktemp("served"))
    yield server
    server.close()
