"""What a build process loads once, `WorkerState`, and the one this process holds.

A worker process (and the build's own process, for short runs) loads the project —
ontology, formats, registry, shapes, validator — and what is made from it (the fast
checker, the catalog's inputs, the labels) once, each part when first needed, and
keeps it for every report it checks or writes. The project itself is kept as a
snapshot in the build's cache (`load_project_snapshot`), so that a new process
unpickles it instead of parsing it again.

The state of this process is set by `start` (a pool's initializer, or the build's own
process before it works on a run itself), read by `current`, and dropped by `forget`
(a resident builder whose project changed).
"""

from __future__ import annotations

import copy
import gc
import hashlib
import os
import pickle
import sys
from collections.abc import Mapping
from functools import cached_property
from pathlib import Path
from typing import Any

import rdflib
from rdflib import Graph

from publisher.build.project import Project, load_project
from publisher.graph.formats import union
from publisher.publication.catalog import CatalogInfo, load_catalog_info
from publisher.publication.dcat import CatalogInputs
from publisher.release.paths import CACHE_PROJECT
from publisher.settings import Settings, load_settings
from publisher.validation.checker import ReportChecker


class WorkerState:
    """What a build process loads once: the project and what is made from it, each loaded when first needed.

    `cache`: the build's cache folder (snapshots, checked reports, corpus pieces);
    `staging`: where newly checked reports are written (moved into the cache once the
    build may go on); `settles`: this is a pool's worker process (see `settle`).
    A build whose records are all in the cache never reads the ontology, formats or shapes.
    """

    #: What is loaded when first needed (the cached properties), for `settle`.
    LOADED = ("project", "context_graphs", "checker", "keys", "info", "labels", "inputs")

    def __init__(self, settings: Settings, cache: Path) -> None:
        self.settings = settings
        self.cache = cache
        self.staging = cache  # where checked records are written (moved into the cache once the build may go on)
        self.settles = False  # a pool's worker process: see settle()
        self._settled: tuple[object, ...] = ()

    def settle(self) -> None:
        """In a pool's worker process, leave what it has loaded out of Python's cyclic garbage collections.

        The project, the checker with its contexts and the catalog inputs are some hundreds of
        thousands of objects that live as long as the process; every full collection walked
        them all again (0.1–0.2 s each: a fifth of a worker's CPU time over a corpus). After a
        batch that loaded or renewed something (a context graph is made anew every
        `checker` renewal), what was frozen is let go, collected, and what is alive then
        frozen again (`gc.freeze()`): kept out of later collections (the batch's own results
        too: a few kilobytes, a few times a build). Never in any other process (the build's
        own, a resident builder), whose objects do not all live as long as it does.
        """
        if not self.settles:
            return
        checker = self.__dict__.get("checker")
        contexts = tuple((fmt, c.renewals) for fmt, c in checker.contexts.items()) if checker is not None else ()
        loaded = (*(name for name in self.LOADED if name in self.__dict__), *contexts)
        if loaded != self._settled:
            gc.unfreeze()
            gc.collect()
            gc.freeze()
            self._settled = loaded

    def with_cache(self, cache: Path) -> WorkerState:
        """This state with what it has loaded (the project, the checker, the labels, the inputs: loaded first),
        reading and writing its checked reports and pieces in `cache` instead (a warm-up's scratch cache)."""
        self.load("project", "checker", "info", "labels", "inputs")
        other = copy.copy(self)
        other.cache = other.staging = cache
        return other

    def load(self, *parts: str) -> None:
        """Load the named parts (of `LOADED`) now, rather than when first needed."""
        for part in parts:
            getattr(self, part)

    @cached_property
    def project(self) -> Project:
        return load_project_snapshot(self.settings, self.cache)

    @cached_property
    def context_graphs(self) -> list[tuple[str, bytes]]:
        """The ontology's documents and the agency registry, (graph name, N-Triples): what the rules across
        years read besides the reports. Kept beside the project's snapshot."""
        path = snapshot_path(self.settings, self.cache).with_suffix(".context")
        try:
            found: list[tuple[str, bytes]] = pickle.loads(path.read_bytes())
            return found
        except (OSError, EOFError, pickle.UnpicklingError, TypeError, ValueError):
            pass
        project = self.project
        graphs = [*project.ontology.items(), (project.iris.graph("agencies"), project.agencies)]
        made = [(str(name), graph.serialize(format="nt", encoding="utf-8")) for name, graph in graphs]
        keep_file(path, pickle.dumps(made, protocol=pickle.HIGHEST_PROTOCOL))
        return made

    @cached_property
    def checker(self) -> ReportChecker:
        project = self.project
        return ReportChecker(project.validator, project.ontology, project.formats, project.agencies, project.iris)

    @cached_property
    def keys(self) -> dict[str, Any]:
        return {slug: fmt.record_keys for slug, fmt in self.project.formats.items()}

    @cached_property
    def info(self) -> CatalogInfo:
        return load_catalog_info(Path(self.settings.data_dir))

    @cached_property
    def labels(self) -> Graph:
        return union([*self.project.ontology.values(), self.project.agencies])

    @cached_property
    def inputs(self) -> CatalogInputs:
        project = self.project
        return CatalogInputs(project.iris, self.info, project.registry, self.labels, project.agencies, [], [])


