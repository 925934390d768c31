"""The resident builder's warm-up: what its first change would otherwise make at first use, made at start.

warm_release   the rows of every report of the published release in the files each release
               has whole (the figure table, the corpus index) and the outcomes, made as the
               next build reuses them; the largest report's files written once into a
               scratch folder (its modules' first use, the literals and labels a process
               learns); the other releases' states read (the next build recycles one)
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
from pathlib import Path

from publisher.build.bulkstore import entry_published
from publisher.build.checked import cache_file, graph_file
from publisher.build.indexfile import write_corpus_index
from publisher.build.reportfiles import PublishJob, publish_one
from publisher.build.reportfindings import report_outcomes
from publisher.build.state import ReportState, read_state
from publisher.build.workerstate import WorkerState
from publisher.errors import PublisherError
from publisher.publication.comparedfigures import FIGURE_PAIRS
from publisher.publication.reportfigures import write_table
from publisher.release.paths import FIGURE_TABLE, REPORT_FOLDERS
from publisher.validation.findings import Finding


def warm_release(release: Path, state: WorkerState) -> None:
    """The rows of every report of a published release in the files each release has whole (the figure table,
    the corpus index) and its outcomes, made once as the next build will reuse them, its largest report's
    files written once into a scratch folder, and the states of the other releases read (the next build
    recycles one of them: publisher.build.recycling) (publisher.build.resident)."""
    known = read_state(release)
    if known is None:
        return
    with contextlib.suppress(OSError):
        for other in release.parent.iterdir():
            if other != release:
                read_state(other)  # remembered by publisher.build.state, as the first change reads it
    reports = known.reports
    entries = [entry_published(r, r.record) for r in reports.values()]
    report_outcomes(entries, known.rules)
    with tempfile.TemporaryDirectory() as scratch:
        if all(r.figures is not None and r.figures.figures == FIGURE_PAIRS for r in reports.values()):
            write_table(Path(scratch) / FIGURE_TABLE, state.settings.base,
                        [(iri, r.figures) for iri, r in reports.items() if r.figures is not None])  # fmt: skip
        write_corpus_index(Path(scratch), state.project, reports, known.rules)
        if reports:
            largest = max(reports.values(), key=lambda r: r.triples)
            warnings = [f for f in largest.findings if f.severity == "warning"] + list(known.rules.get(largest.iri, []))
            with contextlib.suppress(OSError, PublisherError):  # its source gone, no room: the first change pays
                _warm_files(Path(scratch), state, largest, warnings)


def _warm_files(scratch: Path, state: WorkerState, report: ReportState, warnings: list[Finding]) -> None:
    """A published report's files written into `scratch` as a build writes them, from a copy of its checked record
    in a scratch cache: what the first report a process writes costs once (its modules' first use, the literals
    and labels it remembers), paid before the first change rather than by it."""
    cache = scratch / "cache"
    for kept in (cache_file(state.cache, report.key), graph_file(state.cache, report.key)):
        copy = cache / kept.relative_to(state.cache)
        copy.parent.mkdir(parents=True, exist_ok=True)
        try:
            shutil.copyfile(kept, copy)
        except OSError:  # not in the cache any more: the first change pays for it
            return
    folder = scratch / "release"
    for sub in REPORT_FOLDERS:
        (folder / sub).mkdir(parents=True, exist_ok=True)
    publish_one(state.with_cache(cache), PublishJob(report.key, warnings, {}, WARM_UP_TIME, str(folder)))


#: The time a warm-up's scratch files are written at (they are never published).
WARM_UP_TIME = "2000-01-01T00:00:00Z"
