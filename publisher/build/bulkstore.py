"""The build's store: each report's entry and cached graph, the store of every graph; the rules across years.

Report graphs come from the cache of checked reports (`publisher.build.checked`) and are
bulk-loaded as one N-Quads stream, in a thread of the build's process (`StoreLoad`), and the
store then compacted in another (`Compaction`; both `Background` work the build waits for). The rules
across years (dis:CrossYearRule: carry-over, stock and flow) relate a report only to its own
agency's: they are evaluated over an in-memory store of one agency's reports at a time, by
the workers (`agency_rules`), or of the changed agencies' (`scoped_rules`), one query per
rule for all the store's reports at once (`rule_findings`); they only ever give warnings.
Over the store of every report they grew faster than the corpus (10.4 s for 504 reports, 36 s of CPU for 1,008).
"""

from __future__ import annotations

import io
import re
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import Graph, URIRef

from publisher.build.checked import CheckedReport, CheckedSummary, graph_file, read_cache
from publisher.build.state import ReportRecord, ReportState
from publisher.build.workerstate import WorkerState
from publisher.errors import BuildError, PublisherError
from publisher.rdf.iris import Iris
from publisher.records.model import Report
from publisher.settings import SHAPES_DIR
from publisher.validation.findings import Finding, Outcome
from publisher.validation.shapes import UnionView, load_shapes_documents

# ---------------------------------------------------------------------------
# Loading the store
# ---------------------------------------------------------------------------


@dataclass
class Entry(ReportRecord):
    """A report of this build: what the previous release says of it, and its checked record when it had to be read."""

    checked: CheckedReport | None = None

    def outcome(self, extra: Sequence[Finding] = ()) -> Outcome:
        return Outcome.of(self.record, [*self.findings, *extra])


def entry_of(checked: CheckedReport, iris: Iris) -> Entry:
    """The entry of a report read from the cache (its checked report kept with it)."""
    iri = str(iris.report(checked.agency, checked.year))
    return Entry(
        iri, checked.record, checked.agency, checked.year, checked.report.format, checked.key, checked.findings, checked
    )


def entry_checked(summary: CheckedSummary, iris: Iris) -> Entry:
    """The entry of a report just checked by a worker (its checked report stays in the cache)."""
    iri = str(iris.report(summary.agency, summary.year))
    return Entry(iri, summary.record, summary.agency, summary.year, summary.format, summary.key, summary.findings)


def entry_published(known: ReportState, record: str) -> Entry:
    """The entry of a report as the previous release published it, from `record` (its path as this build names it)."""
    return Entry(known.iri, record, known.agency, known.year, known.format, known.key, known.findings)


def graph_bytes(entry: Entry, cache: Path) -> bytes:
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


def new_store(
    path: Path,
    state: WorkerState,
    by_iri: Mapping[str, Entry],
    cache: Path,
    extra: Callable[[str], bytes] = lambda iri: b"",
    stop: threading.Event | None = None,
) -> ox.Store:
    """A store of every graph: the shared ones (ontology, formats, registry, shapes) and every report's, each
    with the N-Triples `extra` gives for its IRI (its quality annotations); `stop` set, the load stops."""
    project, iris = state.project, state.project.iris
    store = ox.Store(str(path))
    shared: list[tuple[URIRef, Graph]] = [*project.ontology.items(), (iris.graph("agencies"), project.agencies)]
    shared += list(load_shapes_documents(SHAPES_DIR, iris).items())
    for name, graph in shared:
        data = graph.serialize(format="nt", encoding="utf-8")
        store.bulk_load(data, format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(str(name)))
    # lenient: IRIs and language tags are not validated again (a tenth of the load's time): every report
    # graph was written by the publisher's own serialiser, and parsed by Oxigraph when it was checked
    stream = _NQuads(by_iri, cache, extra, stop)
    try:
        store.bulk_load(io.BufferedReader(stream, 1 << 20), format=ox.RdfFormat.N_QUADS, lenient=True)
    except BaseException as exc:
        del store  # closed now (RocksDB closes when the object goes), not once the error is let go
        if stream.error is not None:  # the stream's own (a lost cache, the load stopped), not the parser's
            raise stream.error from exc
        if isinstance(exc, SyntaxError | OSError | ValueError):
            raise BuildError(
                f"The build cache's report graphs do not load into the store ({exc}); delete {cache} and build again."
            ) from exc
        raise
    return store


