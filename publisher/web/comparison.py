"""The comparison pages: a region's agencies ranked, their requests' outcomes, a region's totals by year.

    /compare                    the three comparisons, each a plain GET form (region, figure, year)
    /compare/ranked             the agencies of a region ranked by one figure in one year (named query
                                `region-ranked`): a bar chart, its table and CSV (/compare/ranked.csv)
    /compare/outcomes           the outcomes of the requests of a region's agencies in one year, stacked by
                                result (named query `region-outcomes`; /compare/outcomes.csv)
    /compare/totals             a region's total of one figure per year, over every agency of its division
                                hierarchy, with how many reports each total rests on (named query
                                `region-totals`; /compare/totals.csv)

Every chart is drawn from its named query's rows alone, links to that query (with the
same parameters) and downloads as CSV; the table under it is its text alternative. A
year, an agency or an outcome the query gives no figure for is blank, never 0. A region
is a division of the registry (the corpus index's); a region, year or figure a request
names that the corpus does not have falls back to the first one.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, Response, render_template, request

from publisher.errors import NotFound
from publisher.sparql import namedqueries
from publisher.web.charts import bar_chart, ranking_chart, stacked_chart
from publisher.web.corpusindex import CorpusIndex, Division, corpus_index, region_prefix
from publisher.web.i18n import language, words
from publisher.web.pages import link_to
from publisher.web.state import publication
from publisher.web.workbench import Series

bp = Blueprint("comparison", __name__)

RANKED_QUERY, OUTCOMES_QUERY, TOTALS_QUERY = "region-ranked", "region-outcomes", "region-totals"


#: The figures offered, the first by default. Each follows its item's matches across the formats' eras.
FIGURES = (
    Series("requests", "national-2021/request/new-requests", "annual", "series_requests"),
    Series("refused", "national-2021/request/not-disclosed", "annual", "figure_refused"),
    Series("answered", "national-2021/request/total-results", "annual", "figure_answered"),
    Series("proactive", "pre-2019/proactive/total", "annual", "series_proactive"),
)
#: The outcomes of table 三 (the notations both national versions give them), in the table's order.
OUTCOMES = (
    "request/disclosed",
    "request/partly-disclosed",
    "request/not-disclosed",
    "request/unable-to-provide",
    "request/not-processed",
    "request/other-handling",
)


@dataclass(frozen=True)
class Asked:
    """What a comparison page is asked for, each value one the corpus has (else the default)."""

    region: Division
    figure: Series
    year: int

    def values(self, *names: str) -> dict[str, str]:
        """The named query's parameters among region, item, period and year."""
        every = {
            "region": self.region.code,
            "item": self.figure.item,
            "period": self.figure.period,
            "year": str(self.year),
        }
        return {name: every[name] for name in names}


def read_asked(args: Mapping[str, str], index: CorpusIndex) -> Asked:
    divisions = {d.code: d for d in index.divisions}
    region = divisions.get(args.get("region", "")) or _widest(index)
    figure = next((f for f in FIGURES if f.key == args.get("figure")), FIGURES[0])
    year_text = args.get("year", "")
    years = index.years or (0,)
    year = int(year_text) if year_text.isdigit() and int(year_text) in years else years[-1]
    return Asked(region, figure, year)


def _widest(index: CorpusIndex) -> Division:
    """The default region: the division whose region holds the most agencies (a province before its cities)."""
    if not index.divisions:
        raise NotFound("The registry of this release lists no division, so there is no region to compare.")
    return max(
        index.divisions,
        key=lambda d: (sum(a.division.startswith(d.prefix) for a in index.agencies), -len(d.prefix)),
    )


