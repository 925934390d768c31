"""A record checked in a build process: read, turned into a graph and validated; the result kept in the cache.

check_one     record → Report → triples → validation (one report per call, every shape
              but the rules across years); the result (`CheckedReport`) is kept in the
              cache under the record's key, its graph beside it as sorted N-Triples.
              The triples are N-Triples terms (graph/reporttriples.py), no rdflib graph:
              the sorted N-Triples are made from them, and the core shapes read them.
              The report's figures for the comparison pages are worked out from the
              same triples (publisher.publication.reportfigures) and kept with it.
check_summary the same for a pool (publisher.build.pool): what the build's main process
              needs of it, or the record's SourceError carried back as data
"""

from __future__ import annotations

import os
import pickle
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from publisher.build.prosecache import write_prose
from publisher.build.workerstate import WorkerState
from publisher.errors import SourceError
from publisher.graph.reporttriples import report_triples
from publisher.publication.reportfigures import ReportFigures, facts_for, report_figures
from publisher.rdf.ntterms import sorted_term_ntriples
from publisher.records.loading import load_report
from publisher.records.model import Report
from publisher.release.paths import CACHE_REPORTS
from publisher.validation.findings import Finding, Outcome


@dataclass
class CheckedReport:
    """One record read, turned into a graph and validated (its own shapes; rules come later)."""

    key: str
    record: str
    report: Report
    ntriples: bytes  # the report's graph, sorted N-Triples, without quality annotations
    findings: list[Finding]
    figures: ReportFigures | None = None  # its rows of the comparison pages' figures (None: cached before them)

    @property
    def agency(self) -> str:
        return self.report.agency

    @property
    def year(self) -> int:
        return self.report.year

    def outcome(self, extra: Sequence[Finding] = ()) -> Outcome:
        return Outcome.of(self.record, [*self.findings, *extra])


@dataclass(frozen=True)
class CheckedSummary:
    """What the build's main process needs of a checked report (the rest stays in the cache)."""

    key: str
    record: str
    agency: str
    year: int
    format: str
    findings: list[Finding]
    figures: ReportFigures | None = None


@dataclass(frozen=True)
class Failure:
    """A record that could not be read (a SourceError in a worker, carried back as data)."""

    file: str
    message: str
    line: int | None


def check_one(state: WorkerState, path: Path, key: str) -> CheckedReport:
    """Read, graph and validate one record (its own shapes), and keep the result in the cache."""
    project = state.project
    report = load_report(path, project.registry, state.keys)
    triples = report_triples(report, project.registry, project.formats[report.format], project.iris)
    ntriples = sorted_term_ntriples(triples)
    outcome = state.checker.check(triples, report.format, report, record=str(path), ntriples=ntriples, spare=True)
    facts = facts_for([*project.ontology.values(), project.agencies, project.shapes], project.iris.base)
    figures = report_figures(triples, str(project.iris.report(report.agency, report.year)), facts)
    checked = CheckedReport(key, str(path), report, ntriples, outcome.findings, figures)
    write_cache(state.staging, checked)
    write_prose(state.staging, key, report)  # what the text-reuse measure reads (publisher.build.textreuse)
    return checked


def check_summary(state: WorkerState, item: tuple[str, str]) -> CheckedSummary | Failure:
    """`check_one` of a (record path, key), as the main process needs it; an unreadable record as a Failure."""
    path, key = item
    try:
        c = check_one(state, Path(path), key)
    except SourceError as exc:
        where = f"{exc.file}:{exc.line}" if exc.line is not None else exc.file
        return Failure(exc.file, str(exc)[len(where) + 2 :], exc.line)
    return CheckedSummary(c.key, c.record, c.agency, c.year, c.report.format, c.findings, c.figures)


def cache_file(cache: Path, key: str) -> Path:
    """The cached check of a report (a pickled CheckedReport)."""
    return cache / CACHE_REPORTS / key[:2] / f"{key}.pickle"


def graph_file(cache: Path, key: str) -> Path:
    """The cached graph of a checked report, as sorted N-Triples (what the store's bulk load reads)."""
    return cache / CACHE_REPORTS / key[:2] / f"{key}.nt"


def write_cache(cache: Path, checked: CheckedReport) -> None:
    """Keep a checked report in `cache`: its graph and the whole of it, each written whole or not at all.

    The graph is written once, as N-Triples (nine tenths of a national report's check: `read_cache` reads it
    back); the report is kept with its source's text but not the source's parsed document
    (`Report.without_document`): nothing that reads the cache resolves a cell's location again.
    """
    path = cache_file(cache, checked.key)
    path.parent.mkdir(parents=True, exist_ok=True)
    kept = replace(checked, report=checked.report.without_document(), ntriples=b"")
    for target, data in (
        (graph_file(cache, checked.key), checked.ntriples),
        (path, pickle.dumps(kept, pickle.HIGHEST_PROTOCOL)),
    ):
        tmp = target.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_bytes(data)
        os.replace(tmp, target)


def read_cache(cache: Path, key: str) -> CheckedReport | None:
    """The cached check of a report, its graph read from beside it, or None (not there, unreadable, or pickled
    by code that has moved)."""
    path = cache_file(cache, key)
    try:
        checked = pickle.loads(path.read_bytes())
        if isinstance(checked, CheckedReport) and checked.key == key:
            checked.ntriples = graph_file(cache, key).read_bytes()
            return checked
    except (OSError, EOFError, pickle.UnpicklingError, AttributeError, TypeError, ImportError):
        pass
    return None