class Background:
    """Work done in a thread of the build's process while the build goes on: `wait()` gives its result, or raises
    what it raised, in the build's thread; `cpu` is the CPU seconds of that thread alone once it ended (not of
    the threads it starts: the build's clock counts those too, `summary.Clock.charge`)."""

    def __init__(self, name: str, work: Callable[[], Any]) -> None:
        self.result: Any = None
        self.error: BaseException | None = None
        self.cpu: float | None = None
        self.thread = threading.Thread(target=self._run, args=(work,), name=name, daemon=True)
        self.thread.start()

    def _run(self, work: Callable[[], Any]) -> None:
        try:
            self.result = work()
        except BaseException as exc:  # raised again in the build's thread (`wait`)
            self.error = exc
        finally:
            self.cpu = time.thread_time()

    def wait(self) -> Any:
        """Its result, once it ended; what it raised, raised here (once)."""
        self.thread.join()
        if self.error is not None:
            error, self.error = self.error, None
            raise error
        return self.result


class StoreLoad(Background):
    """A new store (`new_store`) bulk-loaded in a thread of the build's process, while the build goes on with
    what needs no store (the load spends its time in Oxigraph, which releases the GIL but to read the stream).

    `store()` waits for it and gives the store, or raises what the load raised; `stop()` ends it early
    (the stream stops at its next read) and waits for it, so that nothing writes the store any more.
    """

    def __init__(
        self, path: Path, state: WorkerState, by_iri: Mapping[str, Entry], cache: Path, extra: Callable[[str], bytes]
    ) -> None:
        self.stopping = threading.Event()
        super().__init__("store-load", lambda: new_store(path, state, by_iri, cache, extra, self.stopping))

    def store(self) -> ox.Store:
        """The store, once loaded; what the load raised, raised here."""
        store = self.wait()
        assert isinstance(store, ox.Store)
        return store

    def stop(self) -> None:
        """The load ended (stopped if still going), its store and any error let go."""
        self.stopping.set()
        self.thread.join()
        self.result = self.error = None


class Compaction(Background):
    """A store compacted (`optimize`: RocksDB's files merged, as a store served for reading wants them) in a thread
    of the build's process while the build goes on reading it: Oxigraph releases the GIL, and a read sees the
    same quads during and after."""

    def __init__(self, store: ox.Store) -> None:
        super().__init__("store-compaction", store.optimize)


def scoped_rules(state: WorkerState, scope: Mapping[str, Entry], cache: Path) -> dict[str, list[Finding]]:
    """The rules across years (`rule_findings`) over the reports of `scope` (whole agencies), in a store of theirs:
    a new one in memory, of the context graphs (ontology, formats, registry: parsed once per process,
    `_context_quads`) and the reports' graphs. (Not one store whose report graphs are cleared after each
    agency: Oxigraph's memory store keeps what it held, and a worker grew to 4 GB over 10,000 reports.)"""
    memory = ox.Store()
    memory.bulk_extend(_context_quads(state))  # not in a transaction: a third faster, and nothing reads it yet
    for iri, entry in scope.items():  # lenient: the publisher's own N-Triples, parsed strictly when checked
        memory.bulk_load(graph_bytes(entry, cache), format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(iri),
                         lenient=True)  # fmt: skip
    return rule_findings(state, memory, scope, cache)


_CONTEXT_QUADS: tuple[WorkerState, list[ox.Quad]] | None = None


def _context_quads(state: WorkerState) -> list[ox.Quad]:
    """The context graphs (ontology, formats, registry) of `state` as quads, parsed once per process."""
    global _CONTEXT_QUADS
    if _CONTEXT_QUADS is None or _CONTEXT_QUADS[0] is not state:
        quads = [
            ox.Quad(triple.subject, triple.predicate, triple.object, ox.NamedNode(name))
            for name, data in state.context_graphs
            for triple in ox.parse(data, format=ox.RdfFormat.N_TRIPLES)
        ]
        _CONTEXT_QUADS = (state, quads)
    return _CONTEXT_QUADS[1]


