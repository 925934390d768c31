"""The published store: an on-disk Oxigraph store per release, switched atomically.

    {build_dir}/releases/{id}/store/           the pyoxigraph store
    {build_dir}/releases/{id}/manifest.json    what was built, from which inputs
    {build_dir}/releases/{id}/validation.txt   the validation report of that build
    {build_dir}/releases/{id}/sources/{agency}/{year}.txt   the source documents
    {build_dir}/current -> releases/{id}       the published release (a symlink)

A build writes a new release beside the old one and then replaces the `current`
link in one rename, so readers see either the old store or the new one, never a
half-built one; a failed build never touches `current`.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from pyoxigraph import NamedNode, RdfFormat, Store
from rdflib import Graph, URIRef

from publisher.errors import StoreError

CURRENT = "current"
RELEASES = "releases"
KEEP_RELEASES = 2


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


def open_store(build_dir: Path) -> Store:
    """The published store, read-only."""
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

    def publish(self) -> Path:
        """Point `current` at this release in one atomic rename, then prune old releases."""
        self.close()
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
