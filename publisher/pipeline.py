"""The build at scale: records checked in parallel, cached by content, bulk-loaded, checked across reports.

    records ──(workers: read, graph, validate one report per call)──▶ cache/{key}.pickle
            ──(main: bulk load every graph)──▶ store
            ──(main: rules across years as SPARQL over the store)──▶ warnings ──▶ DQV annotations
            ──(workers: downloads and catalog entry per report)──▶ release files
            ──(main: corpus dumps from cached pieces, catalog, VoID, manifest)──▶ atomic switch

Workers are processes (one per core; the project — ontology, formats, registry,
shapes — is loaded once per worker). Each report is checked on its own, one report
per validation call (`checking.ReportChecker`): every shape but the rules across
years. Those (dis:CrossYearRule: carry-over, stock and flow) are evaluated once over
the loaded store, one query per rule for all reports at once, instead of once per
pair of consecutive reports; they only ever give warnings.

A report's **key** is a hash of what its graph depends on: the record, its source
document, its agency's registry entry and division, the ontology, the shapes, the
base IRI and the publisher's version. A report whose key is in the cache is not read
or validated again.

**One change, one report's work.** Each release keeps its `ReleaseState`
(`build-state.pickle`: every report's key, findings and file digest, and where each
report's part is in the release-wide files). When the previous release was built from
the same ontology, shapes and data-folder files, the next build touches only what
changed, whatever the size of the corpus:

- the store is a hard-linked checkpoint of the previous one, with the changed
  reports' graphs replaced; only their agencies' rules are checked again;
- the release folder is recycled: a release about to be pruned (or, after a build
  from nothing, a hard-linked spare of it in `build_dir/spare/`) is renamed into
  place and only the reports that differ between it and the new release are
  unlinked and linked again or rewritten, instead of hard-linking every report's
  ~9 files (and deleting as many with the pruned release);
- the corpus dumps, `downloads/index.json`, `catalog/index.json`, `manifest.json`
  and `validation.txt` are spliced (`publisher.releasefiles.Splice`): the unchanged
  reports' parts copied from the previous version in a few runs, the others written;
- VoID's statistics are the previous ones with the changed graphs' counts taken
  off and added (distinct objects: each of their objects looked up in the old and
  the new store).

When nothing changed at all, nothing is published. A build that fails leaves
`current` as it was: recycling only ever takes trees that are not published.
"""

from __future__ import annotations

import datetime as dt
import gc
import gzip
import hashlib
import io
import json
import os
import pickle
import re
import shutil
import time
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, cast

import pyoxigraph as ox

from publisher import __version__, workers
from publisher.errors import BuildError, PublisherError, SourceError, ValidationFailed
from publisher.iris import Iris
from publisher.progress import Progress
from publisher.records import Report, find_records
from publisher.releasefiles import RESPONSES, Layout, Splice, discard_later, link_files, unlink_files
from publisher.settings import ONTOLOGY_DIR, SHAPES_DIR, Settings
from publisher.store import RELEASES, Release, current_release, remote_config
from publisher.validation import Finding, Outcome
from publisher.workers import (
    CheckedReport,
    Failure,
    Published,
    PublishJob,
    Workers,
    _check_batch,
    _publish_batch,
    _WorkerState,
    graph_file,
    read_cache,
)

CACHE = "cache"
MANIFEST = "manifest.json"
STATE = "build-state.pickle"
#: Bumped when ReleaseState changes shape: a state of another version is not read (the next build starts anew).
STATE_VERSION = 1
#: build_dir/spare/{release}: a hard-linked copy of a release's report files, recycled by the next build.
SPARE = "spare"
#: A rebuild that changes more than this share of the reports starts a new store instead of a checkpoint.
INCREMENTAL_SHARE = 0.2
#: The release's folders holding one or more files per report (what recycling keeps).
REPORT_FOLDERS = ("downloads", "catalog", "sources")
DUMPS = {
    "nquads": "corpus.nq.gz",
    "turtle": "corpus.ttl.gz",
    "ntriples": "corpus.nt.gz",
    "jsonld": "corpus.jsonld.gz",
    "csv": "corpus.csv.gz",
}
DOWNLOADS_INDEX = "downloads/index.json"
CATALOG_INDEX = "catalog/index.json"
VALIDATION = "validation.txt"


# ---------------------------------------------------------------------------
# Keys: what a report's graph depends on
# ---------------------------------------------------------------------------


def shared_digest(settings: Settings) -> str:
    """Hash of what every report depends on: version, base IRI, ontology and shapes."""
    digest = hashlib.sha256(f"{__version__}\n{settings.base}\n".encode())
    for root in (ONTOLOGY_DIR, SHAPES_DIR):
        for path in sorted(p for p in root.rglob("*.ttl") if p.is_file()):
            digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


_AGENCY_LINE = re.compile(r"^agency:\s*['\"]?([a-z0-9-]+)", re.MULTILINE)
_SOURCE_FILE = re.compile(r"^\s+file:\s*['\"]?([^'\"\n#]+?)['\"]?\s*(?:#.*)?$", re.MULTILINE)


class RegistryEntries:
    """The text of each agency's entry in agencies.yaml (and its division's), to hash into report keys."""

    def __init__(self, path: Path) -> None:
        text = path.read_text(encoding="utf-8") if path.exists() else ""
        self.whole = hashlib.sha256(text.encode()).hexdigest()
        self.entries: dict[str, str] = {}
        current: str | None = None
        lines: list[str] = []
        for line in text.splitlines():
            match = re.match(r"^  ['\"]?([A-Za-z0-9-]+)['\"]?:\s*$", line)
            if match or not line.startswith("   "):
                if current is not None:
                    self.entries[current] = "\n".join(lines)
                current, lines = (match.group(1), [line]) if match else (None, [])
            elif current is not None:
                lines.append(line)
        if current is not None:
            self.entries[current] = "\n".join(lines)

    def of(self, agency: str) -> str:
        entry = self.entries.get(agency)
        if entry is None:
            return self.whole  # not found as expected: depend on the whole registry
        division = re.search(r"division:\s*['\"]?(\d{6})", entry)
        parts = [entry, self.entries.get(division.group(1), self.whole) if division else self.whole]
        return "\n".join(parts)


def record_key(shared: str, path: Path, registry: RegistryEntries) -> str:
    """The report's content key: its record, source document and registry entry, with `shared`."""
    return _key_parts(shared, path, registry)[0]