def snapshot_path(settings: Settings, cache: Path) -> Path:
    """Where the project's snapshot made from these settings, registry and code is kept (see load_project_snapshot).

    The cache folder is already that of the ontology, shapes, base IRI and version; the
    name adds the agency registry, the code of the publisher and the versions of Python
    and rdflib, so a snapshot is never read by code that would have loaded something else.
    """
    digest = hashlib.sha256(f"{sys.version}\0{rdflib.__version__}\0{settings.base}\0".encode())
    registry = Path(settings.data_dir) / "agencies.yaml"
    digest.update(registry.read_bytes() if registry.is_file() else b"")
    package = Path(__file__).resolve().parents[1]  # the publisher package, every stage of it
    for source in sorted(package.rglob("*.py")):
        found = source.stat()
        digest.update(f"\0{source.relative_to(package)}\0{found.st_mtime_ns}\0{found.st_size}".encode())
    return cache / CACHE_PROJECT / f"{digest.hexdigest()[:32]}.pickle"


def load_project_snapshot(settings: Settings, cache: Path) -> Project:
    """`project.load_project`, or its snapshot in the cache when one was made from the same inputs and code.

    Parsing the ontology, formats and shapes with rdflib and preparing the validator
    takes half a second; unpickling them a fifth of that, which is most of what a
    one-record rebuild would otherwise spend.
    """
    path = snapshot_path(settings, cache)
    try:
        parts = pickle.loads(path.read_bytes())
        return Project(settings, *parts)
    except (OSError, EOFError, pickle.UnpicklingError, AttributeError, TypeError, ImportError, ValueError):
        pass
    project = load_project(settings)
    parts = (project.iris, project.ontology, project.formats, project.registry, project.agencies, project.shapes,
             project.validator)  # fmt: skip
    if keep_file(path, pickle.dumps(parts, protocol=pickle.HIGHEST_PROTOCOL)):
        for other in path.parent.iterdir():
            if other.stem != path.stem:
                other.unlink(missing_ok=True)  # made by other code, or from another registry
    return project


def keep_file(path: Path, data: bytes) -> bool:
    """Write `data` to `path` whole or not at all (a temporary file renamed); False if it could not be written."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        tmp.write_bytes(data)
        os.replace(tmp, path)
    except OSError:
        return False
    return True


_current: WorkerState | None = None


def start(values: Mapping[str, Any], cache: Path, staging: Path, settles: bool = False) -> WorkerState:
    """Make this process's state from settings' values (`settles`: a pool's worker process, see WorkerState.settle)."""
    global _current
    _current = WorkerState(load_settings(values, environ={}), cache)
    _current.staging = staging
    _current.settles = settles
    return _current


def current() -> WorkerState | None:
    """This process's state, or None when none was started (or it was forgotten)."""
    return _current


def current_for(settings: Settings) -> WorkerState | None:
    """This process's state when it was made for these settings, else None (none, or another project's)."""
    return _current if _current is not None and _current.settings.values == settings.values else None


def forget() -> None:
    """Drop this process's state: the next run loads the project anew."""
    global _current
    _current = None
