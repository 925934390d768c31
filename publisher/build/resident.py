"""The resident builder: `publisher watch` republishes as soon as a record changes.

A fresh `publisher build` after one changed record spends most of its time being a new
process: importing rdflib and pySHACL, loading the project (ontology, formats, shapes,
validator), reading back the release state and the record keys the previous build
wrote, and stat-ing every record to find the one that changed. A builder that stays
keeps all of that in memory: the project (`publisher.build.workerstate`), the release state it
has just written (`publisher.build.state`) and the keys it has just computed
(`publisher.build.cachekeys`). It is told of changes by the operating system's file events
(watchdog: inotify on Linux, FSEvents on macOS) on the data folder, the ontology and the
shapes, waits until the writes have settled, and runs the same build as `publisher
build`: the same checks, the same release, the same atomic switch. A build that fails
changes nothing (the published release stays) and is reported; the builder waits for
the next change.

A change outside the report records (the agency registry, the catalog description, the
ontology, the shapes) makes it load the project again. A change to the publisher's own
code needs the builder restarted.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import queue
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer

from publisher.build import workerstate
from publisher.build.builder import BuildResult, build
from publisher.build.cachekeys import shared_digest
from publisher.build.dumpfiles import remember_dumps
from publisher.build.warmup import warm_release
from publisher.errors import PublisherError, ValidationFailed
from publisher.records.loading import find_records
from publisher.release.gcpause import collection_paused
from publisher.release.paths import CACHE, current_release
from publisher.settings import ONTOLOGY_DIR, SHAPES_DIR, Settings

#: How long the files must have been quiet before a build starts (an editor saving writes more than once).
SETTLE = 0.05
#: More changes than this at once (a folder copied in), and the build looks at every record.
TRUSTED_AT_MOST = 1000


@dataclass
class Round:
    """One build of the resident builder: the changes that set it off, how it ended, how long it took."""

    changes: list[str]
    seconds: float  # from the first change seen to the end of the build (to the switch, when it published)
    result: BuildResult | None = None
    error: PublisherError | None = None
    records: set[str] = field(default_factory=set)  # the changed records, as the build names them
    when: str = field(default_factory=lambda: dt.datetime.now().strftime("%H:%M:%S"))

    @property
    def text(self) -> str:
        """What a person watching the builder reads: the outcome of each changed report, and one line."""
        changed = f"{len(self.changes)} change(s) / {len(self.changes)} 处改动" if self.changes else "start / 启动"
        if self.error is not None:
            lines = []
            if isinstance(self.error, ValidationFailed):
                lines = [o.text for o in self.error.outcomes if not o.conforms]
            lines.append(f"error: {self.error}")
            lines.append(
                f"[{self.when}] {changed}: the build failed in {self.seconds:.2f} s; the published release is "
                f"unchanged. / 构建失败，已发布的版本保持不变。"
            )
            return "\n".join(lines)
        assert self.result is not None
        summary = self.result.summary
        lines = [p.outcome.text for p in self.result.checked if str(p.report.path) in self.records]
        checked, written = (summary.checked, summary.republished) if summary is not None else (0, 0)
        if summary is not None and summary.incremental and written == 0:
            lines.append(f"[{self.when}] {changed}: nothing to publish ({self.seconds:.2f} s). / 无需重新发布。")
        else:
            lines.append(
                f"[{self.when}] {changed}: {checked} checked, {written} written, published "
                f"{self.result.release.name} in {self.seconds:.2f} s. / 检查 {checked} 份，写出 {written} 份，"
                f"{self.seconds:.2f} 秒内发布。"
            )
        return "\n".join(lines)


class ResidentBuilder:
    """Builds, then builds again after each settled change of the inputs, in this process, until stopped."""

    def __init__(self, settings: Settings, settle: float = SETTLE) -> None:
        self.settings = settings
        self.settle = settle
        self.inbox: queue.Queue[str] = queue.Queue()
        self.given = Path(settings.data_dir)  # as the settings name it: the records' paths are made from it
        self.data_dir = self.given.resolve()  # as the file events name it
        self.build_dir = Path(settings.build_dir).resolve()
        self.records: list[Path] | None = None  # as the last build found them

    def build(self, changes: Iterable[str], since: float | None = None) -> Round:
        """One build, as `publisher build` runs it; `since`: when the first of `changes` was seen.

        When every change is a file under the report folders (and there are not too many),
        the build looks at those files only: the records are the last ones known, updated
        with the changes, and the other records are not stat-ed. Otherwise it looks at
        everything, and a change outside the reports makes it load the project anew.
        """
        changes = sorted(changes)
        start = since if since is not None else time.perf_counter()
        reports = self.data_dir / "reports"
        inside = [Path(c) for c in changes if Path(c).is_relative_to(reports) and Path(c).parent != reports]
        heard: set[str] | None = None
        if self.records is not None and changes and len(inside) == len(changes) <= TRUSTED_AT_MOST:
            heard = {str(self.given / p.relative_to(self.data_dir)) for p in inside}
            self.records = self._records_after(heard)
        else:
            if not changes or len(inside) < len(changes):
                workerstate.forget()  # the registry, the catalog, the ontology or the shapes: the project anew
            self.records = find_records(self.given)
        # This process holds millions of objects (the project, the release state): a full collection set off
        # midway would cost more than the build of one record. Garbage is collected after it instead.
        try:
            with collection_paused():
                result = build(self.settings, records=self.records, changed=heard)
        except PublisherError as exc:
            return Round(changes, time.perf_counter() - start, error=exc)
        # to the switch: what the build tidies after it (old releases, an old cache) nobody waits for
        after = result.summary.timings.get("tidy", 0.0) if result.summary is not None else 0.0
        done = Round(changes, time.perf_counter() - start - after, result=result, records=heard or set())
        gc.collect()
        return done

    def _records_after(self, heard: set[str]) -> list[Path]:
        """The records known, with those heard of added (when they are there) or taken out (when not)."""
        assert self.records is not None
        known = set(self.records)
        found = set(known)
        for name in heard:
            path = Path(name)
            if path.suffix == ".yaml" and path.parent.parent == self.given / "reports":
                if path.is_file():
                    found.add(path)
                else:
                    found.discard(path)
        if found == known:
            return self.records
        return sorted(found, key=lambda path: (path.parent.name, path.name))

    def heard(self, path: str) -> None:
        """A file event: `path` was written, made, moved or removed."""
        if not Path(path).resolve().is_relative_to(self.build_dir):  # the build's own writes set nothing off
            self.inbox.put(path)

    def run(self, stop: threading.Event, report: Callable[[Round], None], ready: threading.Event | None = None) -> None:
        """Build once (the inputs may have changed while nobody watched), then after each change; until `stop`."""
        observer = Observer()
        handler = _Handler(self)
        for folder in (self.data_dir, ONTOLOGY_DIR, SHAPES_DIR):
            observer.schedule(handler, str(folder), recursive=True)
        observer.start()
        try:
            started = self.build([])
            with contextlib.suppress(PublisherError):  # a project that does not load: the next build says why
                self._warm()
            report(started)
            if ready is not None:
                ready.set()
            while not stop.is_set():
                try:
                    first = self.inbox.get(timeout=0.2)
                except queue.Empty:
                    continue
                since = time.perf_counter()
                changes = {first, *self._settled()}
                report(self.build(changes, since))
        finally:
            observer.stop()
            observer.join()

    def _warm(self) -> None:
        """What the first change would otherwise wait for, made now: the project, the checker and each format's
        context, the labels, the SHA-256 states of the published dumps (the first change's dumps are then hashed
        from where it begins), and the rows of every report in the release-wide files (`warm_release`)."""
        state = workerstate.current()
        if state is None:  # a large build ran in worker processes: this process loads nothing itself
            cache = Path(self.settings.build_dir) / CACHE / shared_digest(self.settings)[:16]
            state = workerstate.start(dict(self.settings.values), cache, cache)
        state.load("checker", "labels", "inputs", "context_graphs")
        for fmt in state.project.formats:
            state.checker.context(fmt)
        with contextlib.suppress(PublisherError):  # nothing published yet
            release = current_release(Path(self.settings.build_dir))
            remember_dumps(release)
            warm_release(release, state)

    def _settled(self) -> set[str]:
        """The further changes heard until none came for `settle` seconds."""
        more: set[str] = set()
        while True:
            try:
                more.add(self.inbox.get(timeout=self.settle))
            except queue.Empty:
                return more


class _Handler(FileSystemEventHandler):
    """Passes every change of a file under the watched folders to the builder."""

    IGNORED = frozenset({"opened", "closed_no_write"})  # reading a file changes nothing

    def __init__(self, builder: ResidentBuilder) -> None:
        super().__init__()
        self.builder = builder

    def dispatch(self, event: FileSystemEvent) -> None:
        if event.event_type in self.IGNORED or (event.is_directory and event.event_type == "modified"):
            return
        for path in (event.src_path, getattr(event, "dest_path", "")):
            if path:
                self.builder.heard(path if isinstance(path, str) else path.decode())
