"""Publishing a release: writing it beside the published one, then switching `current` to it in one rename.

A build writes a new release folder (`build_dir/releases/{id}`, laid out as
`publisher.release.paths` says) beside the old one and then replaces the `current`
link in one rename, so readers see either the old store or the new one, never a
half-built one; a failed build never touches `current`. Each switch is recorded in the
published history (`build_dir/.published`); pruning keeps what `current` names and the
releases published just before it (`KEEP_RELEASES` in all) and removes every other
folder, a never-published one (left by a killed build) first of all: never by
modification time, which a killed build's folder would win.

With a remote store (setting `store` = virtuoso or sparql, `publisher.store.remote`), the
release's own store is the staging copy the downloads and cross-report checks are
made from; `Release.publish` first replaces, in the remote store, the graphs that
changed (every graph of ours for a full build; a report's graph in one transaction,
so a reader sees its old or its new version), drops the graphs that went away, and
only then switches `current` (`mirror`). If the remote store fails half-way, the graphs
already replaced are put back from the previous release and `current` is left alone; if
even that fails, the next build replaces every graph (`REMOTE_STALE` marks it).
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from pyoxigraph import NamedNode, Store

from publisher.errors import PublisherError, StoreError
from publisher.rdf.iris import Iris
from publisher.release.paths import CURRENT, PUBLISHED, RELEASES, REMOTE_FILE, REMOTE_STALE, STORE
from publisher.settings import Settings
from publisher.store.readstore import remote_config
from publisher.store.remote import RemoteConfig, RemoteStore
from publisher.store.remotewrites import RemoteWriter, read_graphs

#: Releases kept in build_dir/releases: the published one and its predecessor.
KEEP_RELEASES = 2
#: Lines kept in the published history (`build_dir/.published`).
HISTORY_LINES = 20


@dataclass
class Release:
    """A release written into `path` (build_dir/releases/{id}); published by `publish()`, discarded by `discard()`.

    `store` is the release's Oxigraph store while it is written (the build opens it), None once closed.
    """

    build_dir: Path
    path: Path
    store: Store | None = None

    def close(self) -> None:
        """Flush and compact the release's store, and let it go."""
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
        before = link.resolve().name if link.exists() else None
        tmp = self.build_dir / f".{CURRENT}.tmp"
        if tmp.is_symlink() or tmp.exists():
            tmp.unlink()
        tmp.symlink_to(Path(RELEASES) / self.path.name)
        os.replace(tmp, link)
        record_published(self.build_dir, [name for name in (before, self.path.name) if name is not None])
        prune(self.build_dir)
        return self.path

    def discard(self) -> None:
        self.store = None
        shutil.rmtree(self.path, ignore_errors=True)


def published_history(build_dir: Path) -> list[str]:
    """The releases `current` has named, oldest first (empty for a build folder from before the history)."""
    try:
        text = (build_dir / PUBLISHED).read_text(encoding="utf-8")
    except OSError:
        return []
    return [line for line in text.splitlines() if line and "/" not in line and line not in (".", "..")]


def record_published(build_dir: Path, names: Sequence[str]) -> None:
    """`names` (the release published before, then the one just published) put last in the published history."""
    history = [name for name in published_history(build_dir) if name not in names] + list(names)
    tmp = build_dir / f"{PUBLISHED}.{os.getpid()}.tmp"
    tmp.write_text("".join(f"{name}\n" for name in history[-HISTORY_LINES:]), encoding="utf-8")
    os.replace(tmp, build_dir / PUBLISHED)


def kept_releases(build_dir: Path) -> set[str]:
    """What pruning keeps: the release `current` names and the ones published just before it, `KEEP_RELEASES`
    in all (a release `current` named after a build killed before it wrote the history is kept as well)."""
    link = build_dir / CURRENT
    served = [link.resolve().name] if link.exists() else []
    newest_first = [*served, *(name for name in reversed(published_history(build_dir)) if name not in served)]
    return set(newest_first[:KEEP_RELEASES])


def prune(build_dir: Path, remove: Callable[[list[Path]], None] | None = None) -> list[str]:
    """Remove every release folder but the kept ones (`kept_releases`): old published releases and any never
    published (a build killed before its switch left it). Nothing when the history is empty (a build folder
    from before the history: its releases are told apart at its next switch). `remove`: how (default: deleted
    here and now). The names removed."""
    if not published_history(build_dir) or not (build_dir / RELEASES).is_dir():
        return []
    keep = kept_releases(build_dir)
    removed = [path for path in (build_dir / RELEASES).iterdir() if path.name not in keep]
    if remove is not None:
        remove(removed)
    for path in removed:
        shutil.rmtree(path, ignore_errors=True)
    return [path.name for path in removed]


def mirror(release: Release, remote: RemoteStore, base: str, changed: Sequence[str] | None) -> None:
    """Bring the remote store to `release`: replace changed graphs, drop gone ones, roll back on failure."""
    writer = RemoteWriter(remote)
    remote.check_private()
    writer.check_staging_private()
    stale = release.build_dir / REMOTE_STALE
    link = release.build_dir / CURRENT
    previous = link.resolve() if link.exists() else None
    local = Store.read_only(str(release.path / STORE))
    ours = {g.value for g in local.named_graphs() if isinstance(g, NamedNode)}
    there = {g.value for g in remote.named_graphs()}
    missing = ours - there - set(changed or ())  # a store that lost graphs (restored, wiped) gets all of them
    if changed is None or missing or stale.exists() or previous is None or not mirrored_to(previous, remote.config):
        gone = {g for g in there if Iris(base).within(g)}
        if previous is not None:  # the previous release's graphs, whatever its base IRI was
            before = Store.read_only(str(previous / STORE))
            gone |= {g.value for g in before.named_graphs() if isinstance(g, NamedNode)}
        replace, drop = sorted(ours), sorted((gone & there) - ours)
    else:
        replace, drop = sorted(set(changed) & ours), sorted((set(changed) & there) - ours)
    done: list[str] = []
    try:
        for start in range(0, len(replace), 200):
            names = replace[start : start + 200]
            writer.replace_graphs(read_graphs(local, names), present=there)
            done += names
        writer.drop_graphs(drop)
        done += drop
    except PublisherError as exc:
        try:
            _restore(writer, previous, done, there)
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


def _restore(remote: RemoteWriter, previous: Path | None, names: Sequence[str], there: set[str]) -> None:
    """Put `names` back as the store had them before (`there`: the graphs it held), from the previous release."""
    if not names:
        return
    had = [n for n in names if n in there]
    if had:
        if previous is None:
            raise StoreError(f"No previous release to restore {len(had)} graph(s) of the remote store from.")
        remote.replace_graphs(read_graphs(Store.read_only(str(previous / STORE)), had), present=set(names))
    remote.drop_graphs(sorted(set(names) - set(had)))