def _key_parts(shared: str, path: Path, registry: RegistryEntries) -> tuple[str, str, str]:
    """(key, agency, source file) of a record, read without parsing its YAML."""
    data = path.read_bytes()
    digest = hashlib.sha256(shared.encode() + b"\0" + data)
    text = data.decode("utf-8", errors="replace")
    source = _SOURCE_FILE.search(text)
    source_path = str(path.parent / source.group(1).strip()) if source else ""
    if source_path:
        try:
            digest.update(b"\0" + Path(source_path).read_bytes())
        except OSError:
            digest.update(b"\0missing")
    match = _AGENCY_LINE.search(text)
    agency = match.group(1) if match else ""
    digest.update(b"\0" + registry.of(agency).encode())
    return digest.hexdigest(), agency, source_path


class StatCache:
    """Record keys remembered with the files' sizes and modification times, so unchanged files are not read."""

    def __init__(self, cache: Path) -> None:
        self.path = cache / "keys.json"
        self.pending: dict[str, Any] | None = None

    @staticmethod
    def _stat(path: str) -> list[int]:
        try:
            found = os.stat(path)
        except OSError:
            return [-1, -1]
        return [found.st_mtime_ns, found.st_size]

    def keys(self, shared: str, paths: Sequence[Path], registry: RegistryEntries, save: bool = True) -> dict[Path, str]:
        """Each record's key; remembered on disk now, or with `save()` when `save` is false."""
        try:
            old: dict[str, Any] = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            old = {}
        new: dict[str, Any] = {}
        keys: dict[Path, str] = {}
        entries: dict[str, str] = {}

        def entry(agency: str) -> str:
            if agency not in entries:
                entries[agency] = hashlib.sha256(registry.of(agency).encode()).hexdigest()
            return entries[agency]

        for path in paths:
            known = old.get(str(path))
            record = self._stat(str(path))
            if (
                known is not None
                and known["record"] == record
                and known["source"] == self._stat(known["source_path"])
                and known["entry"] == entry(known["agency"])
            ):
                new[str(path)] = known
                keys[path] = known["key"]
                continue
            key, agency, source = _key_parts(shared, path, registry)
            new[str(path)] = {
                "key": key,
                "record": record,
                "agency": agency,
                "source_path": source,
                "source": self._stat(source),
                "entry": entry(agency),
            }
            keys[path] = key
        self.pending = new if new != old else None  # None: nothing to remember anew
        if save:
            self.save()
        return keys

    def save(self) -> None:
        """Remember the keys computed last."""
        if self.pending is None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(self.pending), encoding="utf-8")
        os.replace(tmp, self.path)


# ---------------------------------------------------------------------------
# Rules over the store
# ---------------------------------------------------------------------------


class _Lines:
    """What `Validator._make_finding` needs of a report to name a figure's line."""

    def __init__(self, lines: Mapping[str, int]) -> None:
        self.lines = lines

    def line_of(self, key: str) -> int | None:
        return self.lines.get(key)


def rule_findings(
    state: _WorkerState, store: ox.Store, reports: Mapping[str, Any], cache: Path
) -> dict[str, list[Finding]]:
    """The rules across years (dis:CrossYearRule) over every report of `store`, by report IRI.

    One query per rule and constraint for all reports at once, rather than one per pair
    of reports; each result concerns the report its value belongs to (a figure's IRI is
    under its report's), the later of the two, and names the figure's line in its record.
    """
    from publisher.checking import evaluate_constraints
    from publisher.validation import UnionView

    validator, iris = state.project.validator, state.project.iris
    rules = [c for c in validator.constraints if c.targets & validator.cross_year_classes]
    raw = evaluate_constraints(validator, rules, UnionView(store), None)
    found: dict[str, list[Finding]] = {}
    for finding in raw:
        key = iris.report_key(_report_part(finding.value or finding.focus))
        if key is None:
            continue
        iri = str(iris.report(*key))
        entry = reports.get(iri)
        line = None
        if entry is not None and finding.figure:
            line = _Lines(_figure_lines(_load(entry, cache).report)).line_of(finding.figure)
        found.setdefault(iri, []).append(Finding(**{**finding.__dict__, "line": line}))
    return found


def _figure_lines(report: Report) -> dict[str, int]:
    return {entry.key: entry.line for entry in report.figures} | {entry.key: entry.line for entry in report.facts}


def _report_part(iri: str) -> str:
    match = re.match(r"^(.*/id/report/[^/]+/\d{4})(?:[/#].*)?$", iri)
    return match.group(1) if match else iri


# ---------------------------------------------------------------------------
# What a release keeps for the next build
# ---------------------------------------------------------------------------


@dataclass
class ReportState:
    """One report as a release published it: what it was built from and what was written for it."""

    iri: str
    record: str
    agency: str
    year: int
    format: str
    key: str
    findings: list[Finding]  # its own; those of the rules across years are in ReleaseState.rules
    annotations: str  # digest of the warnings published as its quality annotations
    warnings: int
    triples: int  # of its published graph
    files_id: str  # digest of every file written for it (Published.files_id)
    names: tuple[str, ...]  # its downloads
    pieces: str  # cache file of its pieces of the corpus dumps and its VoID statistics
    issued: str  # earliest `issued` of its downloads
    modified: str  # latest `modified` of its downloads


@dataclass
class VoidTotals:
    """VoID's counts, kept so that the next build updates them instead of counting the store again."""

    triples: int  # quads of the whole store
    objects: int  # distinct objects of the whole store
    shared: dict[str, Any]  # entities, subjects, classes {class: entities}, predicates of the shared graphs
    subjects: int = 0  # of the report graphs (they share no subject), summed
    entities: int = 0
    classes: dict[str, int] = field(default_factory=dict)  # class → entities, over the report graphs
    predicates: dict[str, int] = field(default_factory=dict)  # predicate → report graphs that use it


@dataclass
class ReleaseState:
    """What a release was built from and how its files are laid out: where the next build starts."""

    version: int
    cache: str  # name of the cache folder (ontology, shapes, base IRI, version)
    files: str  # digest of what every report's files depend on besides its record (`files_digest`)
    inputs: str  # the inputs digest of the manifest
    built: str
    reports: dict[str, ReportState]  # by IRI
    rules: dict[str, list[Finding]]  # findings of the rules across years, by report IRI
    layouts: dict[str, Layout]  # of each spliced file, by its path in the release
    corpus: list[Any]  # the corpus dumps' entries of downloads/index.json (DownloadFile)
    void: VoidTotals


def files_digest(settings: Settings, shared: str) -> str:
    """What every report's published files depend on besides its own key: the shared digest and the data
    folder's own files (the agency registry, the catalog's description). When it changes, every report's
    files are written anew."""
    digest = hashlib.sha256(shared.encode())
    data_dir = Path(settings.data_dir)
    for path in sorted(p for p in data_dir.glob("*") if p.is_file()):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def read_state(release: Path) -> ReleaseState | None:
    """The state a release was published with, or None (none, unreadable, or of another version)."""
    try:
        data = (release / STATE).read_bytes()
        gc.disable()  # tens of thousands of objects made at once: a collection run midway would only slow it
        try:
            state = pickle.loads(data)
        finally:
            gc.enable()
    except (OSError, EOFError, pickle.UnpicklingError, AttributeError, TypeError, ImportError, ValueError, KeyError):
        return None
    if not isinstance(state, ReleaseState) or state.version != STATE_VERSION:
        return None
    return state