class _NQuads(io.RawIOBase):
    """Every report graph as N-Quads, read as one stream (so the bulk loader needs no temporary file).

    Each cached graph's lines (`sorted_ntriples`: every line `S P O .`) get their report's
    graph name by one replacement over the whole graph, and the stream hands them out from
    a view of them, without copying what is left at each read.
    """

    def __init__(
        self,
        reports: Mapping[str, Entry],
        cache: Path,
        extra: Callable[[str], bytes] = lambda iri: b"",
        stop: threading.Event | None = None,
    ) -> None:
        self.items = iter(sorted(reports.items()))
        self.cache, self.extra, self.stop = cache, extra, stop
        self.buffer = memoryview(b"")
        self.error: PublisherError | None = None

    def readable(self) -> bool:
        return True

    def readinto(self, target: Any) -> int:
        try:
            return self._readinto(target)
        except PublisherError as exc:  # kept: the loader reports a failed read as an I/O error of its own
            self.error = exc
            raise

    def _readinto(self, target: Any) -> int:
        if self.stop is not None and self.stop.is_set():
            raise BuildError("The store's load was stopped.")
        while not self.buffer:
            item = next(self.items, None)
            if item is None:
                return 0
            iri, entry = item
            self.buffer = memoryview(nquads(graph_bytes(entry, self.cache), iri) + nquads(self.extra(iri), iri))
        size = min(len(target), len(self.buffer))
        target[:size] = self.buffer[:size]
        self.buffer = self.buffer[size:]
        return size


def nquads(ntriples: bytes, graph: str) -> bytes:
    """N-Triples as N-Quads in the named graph `graph`: each line's ` .` given the graph's name before it."""
    suffix = f" <{graph}> .\n".encode()
    lines = ntriples.count(b"\n")
    if ntriples.endswith(b" .\n") and ntriples.count(b" .\n") == lines:
        # every line ends ` .` (a literal's line break is written \n): one replacement does them all
        return ntriples.replace(b" .\n", suffix)
    return b"".join(line[:-2].rstrip() + suffix for line in ntriples.split(b"\n") if line)


# ---------------------------------------------------------------------------
# Rules over the store
# ---------------------------------------------------------------------------


def rule_findings(
    state: WorkerState, store: ox.Store, reports: Mapping[str, Any], cache: Path
) -> dict[str, list[Finding]]:
    """The rules across years (dis:CrossYearRule) over every report of `store`, by report IRI.

    One query per rule and constraint for all reports of the store at once
    (`Validator.evaluate_set_based`), rather than one per pair of reports; each result
    concerns the report its value belongs to (a figure's IRI is under its report's), the
    later of the two, and names the figure's line in its record. They only ever give
    warnings. (The constraints on one report stay in the workers' check: run set-based over
    a store of many reports they cost more per report, not less — benchmarks/README.md.)
    """
    validator = state.project.validator
    across = [c for c in validator.constraints if c.targets & validator.cross_year_classes]
    return locate(state, validator.evaluate_set_based(across, UnionView(store)), reports, cache)


@dataclass(frozen=True)
class RulesJob:
    """The reports of one agency (entries without their checked report), for `agency_rules` in a worker."""

    cache: str
    entries: tuple[Entry, ...]


def rules_jobs(entries: Sequence[Entry], cache: Path) -> list[RulesJob]:
    """One job per agency: the SPARQL constraints relate a report only to its own agency's reports."""
    by_agency: dict[str, list[Entry]] = {}
    for e in entries:
        by_agency.setdefault(e.agency, []).append(Entry(e.iri, e.record, e.agency, e.year, e.format, e.key, []))
    return [RulesJob(str(cache), tuple(found)) for found in by_agency.values()]


def agency_rules(state: WorkerState, job: RulesJob) -> dict[str, list[Finding]]:
    """`scoped_rules` over one agency's reports, in a worker: the rules across years spread over the workers, each
    over an in-memory store of an agency (set-based there too: one query per rule)."""
    return scoped_rules(state, {e.iri: e for e in job.entries}, Path(job.cache))


def locate(
    state: WorkerState, raw: Sequence[Finding], reports: Mapping[str, Any], cache: Path
) -> dict[str, list[Finding]]:
    """Findings by the report they concern, each with its figure's line in that report's record."""
    iris = state.project.iris
    found: dict[str, list[Finding]] = {}
    lines: dict[str, dict[str, int]] = {}
    for finding in raw:
        key = iris.report_key(_report_part(finding.focus))
        if key is None and finding.value:
            key = iris.report_key(_report_part(finding.value))
        if key is None:
            continue
        iri = str(iris.report(*key))
        entry = reports.get(iri)
        line = None
        if entry is not None and finding.figure:
            if iri not in lines:
                lines[iri] = _figure_lines(_load(entry, cache).report)
            line = lines[iri].get(finding.figure)
        found.setdefault(iri, []).append(Finding(**{**finding.__dict__, "line": line}))
    return found


def _figure_lines(report: Report) -> dict[str, int]:
    return {entry.key: entry.line for entry in report.figures} | {entry.key: entry.line for entry in report.facts}


def _report_part(iri: str) -> str:
    match = re.match(r"^(.*/id/report/[^/]+/\d{4})(?:[/#].*)?$", iri)
    return match.group(1) if match else iri
