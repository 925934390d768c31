"""The build's store: each report's entry and cached graph, the store of every graph, the rules across years over it.

Report graphs come from the cache of checked reports (`publisher.build.checked`) and are
bulk-loaded as one N-Quads stream. The rules across years (dis:CrossYearRule: carry-over,
stock and flow) are evaluated over the loaded store, one query per rule for all reports
at once, instead of once per pair of consecutive reports; they only ever give warnings.
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import Graph, URIRef

from publisher.build.checked import CheckedReport, CheckedSummary, graph_file, read_cache
from publisher.build.state import ReportRecord, ReportState
from publisher.build.workerstate import WorkerState
from publisher.errors import BuildError
from publisher.rdf.iris import Iris
from publisher.records.model import Report
from publisher.settings import SHAPES_DIR
from publisher.validation.checker import evaluate_constraints
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


def new_store(path: Path, state: WorkerState, by_iri: Mapping[str, Entry], cache: Path) -> ox.Store:
    """A store of every graph: the shared ones (ontology, formats, registry, shapes) and every report's."""
    project, iris = state.project, state.project.iris
    store = ox.Store(str(path))
    shared: list[tuple[URIRef, Graph]] = [*project.ontology.items(), (iris.graph("agencies"), project.agencies)]
    shared += list(load_shapes_documents(SHAPES_DIR, iris).items())
    for name, graph in shared:
        data = graph.serialize(format="nt", encoding="utf-8")
        store.bulk_load(data, format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(str(name)))
    store.bulk_load(io.BufferedReader(_NQuads(by_iri, cache), 1 << 20), format=ox.RdfFormat.N_QUADS)
    return store


def scoped_rules(state: WorkerState, scope: Mapping[str, Entry], cache: Path) -> dict[str, list[Finding]]:
    """The rules across years over the reports of `scope` (whole agencies), in a store of their own."""
    memory = ox.Store()
    for name, data in state.context_graphs:
        memory.load(data, format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(name))
    for iri, entry in scope.items():
        memory.load(graph_bytes(entry, cache), format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(iri))
    return rule_findings(state, memory, scope, cache)


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
            lines = graph_bytes(entry, self.cache).split(b"\n")
            self.buffer = b"".join(line[:-2].rstrip() + suffix for line in lines if line)
        size = min(len(target), len(self.buffer))
        target[:size] = self.buffer[:size]
        self.buffer = self.buffer[size:]
        return size


# ---------------------------------------------------------------------------
# Rules over the store
# ---------------------------------------------------------------------------


def rule_findings(
    state: WorkerState, store: ox.Store, reports: Mapping[str, Any], cache: Path
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
            line = _figure_lines(_load(entry, cache).report).get(finding.figure)
        found.setdefault(iri, []).append(Finding(**{**finding.__dict__, "line": line}))
    return found


def _figure_lines(report: Report) -> dict[str, int]:
    return {entry.key: entry.line for entry in report.figures} | {entry.key: entry.line for entry in report.facts}


def _report_part(iri: str) -> str:
    match = re.match(r"^(.*/id/report/[^/]+/\d{4})(?:[/#].*)?$", iri)
    return match.group(1) if match else iri