@dataclass
class _Previous:
    release: Path | None = None  # the published release
    state: ReleaseState | None = None  # its state, when it was built this way from the same ontology and shapes

    by_record: dict[str, ReportState] = field(default_factory=dict)
    by_real: dict[str, ReportState] = field(default_factory=dict)

    def find(self, path: Path) -> ReportState | None:
        """The published report of a record: by the path as given, else by the file it reaches."""
        if self.state is None:
            return None
        if not self.by_record:
            self.by_record = {r.record: r for r in self.state.reports.values()}
        found = self.by_record.get(str(path))
        if found is not None:
            return found
        if not self.by_real:
            self.by_real = {os.path.realpath(r.record): r for r in self.state.reports.values()}
        return self.by_real.get(os.path.realpath(path))


def _previous(build_dir: Path, cache: Path) -> _Previous:
    """The published release, and its state when the next build can start from it."""
    try:
        release = current_release(build_dir)
    except PublisherError:
        return _Previous()
    state = read_state(release)
    if state is None or state.cache != cache.name or not (release / "store").is_dir():
        return _Previous(release)
    return _Previous(release, state)


# ---------------------------------------------------------------------------
# The build
# ---------------------------------------------------------------------------


@dataclass
class Entry:
    """A report of this build: what the previous release says of it, and its checked record when it had to be read."""

    iri: str
    record: str
    agency: str
    year: int
    format: str
    key: str
    findings: list[Finding]
    checked: CheckedReport | None = None

    def outcome(self, extra: Sequence[Finding] = ()) -> Outcome:
        return Outcome.of(self.record, [*self.findings, *extra])


@dataclass
class BuildSummary:
    release: Path
    outcomes: list[Outcome]
    triples: int
    reports: int
    checked: int  # records read and validated (not found in the cache)
    republished: int  # reports whose files were written anew (the others are carried over)
    incremental: bool
    timings: dict[str, float] = field(default_factory=dict)
    refs: list[tuple[str, int, str, Path]] = field(default_factory=list)  # agency, year, format, record

    @property
    def warnings(self) -> int:
        return sum(len(o.warnings) for o in self.outcomes)

    @property
    def text(self) -> str:
        lines = [o.text for o in self.outcomes]
        lines.append(
            f"Published {self.reports} report(s), {self.triples} triples, {self.warnings} quality warning(s), "
            f"to {self.release}."
        )
        return "\n".join(lines)


def cpu_count() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1))


class _Clock:
    def __init__(self) -> None:
        self.timings: dict[str, float] = {}
        self.last = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.timings[name] = self.timings.get(name, 0.0) + now - self.last
        self.last = now


def build(
    settings: Settings,
    progress: Progress | None = None,
    processes: int | None = None,
    inputs_digest: str | None = None,
) -> BuildSummary:
    """Build every record into a new release and publish it atomically, or raise and change nothing.

    `processes`: worker processes that check and write reports (default: setting build_workers, 0 = one per core).
    `inputs_digest`: stored in the manifest (see build.is_stale).
    """
    progress = progress or Progress(enabled=False)
    clock = _Clock()
    build_dir, data_dir = Path(settings.build_dir), Path(settings.data_dir)
    paths = find_records(data_dir)
    if not paths:
        raise BuildError(f"No report records under {data_dir / 'reports'}; nothing to publish.")
    shared = shared_digest(settings)
    cache = build_dir / CACHE / shared[:16]
    registry = RegistryEntries(data_dir / "agencies.yaml")
    stat_cache = StatCache(cache)
    keys = stat_cache.keys(shared, paths, registry, save=False)
    previous = _previous(build_dir, cache)
    clock.lap("keys")

    entries: dict[Path, Entry] = {}
    todo: list[tuple[str, str]] = []
    for path in paths:
        known = previous.find(path)
        if known is not None and known.key == keys[path]:
            entries[path] = Entry(
                known.iri, str(path), known.agency, known.year, known.format, known.key, known.findings
            )
            continue
        cached = read_cache(cache, keys[path])
        if cached is not None and os.path.realpath(cached.record) == os.path.realpath(path):
            cached.record = str(path)
            entries[path] = _entry_of(cached, settings)
        else:
            todo.append((str(path), keys[path]))
    clock.lap("cache")
    count = processes or int(settings.values.get("build_workers", 0) or 0) or cpu_count()
    # Newly checked records go to a staging folder, moved into the cache only once the build may go on: a
    # build refused for its input leaves the build folder as it was. Processes start for a run of many
    # records or reports, or at once when a number of them is asked for.
    staging = build_dir / f".staging-{os.getpid()}"
    pool = Workers(settings, cache, staging, count, eager=processes is not None)
    try:
        failures: list[Failure] = []
        progress.stage("checking", len(todo))
        for item in pool.run(_check_batch, todo, progress):
            if isinstance(item, Failure):
                failures.append(item)
            else:
                entries[Path(item.record)] = Entry(
                    f"{settings.base}/id/report/{item.agency}/{item.year}",
                    item.record, item.agency, item.year, item.format, item.key, item.findings,
                )  # fmt: skip
        progress.done()
        clock.lap("check")
        if failures:
            first = sorted(failures, key=lambda f: f.file)[0]
            raise SourceError(first.file, first.message, first.line)
        ordered = [entries[path] for path in paths]
        seen: dict[tuple[str, int], str] = {}
        for entry in ordered:
            if (entry.agency, entry.year) in seen:
                raise SourceError(
                    entry.record,
                    f"a second report of {entry.agency} for {entry.year} (the first is "
                    f"{seen[entry.agency, entry.year]}); keep one record per report",
                )
            seen[entry.agency, entry.year] = entry.record
        if any(f.severity == "violation" for entry in ordered for f in entry.findings):
            raise ValidationFailed([entry.outcome() for entry in ordered])
        _move_into(staging, cache)
        stat_cache.save()
        summary = _publish(settings, pool, ordered, cache, shared, previous, progress, clock, inputs_digest)
        summary.checked = len(todo)
        summary.refs = [(e.agency, e.year, e.format, path) for e, path in zip(ordered, paths, strict=True)]
        return summary
    finally:
        pool.close()
        shutil.rmtree(staging, ignore_errors=True)


def _move_into(staging: Path, cache: Path) -> None:
    """The files of `staging` moved to the same places under `cache`."""
    if not staging.is_dir():
        return
    for root, _dirs, files in os.walk(staging):
        target = cache / Path(root).relative_to(staging)
        target.mkdir(parents=True, exist_ok=True)
        for name in files:
            os.replace(Path(root) / name, target / name)


