"""What the finding pages search: agencies and reports of a release, in memory, made once per release.

The home page, the agency index and the coverage page filter and page one index,
made from the named query `coverage` (one row per agency and report: level,
division, parent, year, format, quality annotations) the first time a page asks
for it after a release is published; a published store never changes, so it is
kept per store object. A request only filters the index (a pass over tuples, no
query) and renders one page of it.

The rows are read from the release's corpus index (publisher.release.paths.CORPUS_INDEX),
which the build writes from what it keeps of each report (publisher.publication.releaseindex):
tens of milliseconds for ten thousand reports. A release without one (built before it
was written) runs the named query, which takes seconds of CPU over ten thousand reports.

Levels (the registry's kind and division code, as the query computes them):
province, city, county, township and department. A region is a division of the
registry; an agency is in it when its division code starts with the region's
significant digits (910000 → 91, 910100 → 9101), so a city's region holds its
counties' and townships' agencies.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Generic, TypeVar

from flask import has_app_context
from pyoxigraph import NamedNode

from publisher.publication.releaseindex import coverage_rows
from publisher.release.paths import CORPUS_INDEX
from publisher.sparql import namedqueries
from publisher.store.readstore import ReadStore
from publisher.web.labels import label
from publisher.web.state import publication

COVERAGE_QUERY = "coverage"
LEVELS = ("province", "city", "county", "township", "department")

T = TypeVar("T")


@dataclass(frozen=True)
class Published:
    """One published report: its IRI (as a path under the base), year, format slug, titles, annotations."""

    path: str
    year: int
    format: str
    title_zh: str
    title_en: str
    warnings: int


@dataclass(frozen=True)
class Agency:
    slug: str
    zh: str
    en: str
    level: str
    division: str
    division_zh: str
    division_en: str
    parent: str | None  # the parent's slug
    reports: tuple[Published, ...]  # by year
    text: str  # the names, casefolded, for search
    years: Mapping[int, Published]  # the reports by year

    def name(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en

    def region(self, lang: str) -> str:
        return self.division_zh if lang == "zh" else self.division_en


@dataclass(frozen=True)
class Division:
    code: str
    zh: str
    en: str

    @property
    def prefix(self) -> str:
        return region_prefix(self.code)

    def name(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en


@dataclass(frozen=True)
class CorpusIndex:
    agencies: tuple[Agency, ...]  # by division, then identifier
    divisions: tuple[Division, ...]  # by code
    years: tuple[int, ...]  # every year some report is of, ascending
    formats: Mapping[str, tuple[str, str]]  # format slug → (zh, en) label
    reports: tuple[tuple[Agency, Published], ...]  # newest year first, then in the order of agencies
    by_slug: Mapping[str, Agency]

    def agency(self, slug: str) -> Agency | None:
        return self.by_slug.get(slug)

    def format_label(self, slug: str, lang: str) -> str:
        zh, en = self.formats.get(slug, (slug, slug))
        return zh if lang == "zh" else en


@dataclass(frozen=True)
class Filters:
    """What a finding page is asked for: every field optional, each one unknown value dropped."""

    q: str = ""
    level: str = ""
    region: str = ""
    year: int | None = None
    page: int = 1

    def agency_matches(self, agency: Agency) -> bool:
        if self.level and agency.level != self.level:
            return False
        if self.region and not agency.division.startswith(region_prefix(self.region)):
            return False
        return not self.q or self.q.casefold() in agency.text

    def query(self, **changes: object) -> dict[str, str]:
        """The filters as URL parameters (empty ones and page 1 left out), with `changes` applied."""
        values = {"q": self.q, "level": self.level, "region": self.region, "year": str(self.year or "")}
        values["page"] = str(self.page)
        values.update({k: str(v) for k, v in changes.items()})
        return {k: v for k, v in values.items() if v and not (k == "page" and v == "1")}


def read_filters(args: Mapping[str, str], index: CorpusIndex) -> Filters:
    """The filters of a request's query string; a level, region or year the index does not know is ignored."""
    level = args.get("level", "")
    region = args.get("region", "")
    year_text = args.get("year", "")
    year = int(year_text) if re.fullmatch(r"\d{4}", year_text) and int(year_text) in index.years else None
    page_text = args.get("page", "1")
    return Filters(
        q=args.get("q", "").strip()[:100],
        level=level if level in LEVELS else "",
        region=region if any(d.code == region for d in index.divisions) else "",
        year=year,
        page=int(page_text) if page_text.isdigit() and 0 < int(page_text) < 1_000_000 else 1,
    )


@dataclass(frozen=True)
class Page(Generic[T]):
    items: Sequence[T]
    number: int
    pages: int
    total: int


