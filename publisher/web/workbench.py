"""The researcher's pages: coverage (agencies × years, who has not reported) and an agency's series.

    /coverage                   agencies × years of the corpus index (named query `coverage`): each cell a
                                published report (its format, its quality warnings) or a missing one;
                                filtered by name, level, region and year, `missing=1` for the agencies
                                with a missing year; paged by agency
    /coverage.csv               the missing cells of the same filters, every page: who has not reported
    /coverage?year=Y&reuse_min=P  the same, the agencies whose report of Y repeats at least P per cent of its
                                previous report's prose (publisher.validation.textreuse), listed with a
                                histogram from the named query `text-reuse`; every cell shows its share
    /coverage/reuse.csv         those reports
    /agencies/<slug>            an agency: its level, region, reports, and one figure over the years it
                                reported as a chart (SVG, publisher.web.charts), a table and a CSV, from
                                the named query `figure-over-years`, which the page links to
    /agencies/<slug>/series.csv that figure's series

A year the agency reported in whose report gives no number for the figure (a blank
cell, or a format without the item) is blank in the chart, the table and the CSV,
never 0; the series follows the named query across the formats' eras (its
skos:exactMatch and skos:closeMatch links).
"""

from __future__ import annotations

import csv
import io
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from flask import Blueprint, Response, render_template, request, url_for

from publisher.errors import NotFound
from publisher.publication.comparedfigures import ComparedFigure
from publisher.publication.releaseindex import reuse_rows
from publisher.release.paths import CORPUS_INDEX
from publisher.sparql import namedqueries
from publisher.store.readstore import ReadStore
from publisher.web.charts import bar_chart, line_chart
from publisher.web.corpusindex import (
    COVERAGE_QUERY,
    Agency,
    CorpusIndex,
    Filters,
    Published,
    corpus_index,
    page_of,
    read_filters,
    served_release,
)
from publisher.web.i18n import language, words
from publisher.web.pages import finding_context, link_to, pager_links
from publisher.web.state import publication

bp = Blueprint("workbench", __name__)

SERIES_QUERY = "figure-over-years"


#: The figures an agency page offers, the first by default.
SERIES = (
    ComparedFigure("requests", "national-2021/request/new-requests", "annual", "series_requests"),
    ComparedFigure("proactive", "pre-2019/proactive/total", "annual", "series_proactive"),
    ComparedFigure("jilin-proactive", "jilin-city-2011/category/all", "annual", "series_jilin_proactive"),
    ComparedFigure("jilin-requests", "jilin-city-2011/request/received", "annual", "series_jilin_requests"),
)


@dataclass(frozen=True)
class Point:
    """One year an agency reported in: the report, and the figure's value (None: blank or not stated)."""

    report: Published
    value: int | None
    figure: str | None  # the figure's IRI
    item: str | None


def format_mark(slug: str) -> str:
    """A short mark of a format for a coverage cell: national-2021 → N21, pre-2019 → P19, jilin-city-2011 → JC11."""
    return "".join(part[-2:] if part.isdigit() else part[0].upper() for part in slug.split("-"))


def _csv(rows: Iterable[Sequence[object]], name: str) -> Response:
    """A CSV download: UTF-8 with a byte order mark (spreadsheets read Chinese right), CRLF."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerows(rows)
    response = Response("\ufeff" + out.getvalue(), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _covered(index: CorpusIndex, filters: Filters, missing_only: bool) -> tuple[list[Agency], list[int]]:
    """The agencies of the coverage filters and the years shown (one, when a year is asked for)."""
    years = [filters.year] if filters.year is not None else list(index.years)
    chosen = [a for a in index.agencies if filters.agency_matches(a)]
    if missing_only:
        chosen = [a for a in chosen if any(y not in a.years for y in years)]
    return chosen, years


# ---------------------------------------------------------------------------
# Text reuse in the coverage (publisher.validation.textreuse): each cell's share, the reports of a year
# repeating at least a share of their previous report's prose (named query `text-reuse`)
# ---------------------------------------------------------------------------

REUSE_QUERY = "text-reuse"
REUSE_SHARES_QUERY = "text-reuse-shares"
#: The histogram's bins, in per cent.
REUSE_BIN = 10


@dataclass(frozen=True)
class Measured:
    """A report's text-reuse measurement, as the named query `text-reuse-shares` gives it (IRIs in full)."""

    report: str
    share: Decimal
    previous: str
    previous_year: int
    passages: int


_SHARES: dict[tuple[int, str], tuple[ReadStore, dict[tuple[str, int], Measured]]] = {}
_SHARES_LOCK = threading.Lock()