def _entry_of(checked: CheckedReport, settings: Settings) -> Entry:
    iri = f"{settings.base}/id/report/{checked.agency}/{checked.year}"
    return Entry(
        iri, checked.record, checked.agency, checked.year, checked.report.format, checked.key, checked.findings, checked
    )


def _graph_bytes(entry: Entry, cache: Path) -> bytes:
    """A report's cached graph (N-Triples), read without unpickling the rest."""
    try:
        return graph_file(cache, entry.key).read_bytes()
    except OSError:
        return _load(entry, cache).ntriples


def _load(entry: Entry, cache: Path) -> CheckedReport:
    if entry.checked is None:
        entry.checked = read_cache(cache, entry.key)
        if entry.checked is None:
            raise BuildError(f"The build cache lost {entry.record}; delete {cache} and build again.")
    return entry.checked


def _unchanged(previous: _Previous, state: ReleaseState, ordered: Sequence[Entry], clock: _Clock) -> BuildSummary:
    """Nothing changed since the published release: it stays published, as it is."""
    assert previous.release is not None
    outcomes = [entry.outcome(state.rules.get(entry.iri, [])) for entry in ordered]
    clock.lap("plan")
    return BuildSummary(previous.release, outcomes, state.void.triples, len(ordered), 0, 0, True, clock.timings)


def _publish(
    settings: Settings,
    pool: Workers,
    ordered: list[Entry],
    cache: Path,
    shared: str,
    previous: _Previous,
    progress: Progress,
    clock: _Clock,
    inputs: str | None,
) -> BuildSummary:
    build_dir = Path(settings.build_dir)
    iris = Iris(settings.base)
    by_iri = {entry.iri: entry for entry in ordered}
    names = sorted(by_iri)
    digest = inputs or hashlib.sha256(("".join(e.key for e in ordered) + cache.name).encode()).hexdigest()
    files = files_digest(settings, shared)
    old = previous.state if previous.state is not None and previous.state.files == files else None
    before = old.reports if old is not None else {}
    changed = [iri for iri, e in by_iri.items() if iri not in before or before[iri].key != e.key]
    removed = [iri for iri in before if iri not in by_iri]
    incremental = old is not None and len(changed) + len(removed) <= INCREMENTAL_SHARE * len(by_iri)
    retext = {iri for iri, e in by_iri.items() if iri in before and before[iri].record != e.record}
    unchanged = old is not None and incremental and not (changed or removed or retext) and old.inputs == digest
    # (with a remote store, publishing again brings it to the release, should it have missed it)
    if unchanged and old is not None and remote_config(settings) is None:
        return _unchanged(previous, old, ordered, clock)
    state = workers._STATE if workers._STATE is not None else _WorkerState(settings, cache)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")
    now = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    release = Release.__new__(Release)
    release.build_dir = build_dir
    release.path = build_dir / RELEASES / f"{stamp}-{digest[:12]}"
    release.store = None  # the store is opened below: a checkpoint of the previous one, or a new one
    try:
        tree = _recycle(build_dir, release.path, files, previous) if incremental else None
        if tree is None:
            release.path.mkdir(parents=True)
        clock.lap("plan")
        progress.stage("loading", 0)
        before_store: ox.Store | None = None
        if incremental:
            assert previous.release is not None
            before_store = ox.Store.read_only(str(previous.release / "store"))
            before_store.backup(str(release.path / "store"))
            store = ox.Store(str(release.path / "store"))
            for iri in [*changed, *removed]:
                if iri in before:
                    store.clear_graph(ox.NamedNode(iri))
            for iri in changed:
                store.load(_graph_bytes(by_iri[iri], cache), format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(iri))
        else:
            store = _new_store(release.path / "store", state, by_iri, cache)
        progress.done()
        clock.lap("load")

        progress.stage("rules", 0)
        if incremental:
            assert old is not None
            agencies = {by_iri[iri].agency for iri in changed} | {before[iri].agency for iri in removed}
            scope = {iri: e for iri, e in by_iri.items() if e.agency in agencies}
            fresh = _scoped_rules(state, scope, cache) if scope else {}
            rules = {iri: found for iri, found in old.rules.items() if iri in by_iri and iri not in scope}
            rules |= {iri: fresh[iri] for iri in scope if iri in fresh}
            candidates = set(changed) | set(scope) | retext
        else:
            rules = rule_findings(state, store, by_iri, cache)
            candidates = set(by_iri)
        progress.done()
        clock.lap("rules")

        warnings: dict[str, list[Finding]] = {}
        annotated: dict[str, str] = {}
        for iri in candidates:
            warnings[iri] = [f for f in by_iri[iri].findings if f.severity == "warning"] + rules.get(iri, [])
            annotated[iri] = _findings_digest(warnings[iri])
        dirty = [
            iri for iri in names
            if not incremental or iri in changed or (iri in candidates and before[iri].annotations != annotated[iri])
        ]  # fmt: skip
        dirty_set = set(dirty)
        if dirty:
            from rdflib import URIRef

            from publisher.validation import quality_annotations
        for iri in dirty:
            if incremental and iri not in changed:
                store.clear_graph(ox.NamedNode(iri))
                store.load(_graph_bytes(by_iri[iri], cache), format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(iri))
            if warnings[iri]:
                notes = quality_annotations(URIRef(iri), warnings[iri], iris).serialize(format="nt", encoding="utf-8")
                store.load(notes, format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(iri))
        clock.lap("annotate")

        for sub in ("downloads", "catalog/datasets", "catalog/schemaorg", "sources"):
            (release.path / sub).mkdir(parents=True, exist_ok=True)
        if incremental:
            assert previous.release is not None
            if tree is not None:
                carried = _refit(release.path, tree, before, by_iri, dirty_set)
            else:
                carried = [iri for iri in names if iri not in dirty_set]
            _link_reports(previous.release, release.path, [before[iri] for iri in carried])
            old_files = _old_index_entries(previous.release, old, dirty)
        else:
            from publisher.downloads import read_index

            old_files = {}
            for name, item in read_index(previous.release).items():
                old_files.setdefault(item.dataset, {})[name] = item
        jobs = [
            PublishJob(by_iri[iri].key, warnings[iri], old_files.get(iri, {}), now, str(release.path)) for iri in dirty
        ]
        clock.lap("link")
        progress.stage("files", len(jobs))
        published: dict[str, Published] = {}
        for result in pool.run(_publish_batch, jobs, progress):
            published[str(result.entry["iri"])] = result
        progress.done()
        clock.lap("files")

        reports: dict[str, ReportState] = {}
        for iri in names:
            entry = by_iri[iri]
            if iri in published:
                done = published[iri]
                reports[iri] = ReportState(
                    iri, entry.record, entry.agency, entry.year, entry.format, entry.key, entry.findings,
                    annotated[iri], len(warnings[iri]), done.triples, done.files_id, done.names, done.pieces,
                    min(f.issued for f in done.files), max(f.modified for f in done.files),
                )  # fmt: skip
            else:
                kept = before[iri]
                reports[iri] = kept if kept.record == entry.record else _replace(kept, record=entry.record)

        progress.stage("corpus", 0)
        layouts: dict[str, Layout] = {}
        old_corpus = {f.name: f for f in old.corpus} if old is not None else _old_corpus(previous.release)
        corpus_files = _write_dumps(
            release.path, store, state, names, published, old, previous.release, old_corpus, layouts, now
        )
        layouts[DOWNLOADS_INDEX] = _write_downloads_index(
            release.path, reports, published, corpus_files, old, previous.release
        )
        clock.lap("corpus")
        totals = _void_totals(store, before_store, state, names, published, before, removed, old, incremental)
        from publisher.void import example_resources, void_graph

        void = void_graph(store, iris, state.info, corpus_files, example_resources(store, iris, report=names[0]),
                          stats=_void_stats(totals))  # fmt: skip
        clock.lap("void")
        layouts[CATALOG_INDEX] = _write_catalog_files(
            release.path, state, reports, published, void, corpus_files, old, previous.release
        )
        progress.done()
        clock.lap("catalog")

        outcomes = [entry.outcome(rules.get(entry.iri, [])) for entry in ordered]
        rewritten = dirty_set | retext if incremental else set(by_iri)
        head = {
            "publisher": __version__, "base_iri": settings.base, "inputs": digest, "built": stamp,
            "triples": totals.triples, "cache": cache.name,
        }  # fmt: skip
        layouts[MANIFEST] = _write_listing(
            release.path / MANIFEST, json.dumps(head, ensure_ascii=False)[:-1] + ', "reports": [\n', b",\n",
            [(e.iri, _manifest_entry(reports[e.iri]) if e.iri in rewritten else None) for e in ordered],
            b"\n]}\n", old, previous.release, MANIFEST,
        )  # fmt: skip
        layouts[VALIDATION] = _write_listing(
            release.path / VALIDATION, "", b"\n",
            [(o_entry.iri, o.text.encode() if o_entry.iri in rewritten else None)
             for o_entry, o in zip(ordered, outcomes, strict=True)],
            b"\n", old, previous.release, VALIDATION,
        )  # fmt: skip
        new_state = ReleaseState(
            STATE_VERSION, cache.name, files, digest, stamp, reports, rules, layouts, corpus_files, totals
        )
        (release.path / STATE).write_bytes(pickle.dumps(new_state, protocol=pickle.HIGHEST_PROTOCOL))
        clock.lap("manifest")
        progress.stage("publishing", 0)
        store.flush()
        if not incremental:
            store.optimize()
        del store, before_store
        path = release.publish(settings, changed=[*dirty, *removed] if incremental else None)
        progress.done()
        clock.lap("publish")
    except BaseException:
        release.discard()
        raise
    _after_publish(build_dir, path, new_state, spare=not incremental)
    clock.lap("tidy")
    return BuildSummary(path, outcomes, totals.triples, len(ordered), 0, len(dirty), incremental, clock.timings)