def page_of(items: Sequence[T], number: int, size: int) -> Page[T]:
    """Page `number` of `items` (the last page when past it)."""
    pages = max(1, -(-len(items) // size))
    number = min(max(1, number), pages)
    return Page(items[(number - 1) * size : number * size], number, pages, len(items))


def region_prefix(code: str) -> str:
    """The significant digits of a division code: 910000 → 91, 910100 → 9101, 910121 → 910121."""
    while len(code) > 2 and code.endswith("00"):
        code = code[:-2]
    return code


_INDEXES: dict[tuple[int, str], tuple[ReadStore, CorpusIndex]] = {}
_LOCK = threading.Lock()


def corpus_index(store: ReadStore, base: str, release: Path | None = None) -> CorpusIndex:
    """The index of a store, made once per store object (a published store never changes): read from the
    corpus index of `release` (the store's release folder; by default the served publication's, when `store` is
    its store) when it has one, else from the named query.

    The store is kept beside its index, so that another store given the same id() after
    this one is gone is never answered with this one's index.
    """
    key = (id(store), base)
    found = _INDEXES.get(key)
    if found is None or found[0] is not store:
        with _LOCK:
            found = _INDEXES.get(key)
            if found is None or found[0] is not store:
                if len(_INDEXES) > 4:
                    _INDEXES.clear()
                if release is None:
                    release = served_release(store)
                rows = coverage_rows(release / CORPUS_INDEX, base) if release is not None else None
                found = (store, make_index(store, base, rows))
                _INDEXES[key] = found
    return found[1]


def served_release(store: ReadStore) -> Path | None:
    """The release folder of the publication the current app serves, when `store` is its store."""
    if not has_app_context():
        return None
    pub = publication()
    return pub.release if pub.store is store else None


def make_index(store: ReadStore, base: str, rows: Sequence[Mapping[str, str]] | None = None) -> CorpusIndex:
    """The index, from the rows of the named query `coverage`: `rows`, as the release's corpus index holds them,
    or the query's own when None."""
    if rows is None:
        rows = namedqueries.get(COVERAGE_QUERY).rows(store, base, {})
    agency_prefix, definitions = f"{base}/id/agency/", f"{base}/def/"
    fields: dict[str, Mapping[str, str]] = {}
    reports: dict[str, list[Published]] = {}
    divisions: dict[str, Division] = {}
    formats: dict[str, tuple[str, str]] = {}
    for row in rows:
        slug = row["agency"].removeprefix(agency_prefix)
        fields.setdefault(slug, row)
        reports.setdefault(slug, [])
        divisions.setdefault(row["division"], Division(row["division"], row["division_zh"], row["division_en"]))
        if "report" in row:
            fmt = row["format"].removeprefix(definitions)
            if fmt not in formats:
                node = NamedNode(row["format"])
                formats[fmt] = (label(store, node, "zh") or fmt, label(store, node, "en") or fmt)
            published = Published(
                row["report"].removeprefix(base),
                int(row["year"]),
                fmt,
                row["title_zh"],
                row["title_en"],
                int(row.get("warnings", "0")),
            )
            reports[slug].append(published)
    agencies = tuple(
        Agency(
            slug=slug,
            zh=row["agency_zh"],
            en=row["agency_en"],
            level=row["level"],
            division=row["division"],
            division_zh=row["division_zh"],
            division_en=row["division_en"],
            parent=row["parent"].removeprefix(agency_prefix) if "parent" in row else None,
            reports=tuple(sorted(reports[slug], key=lambda r: r.year)),
            text=f"{row['agency_zh']} {row['agency_en']}".casefold(),
            years={r.year: r for r in reports[slug]},
        )
        for slug, row in fields.items()
    )
    years = tuple(sorted({r.year for published in reports.values() for r in published}))
    newest_first = sorted(((a, r) for a in agencies for r in a.reports), key=lambda pair: -pair[1].year)
    return CorpusIndex(
        agencies,
        tuple(sorted(divisions.values(), key=lambda d: d.code)),
        years,
        formats,
        tuple(newest_first),
        {a.slug: a for a in agencies},
    )


def matching_agencies(index: CorpusIndex, filters: Filters) -> list[Agency]:
    """The agencies the filters select; with a year, only those that published a report of it."""
    chosen = [a for a in index.agencies if filters.agency_matches(a)]
    if filters.year is not None:
        chosen = [a for a in chosen if any(r.year == filters.year for r in a.reports)]
    return chosen


def matching_reports(index: CorpusIndex, filters: Filters) -> list[tuple[Agency, Published]]:
    """The reports the filters select, newest year first, then in the index's order of agencies."""
    return [
        (agency, report)
        for agency, report in index.reports
        if (filters.year is None or report.year == filters.year) and filters.agency_matches(agency)
    ]
