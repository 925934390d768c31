"""Shared fixtures: the project as shipped, a built store, and copies of the data to break.

Backends: `built`, `store`, `live_server` and the servers that modules start with
`start_live_server(..., backend=backend)` read their graphs from the embedded store,
or from a real Virtuoso when a module asks for both (`pytestmark = BOTH_BACKENDS`):
its tests then run once per backend. Each Virtuoso-backed build gets a Virtuoso of
its own (the one `scripts/test` started first, then throw-away ones started by
`scripts/virtuoso`), wiped when the build is done with, so builds of different
base IRIs never see each other's graphs in the union default graph.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from publisher.build.builder import BuildResult, build
from publisher.build.project import Project, load_project
from publisher.settings import Settings
from publisher.store.readstore import ReadStore, open_store, remote_config
from tests.helpers import (
    BACKENDS,
    DATA,
    SEED_RECORD,
    Backend,
    LiveServer,
    chromium,
    make_settings,
    start_live_server,
)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "both_backends: run the tests that use `backend` on every backend")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "backend" in metafunc.fixturenames and metafunc.definition.get_closest_marker("both_backends"):
        metafunc.parametrize("backend", BACKENDS, indirect=True, scope="session")


@pytest.fixture(scope="session")
def backend(request: pytest.FixtureRequest) -> Iterator[Backend]:
    """The backend of the session's builds: `embedded` unless the module asks for both (BOTH_BACKENDS)."""
    chosen = Backend(getattr(request, "param", "embedded"))
    yield chosen
    chosen.give_back()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """A Chromium of the module's own (tests.helpers.chromium), for the pages tested in a real browser."""
    with chromium() as instance:
        yield instance


@pytest.fixture(scope="session")
def project() -> Project:
    return load_project(make_settings())


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory, backend: Backend) -> tuple[Settings, BuildResult]:
    """The bundled data, built once for the session (per backend)."""
    settings = make_settings(build_dir=tmp_path_factory.mktemp("build"), backend=backend)
    return settings, build(settings)


@pytest.fixture(scope="session")
def store(built: tuple[Settings, BuildResult]) -> ReadStore:
    """The published graphs as the publisher reads them: the embedded store or the remote one."""
    return open_store(Path(built[0].build_dir), remote_config(built[0]))


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


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory, backend: Backend) -> Iterator[LiveServer]:
    """The bundled data, built and served over real HTTP on loopback for the session (per backend)."""
    server = start_live_server(tmp_path_factory.mktemp("served"), backend=backend)
    yield server
    server.close()