def _replace(state: ReportState, **changes: Any) -> ReportState:
    return ReportState(**{**state.__dict__, **changes})


def _new_store(path: Path, state: _WorkerState, by_iri: Mapping[str, Entry], cache: Path) -> ox.Store:
    """A store of every graph: the shared ones (ontology, formats, registry, shapes) and every report's."""
    from rdflib import Graph, URIRef

    from publisher.validation import load_shapes_documents

    project, iris = state.project, state.project.iris
    store = ox.Store(str(path))
    shared: list[tuple[URIRef, Graph]] = [*project.ontology.items(), (iris.graph("agencies"), project.agencies)]
    shared += list(load_shapes_documents(SHAPES_DIR, iris).items())
    for name, graph in shared:
        data = graph.serialize(format="nt", encoding="utf-8")
        store.bulk_load(data, format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(str(name)))
    store.bulk_load(io.BufferedReader(_NQuads(by_iri, cache), 1 << 20), format=ox.RdfFormat.N_QUADS)
    return store


def _scoped_rules(state: _WorkerState, scope: Mapping[str, Entry], cache: Path) -> dict[str, list[Finding]]:
    """The rules across years over the reports of `scope` (whole agencies), in a store of their own."""
    memory = ox.Store()
    for name, data in state.context_graphs:
        memory.load(data, format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(name))
    for iri, entry in scope.items():
        memory.load(_graph_bytes(entry, cache), format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(iri))
    return rule_findings(state, memory, scope, cache)


def _after_publish(build_dir: Path, release: Path, state: ReleaseState, spare: bool) -> None:
    """Answers of gone releases out of the way; after a build from nothing, a spare for the next build to recycle."""
    releases = {p.name for p in (build_dir / RELEASES).iterdir()}
    gone = (
        [p for p in (build_dir / RESPONSES).glob("*") if p.name not in releases]
        if (build_dir / RESPONSES).is_dir()
        else []
    )
    if spare:
        gone += list((build_dir / SPARE).glob("*")) if (build_dir / SPARE).is_dir() else []
    discard_later(build_dir, gone)
    if spare:
        target = build_dir / SPARE / release.name
        try:
            for sub in ("downloads", "catalog/datasets", "catalog/schemaorg", "sources"):
                (target / sub).mkdir(parents=True, exist_ok=True)
            _link_reports(release, target, state.reports.values())
            os.link(release / STATE, target / STATE)
        except OSError:
            discard_later(build_dir, [target])  # no spare: the next build links every report's files instead


# ---------------------------------------------------------------------------
# Recycling a release folder
# ---------------------------------------------------------------------------


def _recycle(build_dir: Path, target: Path, files: str, previous: _Previous) -> ReleaseState | None:
    """Rename into `target` a tree to start the new release from, and return its state; None if there is none.

    A tree is a spare (`build_dir/spare/*`, left by a build from nothing) or a release
    that `Release.publish` would prune anyway (not the published one, nor one it keeps),
    built from the same `files` digest. Its store and release-wide files are removed;
    its report files stay, to be kept, replaced or removed by `_refit`.
    """
    from publisher.store import KEEP_RELEASES

    spares = sorted((build_dir / SPARE).glob("*"), key=_mtime, reverse=True) if (build_dir / SPARE).is_dir() else []
    current = previous.release
    others = sorted((p for p in (build_dir / RELEASES).iterdir() if p.resolve() != current), key=_mtime, reverse=True)
    for tree in [*spares, *others[max(0, KEEP_RELEASES - 2) :]]:
        # a spare's state is its release's (the same file, hard-linked): read once
        same = current is not None and _same_file(tree / STATE, current / STATE)
        state = previous.state if same else read_state(tree)
        if state is None or state.files != files or not all((tree / sub).is_dir() for sub in REPORT_FOLDERS):
            continue
        try:
            os.replace(tree, target)
        except OSError:
            continue
        for item in os.scandir(target):
            if item.name not in REPORT_FOLDERS:
                _remove(Path(item.path))
        unlink_files(target / "downloads", ["index.json", *DUMPS.values()])
        for item in os.scandir(target / "catalog"):
            if not item.is_dir(follow_symlinks=False):
                os.unlink(item.path)
        unlink_files(target / "catalog" / "datasets", ["corpus.nt"])
        return state
    return None


