"""The release's corpus index (corpus-index.json): the rows of the named query `coverage`, written by the build.

The finding pages (publisher.web.corpusindex) read every agency of the registry with
its level, division and parent, and every report with its year, format, titles and
number of quality annotations: the rows of the named query `coverage`
(publisher/sparql/queries/coverage.rq). Run over the store, the query costs seconds
of CPU at ten thousand reports; the build already knows each of those values (the
registry, and each report's agency, year, format and warnings), so it writes them
here, and the web reads the rows back (`coverage_rows`) instead of running the query.

The values are the query's own: the titles are the report graph's (publisher.graph.reports: made of
the agency's names and the year, so they are made again when the file is read, not kept),
the level is worked out from the registry's kind and division code as the query does
(`agency_level`), and the warnings are the distinct quality annotations the release
publishes for the report (publisher.validation.findings.quality_annotations names one
annotation per focus and value).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from publisher.rdf.iris import Iris
from publisher.records.model import Registry
from publisher.release.gcpause import collection_paused
from publisher.validation.findings import Finding

#: Bumped when the file changes shape: a file of another version is not read (the named query answers).
#: 2: each report's text-reuse measurement (the rows of the named query `text-reuse-shares`).
INDEX_VERSION = 2


@dataclass(frozen=True)
class Reuse:
    """A report's text-reuse measurement as the named query `text-reuse-shares` gives it: its share of prose
    repeated from its previous report (the decimal as the store writes it), that report, its year, and the
    number of repeated passages."""

    share: str
    previous: str
    previous_year: int
    passages: int


@dataclass(frozen=True)
class IndexedReport:
    """A report's row of the index: its IRI, agency (identifier), year, format IRI, number of annotations, and its
    text-reuse measurement if it has one."""

    iri: str
    agency: str
    year: int
    format: str
    warnings: int
    reuse: Reuse | None = None


def annotation_count(warnings: Iterable[Finding]) -> int:
    """How many quality annotations the release publishes for these findings: one per distinct node
    quality_annotations makes (a warning's focus and value), errors and notes not at all."""
    return len({f"{f.focus} {f.value}" for f in warnings if f.severity == "warning"})


def agency_level(registry: Registry, agency: str) -> str:
    """An agency's level, as the query `coverage` works it out from the registry's kind and division code."""
    found = registry.agencies[agency]
    if found.kind == "department":
        return "department"
    if found.division.endswith("0000"):
        return "province"
    if found.division.endswith("00"):
        return "city"
    parent = registry.agencies.get(found.parent) if found.parent else None
    if parent is not None and parent.division == found.division and parent.kind == "government":
        return "township"
    return "county"


#: Each report's row as the index this process wrote last encoded it: a resident builder encodes only the rows of
#: the reports that are other objects (those republished).
_ROWS: dict[str, tuple[IndexedReport, str]] = {}


def write_index(path: Path, base: str, registry: Registry, reports: Iterable[IndexedReport]) -> None:
    """The corpus index of the registry's agencies and these reports, written whole or not at all."""
    iris = Iris(base)
    agencies = []
    for agency in registry.agencies.values():
        division = registry.divisions.get(agency.division)
        if division is None:
            continue  # no notation nor labels for its area: the query has no row of it
        parent = agency.parent if agency.parent in registry.agencies else None
        agencies.append(
            [
                str(iris.agency(agency.id)), agency.name.zh, agency.name.en, agency_level(registry, agency.id),
                division.code, division.name.zh, division.name.en,
                str(iris.agency(parent)) if parent is not None else None,
            ]
        )  # fmt: skip
    agencies.sort(key=lambda row: (row[4], row[0]))
    global _ROWS
    agency_prefix, known, kept = iris.agencies, _ROWS, {}
    rows = []
    for report in sorted(reports, key=lambda r: r.iri):
        if report.agency not in registry.agencies:
            continue
        row = known.get(report.iri)
        if row is None or row[0] is not report:
            reuse = report.reuse
            measured = [reuse.share, reuse.previous, reuse.previous_year, reuse.passages] if reuse else None
            fields = [report.iri, agency_prefix + report.agency, report.year, report.format, report.warnings, measured]
            row = (report, json.dumps(fields, ensure_ascii=False))
        kept[report.iri] = row
        rows.append(row[1])
    _ROWS = kept
    data = {"corpus-index": INDEX_VERSION, "base": iris.base, "agencies": agencies, "reports": []}
    text = json.dumps(data, ensure_ascii=False)[: -len("[]}")] + "[" + ", ".join(rows) + "]}"
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def coverage_rows(path: Path, base: str) -> list[dict[str, str]] | None:
    """The rows of the named query `coverage` as the corpus index at `path` holds them (same keys, same strings,
    same order); None when there is none, or it is of another version or base IRI (the query answers then)."""
    with collection_paused():
        data = _read_index(path, base)
        return _coverage_rows(data) if data is not None else None


def reuse_rows(path: Path, base: str) -> list[dict[str, str]] | None:
    """The rows of the named query `text-reuse-shares` as the corpus index at `path` holds them (same keys, same
    strings, same order: by agency IRI and year); None as for `coverage_rows`."""
    with collection_paused():
        data = _read_index(path, base)
        if data is None:
            return None
        rows = [
            {
                "agency": str(agency), "year": str(year), "report": str(iri), "share": str(reuse[0]),
                "previous": str(reuse[1]), "previousYear": str(reuse[2]), "passages": str(reuse[3]),
            }
            for iri, agency, year, _fmt, _warnings, reuse in data["reports"]
            if reuse is not None
        ]  # fmt: skip
        rows.sort(key=lambda row: (row["agency"], int(row["year"])))
        return rows


def _read_index(path: Path, base: str) -> dict[str, Any] | None:
    """The corpus index at `path` as data, if it is one of this version and base IRI."""
    try:
        data = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("corpus-index") != INDEX_VERSION or data.get("base") != Iris(base).base:
        return None
    return data


_AGENCY_KEYS = ("agency", "agency_zh", "agency_en", "level", "division", "division_zh", "division_en")


def _coverage_rows(data: dict[str, Any]) -> list[dict[str, str]]:
    by_agency: dict[str, list[list[object]]] = {}
    for report in data["reports"]:
        by_agency.setdefault(report[1], []).append(report)
    rows: list[dict[str, str]] = []
    for agency in data["agencies"]:
        fields = dict(zip(_AGENCY_KEYS, agency[:7], strict=True))
        if agency[7] is not None:
            fields["parent"] = agency[7]
        reports = sorted(by_agency.get(agency[0], ()), key=lambda r: str(r[2]))
        if not reports:
            rows.append({**fields, "warnings": "0"})
        for iri, _agency, year, fmt, warnings, _reuse in reports:
            rows.append(
                {
                    **fields, "report": str(iri), "year": str(year), "format": str(fmt),
                    "title_zh": f"{fields['agency_zh']}{year}年政府信息公开工作年度报告",
                    "title_en": f"{fields['agency_en']}: government information disclosure annual report {year}",
                    "warnings": str(warnings),
                }
            )  # fmt: skip
    return rows
