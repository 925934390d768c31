"""The published store: an on-disk Oxigraph store per release, switched atomically.

    {build_dir}/releases/{id}/store/           the pyoxigraph store
    {build_dir}/releases/{id}/manifest.json    what was built, from which inputs
    {build_dir}/releases/{id}/validation.txt   the validation report of that build
    {build_dir}/releases/{id}/sources/{agency}/{year}.txt   the source documents
    {build_dir}/current -> releases/{id}       the published release (a symlink)
    {build_dir}/cache/, spare/, responses/, .trash/   what builds reuse (publisher.pipeline), the
                                               server's answers shared on disk (publisher.web.cache),
                                               and folders being removed in the background

A build writes a new release beside the old one and then replaces the `current`
link in one rename, so readers see either the old store or the new one, never a
half-built one; a failed build never touches `current`.

With a remote store (setting `store` = virtuoso or sparql, `publisher.remote`), the
release's own store is the staging copy the downloads and cross-report checks are
made from; `Release.publish` first replaces, in the remote store, the graphs that
changed (every graph of ours for a full build; a report's graph in one transaction,
so a reader sees its old or its new version), drops the graphs that went away, and
only then switches `current`. If the remote store fails half-way, the graphs already
replaced are put back from the previous release and `current` is left alone; if even
that fails, the next build replaces every graph (`REMOTE_STALE` marks it).

Everything that reads the published graphs gets them from `open_store`, as a
`ReadStore`: the embedded store or the remote one, nothing else knows which.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from pyoxigraph import (
    BlankNode,
    DefaultGraph,
    Literal,
    NamedNode,
    Quad,
    QueryBoolean,
    QuerySolutions,
    QueryTriples,
    RdfFormat,
    Store,
    Triple,
    Variable,
)
from rdflib import Graph, URIRef

from publisher.errors import PublisherError, StoreError
from publisher.remote import RemoteConfig, RemoteStore, read_graphs

if TYPE_CHECKING:
    from publisher.settings import Settings

CURRENT = "current"
RELEASES = "releases"
KEEP_RELEASES = 2
#: A file in build_dir saying the remote store may not hold the published release: the next build replaces it all.
REMOTE_STALE = ".remote-stale"
#: A file in a release saying which remote store it was published into.
REMOTE_FILE = "remote.json"


class ReadStore(Protocol):
    """What the publisher reads the published graphs through: `pyoxigraph.Store` or `publisher.remote.RemoteStore`."""

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


def current_release(build_dir: Path) -> Path:
    link = build_dir / CURRENT
    if not link.exists():
        raise StoreError(f"No built store in {build_dir}; run `publisher build` first.")
    return link.resolve()


def read_manifest(build_dir: Path) -> dict[str, Any]:
    path = current_release(build_dir) / "manifest.json"
    try:
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise StoreError(f"The build in {build_dir} has no readable manifest ({exc}); build again.") from exc
    return data


def open_store(build_dir: Path, remote: RemoteConfig | None = None) -> ReadStore:
    """The published graphs, read-only: the embedded store of the current release, or the remote store."""
    if remote is not None:
        current_release(build_dir)  # nothing is served before a release is published
        return RemoteStore(remote)
    return open_embedded(build_dir)


def open_embedded(build_dir: Path) -> Store:
    """The current release's own store, read-only."""
    path = current_release(build_dir) / "store"
    try:
        return Store.read_only(str(path))
    except OSError as exc:
        raise StoreError(f"Cannot open the store at {path}: {exc}. Build again with `publisher build`.") from exc