def _context(kind: str, query: str, asked: Asked, values: dict[str, str]) -> dict[str, Any]:
    """What every comparison page shows: the form's choices, the chart's query (HTML and JSON) and CSV links."""
    pub = publication()
    lang = language()
    index = corpus_index(pub.store, pub.iris.base)
    form = {"region": asked.region.code, "figure": asked.figure.key, "year": str(asked.year)}
    return {
        "lang": lang,
        "w": words(lang),
        "base": pub.iris.base,
        "index": index,
        "kind": kind,
        "asked": asked,
        "figures": FIGURES,
        "query_name": query,
        "query_url": link_to("queries.run", {"name": query, "lang": lang, **values}),
        "query_json": link_to("queries.run", {"name": query, "format": "json", **values}),
        "csv_url": link_to(f"comparison.{kind}_csv", form),
    }


def csv_response(rows: Iterable[Sequence[object]], name: str) -> Response:
    """A CSV download: UTF-8 with a byte order mark (spreadsheets read Chinese right), CRLF; None is empty."""
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    response = Response("\ufeff" + out.getvalue(), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _rows(query: str, values: dict[str, str]) -> list[dict[str, str]]:
    pub = publication()
    return namedqueries.get(query).rows(pub.store, pub.iris.base, values)


def _asked() -> Asked:
    pub = publication()
    return read_asked(request.args, corpus_index(pub.store, pub.iris.base))


@bp.route("/compare", methods=["GET", "HEAD"])
def index() -> str:
    lang = language()
    pub = publication()
    asked = _asked()
    return render_template(
        "compare.html",
        lang=lang,
        w=words(lang),
        index=corpus_index(pub.store, pub.iris.base),
        asked=asked,
        figures=FIGURES,
    )


# ---------------------------------------------------------------------------
# Ranked: a region's agencies by one figure in one year
# ---------------------------------------------------------------------------


def _ranked() -> tuple[Asked, dict[str, str], list[dict[str, str]]]:
    asked = _asked()
    values = asked.values("region", "item", "year", "period")
    return asked, values, _rows(RANKED_QUERY, values)


def _agency_slug(row: Mapping[str, str]) -> str:
    return row["agency"].rsplit("/", 1)[-1]


@bp.route("/compare/ranked", methods=["GET", "HEAD"])
def ranked() -> str:
    asked, values, rows = _ranked()
    context = _context("ranked", RANKED_QUERY, asked, values)
    lang, w = context["lang"], context["w"]
    names = [row[f"agency_{lang}"] for row in rows]
    title = w["ranked_title"].format(region=asked.region.name(lang), year=asked.year, figure=w[asked.figure.words])
    chart = ranking_chart(title, names, [int(row["value"]) for row in rows], "ranked-chart")
    ranked_rows = [{**row, "slug": _agency_slug(row)} for row in rows]
    return render_template("comparison.html", **context, title=title, chart=chart, rows=ranked_rows)


@bp.route("/compare/ranked.csv", methods=["GET", "HEAD"])
def ranked_csv() -> Response:
    asked, _values, rows = _ranked()
    header = ("rank", "agency", "agency_zh", "agency_en", "year", "item", "period", "value", "report")
    table = [
        (n, _agency_slug(r), r["agency_zh"], r["agency_en"], r["year"], asked.figure.item, asked.figure.period,
         r["value"], r["report"])
        for n, r in enumerate(rows, 1)
    ]  # fmt: skip
    return csv_response([header, *table], f"ranked-{asked.region.code}-{asked.figure.key}-{asked.year}.csv")


# ---------------------------------------------------------------------------
# Outcomes: the requests' results of a region's agencies in one year, stacked
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class AgencyOutcomes:
    slug: str
    zh: str
    en: str
    report: str
    values: tuple[int | None, ...]  # by OUTCOMES; None: no figure (blank, or a row printed off the format)

    def name(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en


def _outcomes() -> tuple[Asked, dict[str, str], list[AgencyOutcomes]]:
    asked = _asked()
    values = asked.values("region", "year")
    found: dict[str, dict[str, str]] = {}
    counts: dict[tuple[str, str], int] = {}
    for row in _rows(OUTCOMES_QUERY, values):
        slug = _agency_slug(row)
        found.setdefault(slug, row)
        counts[slug, row["outcome"]] = int(row["value"])
    agencies = [
        AgencyOutcomes(
            slug, row["agency_zh"], row["agency_en"], row["report"], tuple(counts.get((slug, o)) for o in OUTCOMES)
        )
        for slug, row in found.items()
    ]
    return asked, values, agencies


def outcome_word(outcome: str) -> str:
    """The i18n key of an outcome: request/not-disclosed → outcome_not_disclosed."""
    return "outcome_" + outcome.rsplit("/", 1)[-1].replace("-", "_")


@bp.route("/compare/outcomes", methods=["GET", "HEAD"])
def outcomes() -> str:
    asked, values, agencies = _outcomes()
    context = _context("outcomes", OUTCOMES_QUERY, asked, values)
    lang, w = context["lang"], context["w"]
    title = w["outcomes_title"].format(region=asked.region.name(lang), year=asked.year)
    series = [(w[outcome_word(o)], [a.values[n] for a in agencies]) for n, o in enumerate(OUTCOMES)]
    chart = stacked_chart(title, [a.name(lang) for a in agencies], series, "outcomes-chart")
    labels = [(o, w[outcome_word(o)]) for o in OUTCOMES]
    return render_template("comparison.html", **context, title=title, chart=chart, agencies=agencies, outcomes=labels)


@bp.route("/compare/outcomes.csv", methods=["GET", "HEAD"])
def outcomes_csv() -> Response:
    asked, _values, agencies = _outcomes()
    header = ("agency", "agency_zh", "agency_en", "year", "outcome", "value", "report")
    table = [
        (a.slug, a.zh, a.en, asked.year, outcome, a.values[n], a.report)
        for a in agencies
        for n, outcome in enumerate(OUTCOMES)
    ]
    return csv_response([header, *table], f"outcomes-{asked.region.code}-{asked.year}.csv")


# ---------------------------------------------------------------------------
# Totals: a region's figure per year over its division hierarchy
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Total:
    year: int
    total: int | None  # None: no report of the region states the figure that year
    reports: int  # the reports the total rests on
    published: int  # the reports of the region's agencies published that year


def _totals() -> tuple[Asked, dict[str, str], list[Total]]:
    asked = _asked()
    pub = publication()
    index = corpus_index(pub.store, pub.iris.base)
    values = asked.values("region", "item", "period")
    rows = {int(row["year"]): row for row in _rows(TOTALS_QUERY, values)}
    prefix = region_prefix(asked.region.code)
    chosen = [a for a in index.agencies if a.division.startswith(prefix)]
    totals = []
    for year in index.years:
        row = rows.get(year)
        published = sum(year in a.years for a in chosen)
        if row is None:
            totals.append(Total(year, None, 0, published))
        else:
            totals.append(Total(year, int(row["total"]), int(row["reports"]), published))
    return asked, values, totals


@bp.route("/compare/totals", methods=["GET", "HEAD"])
def totals() -> str:
    asked, values, found = _totals()
    context = _context("totals", TOTALS_QUERY, asked, values)
    lang, w = context["lang"], context["w"]
    title = w["totals_title"].format(region=asked.region.name(lang), figure=w[asked.figure.words])
    chart = bar_chart(title, [str(t.year) for t in found], [t.total for t in found], "totals-chart")
    return render_template("comparison.html", **context, title=title, chart=chart, totals=found)


@bp.route("/compare/totals.csv", methods=["GET", "HEAD"])
def totals_csv() -> Response:
    asked, _values, found = _totals()
    header = ("region", "year", "item", "period", "total", "reports", "published")
    table = [
        (asked.region.code, t.year, asked.figure.item, asked.figure.period, t.total, t.reports, t.published)
        for t in found
    ]
    return csv_response([header, *table], f"totals-{asked.region.code}-{asked.figure.key}.csv")
