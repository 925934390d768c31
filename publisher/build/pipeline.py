"""The build at scale: records checked in parallel, cached by content, bulk-loaded, checked across reports.

    records ──(workers: read, graph, validate one report per call)──▶ cache/{key}.pickle
            ──(main: bulk load every graph)──▶ store
            ──(main: rules across years as SPARQL over the store)──▶ warnings ──▶ DQV annotations
            ──(workers: downloads and catalog entry per report)──▶ release files
            ──(main: corpus dumps from cached pieces, catalog, VoID, manifest)──▶ atomic switch

This module is the orchestration up to the checked reports (`build`: keys, cache,
checks, order); the new release is made from them stage by stage in
publisher.build.stages. The parts they run live in:

    publisher.build.cachekeys      report keys: what a report's graph depends on
    publisher.build.pool           the worker processes (publisher.build.workerstate: what each loads once)
    publisher.build.checked        a record checked in a worker, kept in the cache
    publisher.build.reportfiles    a report's files written in a worker
    publisher.build.bulkstore      each report's entry and cached graph, the store, the rules across years
    publisher.build.state          what a release keeps for the next build (build-state.pickle)
    publisher.build.recycling      a spare or pruned release folder renamed into place and refitted
    publisher.build.releasefiles   the corpus dumps, the indexes, the manifest and the validation report
    publisher.build.catalogupdate  VoID statistics and the catalog's release-wide files

Workers are processes (one per core; the project — ontology, formats, registry,
shapes — is loaded once per worker). Each report is checked on its own, one report
per validation call (`publisher.validation.checker.ReportChecker`): every shape but
the rules across years, the core shapes evaluated without pySHACL
(`publisher.validation.coreshapes`; pySHACL stays the reference the tests hold them
to). Those (dis:CrossYearRule: carry-over, stock and flow) are evaluated once over
the loaded store, one query per rule for all reports at once, instead of once per
pair of consecutive reports; they only ever give warnings (`bulkstore.rule_findings`).

A report's **key** is a hash of what its graph depends on: the record, its source
document, its agency's registry entry and division, the ontology, the shapes, the
base IRI and the publisher's version (`cachekeys`). A report whose key is in the
cache is not read or validated again.

**One change, one report's work.** Each release keeps its `ReleaseState`
(`build-state.pickle`: every report's key, findings and file digest, and where each
report's part is in the release-wide files). When the previous release was built from
the same ontology, shapes and data-folder files, the next build touches only what
changed, whatever the size of the corpus:

- the store is a hard-linked checkpoint of the previous one, with the changed
  reports' graphs replaced;
- the release folder is recycled (`recycling`): a release about to be pruned (or,
  after a build from nothing, a hard-linked spare of it in `build_dir/spare/`) is
  renamed into place and only the reports that differ between it and the new release
  are unlinked and linked again or rewritten, instead of hard-linking every report's
  ~9 files (and deleting as many with the pruned release);
- the corpus dumps, `downloads/index.json`, `catalog/index.json`, `manifest.json`
  and `validation.txt` are spliced (`releasefiles`, with `publisher.build.splice.Splice`):
  the unchanged reports' parts copied from the previous version in a few runs, the
  others written;
- VoID's statistics are the previous ones with the changed graphs' counts taken
  off and added (distinct objects: those of a graph's old or new version only,
  looked up in the other store; `catalogupdate`);
- the rules across years are checked again over the changed reports and the years
  beside them only (their findings are the changed reports' and the next years'),
  and text reuse measured again for the report following each (`stages`).

When nothing changed at all, nothing is published. A build that fails leaves
`current` as it was: recycling only ever takes trees that are not published.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path

from publisher.build.buildlock import BuildLock
from publisher.build.bulkstore import Entry, entry_checked, entry_of, entry_published
from publisher.build.cachekeys import RegistryEntries, StatCache, inputs_digest, shared_digest
from publisher.build.checked import Failure, check_summary, read_cache
from publisher.build.pool import Workers
from publisher.build.progress import Progress
from publisher.build.stages import NewRelease
from publisher.build.state import Previous, read_previous
from publisher.build.summary import BuildSummary, Clock
from publisher.errors import BuildError, SourceError, ValidationFailed
from publisher.rdf.iris import Iris
from publisher.records.loading import find_records
from publisher.release.paths import CACHE, staging_dir
from publisher.settings import Settings

__all__ = ["BuildSummary", "build"]


def cpu_count() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1))


def build(
    settings: Settings,
    progress: Progress | None = None,
    processes: int | None = None,
    records: Sequence[Path] | None = None,
    changed: Collection[str] | None = None,
) -> BuildSummary:
    """Build every record into a new release and publish it atomically, or raise and change nothing.

    `processes`: worker processes that check and write reports (default: setting build_workers, 0 = one per core).
    `records` and `changed`, from a builder that hears every change of the data folder (publisher.build.resident):
    the records there are, and the only files that can have changed since this process's last build; the
    folder is then not listed nor every record stat-ed.
    One build at a time in a build folder (`buildlock.BuildLock`); what a killed build left there is removed first.
    """
    with BuildLock(Path(settings.build_dir)):
        return _build(settings, progress, processes, records, changed)


def _build(
    settings: Settings,
    progress: Progress | None,
    processes: int | None,
    records: Sequence[Path] | None,
    changed: Collection[str] | None,
) -> BuildSummary:
    """`build`, with the build folder's lock held."""
    progress = progress or Progress(enabled=False)
    clock = Clock()
    build_dir, data_dir = Path(settings.build_dir), Path(settings.data_dir)
    paths = list(records) if records is not None else find_records(data_dir)
    if not paths:
        raise BuildError(f"No report records under {data_dir / 'reports'}; nothing to publish.")
    shared = shared_digest(settings)
    cache = build_dir / CACHE / shared[:16]
    stat_cache = StatCache(cache)
    keys = stat_cache.keys(shared, paths, RegistryEntries(data_dir / "agencies.yaml"), save=False, changed=changed)
    inputs = inputs_digest(shared, paths, keys, data_dir)  # kept in the manifest (builder.is_stale)
    previous = read_previous(build_dir, cache)
    clock.lap("keys")
    entries, todo = _known(paths, keys, previous, cache, Iris(settings.base))
    clock.lap("cache")
    count = processes or int(settings.values.get("build_workers", 0) or 0) or cpu_count()
    # Newly checked records go to a staging folder, moved into the cache only once the build may go on: a
    # build refused for its input leaves the build folder as it was (a killed one, the next build removes).
    # Processes start for a run of many records or reports, or at once when a number of them is asked for.
    staging = staging_dir(build_dir, os.getpid())
    pool = Workers(settings, cache, staging, count, eager=processes is not None)
    clock.watch(pool)  # the workers' CPU counted in the stages' (they are not this process's children)
    try:
        _check(pool, todo, entries, Iris(settings.base), progress)
        clock.lap("check")
        ordered = _in_order(entries, paths)
        _move_into(staging, cache)
        try:
            summary = NewRelease(settings, pool, ordered, cache, shared, previous, progress, clock, inputs).publish()
        finally:
            stat_cache.save()  # after the switch: what the next build reads, not what anybody waits for
        summary.checked = len(todo)
        summary.cpu, summary.workers_cpu, summary.memory = clock.cpu, clock.workers_cpu, clock.memory()
        summary.refs = [(e.agency, e.year, e.format, path) for e, path in zip(ordered, paths, strict=True)]
        return summary
    finally:
        pool.close()
        shutil.rmtree(staging, ignore_errors=True)


