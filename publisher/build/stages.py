"""A new release made from a build's checked reports, stage by stage, and published.

`NewRelease.publish()` runs the stages in order, each named as the build's timings
name it (`BuildSummary.timings`):

    rules       the rules across years, set-based over an in-memory store of the changed
                reports and the years beside them, or of each agency by the workers
                (publisher.build.bulkstore)
    plan        what changed since the published release; a recycled tree or a new folder
    load        the store: a checkpoint of the previous one with the changed graphs
                replaced (publisher.store.graphs), or every graph bulk-loaded
                (publisher.build.bulkstore) in a thread while annotate, link and files
                go on, waited for after them (the text reuse then put into it), then
                compacted in a thread while the release-wide files are made
    annotate    the reports whose published graph changes, their DQV quality annotations and
                text reuse (measured by the workers: publisher.build.textreuse)
    link        the unchanged reports' files hard-linked from the previous release
    files       the others' files written by the workers (publisher.build.reportfiles)
    corpus      the corpus dumps and downloads/index.json (publisher.build.releasefiles), and the
                figure table of the comparison pages (publisher.build.figurefile)
    void        VoID's statistics and graph (publisher.build.catalogupdate)
    catalog     the catalog's release-wide files
    manifest    manifest.json, validation.txt and the state the next build reads
    publish     the store's compaction waited for (its CPU, run beside corpus, void and
                catalog, is counted here), the atomic switch of `current` (and the remote
                store, if any)
    tidy        the state written, old answers discarded, a spare kept for the next build

When nothing changed at all, nothing is published (`unchanged`). A build that fails
leaves `current` as it was: the new release's folder is discarded.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import URIRef

from publisher import __version__
from publisher.build import workerstate
from publisher.build.bulkstore import (
    Compaction,
    Entry,
    StoreLoad,
    agency_rules,
    graph_bytes,
    nquads,
    rules_jobs,
    scoped_rules,
)
from publisher.build.catalogupdate import void_stats, void_totals, write_catalog_files
from publisher.build.dumpfiles import DumpsWriting, keep_digests_of, write_dumps
from publisher.build.figurefile import write_figure_table
from publisher.build.indexfile import write_corpus_index
from publisher.build.pool import Workers
from publisher.build.progress import Progress
from publisher.build.recycling import after_publish, link_reports, recycle, refit
from publisher.build.releasefiles import (
    manifest_entry,
    old_index_entries,
    previous_corpus,
    write_downloads_index,
    write_listing,
)
from publisher.build.reportfiles import PublishJob, ReportFiles, publish_one
from publisher.build.reportfindings import findings_digest, report_outcomes, rules_scope
from publisher.build.splice import Layout, discard_later
from publisher.build.state import (
    STATE_VERSION,
    Previous,
    ReleaseState,
    ReportState,
    VoidTotals,
    files_digest,
    write_state,
)
from publisher.build.summary import BuildSummary, Clock
from publisher.build.textreuse import ReuseJob, measure_one, previous_reports, reuse_digest, reuse_of
from publisher.build.workerstate import WorkerState
from publisher.publication.downloads import DownloadFile, read_index
from publisher.publication.void import example_resources, void_graph
from publisher.rdf.iris import Iris
from publisher.release.paths import (
    CATALOG_INDEX,
    DOWNLOADS,
    DOWNLOADS_INDEX,
    MANIFEST,
    RELEASES,
    REPORT_FOLDERS,
    STORE,
    VALIDATION,
)
from publisher.settings import Settings
from publisher.store.graphs import replace_graph
from publisher.store.publishing import Release
from publisher.store.readstore import remote_config
from publisher.validation.findings import Finding, Outcome, quality_annotations

#: A rebuild that changes more than this share of the reports starts a new store instead of a checkpoint.
INCREMENTAL_SHARE = 0.2


class NewRelease:
    """The release a build makes of its checked reports (`ordered`, in the order of their records).

    Made with the plan: what changed since the published release (`previous`), and
    whether the release can start from it (`incremental`). Each stage reads what the
    ones before it left on the object.
    """

    def __init__(
        self,
        settings: Settings,
        pool: Workers,
        ordered: list[Entry],
        cache: Path,
        shared: str,
        previous: Previous,
        progress: Progress,
        clock: Clock,
        digest: str,
    ) -> None:
        self.settings, self.pool, self.ordered, self.cache = settings, pool, ordered, cache
        self.previous, self.progress, self.clock, self.digest = previous, progress, clock, digest
        self.build_dir = Path(settings.build_dir)
        self.iris = Iris(settings.base)
        self.by_iri = {entry.iri: entry for entry in ordered}
        self.names = sorted(self.by_iri)
        self.files = files_digest(settings, shared)
        state = previous.state
        self.old = state if state is not None and state.files == self.files else None
        before = self.before = self.old.reports if self.old is not None else {}
        by_iri = self.by_iri
        self.changed = [iri for iri, e in by_iri.items() if iri not in before or before[iri].key != e.key]
        self.removed = [iri for iri in before if iri not in by_iri]
        self.incremental = self.old is not None and (
            len(self.changed) + len(self.removed) <= INCREMENTAL_SHARE * len(by_iri)
        )
        self.retext = {iri for iri, e in by_iri.items() if iri in before and before[iri].record != e.record}

    @property
    def unchanged(self) -> bool:
        """Nothing changed since the published release (with a remote store, publishing again brings it to the
        release, should it have missed it)."""
        old = self.old
        same = old is not None and self.incremental and not (self.changed or self.removed or self.retext)
        return same and old is not None and old.inputs == self.digest and remote_config(self.settings) is None

    def publish(self) -> BuildSummary:
        """Every stage, from the plan to the switch and the tidying after it; or, when nothing changed, nothing."""
        if self.unchanged:
            return self.keep_published()
        # this process's state when it was made for these settings and cache (an earlier build of this process,
        # or its in-process pool); never another project's, whose registry and shapes it holds
        current = workerstate.current_for(self.settings)
        self.state = (
            current if current is not None and current.cache == self.cache else WorkerState(self.settings, self.cache)
        )
        self.stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")
        self.now = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
        # the store is opened by `load`: a checkpoint of the previous one, or a new one
        self.release = Release(self.build_dir, self.build_dir / RELEASES / f"{self.stamp}-{self.digest[:12]}")
        self.store: ox.Store | None = None
        self.before_store: ox.Store | None = None
        self.loading: StoreLoad | None = None
        self.compaction: Compaction | None = None
        self.dumps: DumpsWriting | None = None
        try:
            self.rules()  # in stores of their own, before the release's store is made
            self.plan()
            self.load()  # from nothing, in a thread (`StoreLoad`) until `loaded`: the next three need no store
            self.annotate()
            self.link()
            self.write_files()
            self.loaded()
            self.write_corpus()
            self.write_void()
            self.write_catalog()
            self.write_manifest()
            path = self.switch()
        except BaseException as exc:
            self.abandon(interrupted=isinstance(exc, KeyboardInterrupt))
            raise
        self.tidy(path)
        return BuildSummary(
            path, self.outcomes, self.totals.triples, len(self.ordered), 0, len(self.dirty), self.incremental,
            self.clock.timings,
        )  # fmt: skip

    def abandon(self, interrupted: bool) -> None:
        """The release being made discarded, once nothing writes it any more: the load stopped, the dumps'
        threads done, and the store's compaction (which cannot be stopped) waited for — unless the build was
        interrupted (Ctrl-C), or is while it waits: its folder is then moved aside at once, and the compaction
        fails there (nothing of it is published)."""
        try:
            if self.loading is not None:
                self.loading.stop()  # nothing writes the store any more
            if self.dumps is not None:
                self.dumps.wait()  # nor the dumps' threads the release
            if self.compaction is not None and not interrupted:
                self.progress.stage("discarding (the store's compaction ends first)", 0)
                with contextlib.suppress(Exception):  # what failed first is what is raised
                    self.compaction.wait()
                self.compaction = None
        finally:
            self.store = self.before_store = None
            if self.compaction is not None:
                discard_later(self.build_dir, [self.release.path])
            self.release.discard()
            keep_digests_of(self.previous.release)  # not the states of the discarded parts

    def keep_published(self) -> BuildSummary:
        """Nothing changed since the published release: it stays published, as it is."""
        assert self.previous.release is not None and self.old is not None
        outcomes = [entry.outcome(self.old.rules.get(entry.iri, [])) for entry in self.ordered]
        self.clock.lap("plan")
        return BuildSummary(
            self.previous.release, outcomes, self.old.void.triples, len(self.ordered), 0, 0, True, self.clock.timings
        )

    def plan(self) -> None:
        """The release's folder: a recycled tree (incrementally, when there is one), else a new folder."""
        path = self.release.path
        self.tree = recycle(self.build_dir, path, self.files, self.previous) if self.incremental else None
        if self.tree is None:
            path.mkdir(parents=True)
        self.clock.lap("plan")

    def load(self) -> None:
        """The store: the previous one's checkpoint with the changed graphs replaced; or every graph loaded, with
        the quality annotations of the reports with warnings, in a thread while the build goes on (`loaded`)."""
        self.progress.stage("loading", 0)
        store_path = self.release.path / STORE
        self.before_store = None
        self.store = None
        if self.incremental:
            assert self.previous.release is not None
            self.before_store = ox.Store.read_only(str(self.previous.release / STORE))
            self.before_store.backup(str(store_path))
            store = ox.Store(str(store_path))
            for iri in self.removed:
                store.clear_graph(ox.NamedNode(iri))
            for iri in self.changed:  # only the triples that differ (`replace_graph`)
                replace_graph(store, iri, graph_bytes(self.by_iri[iri], self.cache), self.published_graph(iri))
            self.store = store
        else:
            self.loading = StoreLoad(store_path, self.state, self.by_iri, self.cache, self.annotations_of)
            self.clock.charge("load", self.loading)
        self.progress.done()
        self.clock.lap("load")

    def warnings_of(self, iri: str) -> list[Finding]:
        """A report's warnings: its own, then the rules across years'."""
        return [f for f in self.by_iri[iri].findings if f.severity == "warning"] + self.found.get(iri, [])

    def annotations_of(self, iri: str) -> bytes:
        """A report's quality annotations as N-Triples (none without warnings), for the bulk load's stream."""
        warnings = self.warnings_of(iri)
        if not warnings:
            return b""
        return quality_annotations(URIRef(iri), warnings, self.iris).serialize(format="nt", encoding="utf-8")

    def loaded(self) -> None:
        """From nothing, the store once its load ends (what it raised, raised here), with every text reuse
        measured (`measure_reuse`) bulk-loaded into it at once."""
        loading = self.loading
        if loading is None:
            return
        self.progress.stage("loading", 0)
        store = self.store = loading.store()
        self.loading = None
        data = b"".join(nquads(self.reuse[iri], iri) for iri in sorted(self.reuse))
        if data:
            store.bulk_load(data, format=ox.RdfFormat.N_QUADS)
        self.progress.done()
        self.clock.lap("load")
        self.compaction = Compaction(store)  # while the release-wide files are made; waited for by `switch`
        self.clock.charge("publish", self.compaction)

    def published_graph(self, iri: str) -> bytes | None:
        """A report's graph as the published release's store holds it: the N-Triples it published of it (the
        same lines, as the store writes them); None if it had none, or they are not as many as its triples."""
        kept, release = self.before.get(iri), self.previous.release
        names = [name for name in kept.names if name.endswith(".nt")] if kept is not None else []
        if kept is None or release is None or len(names) != 1:
            return None
        try:
            data = (release / DOWNLOADS / names[0]).read_bytes()
        except OSError:
            return None
        return data if data.count(b"\n") == kept.triples else None

    def rules(self) -> None:
        """The rules across years: over the changed and removed reports and the years beside them (one in-memory
        store, `reportfindings.rules_scope`), or over every agency (by the workers, an in-memory store of an agency
        each: `bulkstore.agency_rules`). They need no store of the release, and only ever give warnings."""
        self.progress.stage("rules", 0)
        by_iri = self.by_iri
        if self.incremental:
            assert self.old is not None
            touched = {(by_iri[iri].agency, by_iri[iri].year) for iri in self.changed}
            touched |= {(self.before[iri].agency, self.before[iri].year) for iri in self.removed}
            scope, ruled, following = rules_scope(by_iri, touched)
            fresh = scoped_rules(self.state, scope, self.cache) if scope else {}
            found = {iri: f for iri, f in self.old.rules.items() if iri in by_iri and iri not in ruled}
            found |= {iri: fresh[iri] for iri in ruled if iri in fresh}
            self.candidates = set(self.changed) | ruled | following | self.retext
        else:
            found = {}
            jobs = rules_jobs(self.ordered, self.cache)
            self.progress.stage("rules", len(jobs))
            for part in self.pool.run(agency_rules, jobs, self.progress):
                found.update(part)
            self.candidates = set(by_iri)
        self.found = found
        self.progress.done()
        self.clock.lap("rules")

    def annotate(self) -> None:
        """The reports whose published graph changes (`dirty`), each with its quality annotations in the store."""
        self.warnings: dict[str, list[Finding]] = {}
        self.annotated: dict[str, str] = {}
        previous = previous_reports(self.by_iri)
        for iri in self.candidates:
            self.warnings[iri] = self.warnings_of(iri)
            reuse = reuse_digest(self.by_iri, previous, iri)  # year N changed: N+1 (a candidate) measured anew
            self.annotated[iri] = findings_digest(self.warnings[iri], reuse)
        self.dirty = [
            iri for iri in self.names
            if not self.incremental or iri in self.changed
            or (iri in self.candidates and self.before[iri].annotations != self.annotated[iri])
        ]  # fmt: skip
        self.dirty_set = set(self.dirty)
        store = self.store
        assert store is not None or self.loading is not None
        for iri in self.dirty if store is not None else ():  # from nothing, the load's stream has the annotations
            assert store is not None
            if self.incremental and iri not in self.changed:
                replace_graph(store, iri, graph_bytes(self.by_iri[iri], self.cache), self.published_graph(iri))
            if self.warnings[iri]:
                store.load(self.annotations_of(iri), format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(iri))
        self.measure_reuse(previous)
        self.clock.lap("annotate")

    def measure_reuse(self, previous: dict[str, str]) -> None:
        """The rewritten reports' text reuse, measured by the workers against their previous reports, in the store
        (from nothing, once it is loaded: `loaded`)."""
        by_iri, store = self.by_iri, self.store
        jobs = [ReuseJob(iri, by_iri[iri].key, by_iri[previous[iri]].key) for iri in self.dirty if iri in previous]
        self.reuse: dict[str, bytes] = {}
        self.progress.stage("text reuse", len(jobs))
        for iri, data in self.pool.run(measure_one, jobs, self.progress):
            if data:
                self.reuse[iri] = data
                if store is not None:
                    store.load(data, format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(iri))
        self.progress.done()

    def link(self) -> None:
        """The report folders; incrementally, the reports not rewritten linked from the previous release."""
        release = self.release.path
        for sub in REPORT_FOLDERS:
            (release / sub).mkdir(parents=True, exist_ok=True)
        self.old_files: dict[str, dict[str, Any]] = {}
        if self.incremental:
            assert self.previous.release is not None
            if self.tree is not None:
                carried = refit(release, self.tree, self.before, self.by_iri, self.dirty_set)
            else:
                carried = [iri for iri in self.names if iri not in self.dirty_set]
            link_reports(self.previous.release, release, [self.before[iri] for iri in carried])
            self.old_files = old_index_entries(self.previous.release, self.old, self.dirty)
        else:
            for name, item in read_index(self.previous.release).items():
                self.old_files.setdefault(item.dataset, {})[name] = item
        self.clock.lap("link")

    def write_files(self) -> None:
        """Each rewritten report's files, by the workers; then every report's state as this release has it."""
        jobs = [
            PublishJob(self.by_iri[iri].key, self.warnings[iri], self.old_files.get(iri, {}), self.now,
                       str(self.release.path), self.reuse.get(iri, b""))
            for iri in self.dirty
        ]  # fmt: skip
        self.progress.stage("files", len(jobs))
        self.published: dict[str, ReportFiles] = {}
        for result in self.pool.run(publish_one, jobs, self.progress):
            self.published[str(result.entry["iri"])] = result
        self.progress.done()
        self.clock.lap("files")
        if self.incremental and not self.removed and len(self.before) == len(self.by_iri):
            # the same reports (in the same order: by IRI): the previous states, the rewritten and renamed replaced
            self.reports = dict(self.before)
            for iri in [*self.published, *self.retext]:
                self.reports[iri] = self.report_state(iri)
        else:
            self.reports = {iri: self.report_state(iri) for iri in self.names}

    def report_state(self, iri: str) -> ReportState:
        """A report as this release has it: as its files were just written, or as the previous release had it."""
        entry = self.by_iri[iri]
        done = self.published.get(iri)
        if done is None:
            kept = self.before[iri]
            return kept if kept.record == entry.record else _replace(kept, record=entry.record)
        return ReportState(
            iri, entry.record, entry.agency, entry.year, entry.format, entry.key, entry.findings,
            self.annotated[iri], len(self.warnings[iri]), done.triples, done.files_id, done.names, done.pieces,
            min(f.issued for f in done.files), max(f.modified for f in done.files), figures=entry.figures,
            reuse=reuse_of(self.reuse.get(iri, b""), self.iris, self.by_iri),
        )  # fmt: skip

    def write_corpus(self) -> None:
        """The corpus dumps (their threads started), the figure table and the corpus index."""
        self.progress.stage("corpus", 0)
        assert self.store is not None
        old, previous = self.old, self.previous.release
        self.layouts: dict[str, Layout] = {}
        old_corpus = {f.name: f for f in old.corpus} if old is not None else previous_corpus(previous)
        self.dumps = write_dumps(
            self.release.path, self.store, self.state, self.names, self.published, old, previous, old_corpus,
            self.layouts, self.now,
        )  # fmt: skip
        write_figure_table(self.release.path, self.settings.base, self.reports, self.pool, self.progress)
        write_corpus_index(self.release.path, self.state.project, self.reports, self.found)
        self.clock.lap("corpus")

    def index_downloads(self) -> None:
        """downloads/index.json, once the dumps' threads are done (their digests are in it)."""
        assert self.dumps is not None
        self.corpus_files: list[DownloadFile] = self.dumps.files()
        self.layouts[DOWNLOADS_INDEX] = write_downloads_index(
            self.release.path, self.reports, self.published, self.corpus_files, self.old, self.previous.release
        )
        self.clock.lap("corpus")

    def write_void(self) -> None:
        """VoID's counts (updated from the previous release's, or counted) and its graph."""
        assert self.store is not None
        self.totals: VoidTotals = void_totals(
            self.store, self.before_store, self.state, self.names, self.published, self.before, self.removed,
            self.old, self.incremental,
        )  # fmt: skip
        self.clock.lap("void")
        self.index_downloads()  # VoID's counts made while the dumps' threads hashed them
        examples = example_resources(self.store, self.iris, report=self.names[0])
        self.void = void_graph(self.store, self.iris, self.state.info, self.corpus_files, examples,
                               stats=void_stats(self.totals))  # fmt: skip
        self.clock.lap("void")

    def write_catalog(self) -> None:
        """The catalog's release-wide files and catalog/index.json."""
        self.layouts[CATALOG_INDEX] = write_catalog_files(
            self.release.path, self.state, self.reports, self.published, self.void, self.corpus_files, self.old,
            self.previous.release,
        )  # fmt: skip
        self.progress.done()
        self.clock.lap("catalog")

    def write_manifest(self) -> None:
        """manifest.json and validation.txt (spliced), and the state the next build starts from."""
        ordered, old, previous = self.ordered, self.old, self.previous.release
        self.outcomes: list[Outcome] = report_outcomes(ordered, self.found)
        rewritten = self.dirty_set | self.retext if self.incremental else set(self.by_iri)
        head = {
            "publisher": __version__, "base_iri": self.settings.base, "inputs": self.digest, "built": self.stamp,
            "triples": self.totals.triples, "cache": self.cache.name,
        }  # fmt: skip
        self.layouts[MANIFEST] = write_listing(
            self.release.path / MANIFEST, json.dumps(head, ensure_ascii=False)[:-1] + ', "reports": [\n', b",\n",
            [(e.iri, manifest_entry(self.reports[e.iri]) if e.iri in rewritten else None) for e in ordered],
            b"\n]}\n", old, previous, MANIFEST,
        )  # fmt: skip
        self.layouts[VALIDATION] = write_listing(
            self.release.path / VALIDATION, "", b"\n",
            [(o_entry.iri, o.text.encode() if o_entry.iri in rewritten else None)
             for o_entry, o in zip(ordered, self.outcomes, strict=True)],
            b"\n", old, previous, VALIDATION,
        )  # fmt: skip
        self.new_state = ReleaseState(
            STATE_VERSION, self.cache.name, self.files, self.digest, self.stamp, self.reports, self.found,
            self.layouts, self.corpus_files, self.totals,
        )  # fmt: skip
        self.clock.lap("manifest")

    def switch(self) -> Path:
        """The store closed and the release published: `current` switched to it in one rename."""
        self.progress.stage("publishing", 0)
        store = self.store
        assert store is not None
        if self.compaction is not None:
            self.compaction.wait()
            self.compaction = None
        store.flush()
        del store
        self.store = self.before_store = None  # closed: RocksDB closes when the objects go
        path = self.release.publish(self.settings, changed=[*self.dirty, *self.removed] if self.incremental else None)
        self.progress.done()
        self.clock.lap("publish")
        return path

    def tidy(self, path: Path) -> None:
        """What the next build starts from, written once the release is published (nobody waits for it, and a
        release without it — the disk full, the process stopped — only makes the next build start anew)."""
        with contextlib.suppress(OSError):
            write_state(path, self.new_state)
        after_publish(self.build_dir, path, self.new_state, spare=not self.incremental)
        self.clock.lap("tidy")


def _replace(state: ReportState, **changes: Any) -> ReportState:
    return ReportState(**{**state.__dict__, **changes})