def _same_file(one: Path, other: Path) -> bool:
    try:
        return os.path.samefile(one, other)
    except OSError:
        return False


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink()


def _report_files(report: ReportState) -> Iterable[tuple[str, str]]:
    """(folder, name) of each file of a report in a release."""
    stem = f"{report.agency}-{report.year}"
    for name in report.names:
        yield "downloads", name
    yield "catalog/datasets", f"{stem}.nt"
    yield "catalog/schemaorg", f"{stem}.json"
    yield f"sources/{report.agency}", f"{report.year}.txt"


def _by_folder(reports: Iterable[ReportState]) -> dict[str, list[str]]:
    folders: dict[str, list[str]] = {}
    for report in reports:
        for folder, name in _report_files(report):
            folders.setdefault(folder, []).append(name)
    return folders


def _link_reports(old: Path, new: Path, reports: Iterable[ReportState]) -> None:
    """Hard-link reports' files (downloads, catalog entry, source) from release `old` into `new`."""
    for folder, names in _by_folder(reports).items():
        (new / folder).mkdir(exist_ok=True)
        link_files(old / folder, new / folder, names)


def _refit(
    release: Path, tree: ReleaseState, before: Mapping[str, ReportState], by_iri: Mapping[str, Entry], dirty: set[str]
) -> list[str]:
    """Make a recycled tree's report files those of the previous release: remove what differs; the reports to link."""
    stale = [
        report for iri, report in tree.reports.items()
        if iri not in by_iri or iri in dirty or iri not in before or before[iri].files_id != report.files_id
    ]  # fmt: skip
    for folder, names in _by_folder(stale).items():
        unlink_files(release / folder, names)
    unlinked = {report.iri for report in stale}
    return [iri for iri in sorted(by_iri) if iri not in dirty and (iri not in tree.reports or iri in unlinked)]


# ---------------------------------------------------------------------------
# Spliced files: the corpus dumps, the indexes, the manifest and the validation report
# ---------------------------------------------------------------------------


def _write_listing(
    path: Path,
    head: str,
    sep: bytes,
    blocks: Sequence[tuple[str, bytes | None]],
    tail: bytes,
    old: ReleaseState | None,
    previous: Path | None,
    name: str,
) -> Layout:
    """A spliced text file (blocks given as None are copied from the previous release's version)."""
    layout = old.layouts.get(name) if old is not None else None
    source = previous / name if layout is not None and previous is not None else None
    splice = Splice(path, source, layout, sep)
    try:
        splice.head(head.encode("utf-8"))
        for key, data in blocks:
            splice.add(key, data)
    except BaseException:
        splice.abort()
        raise
    return splice.close(tail)


def _manifest_entry(report: ReportState) -> bytes:
    entry = {
        "record": report.record, "iri": report.iri, "agency": report.agency, "year": report.year,
        "format": report.format, "key": report.key, "triples": report.triples, "warnings": report.warnings,
    }  # fmt: skip
    return json.dumps(entry, ensure_ascii=False).encode("utf-8")


def _old_index_entries(previous: Path, old: ReleaseState | None, iris: Sequence[str]) -> dict[str, dict[str, Any]]:
    """The previous release's downloads/index.json entries of some reports (for their files' dates)."""
    from publisher.downloads import DownloadFile

    layout = old.layouts.get(DOWNLOADS_INDEX) if old is not None else None
    found: dict[str, dict[str, Any]] = {}
    if layout is None:
        return found
    with (previous / DOWNLOADS_INDEX).open("rb") as handle:
        for iri in iris:
            if iri not in layout.blocks:
                continue
            start, length = layout.blocks[iri]
            handle.seek(start)
            items = json.loads(b"[" + handle.read(length) + b"]")
            found[iri] = {item["name"]: DownloadFile(**item) for item in items}
    return found


def _old_corpus(previous: Path | None) -> dict[str, Any]:
    from publisher.downloads import read_index

    index = read_index(previous)
    return {name: f for name, f in index.items() if name in set(DUMPS.values())}


def _write_downloads_index(
    release: Path,
    reports: Mapping[str, ReportState],
    published: Mapping[str, Published],
    corpus: Sequence[Any],
    old: ReleaseState | None,
    previous: Path | None,
) -> Layout:
    """downloads/index.json: every file by name, one JSON object a line; each report's entries a block."""
    from publisher.workers import index_lines

    order = sorted([(f"{r.agency}-{r.year}.", iri) for iri, r in reports.items()] + [("corpus.", "")])
    blocks = [(iri, index_lines(corpus) if iri == "" else published[iri].index_block if iri in published else None)
              for _stem, iri in order]  # fmt: skip
    return _write_listing(release / DOWNLOADS_INDEX, "[\n", b",\n", blocks, b"\n]\n", old, previous, DOWNLOADS_INDEX)


def _dump_ends(state: _WorkerState, base: str) -> tuple[dict[str, bytes], dict[str, bytes]]:
    """The gzip members that open and close each corpus dump."""
    from publisher import downloads
    from publisher.workers import GZIP_LEVEL

    project = state.project
    dims = sorted({d.record_key for fmt in project.formats.values() for d in fmt.dimensions})
    prefixes = downloads.turtle_prefixes(base)
    context = json.dumps(downloads.jsonld_context(base), ensure_ascii=False, sort_keys=True)
    heads = {
        "nquads": b"",
        "ntriples": b"",
        "turtle": "".join(f"@prefix {p}: <{ns}> .\n" for p, ns in prefixes.items()).encode(),
        "jsonld": ('{\n"@context": ' + context + ',\n"@graph": [\n').encode(),
        "csv": downloads.to_csv([], downloads.csv_columns(dims)),
    }
    tails = {"nquads": b"", "ntriples": b"", "turtle": b"", "jsonld": b"\n]\n}\n", "csv": b""}

    def member(data: bytes) -> bytes:
        return gzip.compress(data, compresslevel=GZIP_LEVEL, mtime=0) if data else b""

    return {k: member(v) for k, v in heads.items()}, {k: member(v) for k, v in tails.items()}


