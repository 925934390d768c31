"""The release's figure table (figure-table.json): every report's figures for the comparison pages, in one file.

Each report's rows are worked out by the worker that checks it, from its own triples
(publisher.build.checked, publisher.publication.reportfigures), and kept with it: in
the cache (CheckedReport.figures) and in the release's state (ReportState.figures), so
an unchanged report's rows are carried into the next build as they are, and only a
changed report's are worked out again. The corpus stage (publisher.build.stages) writes
the table of every report of the release, whole, from them.

A report whose rows were never worked out (checked by a publisher that did not keep
them), or were for other figures than the comparison pages' now, has them worked out
by the workers from its cached graph (`figures_of_cached`) before the table is written.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from dataclasses import replace
from pathlib import Path

from publisher.build.checked import graph_file, read_cache
from publisher.build.pool import Workers
from publisher.build.progress import Progress
from publisher.build.state import ReportState
from publisher.build.workerstate import WorkerState
from publisher.errors import BuildError
from publisher.publication.comparedfigures import FIGURE_PAIRS
from publisher.publication.reportfigures import (
    ReportFigures,
    facts_for,
    ntriples_terms,
    report_figures,
    write_table,
)
from publisher.release.paths import FIGURE_TABLE


def figures_of_cached(state: WorkerState, job: tuple[str, str]) -> tuple[str, ReportFigures]:
    """A report's figures (job: its IRI and key) worked out from its cached graph, in a worker."""
    iri, key = job
    project = state.project
    try:
        data = graph_file(state.cache, key).read_bytes()
    except OSError:
        checked = read_cache(state.cache, key)
        if checked is None:
            raise BuildError(f"The build cache lost the report {iri}; delete {state.cache} and build again.") from None
        data = checked.ntriples
    facts = facts_for([*project.ontology.values(), project.agencies, project.shapes], project.iris.base)
    return iri, report_figures(ntriples_terms(data), iri, facts)


def write_figure_table(
    release: Path, base: str, reports: MutableMapping[str, ReportState], pool: Workers, progress: Progress
) -> None:
    """The release's figure table, of every report of `reports` (by IRI); a report without its rows (or with
    rows of other figures) has them worked out first, and its state in `reports` replaced with one that has them."""
    missing = [(iri, r.key) for iri, r in reports.items() if r.figures is None or r.figures.figures != FIGURE_PAIRS]
    if missing:
        progress.stage("figures", len(missing))
        for iri, figures in pool.run(figures_of_cached, missing, progress):
            reports[iri] = replace(reports[iri], figures=figures)
        progress.done()
    rows = []
    for iri, report in reports.items():
        assert report.figures is not None
        rows.append((iri, report.figures))
    write_table(release / FIGURE_TABLE, base, rows)
