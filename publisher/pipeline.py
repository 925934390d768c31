"""The build at scale: records checked in parallel, cached by content, bulk-loaded, checked across reports.

    records ──(workers: read, graph, validate one report per call)──▶ cache/{key}.pickle
            ──(main: bulk load every graph)──▶ store
            ──(main: rules across years as SPARQL over the store)──▶ warnings ──▶ DQV annotations
            ──(workers: downloads and catalog entry per report)──▶ release files
            ──(main: corpus dumps from cached pieces, catalog, VoID, manifest)──▶ atomic switch

This module is the orchestration (`build`, `_publish`); the parts it runs live in:

    publisher.recordkeys      report keys: what a report's graph depends on
    publisher.buildstore      each report's entry and cached graph, the store, the rules across years
    publisher.releasestate    what a release keeps for the next build (build-state.pickle)
    publisher.recycling       a spare or pruned release folder renamed into place and refitted
    publisher.splicedfiles    the corpus dumps, the indexes, the manifest and the validation report
    publisher.releasecatalog  VoID statistics and the catalog's release-wide files

Workers are processes (one per core; the project — ontology, formats, registry,
shapes — is loaded once per worker). Each report is checked on its own, one report
per validation call (`checking.ReportChecker`): every shape but the rules across
years. Those (dis:CrossYearRule: carry-over, stock and flow) are evaluated once over
the loaded store, one query per rule for all reports at once, instead of once per
pair of consecutive reports; they only ever give warnings (`buildstore.rule_findings`).

A report's **key** is a hash of what its graph depends on: the record, its source
document, its agency's registry entry and division, the ontology, the shapes, the
base IRI and the publisher's version (`recordkeys`). A report whose key is in the
cache is not read or validated again.

**One change, one report's work.** Each release keeps its `ReleaseState`
(`build-state.pickle`: every report's key, findings and file digest, and where each
report's part is in the release-wide files). When the previous release was built from
the same ontology, shapes and data-folder files, the next build touches only what
changed, whatever the size of the corpus:

- the store is a hard-linked checkpoint of the previous one, with the changed
  reports' graphs replaced; only their agencies' rules are checked again;
- the release folder is recycled (`recycling`): a release about to be pruned (or,
  after a build from nothing, a hard-linked spare of it in `build_dir/spare/`) is
  renamed into place and only the reports that differ between it and the new release
  are unlinked and linked again or rewritten, instead of hard-linking every report's
  ~9 files (and deleting as many with the pruned release);
- the corpus dumps, `downloads/index.json`, `catalog/index.json`, `manifest.json`
  and `validation.txt` are spliced (`splicedfiles`, with `publisher.releasefiles.Splice`):
  the unchanged reports' parts copied from the previous version in a few runs, the
  others written;
- VoID's statistics are the previous ones with the changed graphs' counts taken
  off and added (distinct objects: each of their objects looked up in the old and
  the new store; `releasecatalog`).

When nothing changed at all, nothing is published. A build that fails leaves
`current` as it was: recycling only ever takes trees that are not published.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import shutil
import time
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from publisher import __version__, workers
from publisher.buildstore import Entry, entry_of, graph_bytes, new_store, rule_findings, scoped_rules
from publisher.errors import BuildError, PublisherError, SourceError, ValidationFailed
from publisher.iris import Iris
from publisher.progress import Progress
from publisher.recordkeys import RegistryEntries, StatCache, inputs_digest, shared_digest
from publisher.records import find_records
from publisher.recycling import SPARE, link_reports, recycle, refit
from publisher.releasecatalog import void_stats, void_totals, write_catalog_files
from publisher.releasefiles import RESPONSES, Layout, discard_later
from publisher.releasestate import (
    STATE,
    STATE_VERSION,
    Previous,
    ReleaseState,
    ReportState,
    files_digest,
    read_previous,
    write_state,
)
from publisher.settings import Settings
from publisher.splicedfiles import (
    CATALOG_INDEX,
    DOWNLOADS_INDEX,
    MANIFEST,
    VALIDATION,
    manifest_entry,
    old_index_entries,
    previous_corpus,
    write_downloads_index,
    write_dumps,
    write_listing,
)
from publisher.store import RELEASES, Release, remote_config
from publisher.validation import Finding, Outcome
from publisher.workers import (
    Failure,
    Published,
    PublishJob,
    Workers,
    _check_batch,
    _publish_batch,
    _WorkerState,
    read_cache,
)

CACHE = "cache"
#: A rebuild that changes more than this share of the reports starts a new store instead of a checkpoint.
INCREMENTAL_SHARE = 0.2


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
    records: Sequence[Path] | None = None,
    changed: Collection[str] | None = None,
) -> BuildSummary:
    """Build every record into a new release and publish it atomically, or raise and change nothing.

    `processes`: worker processes that check and write reports (default: setting build_workers, 0 = one per core).
    `records` and `changed`, from a builder that hears every change of the data folder (publisher.watcher):
    the records there are, and the only files that can have changed since this process's last build; the
    folder is then not listed nor every record stat-ed.
    """
    progress = progress or Progress(enabled=False)
    clock = _Clock()
    build_dir, data_dir = Path(settings.build_dir), Path(settings.data_dir)
    paths = list(records) if records is not None else find_records(data_dir)
    if not paths:
        raise BuildError(f"No report records under {data_dir / 'reports'}; nothing to publish.")
    shared = shared_digest(settings)
    cache = build_dir / CACHE / shared[:16]
    registry = RegistryEntries(data_dir / "agencies.yaml")
    stat_cache = StatCache(cache)
    keys = stat_cache.keys(shared, paths, registry, save=False, changed=changed)
    inputs = inputs_digest(shared, paths, keys, data_dir)  # kept in the manifest (build.is_stale)
    previous = read_previous(build_dir, cache)
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
            entries[path] = entry_of(cached, settings)
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
        try:
            summary = _publish(settings, pool, ordered, cache, shared, previous, progress, clock, inputs)
        finally:
            stat_cache.save()  # after the switch: what the next build reads, not what anybody waits for
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


def _unchanged(previous: Previous, state: ReleaseState, ordered: Sequence[Entry], clock: _Clock) -> BuildSummary:
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
    previous: Previous,
    progress: Progress,
    clock: _Clock,
    digest: str,
) -> BuildSummary:
    build_dir = Path(settings.build_dir)
    iris = Iris(settings.base)
    by_iri = {entry.iri: entry for entry in ordered}
    names = sorted(by_iri)
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
        tree = recycle(build_dir, release.path, files, previous) if incremental else None
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
                store.load(graph_bytes(by_iri[iri], cache), format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(iri))
        else:
            store = new_store(release.path / "store", state, by_iri, cache)
        progress.done()
        clock.lap("load")

        progress.stage("rules", 0)
        if incremental:
            assert old is not None
            agencies = {by_iri[iri].agency for iri in changed} | {before[iri].agency for iri in removed}
            scope = {iri: e for iri, e in by_iri.items() if e.agency in agencies}
            fresh = scoped_rules(state, scope, cache) if scope else {}
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
                store.load(graph_bytes(by_iri[iri], cache), format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(iri))
            if warnings[iri]:
                notes = quality_annotations(URIRef(iri), warnings[iri], iris).serialize(format="nt", encoding="utf-8")
                store.load(notes, format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(iri))
        clock.lap("annotate")

        for sub in ("downloads", "catalog/datasets", "catalog/schemaorg", "sources"):
            (release.path / sub).mkdir(parents=True, exist_ok=True)
        if incremental:
            assert previous.release is not None
            if tree is not None:
                carried = refit(release.path, tree, before, by_iri, dirty_set)
            else:
                carried = [iri for iri in names if iri not in dirty_set]
            link_reports(previous.release, release.path, [before[iri] for iri in carried])
            old_files = old_index_entries(previous.release, old, dirty)
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
        old_corpus = {f.name: f for f in old.corpus} if old is not None else previous_corpus(previous.release)
        corpus_files = write_dumps(
            release.path, store, state, names, published, old, previous.release, old_corpus, layouts, now
        )
        layouts[DOWNLOADS_INDEX] = write_downloads_index(
            release.path, reports, published, corpus_files, old, previous.release
        )
        clock.lap("corpus")
        totals = void_totals(store, before_store, state, names, published, before, removed, old, incremental)
        from publisher.void import example_resources, void_graph

        void = void_graph(store, iris, state.info, corpus_files, example_resources(store, iris, report=names[0]),
                          stats=void_stats(totals))  # fmt: skip
        clock.lap("void")
        layouts[CATALOG_INDEX] = write_catalog_files(
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
        layouts[MANIFEST] = write_listing(
            release.path / MANIFEST, json.dumps(head, ensure_ascii=False)[:-1] + ', "reports": [\n', b",\n",
            [(e.iri, manifest_entry(reports[e.iri]) if e.iri in rewritten else None) for e in ordered],
            b"\n]}\n", old, previous.release, MANIFEST,
        )  # fmt: skip
        layouts[VALIDATION] = write_listing(
            release.path / VALIDATION, "", b"\n",
            [(o_entry.iri, o.text.encode() if o_entry.iri in rewritten else None)
             for o_entry, o in zip(ordered, outcomes, strict=True)],
            b"\n", old, previous.release, VALIDATION,
        )  # fmt: skip
        new_state = ReleaseState(
            STATE_VERSION, cache.name, files, digest, stamp, reports, rules, layouts, corpus_files, totals
        )
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
    # What the next build starts from is written once the release is published: nobody waits for it, and
    # a release without it (the disk full, the process stopped) only makes the next build start anew.
    with contextlib.suppress(OSError):
        write_state(path, new_state)
    _after_publish(build_dir, path, new_state, spare=not incremental)
    clock.lap("tidy")
    return BuildSummary(path, outcomes, totals.triples, len(ordered), 0, len(dirty), incremental, clock.timings)


def _replace(state: ReportState, **changes: Any) -> ReportState:
    return ReportState(**{**state.__dict__, **changes})


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
            link_reports(release, target, state.reports.values())
            os.link(release / STATE, target / STATE)
        except OSError:
            discard_later(build_dir, [target])  # no spare: the next build links every report's files instead


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


__all__ = ["BuildSummary", "build"]


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