def _write_dumps(
    release: Path,
    store: ox.Store,
    state: _WorkerState,
    names: Sequence[str],
    published: Mapping[str, Published],
    old: ReleaseState | None,
    previous: Path | None,
    old_corpus: Mapping[str, Any],
    layouts: dict[str, Layout],
    now: str,
) -> list[Any]:
    """The corpus dumps: a head, the shared graphs' piece, each report's cached piece and a tail, as gzip members.

    From nothing, every piece is written; incrementally, only the republished reports'
    pieces, the rest copied from the previous release's dumps in runs (one thread per dump).
    """
    from publisher.catalog import CatalogIris
    from publisher.downloads import DownloadFile
    from publisher.mediatypes import media_type_of
    from publisher.workers import read_pieces

    folder = release / "downloads"
    incremental = (
        old is not None and previous is not None and all(f"downloads/{name}" in old.layouts for name in DUMPS.values())
    )
    if incremental:
        assert old is not None and previous is not None
        pieces = {iri: read_pieces(published[iri].pieces)[0] for iri in names if iri in published}

        def splice(kind: str) -> Layout:
            name = DUMPS[kind]
            assert old is not None and previous is not None
            writer = Splice(folder / name, previous / "downloads" / name, old.layouts[f"downloads/{name}"], hashed=True)
            try:
                for key in ("^", ""):
                    writer.add(key)
                for iri in names:
                    writer.add(iri, pieces[iri][kind] if iri in pieces else None)
                writer.add("$")
            except BaseException:
                writer.abort()
                raise
            return writer.close()

        with ThreadPoolExecutor(len(DUMPS)) as threads:
            written = dict(zip(DUMPS, threads.map(splice, DUMPS), strict=True))
    else:
        written = _dumps_from_nothing(folder, store, state, names, published)
    corpus = str(CatalogIris(Iris(state.settings.base)).corpus)
    files = []
    for kind, name in DUMPS.items():
        layout = written[kind]
        layouts[f"downloads/{name}"] = layout
        before = old_corpus.get(name)
        files.append(
            DownloadFile(
                name, kind, media_type_of(name[: -len(".gz")]), True, layout.size, layout.sha256,
                before.issued if before else now,
                before.modified if before and before.sha256 == layout.sha256 else now, corpus,
            )
        )  # fmt: skip
    return files


def _dumps_from_nothing(
    folder: Path, store: ox.Store, state: _WorkerState, names: Sequence[str], published: Mapping[str, Published]
) -> dict[str, Layout]:
    from publisher import downloads
    from publisher.workers import GZIP_LEVEL, corpus_pieces, read_pieces

    iris = state.project.iris
    graphs = [g for g in store.named_graphs() if isinstance(g, ox.NamedNode) and iris.report_key(g.value) is None]
    shared_quads = downloads.canonical_nquads_of(store, sorted(graphs, key=str))
    shared = corpus_pieces(downloads.merged_ntriples(shared_quads), "", iris.base, b"", True)
    shared["nquads"] = gzip.compress(shared_quads, compresslevel=GZIP_LEVEL, mtime=0)
    heads, tails = _dump_ends(state, iris.base)
    writers = {kind: Splice(folder / name, None, None, hashed=True) for kind, name in DUMPS.items()}
    try:
        for kind, writer in writers.items():
            writer.add("^", heads[kind])
            writer.add("", shared[kind])
        for iri in names:
            pieces = read_pieces(published[iri].pieces)[0]
            for kind, writer in writers.items():
                writer.add(iri, pieces[kind])
        for kind, writer in writers.items():
            writer.add("$", tails[kind])
        return {kind: writer.close() for kind, writer in writers.items()}
    except BaseException:
        for writer in writers.values():
            writer.abort()
        raise


class _NQuads(io.RawIOBase):
    """Every report graph as N-Quads, read as one stream (so the bulk loader needs no temporary file)."""

    def __init__(self, reports: Mapping[str, Entry], cache: Path) -> None:
        self.items = iter(sorted(reports.items()))
        self.cache = cache
        self.buffer = b""

    def readable(self) -> bool:
        return True

    def readinto(self, target: Any) -> int:
        while not self.buffer:
            item = next(self.items, None)
            if item is None:
                return 0
            iri, entry = item
            suffix = f" <{iri}> .\n".encode()
            lines = _graph_bytes(entry, self.cache).split(b"\n")
            self.buffer = b"".join(line[:-2].rstrip() + suffix for line in lines if line)
        size = min(len(target), len(self.buffer))
        target[:size] = self.buffer[:size]
        self.buffer = self.buffer[size:]
        return size


# ---------------------------------------------------------------------------
# VoID statistics and the catalog
# ---------------------------------------------------------------------------


def _void_totals(
    store: ox.Store,
    before_store: ox.Store | None,
    state: _WorkerState,
    names: Sequence[str],
    published: Mapping[str, Published],
    before: Mapping[str, ReportState],
    removed: Sequence[str],
    old: ReleaseState | None,
    incremental: bool,
) -> VoidTotals:
    """VoID's counts: from nothing, counted over the store (shared graphs) and summed over the reports; else
    the previous counts with the republished and removed reports' taken off and added.

    Distinct objects do not add up: each object of an old or new version of a touched
    graph is looked up in the old and in the new store, and the difference counted.
    """
    from publisher.workers import read_pieces

    if incremental and old is not None and before_store is not None:
        totals = VoidTotals(**{**old.void.__dict__, "classes": dict(old.void.classes),
                               "predicates": dict(old.void.predicates)})  # fmt: skip
        touched = [iri for iri in [*published, *removed] if iri in before]
        try:
            for iri in touched:
                _add_stats(totals, read_pieces(before[iri].pieces)[1], -1)
        except (OSError, EOFError, KeyError, pickle.UnpicklingError):
            return _void_totals(store, None, state, names, published, before, removed, old, False)
        for iri in published:
            _add_stats(totals, published[iri].stats, +1)
        objects: set[Any] = set()
        for iri in touched:
            for quad in before_store.quads_for_pattern(None, None, None, ox.NamedNode(iri)):
                objects.add(quad.object)
                totals.triples -= 1
        for iri in published:
            for quad in store.quads_for_pattern(None, None, None, ox.NamedNode(iri)):
                objects.add(quad.object)
                totals.triples += 1
        totals.objects += sum(_has_object(store, o) for o in objects) - sum(
            _has_object(before_store, o) for o in objects
        )
        return totals
    from publisher.void import VoidStats

    report_graphs = set(names)
    shared = [g for g in store.named_graphs() if isinstance(g, ox.NamedNode) and g.value not in report_graphs]
    counted = VoidStats.count(store, Iris(state.settings.base), shared, [])
    totals = VoidTotals(
        counted.triples, counted.objects,
        {"entities": counted.entities, "subjects": counted.subjects, "classes": dict(counted.class_entities),
         "predicates": list(counted.predicates)},
    )  # fmt: skip
    for iri in names:
        stats = published[iri].stats if iri in published else read_pieces(before[iri].pieces)[1]
        _add_stats(totals, stats, +1)
    return totals


