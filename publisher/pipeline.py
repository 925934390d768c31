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
or validated again. When the previous release was built from the same ontology and
shapes, the new release starts from a hard-linked checkpoint of its store and only
the changed reports' graphs are replaced; their agencies' rules are checked again;
files of reports whose published graph did not change are hard-linked.
"""

from __future__ import annotations

import datetime as dt
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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import pyoxigraph as ox
from rdflib import Graph, URIRef

from publisher import __version__, downloads, workers
from publisher.catalog import CATALOG, CORPUS_TITLE, CatalogIris
from publisher.checking import evaluate_constraints
from publisher.dcat import CatalogInputs, corpus_dataset_graph
from publisher.errors import BuildError, PublisherError, SourceError, ValidationFailed
from publisher.mediatypes import media_type_of
from publisher.progress import Progress
from publisher.records import Report, find_records
from publisher.settings import ONTOLOGY_DIR, SHAPES_DIR, Settings
from publisher.store import RELEASES, Release, current_release
from publisher.validation import Finding, Outcome, UnionView, quality_annotations
from publisher.void import VoidStats, example_resources, void_graph
from publisher.workers import (
    BATCH,
    GZIP_LEVEL,
    CheckedReport,
    Failure,
    Published,
    PublishJob,
    Workers,
    _check_batch,
    _publish_batch,
    _WorkerState,
    corpus_pieces,
    graph_file,
    read_cache,
)

CACHE = "cache"
MANIFEST = "manifest.json"
RULES_FILE = "rule-findings.json"
#: A rebuild that changes more than this share of the reports starts a new store instead of a checkpoint.
INCREMENTAL_SHARE = 0.2


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
        for path in paths:
            known = old.get(str(path))
            record = self._stat(str(path))
            if (
                known is not None
                and known["record"] == record
                and known["source"] == self._stat(known["source_path"])
                and known["entry"] == hashlib.sha256(registry.of(known["agency"]).encode()).hexdigest()
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
                "entry": hashlib.sha256(registry.of(agency).encode()).hexdigest(),
            }
            keys[path] = key
        self.pending = new
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
# The build
# ---------------------------------------------------------------------------


@dataclass
class Entry:
    """A report of this build: what the manifest says of it, and its checked record when it had to be read."""

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
        real = os.path.realpath(path)  # the same record, whatever the path it is reached by
        known = previous.entries.get(real)
        if known is not None and known.key == keys[path]:
            entries[path] = Entry(**{**known.__dict__, "record": str(path), "checked": None})
            continue
        cached = read_cache(cache, keys[path])
        if cached is not None and os.path.realpath(cached.record) == real:
            cached.record = str(path)
            entries[path] = _entry_of(cached, settings)
        else:
            todo.append((str(path), keys[path]))
    clock.lap("cache")
    count = processes or int(settings.values.get("build_workers", 0) or 0) or cpu_count()
    # few records: not worth starting processes, unless asked for explicitly
    # Newly checked records go to a staging folder, moved into the cache only once the build may go on: a
    # build refused for its input leaves the build folder as it was.
    staging = build_dir / f".staging-{os.getpid()}"
    pool = Workers(
        settings, cache, staging, count, in_process=count == 1 or (processes is None and len(todo) < 4 * BATCH)
    )
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
        summary = _publish(settings, pool, ordered, cache, previous, progress, clock, inputs_digest)
        summary.checked = len(todo)
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


def _publish(
    settings: Settings,
    pool: Workers,
    ordered: list[Entry],
    cache: Path,
    previous: _Previous,
    progress: Progress,
    clock: _Clock,
    inputs: str | None,
) -> BuildSummary:
    from publisher.validation import load_shapes_documents

    build_dir = Path(settings.build_dir)
    state = workers._STATE if workers._STATE is not None else _WorkerState(settings, cache)
    project = state.project
    iris = project.iris
    by_iri = {entry.iri: entry for entry in ordered}
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")
    now = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    digest = inputs or hashlib.sha256(("".join(e.key for e in ordered) + cache.name).encode()).hexdigest()
    release = Release.__new__(Release)
    release.build_dir = build_dir
    release.path = build_dir / RELEASES / f"{stamp}-{digest[:12]}"
    release.store = None  # the store is opened below: a checkpoint of the previous one, or a new one
    release.path.mkdir(parents=True)
    before = previous.by_iri()
    changed = [iri for iri, e in by_iri.items() if iri not in before or before[iri].key != e.key]
    removed = [iri for iri in before if iri not in by_iri]
    incremental = previous.release is not None and len(changed) + len(removed) <= INCREMENTAL_SHARE * len(by_iri)
    clock.lap("plan")
    try:
        progress.stage("loading", 0)
        if incremental:
            assert previous.release is not None
            ox.Store.read_only(str(previous.release / "store")).backup(str(release.path / "store"))
            store = ox.Store(str(release.path / "store"))
            for iri in [*changed, *removed]:
                if iri in before:
                    store.clear_graph(ox.NamedNode(iri))
            for iri in changed:
                store.load(_graph_bytes(by_iri[iri], cache), format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(iri))
        else:
            store = ox.Store(str(release.path / "store"))
            shared: list[tuple[URIRef, Graph]] = [*project.ontology.items(), (iris.graph("agencies"), project.agencies)]
            shared += list(load_shapes_documents(SHAPES_DIR, iris).items())
            for name, graph in shared:
                data = graph.serialize(format="nt", encoding="utf-8")
                store.bulk_load(data, format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(str(name)))
            store.bulk_load(io.BufferedReader(_NQuads(by_iri, cache), 1 << 20), format=ox.RdfFormat.N_QUADS)
        progress.done()
        clock.lap("load")

        progress.stage("rules", 0)
        if incremental:
            agencies = {by_iri[iri].agency for iri in changed} | {before[iri].agency for iri in removed}
            scope = {iri: e for iri, e in by_iri.items() if e.agency in agencies}
            memory = ox.Store()
            for name, graph in [*project.ontology.items(), (iris.graph("agencies"), project.agencies)]:
                data = graph.serialize(format="nt", encoding="utf-8")
                memory.load(data, format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(str(name)))
            for iri, entry in scope.items():
                memory.load(_graph_bytes(entry, cache), format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(iri))
            fresh = rule_findings(state, memory, scope, cache)
            rules = {iri: found for iri, found in previous.rules.items() if iri in by_iri and iri not in scope}
            rules |= {iri: fresh[iri] for iri in scope if iri in fresh}
        else:
            rules = rule_findings(state, store, by_iri, cache)
        progress.done()
        clock.lap("rules")

        warnings = {
            iri: [f for f in e.findings if f.severity == "warning"] + rules.get(iri, []) for iri, e in by_iri.items()
        }
        annotated = {iri: _findings_digest(found) for iri, found in warnings.items()}
        dirty = [
            iri for iri in by_iri if not incremental or iri in changed or before[iri].annotations != annotated[iri]
        ]
        for iri in dirty:
            if incremental and iri not in changed:
                store.clear_graph(ox.NamedNode(iri))
                store.load(_graph_bytes(by_iri[iri], cache), format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(iri))
            if warnings[iri]:
                notes = quality_annotations(URIRef(iri), warnings[iri], iris).serialize(format="nt", encoding="utf-8")
                store.load(notes, format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(iri))
        clock.lap("annotate")

        for sub in (downloads.DOWNLOADS, f"{CATALOG}/datasets", f"{CATALOG}/schemaorg", "sources"):
            (release.path / sub).mkdir(parents=True, exist_ok=True)
        index_before = downloads.read_index(previous.release)
        published: dict[str, Published] = {}
        for iri in by_iri:
            if iri not in dirty and iri in previous.published:
                assert previous.release is not None
                _link_report_files(previous.release, release.path, previous.published[iri], by_iri[iri])
                published[iri] = previous.published[iri]
        jobs = []
        for iri in dirty:
            entry = by_iri[iri]
            stem = downloads.report_stem(entry.agency, entry.year)
            old = {name: f for name, f in index_before.items() if name.startswith(stem + ".")}
            jobs.append(PublishJob(entry.key, warnings[iri], old, now, str(release.path)))
        clock.lap("link")
        progress.stage("files", len(jobs))
        for result in pool.run(_publish_batch, jobs, progress):
            published[str(result.entry["iri"])] = result
        progress.done()
        clock.lap("files")

        progress.stage("corpus", 0)
        names = sorted(by_iri)
        files = [f for iri in names for f in published[iri].files]
        corpus_files = _write_corpus(release.path, store, project, [published[iri] for iri in names], index_before, now)
        files += corpus_files
        downloads.write_index(release.path / downloads.DOWNLOADS, sorted(files, key=lambda f: f.name))
        clock.lap("corpus")
        stats = _corpus_stats(store, iris, [published[iri].stats for iri in names], [by_iri[i].iri for i in names])
        first = names[0]
        examples = example_resources(store, iris, report=first)
        void = void_graph(store, iris, state.info, corpus_files, examples, stats=stats)
        clock.lap("void")
        datas = []
        for iri in names:
            entry = by_iri[iri]
            datas.append(_CatalogReport(entry, project.formats[entry.format]))
        # the corpus entry reads only each report's period: no need to load every graph
        reports = cast("list[downloads.ReportData]", datas)
        inputs_catalog = CatalogInputs(
            iris, state.info, project.registry, state.labels, project.agencies, reports, files
        )
        _write_catalog(release.path, inputs_catalog, void, [published[iri].entry for iri in names], corpus_files)
        progress.done()
        clock.lap("catalog")

        outcomes = [entry.outcome(rules.get(entry.iri, [])) for entry in ordered]
        triples = len(store)
        manifest = {
            "publisher": __version__,
            "base_iri": settings.base,
            "inputs": inputs or digest,
            "built": stamp,
            "triples": triples,
            "cache": cache.name,
            "reports": [
                {
                    "record": e.record,
                    "iri": e.iri,
                    "agency": e.agency,
                    "year": e.year,
                    "format": e.format,
                    "triples": published[e.iri].triples,
                    "warnings": len(warnings[e.iri]),
                    "key": e.key,
                    "findings": [f.__dict__ for f in e.findings],
                    "annotations": annotated[e.iri],
                    "published": _published_json(published[e.iri]),
                }
                for e in ordered
            ],
        }
        rule_data = {iri: [f.__dict__ for f in found] for iri, found in rules.items()}
        (release.path / RULES_FILE).write_text(json.dumps(rule_data, ensure_ascii=False), encoding="utf-8")
        (release.path / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
        (release.path / "validation.txt").write_text("\n".join(o.text for o in outcomes) + "\n", encoding="utf-8")
        clock.lap("manifest")
        progress.stage("publishing", 0)
        store.flush()
        if not incremental:
            store.optimize()
        del store
        path = release.publish()
        progress.done()
        clock.lap("publish")
    except BaseException:
        release.discard()
        raise
    refs = [(e.agency, e.year, e.format, Path(e.record)) for e in ordered]
    return BuildSummary(path, outcomes, triples, len(ordered), 0, len(dirty), incremental, clock.timings, refs)


def _corpus_stats(
    store: ox.Store, iris: Any, reports: Sequence[dict[str, Any]], report_graphs: Sequence[str]
) -> VoidStats:
    """The VoID statistics of the store: counted by SPARQL on the shared graphs, summed over the report graphs.

    Report graphs share no subject with each other or with the shared graphs (every
    subject of a report's graph is the report or under its IRI), so subjects,
    entities, triples and class partitions add up; distinct objects do not, and are
    counted over the whole store.
    """
    skip = set(report_graphs)
    shared = [g for g in store.named_graphs() if isinstance(g, ox.NamedNode) and g.value not in skip]
    return VoidStats.count(store, iris, shared, reports)


@dataclass
class _CatalogReport:
    """What the catalog's corpus entry needs of a report (its period), without its graph."""

    entry: Entry
    fmt: Any

    @property
    def report(self) -> Any:
        return self

    @property
    def period_from(self) -> dt.date:
        return dt.date(self.entry.year, 1, 1)

    @property
    def period_to(self) -> dt.date:
        return dt.date(self.entry.year, 12, 31)


def _findings_digest(findings: Sequence[Finding]) -> str:
    text = json.dumps(sorted(json.dumps(f.__dict__, sort_keys=True) for f in findings))
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def _published_json(published: Published) -> dict[str, Any]:
    return {
        "graph_sha": published.graph_sha,
        "triples": published.triples,
        "files": [f.__dict__ for f in published.files],
        "entry": published.entry,
        "pieces": published.pieces,
        "stats": published.stats,
    }


@dataclass
class _Previous:
    release: Path | None = None
    entries: dict[str, Entry] = field(default_factory=dict)  # by record path
    annotations: dict[str, str] = field(default_factory=dict)
    published: dict[str, Published] = field(default_factory=dict)
    rules: dict[str, list[Finding]] = field(default_factory=dict)

    def by_iri(self) -> dict[str, _Before]:
        return {e.iri: _Before(e.key, e.agency, self.annotations.get(e.iri, "")) for e in self.entries.values()}


@dataclass(frozen=True)
class _Before:
    key: str
    agency: str
    annotations: str


def _previous(build_dir: Path, cache: Path) -> _Previous:
    """What the published release was built from, when it was built this way from the same ontology and shapes."""
    try:
        return _read_previous(build_dir, cache)
    except (KeyError, TypeError, ValueError):  # a manifest of another version: build from nothing
        return _Previous()


def _read_previous(build_dir: Path, cache: Path) -> _Previous:
    try:
        release = current_release(build_dir)
        manifest = json.loads((release / MANIFEST).read_text(encoding="utf-8"))
        rules_data = json.loads((release / RULES_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError, PublisherError):
        return _Previous()
    if manifest.get("cache") != cache.name or not (release / "store").is_dir():
        return _Previous()
    previous = _Previous(release=release)
    for item in manifest.get("reports", []):
        if "key" not in item or "published" not in item:
            return _Previous()
        iri = item["iri"]
        findings = [Finding(**f) for f in item["findings"]]
        previous.entries[os.path.realpath(item["record"])] = Entry(
            iri, item["record"], item["agency"], item["year"], item["format"], item["key"], findings
        )
        previous.annotations[iri] = item["annotations"]
        data = item["published"]
        files = [downloads.DownloadFile(**f) for f in data["files"]]
        previous.published[iri] = Published(
            item["key"], data["graph_sha"], data["triples"], files, data["entry"], data["pieces"], data["stats"]
        )
    previous.rules = {iri: [Finding(**f) for f in found] for iri, found in rules_data.items()}
    return previous


def _link_report_files(old: Path, new: Path, published: Published, entry: Entry) -> None:
    """Hard-link an unchanged report's files (downloads, catalog entry, source) from the previous release."""
    stem = published.entry["name"]
    for file in published.files:
        os.link(old / downloads.DOWNLOADS / file.name, new / downloads.DOWNLOADS / file.name)
    for part in (f"datasets/{stem}.nt", f"schemaorg/{stem}.json"):
        os.link(old / CATALOG / part, new / CATALOG / part)
    target = new / "sources" / entry.agency / f"{entry.year}.txt"
    target.parent.mkdir(exist_ok=True)
    os.link(old / "sources" / entry.agency / f"{entry.year}.txt", target)


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


def _write_corpus(
    release: Path,
    store: ox.Store,
    project: Any,
    reports: Sequence[Published],
    before: Mapping[str, downloads.DownloadFile],
    now: str,
) -> list[downloads.DownloadFile]:
    """The corpus dumps: the shared graphs' pieces, then each report's cached pieces, as gzip members."""
    iris = project.iris
    folder = release / downloads.DOWNLOADS
    shared_graphs = [
        g for g in store.named_graphs() if isinstance(g, ox.NamedNode) and iris.report_key(g.value) is None
    ]
    shared_quads = downloads.canonical_nquads_of(store, sorted(shared_graphs, key=str))
    dims = sorted({d.record_key for fmt in project.formats.values() for d in fmt.dimensions})
    columns = downloads.csv_columns(dims)
    header = downloads.to_csv([], columns)
    prefixes = downloads.turtle_prefixes(iris.base)
    heads = {
        "nquads": b"",
        "ntriples": b"",
        "turtle": "".join(f"@prefix {p}: <{ns}> .\n" for p, ns in prefixes.items()).encode(),
        "jsonld": (
            '{\n"@context": ' + json.dumps(downloads.jsonld_context(iris.base), ensure_ascii=False, sort_keys=True)
            + ',\n"@graph": [\n'
        ).encode(),
        "csv": header,
    }  # fmt: skip
    tails = {"nquads": b"", "ntriples": b"", "turtle": b"", "jsonld": b"\n]\n}\n", "csv": b""}
    merged = downloads.merged_ntriples(shared_quads)
    shared = corpus_pieces(merged, "", iris.base, b"", True)
    shared["nquads"] = gzip.compress(shared_quads, compresslevel=GZIP_LEVEL, mtime=0)
    names = {
        "nquads": f"{downloads.CORPUS}.nq.gz",
        "turtle": f"{downloads.CORPUS}.ttl.gz",
        "ntriples": f"{downloads.CORPUS}.nt.gz",
        "jsonld": f"{downloads.CORPUS}.jsonld.gz",
        "csv": f"{downloads.CORPUS}.csv.gz",
    }
    handles = {kind: (folder / name).open("wb") for kind, name in names.items()}
    hashes = {kind: hashlib.sha256() for kind in names}
    sizes = dict.fromkeys(names, 0)

    def put(kind: str, data: bytes) -> None:
        if data:
            handles[kind].write(data)
            hashes[kind].update(data)
            sizes[kind] += len(data)

    try:
        for kind in names:
            put(kind, gzip.compress(heads[kind], compresslevel=GZIP_LEVEL, mtime=0) if heads[kind] else b"")
            put(kind, shared[kind])
        for published in reports:
            pieces = pickle.loads(Path(published.pieces).read_bytes())
            for kind in names:
                put(kind, pieces[kind])
        for kind in names:
            put(kind, gzip.compress(tails[kind], compresslevel=GZIP_LEVEL, mtime=0) if tails[kind] else b"")
    finally:
        for handle in handles.values():
            handle.close()
    stamp = now
    corpus = str(CatalogIris(iris).corpus)
    files = []
    for kind, name in names.items():
        sha = hashes[kind].hexdigest()
        old = before.get(name)
        media = media_type_of(name[: -len(".gz")])
        files.append(
            downloads.DownloadFile(
                name, kind, media, True, sizes[kind], sha, old.issued if old else stamp,
                old.modified if old and old.sha256 == sha else stamp, corpus,
            )
        )  # fmt: skip
    return files


def _write_catalog(
    release: Path,
    inputs: CatalogInputs,
    void: Graph,
    entries: Sequence[dict[str, Any]],
    corpus_files: Sequence[downloads.DownloadFile],
) -> None:
    """The catalog files besides the per-report ones (which the workers write)."""
    from publisher.dcat import catalog_entry, write_catalog_files

    directory = release / CATALOG
    ci = CatalogIris(inputs.iris)
    described = [f for f in corpus_files if f.kind != "csvw"]
    corpus_graph = corpus_dataset_graph(inputs, described)
    (directory / "datasets" / f"{downloads.CORPUS}.nt").write_bytes(downloads.sorted_ntriples(corpus_graph))
    index = [catalog_entry(downloads.CORPUS, ci.corpus, CORPUS_TITLE, described, None, None), *entries]
    index[1:] = sorted(index[1:], key=lambda e: (e["agency"], e["year"]))
    write_catalog_files(directory, inputs, void, index)


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
    raise SystemExit(main())