def _known(
    paths: Sequence[Path], keys: Mapping[Path, str], previous: Previous, cache: Path, iris: Iris
) -> tuple[dict[Path, Entry], list[tuple[str, str]]]:
    """The records' entries known without checking them (published as they are, or in the cache), and the
    (path, key) of the others: the records to check."""
    entries: dict[Path, Entry] = {}
    todo: list[tuple[str, str]] = []
    for path in paths:
        known = previous.find(path)
        if known is not None and known.key == keys[path]:
            entries[path] = entry_published(known, str(path))
            entries[path].figures = known.figures  # its rows of the comparison pages' figures, kept
            continue
        cached = read_cache(cache, keys[path])
        if cached is not None and os.path.realpath(cached.record) == os.path.realpath(path):
            cached.record = str(path)
            entries[path] = entry_of(cached, iris)
            entries[path].figures = cached.figures
        else:
            todo.append((str(path), keys[path]))
    return entries, todo


def _check(
    pool: Workers, todo: Sequence[tuple[str, str]], entries: dict[Path, Entry], iris: Iris, progress: Progress
) -> None:
    """The records of `todo` checked by the workers, their entries added; the first unreadable one raised."""
    failures: list[Failure] = []
    progress.stage("checking", len(todo))
    for item in pool.run(check_summary, todo, progress):
        if isinstance(item, Failure):
            failures.append(item)
        else:
            entries[Path(item.record)] = entry_checked(item, iris)
            entries[Path(item.record)].figures = item.figures
    progress.done()
    if failures:
        first = sorted(failures, key=lambda f: f.file)[0]
        raise SourceError(first.file, first.message, first.line)


def _in_order(entries: Mapping[Path, Entry], paths: Sequence[Path]) -> list[Entry]:
    """The entries in the order of their records; SourceError for a second report of the same agency and year,
    ValidationFailed when any has a violation."""
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
    return ordered


def _move_into(staging: Path, cache: Path) -> None:
    """The files of `staging` moved to the same places under `cache`."""
    if not staging.is_dir():
        return
    for root, _dirs, files in os.walk(staging):
        target = cache / Path(root).relative_to(staging)
        target.mkdir(parents=True, exist_ok=True)
        for name in files:
            os.replace(Path(root) / name, target / name)