class Release:
    """A release being written; published by `publish()`, discarded by `discard()`."""

    def __init__(self, build_dir: Path, release_id: str) -> None:
        self.build_dir = build_dir
        self.path = build_dir / RELEASES / release_id
        if self.path.exists():
            shutil.rmtree(self.path)
        self.path.mkdir(parents=True)
        self.store: Store | None = Store(str(self.path / "store"))

    def add_graph(self, name: URIRef, graph: Graph) -> None:
        assert self.store is not None
        data = graph.serialize(format="nt", encoding="utf-8")
        self.store.bulk_load(data, format=RdfFormat.N_TRIPLES, to_graph=NamedNode(str(name)))

    def write(self, filename: str, text: str) -> None:
        target = self.path / filename
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")

    def close(self) -> None:
        if self.store is not None:
            self.store.flush()
            self.store.optimize()
            self.store = None  # released: RocksDB closes when the object goes

    def publish(self, settings: Settings | None = None, changed: Sequence[str] | None = None) -> Path:
        """Point `current` at this release in one atomic rename, then prune old releases.

        With a remote store in `settings`, the remote store is brought to this release
        first (`changed`: the report graphs an incremental build replaced or removed;
        None: every graph).
        """
        self.close()
        (self.path / REMOTE_FILE).unlink(missing_ok=True)  # a recycled release folder may say where it was sent
        remote = remote_config(settings) if settings is not None else None
        if remote is not None:
            assert settings is not None
            mirror(self, RemoteStore(remote), settings.base, changed)
        link = self.build_dir / CURRENT
        tmp = self.build_dir / f".{CURRENT}.tmp"
        if tmp.is_symlink() or tmp.exists():
            tmp.unlink()
        tmp.symlink_to(Path(RELEASES) / self.path.name)
        os.replace(tmp, link)
        _prune(self.build_dir, keep={self.path.name})
        return self.path

    def discard(self) -> None:
        self.store = None
        shutil.rmtree(self.path, ignore_errors=True)


def _prune(build_dir: Path, keep: Iterable[str]) -> None:
    releases = sorted((build_dir / RELEASES).iterdir(), key=lambda p: p.stat().st_mtime, reverse=True)
    kept = set(keep)
    for path in releases:
        if path.name in kept:
            continue
        if len(kept) < KEEP_RELEASES:
            kept.add(path.name)
            continue
        shutil.rmtree(path, ignore_errors=True)


def mirror(release: Release, remote: RemoteStore, base: str, changed: Sequence[str] | None) -> None:
    """Bring the remote store to `release`: replace changed graphs, drop gone ones, roll back on failure."""
    remote.check_private()
    remote.check_staging_private()
    stale = release.build_dir / REMOTE_STALE
    link = release.build_dir / CURRENT
    previous = link.resolve() if link.exists() else None
    local = Store.read_only(str(release.path / "store"))
    ours = {g.value for g in local.named_graphs() if isinstance(g, NamedNode)}
    there = {g.value for g in remote.named_graphs()}
    missing = ours - there - set(changed or ())  # a store that lost graphs (restored, wiped) gets all of them
    if changed is None or missing or stale.exists() or previous is None or not mirrored_to(previous, remote.config):
        gone = {g for g in there if g.startswith(base + "/")}
        if previous is not None:  # the previous release's graphs, whatever its base IRI was
            before = Store.read_only(str(previous / "store"))
            gone |= {g.value for g in before.named_graphs() if isinstance(g, NamedNode)}
        replace, drop = sorted(ours), sorted((gone & there) - ours)
    else:
        replace, drop = sorted(set(changed) & ours), sorted((set(changed) & there) - ours)
    done: list[str] = []
    try:
        for start in range(0, len(replace), 200):
            names = replace[start : start + 200]
            remote.replace_graphs(read_graphs(local, names), present=there)
            done += names
        remote.drop_graphs(drop)
        done += drop
    except PublisherError as exc:
        try:
            _restore(remote, previous, done, there)
        except PublisherError as again:
            stale.write_text(f"{again}\n", encoding="utf-8")
            raise StoreError(
                f"{exc} Putting the previous release back into the remote store failed too ({again}): it may "
                "mix releases until the next build, which replaces every graph."
            ) from exc
        raise StoreError(
            f"{exc} The remote store was put back to the previous release; nothing was published."
        ) from exc
    stale.unlink(missing_ok=True)
    (release.path / REMOTE_FILE).write_text(
        json.dumps({"kind": remote.config.kind, "query_url": remote.config.query_url}) + "\n", encoding="utf-8"
    )


def mirrored_to(release: Path, remote: RemoteConfig) -> bool:
    """Whether `release` was published into this remote store (its graphs are all there)."""
    try:
        data = json.loads((release / REMOTE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return bool(data.get("query_url") == remote.query_url and data.get("kind") == remote.kind)


def _restore(remote: RemoteStore, previous: Path | None, names: Sequence[str], there: set[str]) -> None:
    """Put `names` back as the store had them before (`there`: the graphs it held), from the previous release."""
    if not names:
        return
    had = [n for n in names if n in there]
    if had:
        if previous is None:
            raise StoreError(f"No previous release to restore {len(had)} graph(s) of the remote store from.")
        remote.replace_graphs(read_graphs(Store.read_only(str(previous / "store")), had), present=set(names))
    remote.drop_graphs(sorted(set(names) - set(had)))