def reuse_table(store: ReadStore, base: str) -> dict[tuple[str, int], Measured]:
    """Every measured report's measurement, by (agency, year): made once per store object, as the corpus index is,
    and from it (the release's corpus index, when it has one; else the named query `text-reuse-shares`)."""
    key = (id(store), base)
    found = _SHARES.get(key)
    if found is None or found[0] is not store:
        with _SHARES_LOCK:
            found = _SHARES.get(key)
            if found is None or found[0] is not store:
                if len(_SHARES) > 4:
                    _SHARES.clear()
                prefix = f"{base}/id/agency/"
                release = served_release(store)
                rows = reuse_rows(release / CORPUS_INDEX, base) if release is not None else None
                if rows is None:
                    rows = namedqueries.get(REUSE_SHARES_QUERY).rows(store, base, {})
                table = {
                    (r["agency"].removeprefix(prefix), int(r["year"])): Measured(
                        r["report"], Decimal(r["share"]), r["previous"], int(r["previousYear"]), int(r["passages"])
                    )
                    for r in rows
                }
                found = (store, table)
                _SHARES[key] = found
    return found[1]


def reuse_shares(store: ReadStore, base: str) -> dict[tuple[str, int], Decimal]:
    """Every measured report's share, by (agency, year)."""
    return {key: measured.share for key, measured in reuse_table(store, base).items()}


def reuse_min(args: Mapping[str, str]) -> Decimal | None:
    """`reuse_min`, a percentage from 0 to 100; None when absent or not one."""
    try:
        value = Decimal(args.get("reuse_min", "").strip())
    except InvalidOperation:
        return None
    return value if value.is_finite() and 0 <= value <= 100 else None


@dataclass(frozen=True)
class Reused:
    """A report of the year repeating at least the share asked for, as the named query `text-reuse` gives it."""

    agency: Agency
    report: str  # its path
    share: Decimal
    previous: str  # the previous report's path
    previous_year: int
    passages: int

    @property
    def percent(self) -> str:
        return _percent(self.share)


def _percent(share: Decimal) -> str:
    """A share as a percentage, exactly: 0.5123 → 51.23."""
    return format((share * 100).normalize(), "f")


def reused_reports(index: CorpusIndex, filters: Filters, year: int, least: Decimal) -> list[Reused]:
    """The reports of `year` (of the filters' agencies) repeating at least `least` per cent, highest first: the
    rows of the named query `text-reuse` (the page links to it; the tests hold the two equal), read from the
    release's table of measurements (`reuse_table`) rather than by running it for every request."""
    pub = publication()
    base = pub.iris.base
    found = []
    for (slug, measured_year), m in reuse_table(pub.store, base).items():
        if measured_year != year or m.share * 100 < least:
            continue
        agency = index.agency(slug)
        if agency is None or not filters.agency_matches(agency):
            continue
        found.append(
            Reused(
                agency, m.report.removeprefix(base), m.share, m.previous.removeprefix(base), m.previous_year,
                m.passages,
            )
        )  # fmt: skip
    # as the query orders them: the share, highest first, then the agency's IRI
    return sorted(found, key=lambda r: (-r.share, r.agency.slug))