def _has_object(store: ox.Store, term: Any) -> bool:
    # Each quad is compared: pyoxigraph 0.5.13 answers a pattern on an xsd:integer object with quads of other
    # integers too (seen: 1023 → 1099, 1116, …; SPARQL is not affected).
    return any(quad.object == term for quad in store.quads_for_pattern(None, None, term, None))


def _add_stats(totals: VoidTotals, stats: Mapping[str, Any], sign: int) -> None:
    totals.subjects += sign * int(stats["subjects"])
    totals.entities += sign * int(stats["entities"])
    for name, number in stats["classes"].items():
        value = totals.classes.get(name, 0) + sign * int(number)
        if value:
            totals.classes[name] = value
        else:
            totals.classes.pop(name, None)
    for name in stats["predicates"]:
        value = totals.predicates.get(name, 0) + sign
        if value:
            totals.predicates[name] = value
        else:
            totals.predicates.pop(name, None)


def _void_stats(totals: VoidTotals) -> Any:
    """The statistics VoID states (publisher.void.VoidStats), from the totals."""
    from publisher.void import VoidStats

    classes = dict(totals.shared["classes"])
    for name, number in totals.classes.items():
        classes[name] = classes.get(name, 0) + number
    predicates = set(totals.shared["predicates"]) | set(totals.predicates)
    return VoidStats(
        triples=totals.triples,
        entities=int(totals.shared["entities"]) + totals.entities,
        classes=len(classes),
        properties=len(predicates),
        subjects=int(totals.shared["subjects"]) + totals.subjects,
        objects=totals.objects,
        class_entities=tuple(sorted(classes.items())),
        predicates=tuple(sorted(predicates)),
    )


@dataclass
class _CatalogReport:
    """What the catalog's corpus entry needs of a report (its period), without its graph."""

    year: int

    @property
    def report(self) -> Any:
        return self

    @property
    def period_from(self) -> dt.date:
        return dt.date(self.year, 1, 1)

    @property
    def period_to(self) -> dt.date:
        return dt.date(self.year, 12, 31)


def _write_catalog_files(
    release: Path,
    state: _WorkerState,
    reports: Mapping[str, ReportState],
    published: Mapping[str, Published],
    void: Any,
    corpus_files: Sequence[Any],
    old: ReleaseState | None,
    previous: Path | None,
) -> Layout:
    """The catalog's release-wide files (the per-report ones are the workers'): the corpus dataset, the
    catalog and VoID graphs, about.json, and index.json spliced (the corpus first, then by agency and year)."""
    from publisher import downloads
    from publisher.catalog import CATALOG, CORPUS_TITLE, CatalogIris
    from publisher.catalogterms import LICENCES
    from publisher.dcat import CatalogInputs, catalog_entry, catalog_graph, corpus_dataset_graph

    project, info = state.project, state.info
    periods = cast("list[downloads.ReportData]", [_CatalogReport(r.year) for r in reports.values()])
    inputs = CatalogInputs(project.iris, info, project.registry, state.labels, project.agencies, periods, [])
    directory = release / CATALOG
    described = [f for f in corpus_files if f.kind != "csvw"]
    corpus_graph = corpus_dataset_graph(inputs, described)
    (directory / "datasets" / f"{downloads.CORPUS}.nt").write_bytes(downloads.sorted_ntriples(corpus_graph))
    issued = min([r.issued for r in reports.values()] + [f.issued for f in corpus_files])
    modified = max([r.modified for r in reports.values()] + [f.modified for f in corpus_files])
    (directory / "catalog.nt").write_bytes(downloads.sorted_ntriples(catalog_graph(inputs, issued, modified)))
    (directory / "void.nt").write_bytes(downloads.sorted_ntriples(void))
    about = {
        **asdict(info),
        "licence_iri": str(info.licence_iri),
        "licence_label": [LICENCES[info.licence].zh, LICENCES[info.licence].en],
        "issued": issued,
        "modified": modified,
    }
    (directory / "about.json").write_text(json.dumps(about, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    corpus = catalog_entry(downloads.CORPUS, CatalogIris(project.iris).corpus, CORPUS_TITLE, described, None, None)
    order = sorted(reports, key=lambda iri: (reports[iri].agency, reports[iri].year))
    blocks: list[tuple[str, bytes | None]] = [("", json.dumps(corpus, ensure_ascii=False).encode("utf-8"))]
    blocks += [(iri, published[iri].catalog_block if iri in published else None) for iri in order]
    return _write_listing(release / CATALOG_INDEX, "[\n", b",\n", blocks, b"\n]\n", old, previous, CATALOG_INDEX)


def _findings_digest(findings: Sequence[Finding]) -> str:
    text = json.dumps(sorted(json.dumps(f.__dict__, sort_keys=True) for f in findings))
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def prune_cache(build_dir: Path, keep: Iterable[str]) -> None:
    """Remove cache folders of other ontology/shapes versions than `keep`."""
    root = build_dir / CACHE
    if not root.is_dir():
        return
    for folder in root.iterdir():
        if folder.name not in set(keep):
            shutil.rmtree(folder, ignore_errors=True)


__all__ = ["BuildSummary", "build", "record_key", "shared_digest"]


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m publisher.pipeline [--progress]`: a build with the settings of the environment."""
    import argparse
    import sys

    from publisher.settings import load_settings

    parser = argparse.ArgumentParser(prog="python -m publisher.pipeline", description=main.__doc__)
    parser.add_argument("--progress", action="store_true", help="show a progress bar on stderr even without a terminal")
    args = parser.parse_args(argv)
    try:
        summary = build(load_settings(), Progress(enabled=True if args.progress else None))
    except ValidationFailed as exc:
        print("\n".join(o.text for o in exc.outcomes), file=sys.stderr)
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except PublisherError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(
        f"Published {summary.reports} report(s), {summary.triples} triples, {summary.warnings} quality warning(s), "
        f"to {summary.release}; {summary.checked} checked, {summary.republished} written"
        f"{' (incremental)' if summary.incremental else ''}."
    )
    print("timings: " + ", ".join(f"{k} {v:.2f} s" for k, v in summary.timings.items()))
    return 0


if __name__ == "__main__":
    # Run as publisher.pipeline rather than __main__, so that the state it pickles names its classes
    # by the module every other caller imports.
    from publisher.pipeline import main as pipeline_main

    raise SystemExit(pipeline_main())
