"""Each report's findings as a build puts them together: the rules' scope when reports change, the outcomes, the
digest of the quality annotations.

The rules across years relate a report to its agency's report of the year before, so a
change reaches the years beside it (`rules_scope`); a report's outcome is its own findings
and the rules' (`report_outcomes`, made anew only for reports whose findings changed); its
quality annotations are rewritten only when the digest of its warnings and text reuse
changes (`findings_digest`).
"""

from __future__ import annotations

import bisect
import hashlib
import json
from collections.abc import Mapping, Sequence

from publisher.build.bulkstore import Entry
from publisher.validation.findings import Finding, Outcome

#: Each report's outcome as this process made it last, with the record and findings it was made of: a resident
#: builder makes anew only the outcomes of reports whose findings are other lists (those checked or ruled again).
_OUTCOMES: dict[str, tuple[str, Sequence[Finding], Sequence[Finding], Outcome]] = {}


def report_outcomes(ordered: Sequence[Entry], rules: Mapping[str, Sequence[Finding]]) -> list[Outcome]:
    """Each report's validation outcome: its own findings and the rules across years' (`Entry.outcome`)."""
    global _OUTCOMES
    known, kept, found = _OUTCOMES, {}, []
    for entry in ordered:
        extra = rules.get(entry.iri, ())
        made = known.get(entry.iri)
        if made is None or made[0] != entry.record or made[1] is not entry.findings or made[2] is not extra:
            made = (entry.record, entry.findings, extra, entry.outcome(extra))
        kept[entry.iri] = made
        found.append(made[3])
    _OUTCOMES = kept
    return found


def rules_scope(by_iri: dict[str, Entry], touched: set[tuple[str, int]]) -> tuple[dict[str, Entry], set[str], set[str]]:
    """What a change of the reports of `touched` (agency, year) asks of the rules across years and text reuse.

    A rule relates a report to its agency's report of the year before, and its findings are the later
    report's: a change of year N changes the findings of N and N + 1 only (`ruled`), found over the reports
    of N - 1 to N + 1 (`scope`). Text reuse measures a report against its agency's latest earlier report:
    the report following N (`following`) is measured anew."""
    near = {(agency, year + step) for agency, year in touched for step in (-1, 0, 1)}
    agencies = {agency for agency, _year in touched}
    scope: dict[str, Entry] = {}
    series: dict[str, list[tuple[int, str]]] = {}
    for iri, entry in by_iri.items():
        if entry.agency in agencies:
            series.setdefault(entry.agency, []).append((entry.year, iri))
            if (entry.agency, entry.year) in near:
                scope[iri] = entry
    for reports in series.values():
        reports.sort()
    following: set[str] = set()
    for agency, year in touched:
        reports = series.get(agency, [])
        at = bisect.bisect_right(reports, year, key=lambda report: report[0])
        if at < len(reports):
            following.add(reports[at][1])
    ruled = {iri for iri, e in scope.items() if (e.agency, e.year) in touched or (e.agency, e.year - 1) in touched}
    return scope, ruled, following


def findings_digest(findings: Sequence[Finding], reuse: str = "") -> str:
    """A digest of a report's warnings and its text reuse's: the same digest, the same quality annotations."""
    text = json.dumps(sorted(json.dumps(f.__dict__, sort_keys=True) for f in findings)) + reuse
    return hashlib.sha256(text.encode()).hexdigest()[:24]