def reuse_histogram(reused: Sequence[Reused], least: Decimal) -> tuple[list[str], list[float | None]]:
    """The shares in bins of REUSE_BIN per cent from the threshold's bin to 100 % (the last bin takes 100 %)."""
    first = int(least // REUSE_BIN) * REUSE_BIN
    starts = list(range(first, 100, REUSE_BIN)) or [100 - REUSE_BIN]
    counts = dict.fromkeys(starts, 0)
    for r in reused:
        start = min(int(r.share * 100 // REUSE_BIN) * REUSE_BIN, 100 - REUSE_BIN)
        counts[max(start, starts[0])] += 1
    return [f"{s}–{s + REUSE_BIN} %" for s in starts], [float(counts[s]) for s in starts]


@bp.route("/coverage", methods=["GET", "HEAD"])
def coverage() -> str:
    pub = publication()
    lang = language()
    w = words(lang)
    index = corpus_index(pub.store, pub.iris.base)
    filters = read_filters(request.args, index)
    missing_only = request.args.get("missing") == "1"
    chosen, years = _covered(index, filters, missing_only)
    least = reuse_min(request.args)
    extra = {"missing": "1"} if missing_only else {}
    reused: list[Reused] | None = None
    reuse: dict[str, object] = {}
    if least is not None and filters.year is not None:
        reused = reused_reports(index, filters, filters.year, least)
        kept = {r.agency.slug for r in reused}
        chosen = [a for a in chosen if a.slug in kept]
        extra["reuse_min"] = format(least, "f")
        labels, counts = reuse_histogram(reused, least)
        values = {"year": str(filters.year), "min": format(least, "f")}
        reuse = {
            "title": w["reuse_reports"].format(year=filters.year, min=format(least, "f")),
            "chart": bar_chart(w["reuse_histogram"], labels, counts, "reuse-chart"),
            "bins": list(zip(labels, counts, strict=True)),
            "csv_url": link_to("workbench.reuse_csv", {**filters.query(page=1), "reuse_min": format(least, "f")}),
            "query_url": link_to("queries.run", {"name": REUSE_QUERY, "lang": lang, **values}),
        }
    page = page_of(chosen, filters.page, int(pub.settings.finding_page_size))
    return render_template(
        "coverage.html",
        **finding_context(index, filters, lang),
        page=page,
        pager=pager_links("workbench.coverage", filters, page, lang, **extra),
        years=years,
        missing_only=missing_only,
        marks={slug: format_mark(slug) for slug in index.formats},
        csv_url=link_to("workbench.coverage_csv", {**filters.query(page=1), **extra}),
        query_url=url_for("queries.run", name=COVERAGE_QUERY, lang=lang),
        shares=reuse_shares(pub.store, pub.iris.base),
        percent=_percent,
        reuse_min=format(least, "f") if least is not None else "",
        reused=reused,
        reuse=reuse,
    )


@bp.route("/coverage/reuse.csv", methods=["GET", "HEAD"])
def reuse_csv() -> Response:
    """The reports of the coverage's year repeating at least `reuse_min` per cent, as the coverage page lists them."""
    pub = publication()
    index = corpus_index(pub.store, pub.iris.base)
    filters = read_filters(request.args, index)
    least = reuse_min(request.args)
    if least is None or filters.year is None:
        raise NotFound("The reports repeating their previous report's prose need a year and reuse_min (0 to 100).")
    base = pub.iris.base
    header = ("agency", "agency_zh", "agency_en", "year", "report", "share", "percent", "previous", "previous_year",
              "passages")  # fmt: skip
    rows = [
        (r.agency.slug, r.agency.zh, r.agency.en, filters.year, base + r.report, r.share, r.percent,
         base + r.previous, r.previous_year, r.passages)
        for r in reused_reports(index, filters, filters.year, least)
    ]  # fmt: skip
    return _csv([header, *rows], f"text-reuse-{filters.year}-{format(least, 'f')}.csv")


@bp.route("/coverage.csv", methods=["GET", "HEAD"])
def coverage_csv() -> Response:
    """Every missing cell of the filters (all pages): agency, names, level, division, year."""
    pub = publication()
    index = corpus_index(pub.store, pub.iris.base)
    filters = read_filters(request.args, index)
    chosen, years = _covered(index, filters, missing_only=True)
    header = ("agency", "agency_zh", "agency_en", "level", "division", "division_zh", "division_en", "year")
    rows = [
        (a.slug, a.zh, a.en, a.level, a.division, a.division_zh, a.division_en, year)
        for a in chosen
        for year in years
        if year not in a.years
    ]
    return _csv([header, *rows], "coverage-missing.csv")


def _agency_and_series(slug: str) -> tuple[CorpusIndex, Agency, ComparedFigure, list[Point]]:
    pub = publication()
    index = corpus_index(pub.store, pub.iris.base)
    agency = index.agency(slug)
    if agency is None:
        raise NotFound(f"No agency {slug!r} in the registry; the agency index (/agencies) lists them.")
    asked = request.args.get("series", SERIES[0].key)
    series = next((s for s in SERIES if s.key == asked), SERIES[0])
    values = {"agency": slug, "item": series.item, "period": series.period}
    rows = namedqueries.get(SERIES_QUERY).rows(pub.store, pub.iris.base, values)
    definitions = f"{pub.iris.base}/def/"
    found: dict[int, dict[str, str]] = {}
    for row in rows:
        if "count" in row:
            found.setdefault(int(row["year"]), row)
    points = []
    for report in agency.reports:
        stated = found.get(report.year)
        if stated is None:
            points.append(Point(report, None, None, None))
        else:
            item = stated["figureItem"].removeprefix(definitions)
            points.append(Point(report, int(stated["count"]), stated["figure"], item))
    return index, agency, series, points


@bp.route("/agencies/<slug>", methods=["GET", "HEAD"])
def agency(slug: str) -> str:
    index, found, series, points = _agency_and_series(slug)
    lang = language()
    w = words(lang)
    values = {"agency": slug, "item": series.item, "period": series.period}
    chart = line_chart(w[series.words], [str(p.report.year) for p in points], [p.value for p in points], "series-chart")
    parent = index.agency(found.parent) if found.parent else None
    asked_series = {} if series == SERIES[0] else {"series": series.key}  # the first one's CSV is a static export's
    return render_template(
        "agency_series.html",
        lang=lang,
        base=publication().iris.base,
        w=w,
        index=index,
        agency=found,
        parent=parent,
        series=series,
        choices=SERIES,
        points=points,
        chart=chart,
        csv_url=link_to("workbench.series_csv", {"slug": slug, **asked_series}),
        query_url=link_to("queries.run", {"name": SERIES_QUERY, "lang": lang, **values}),
        query_json=link_to("queries.run", {"name": SERIES_QUERY, "format": "json", **values}),
    )


@bp.route("/agencies/<slug>/series.csv", methods=["GET", "HEAD"])
def series_csv(slug: str) -> Response:
    """The series of the agency page as CSV: one row per year reported; value empty when blank."""
    _index, found, series, points = _agency_and_series(slug)
    base = publication().iris.base
    header = ("agency", "year", "report", "format", "item", "period", "value", "figure")
    rows = [
        (slug, p.report.year, base + p.report.path, p.report.format, p.item or "", series.period, p.value, p.figure)
        for p in points
    ]
    return _csv([header, *rows], f"{found.slug}-{series.key}.csv")
