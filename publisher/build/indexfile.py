"""The release's corpus index (corpus-index.json): every agency and report the finding pages list, in one file.

Written by the corpus stage (publisher.build.stages) from what the build keeps of each
report (its ReportState: agency, year, format, text-reuse measurement; its own warnings
and those of the rules across years, ReleaseState.rules) and the project's agency
registry: no query over the store, so that a one-report republish stays as fast as the
rest of the corpus stage. The rows are those of the named queries `coverage` and
`text-reuse-shares` (publisher.publication.releaseindex).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from publisher.build.project import Project
from publisher.build.state import ReportState
from publisher.publication.releaseindex import IndexedReport, annotation_count, write_index
from publisher.release.paths import CORPUS_INDEX
from publisher.validation.findings import Finding


def write_corpus_index(
    release: Path, project: Project, reports: Mapping[str, ReportState], rules: Mapping[str, Sequence[Finding]]
) -> None:
    """The release's corpus index, of every report of `reports` (by IRI), `rules` the findings of the rules
    across years by report IRI (published as quality annotations beside the report's own warnings)."""
    global _ROWS
    formats, known, kept = project.formats, _ROWS, {}
    for iri, r in reports.items():
        found = rules.get(iri, ())
        row = known.get(iri)
        if row is None or row[0] is not r or row[1] is not found:
            indexed = IndexedReport(
                iri, r.agency, r.year, str(formats[r.format].iri), annotation_count([*r.findings, *found]), r.reuse
            )
            row = (r, found, indexed)
        kept[iri] = row
    _ROWS = kept
    write_index(release / CORPUS_INDEX, project.iris.base, project.registry, [row[2] for row in kept.values()])


#: Each report's row in the index this process wrote last, with the state and rules' findings it was made of: a
#: resident builder's next index makes rows only of the reports whose state or findings are other objects.
_ROWS: dict[str, tuple[ReportState, Sequence[Finding], IndexedReport]] = {}
