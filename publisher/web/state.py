"""What the web app serves from: the published release, reopened when a build replaces it.

`create_app` keeps one `Publication` and one `QueryService` in the app's extensions;
views reach them through `publication()` and `query_service()`.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from flask import current_app

from publisher.rdf.iris import CatalogIris, Iris
from publisher.release.paths import current_release
from publisher.settings import Settings
from publisher.sparql.service import QueryService
from publisher.store.readstore import ReadStore, open_store, read_manifest, remote_config

#: The keys under which `create_app` keeps the shared state in `app.extensions`.
PUBLICATION = "publication"
QUERY_SERVICE = "query_service"


class Publication:
    """The published graphs and the manifest, as of the latest `current` release.

    The graphs are read from the release's embedded store, or from the remote store
    the settings name (`remote`), which a build brings to the release before it
    switches `current`.

    Each access checks where `build_dir/current` points (one readlink) and reopens
    the store when a build has switched it, so a rebuild is served without a restart
    and a request never sees a half-built store.
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.iris = Iris(settings.base)
        self.catalog_iris = CatalogIris(self.iris)
        self.build_dir = Path(settings.build_dir)
        self.remote = remote_config(settings)
        self._lock = threading.Lock()
        self._release: Path | None = None
        self._store: ReadStore | None = None
        self._manifest: dict[str, Any] = {}

    def _refresh(self) -> None:
        release = current_release(self.build_dir)
        if release != self._release or self._store is None:
            with self._lock:
                if release != self._release or self._store is None:
                    self._store = open_store(self.build_dir, self.remote)
                    self._manifest = read_manifest(self.build_dir)
                    self._release = release

    @property
    def store(self) -> ReadStore:
        self._refresh()
        assert self._store is not None
        return self._store

    @property
    def manifest(self) -> dict[str, Any]:
        self._refresh()
        return self._manifest

    @property
    def release(self) -> Path:
        self._refresh()
        assert self._release is not None
        return self._release

    @property
    def backend(self) -> str:
        """Which store answers: the embedded Oxigraph store, or the remote store (kind and endpoint)."""
        return "oxigraph (embedded)" if self.remote is None else f"{self.remote.kind} ({self.remote.query_url})"


def publication() -> Publication:
    """The publication the current app serves."""
    pub: Publication = current_app.extensions[PUBLICATION]
    return pub


def query_service() -> QueryService:
    """The query service of the current app (the SPARQL endpoint's engine)."""
    found: QueryService = current_app.extensions[QUERY_SERVICE]
    return found
