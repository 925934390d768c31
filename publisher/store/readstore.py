"""Reading the published release: its graphs through one interface, `ReadStore`, and its manifest.

Everything that reads the published graphs gets them from `open_store`, as a
`ReadStore`: the embedded store of the current release (`build_dir/current/store`,
see `publisher.release.paths`) or the remote store (setting `store` = virtuoso or
sparql, `publisher.store.remote`), nothing else knows which.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Protocol

from pyoxigraph import (
    BlankNode,
    DefaultGraph,
    Literal,
    NamedNode,
    Quad,
    QueryBoolean,
    QuerySolutions,
    QueryTriples,
    Store,
    Triple,
    Variable,
)

from publisher.errors import StoreError
from publisher.release.paths import MANIFEST, STORE, current_release
from publisher.settings import Settings
from publisher.store.remote import RemoteConfig, RemoteStore


class ReadStore(Protocol):
    """What the publisher reads the published graphs through: `pyoxigraph.Store` or `remote.RemoteStore`."""

    def query(
        self,
        query: str,
        *,
        base_iri: str | None = ...,
        use_default_graph_as_union: bool = ...,
        default_graph: list[NamedNode | BlankNode | DefaultGraph] | None = ...,
        named_graphs: list[NamedNode | BlankNode] | None = ...,
        substitutions: dict[Variable, NamedNode | BlankNode | Literal | Triple] | None = ...,
    ) -> QuerySolutions | QueryBoolean | QueryTriples: ...

    def quads_for_pattern(
        self,
        subject: NamedNode | BlankNode | Triple | None,
        predicate: NamedNode | None,
        object: NamedNode | BlankNode | Literal | Triple | None,
        graph_name: NamedNode | BlankNode | DefaultGraph | None = ...,
    ) -> Iterator[Quad]: ...

    def named_graphs(self) -> Iterator[NamedNode | BlankNode]: ...

    def contains_named_graph(self, graph_name: NamedNode | BlankNode) -> bool: ...

    def __len__(self) -> int: ...


def query_at_most(
    store: ReadStore, rows: int, query: str, **options: Any
) -> QuerySolutions | QueryBoolean | QueryTriples:
    """`store.query(query, **options)` for a caller that reads at most `rows` rows: a remote store sends no more."""
    if isinstance(store, RemoteStore):
        return store.query(query, max_rows=rows, **options)
    return store.query(query, **options)  # the embedded store's answers are read lazily anyway


def remote_config(settings: Settings) -> RemoteConfig | None:
    """The remote store the settings name, or None for the embedded store."""
    if settings.store == "embedded":
        return None
    return RemoteConfig(
        kind=str(settings.store),
        query_url=str(settings.store_query_url),
        update_url=str(settings.store_update_url),
        user=str(settings.store_user),
        password=str(settings.store_password),
        graph_url=str(settings.store_graph_url),
        timeout=float(settings.query_timeout) + 5.0,
    )


def open_store(build_dir: Path, remote: RemoteConfig | None = None) -> ReadStore:
    """The published graphs, read-only: the embedded store of the current release, or the remote store."""
    if remote is not None:
        current_release(build_dir)  # nothing is served before a release is published
        return RemoteStore(remote)
    return open_embedded(build_dir)


def open_embedded(build_dir: Path) -> Store:
    """The current release's own store, read-only."""
    path = current_release(build_dir) / STORE
    try:
        return Store.read_only(str(path))
    except OSError as exc:
        raise StoreError(f"Cannot open the store at {path}: {exc}. Build again with `publisher build`.") from exc


def read_manifest(build_dir: Path) -> dict[str, Any]:
    """The current release's manifest (its reports, digests and settings), or StoreError."""
    path = current_release(build_dir) / MANIFEST
    try:
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise StoreError(f"The build in {build_dir} has no readable manifest ({exc}); build again.") from exc
    return data
