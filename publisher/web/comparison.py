"""The comparison pages: a region's agencies ranked, their requests' outcomes, a region's totals by year.

    /compare                    the three comparisons, each a plain GET form (region, figure, year)
    /compare/ranked             the agencies of a region ranked by one figure in one year (named query
                                `region-ranked`): a bar chart, its table and CSV (/compare/ranked.csv)
    /compare/outcomes           the outcomes of the requests of a region's agencies in one year, stacked by
                                result (named query `region-outcomes`; /compare/outcomes.csv)
    /compare/totals             a region's total of one figure per year, over every agency of its division
                                hierarchy, with how many reports each total rests on (named query
                                `region-totals`; /compare/totals.csv)

Each form also takes a level (province, city, county, township, department; any by
default): only the region's agencies of that level are compared.

Every chart links to its named query (with the same parameters), which answers the
same numbers as the chart, and downloads as CSV; the table under it is its text
alternative. The page itself reads them from memory: the figures of every report, read
once per release from the release's figure table, which the build writes with the rows
the named queries `figure-by-report` and `outcomes-by-report` give
(publisher.web.figuretable), of the agencies the corpus index places in the region and
level, so that a page costs the same whatever the size of the corpus or of the
region. A year, an agency or an outcome no report gives a figure for is blank, never
0. A region is a division of the registry (the corpus index's); a region, level, year
or figure a request names that the corpus does not have falls back to the first one
(any level).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, Response, render_template, request

from publisher.errors import NotFound
from publisher.publication.comparedfigures import FIGURES, OUTCOMES, ComparedFigure
from publisher.web.charts import bar_chart, ranking_chart, stacked_chart
from publisher.web.corpusindex import LEVELS, Agency, CorpusIndex, Division, corpus_index
from publisher.web.figuretable import FigureTable, figure_table
from publisher.web.i18n import language, words
from publisher.web.pages import link_to
from publisher.web.state import publication

bp = Blueprint("comparison", __name__)

RANKED_QUERY, OUTCOMES_QUERY, TOTALS_QUERY = "region-ranked", "region-outcomes", "region-totals"


@dataclass(frozen=True)
class Asked:
    """What a comparison page is asked for, each value one the corpus has (else the default)."""

    region: Division
    figure: ComparedFigure
    year: int
    level: str = ""  # empty: any

    def values(self, *names: str) -> dict[str, str]:
        """The named query's parameters among region, level, item, period and year."""
        every = {
            "region": self.region.code,
            "level": self.level or "any",
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
    level = args.get("level", "")
    return Asked(region, figure, year, level if level in LEVELS else "")


def chosen_agencies(index: CorpusIndex, asked: Asked) -> list[Agency]:
    """The agencies of the region and level asked, in the order of their IRIs (as the named queries sort them)."""
    prefix = asked.region.prefix
    chosen = [
        a for a in index.agencies if a.division.startswith(prefix) and (not asked.level or a.level == asked.level)
    ]
    return sorted(chosen, key=lambda a: a.slug)


def _table() -> FigureTable:
    pub = publication()
    store = pub.store
    return figure_table(store, pub.iris.base, [(f.item, f.period) for f in FIGURES], pub.release)


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
    if asked.level:
        form["level"] = asked.level
    return {
        "lang": lang,
        "w": words(lang),
        "base": pub.iris.base,
        "index": index,
        "kind": kind,
        "asked": asked,
        "figures": FIGURES,
        "levels": LEVELS,
        "query_name": query,
        "query_url": link_to("queries.run", {"name": query, "lang": lang, **values}),
        "query_json": link_to("queries.run", {"name": query, "format": "json", **values}),
        "csv_url": link_to(f"comparison.{kind}_csv", form) if asked.level else path_of(kind, asked) + ".csv",
    }


def _region(asked: Asked, lang: str) -> str:
    """The region's name in a title, with the level asked: 吉林市（部门）."""
    w = words(lang)
    name = asked.region.name(lang)
    return w["region_level"].format(region=name, level=w[f"level_{asked.level}"]) if asked.level else name


def csv_response(rows: Iterable[Sequence[object]], name: str) -> Response:
    """A CSV download: UTF-8 with a byte order mark (spreadsheets read Chinese right), CRLF; None is empty."""
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    response = Response("\ufeff" + out.getvalue(), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _asked() -> Asked:
    """What the request asks: by its query string, or by its path (/compare/{kind}/{parameters}, see `path_of`)."""
    pub = publication()
    index = corpus_index(pub.store, pub.iris.base)
    rest = (request.view_args or {}).get("rest")
    if rest is None:
        return read_asked(request.args, index)
    kind = str((request.view_args or {})["kind"])
    parts = str(rest).removesuffix(".csv").split("/")
    if len(parts) != len(PATH_PARAMS[kind]):
        raise NotFound(f"A {kind} comparison's path is /compare/{kind}/{'/'.join(PATH_PARAMS[kind])}.")
    given = dict(zip(PATH_PARAMS[kind], parts, strict=True))
    asked = read_asked(given, index)
    if {n: str(v) for n, v in _path_values(asked).items() if n in given} != given:
        raise NotFound(
            f"No {kind} comparison of {'/'.join(parts)}: the region must be a division of the registry, the figure "
            f"one of {', '.join(f.key for f in FIGURES)}, the year one the corpus has reports of; /compare lists them."
        )
    return asked


#: A comparison of the agencies of every level has a path of its own, its parameters in this order (a static export
#: holds the release's default ones as files at those paths): /compare/ranked/910100/refused/2021.
PATH_PARAMS = {"totals": ("region", "figure"), "ranked": ("region", "figure", "year"), "outcomes": ("region", "year")}


def _path_values(asked: Asked) -> dict[str, str]:
    return {"region": asked.region.code, "figure": asked.figure.key, "year": str(asked.year)}


def path_of(kind: str, asked: Asked) -> str:
    """The path of a comparison of every level: /compare/totals/910000/requests, /compare/outcomes/910000/2021."""
    values = _path_values(asked)
    return f"/compare/{kind}/" + "/".join(values[name] for name in PATH_PARAMS[kind])


@dataclass(frozen=True)
class Question:
    """A question the pages answer, asked of this corpus: its words and the page that answers it."""

    key: str
    text: str
    url: str


def _year(index: CorpusIndex, wanted: int) -> int:
    """`wanted` if the corpus has reports of it, else its latest year."""
    return wanted if wanted in index.years or not index.years else index.years[-1]


def _in(division: Division, index: CorpusIndex) -> list[Agency]:
    return [a for a in index.agencies if a.division.startswith(division.prefix)]


def _divisions_of(index: CorpusIndex, level: str) -> list[Division]:
    """The divisions of the governments and departments of `level`, in the index's order."""
    codes = {a.division for a in index.agencies if a.level == level}
    return [d for d in index.divisions if d.code in codes]


def questions(index: CorpusIndex, lang: str) -> list[Question]:
    """The issue's questions, each asked of the place of this corpus that answers it most fully.

    The province with the most agencies (else the widest region); the city whose agencies
    published the most reports, in 2021 if it has reports of 2021, else in its latest
    year; the county with the most agencies lacking a report of 2023 (else the latest
    year); the agency that reported in the most years, with the total of proactive
    disclosure its reports' formats state (pre-2019's, or the Jilin City template's). A
    question whose place the corpus has none of (no city, say) is left out.
    """
    w = words(lang)
    found = []
    if index.divisions:
        provinces = _divisions_of(index, "province")
        province = max(provinces, key=lambda d: len(_in(d, index))) if provinces else _widest(index)
        url = link_to("comparison.totals", {"lang": lang, "region": province.code, "figure": "requests"})
        found.append(Question("totals", w["question_totals"].format(region=province.name(lang)), url))
    if cities := _divisions_of(index, "city"):
        city = max(cities, key=lambda d: sum(len(a.reports) for a in _in(d, index)))
        years = {year for a in _in(city, index) for year in a.years}
        year = 2021 if 2021 in years else max(years, default=_year(index, 2021))
        params = {"lang": lang, "region": city.code, "figure": "refused", "year": str(year)}
        text = w["question_ranked"].format(region=city.name(lang), year=year)
        found.append(Question("ranked", text, link_to("comparison.ranked", params)))
    if counties := _divisions_of(index, "county"):
        year = _year(index, 2023)
        county = max(counties, key=lambda d: sum(year not in a.years for a in _in(d, index)))
        params = {"lang": lang, "region": county.code, "year": str(year), "missing": "1"}
        text = w["question_missing"].format(region=county.name(lang), year=year)
        found.append(Question("missing", text, link_to("workbench.coverage", params)))
    if index.agencies:
        agency = max(index.agencies, key=lambda a: len(a.reports))
        # the pre-2019 total published proactively, or the Jilin City template's, whichever its reports state more
        jilin = sum(r.format.startswith("jilin-city") for r in agency.reports)
        series = "jilin-proactive" if jilin > sum(r.format == "pre-2019" for r in agency.reports) else "proactive"
        params = {"slug": agency.slug, "lang": lang, "series": series}
        text = w["question_series"].format(agency=agency.name(lang))
        found.append(Question("series", text, link_to("workbench.agency", params)))
    return found


@dataclass(frozen=True)
class Listed:
    """A region's comparisons of every level on the compare page: totals; of the latest year, ranked and outcomes."""

    division: Division
    totals: tuple[tuple[ComparedFigure, str], ...]  # each figure, its page's path
    ranked: tuple[tuple[ComparedFigure, str], ...]
    outcomes: str
    year: int


def directory(index: CorpusIndex) -> list[Listed]:
    """Every region's default comparisons (a static export holds each of them, with its CSV)."""
    if not index.years:
        return []
    year = index.years[-1]
    listed = []
    for division in index.divisions:
        asked = Asked(division, FIGURES[0], year)
        totals = tuple((f, path_of("totals", Asked(division, f, year))) for f in FIGURES)
        ranked = tuple((f, path_of("ranked", Asked(division, f, year))) for f in FIGURES)
        listed.append(Listed(division, totals, ranked, path_of("outcomes", asked), year))
    return listed


@bp.route("/compare/<any(ranked, outcomes, totals):kind>/<path:rest>", methods=["GET", "HEAD"])
def by_path(kind: str, rest: str) -> str | Response:
    """A comparison of every level asked by its path (`path_of`): the page, or its CSV (the path and .csv)."""
    page, table = {
        "ranked": (ranked, ranked_csv),
        "outcomes": (outcomes, outcomes_csv),
        "totals": (totals, totals_csv),
    }[kind]
    return table() if rest.endswith(".csv") else page()


@bp.route("/compare", methods=["GET", "HEAD"])
def index() -> str:
    lang = language()
    pub = publication()
    asked = _asked()
    found = corpus_index(pub.store, pub.iris.base)
    return render_template(
        "compare.html",
        lang=lang,
        w=words(lang),
        index=found,
        asked=asked,
        figures=FIGURES,
        levels=LEVELS,
        questions=questions(found, lang),
        directory=directory(found),
    )


# ---------------------------------------------------------------------------
# Ranked: a region's agencies by one figure in one year
# ---------------------------------------------------------------------------


def _ranked() -> tuple[Asked, dict[str, str], list[dict[str, str]]]:
    """The agencies of the region and level whose report of the year states the figure, highest first.

    As the named query `region-ranked` gives them (its variables), ties in the order of the agencies' IRIs.
    """
    asked = _asked()
    values = asked.values("region", "level", "item", "year", "period")
    pub = publication()
    stated = _table().figure(asked.figure.item, asked.figure.period)
    rows = []
    for agency in chosen_agencies(corpus_index(pub.store, pub.iris.base), asked):
        report = agency.years.get(asked.year)
        figure = stated.get(pub.iris.base + report.path) if report is not None else None
        if report is not None and figure is not None:
            rows.append(
                {"agency": str(pub.iris.agency(agency.slug)), "agency_zh": agency.zh, "agency_en": agency.en,
                 "report": pub.iris.base + report.path, "year": str(asked.year), "value": str(figure.value),
                 "slug": agency.slug}
            )  # fmt: skip
    rows.sort(key=lambda row: -int(row["value"]))  # stable: ties stay in the agencies' order
    return asked, values, rows


@bp.route("/compare/ranked", methods=["GET", "HEAD"])
def ranked() -> str:
    asked, values, rows = _ranked()
    context = _context("ranked", RANKED_QUERY, asked, values)
    lang, w = context["lang"], context["w"]
    names = [row[f"agency_{lang}"] for row in rows]
    title = w["ranked_title"].format(region=_region(asked, lang), year=asked.year, figure=w[asked.figure.words])
    chart = ranking_chart(title, names, [int(row["value"]) for row in rows], "ranked-chart")
    return render_template("comparison.html", **context, title=title, chart=chart, rows=rows)


@bp.route("/compare/ranked.csv", methods=["GET", "HEAD"])
def ranked_csv() -> Response:
    asked, _values, rows = _ranked()
    header = ("rank", "agency", "agency_zh", "agency_en", "level", "year", "item", "period", "value", "report")
    table = [
        (n, r["slug"], r["agency_zh"], r["agency_en"], asked.level or "any", r["year"], asked.figure.item,
         asked.figure.period, r["value"], r["report"])
        for n, r in enumerate(rows, 1)
    ]  # fmt: skip
    return csv_response([header, *table], f"ranked-{_name(asked)}-{asked.figure.key}-{asked.year}.csv")


def _name(asked: Asked) -> str:
    """The region and level asked, for a file name."""
    return asked.region.code + (f"-{asked.level}" if asked.level else "")


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
    """The agencies of the region and level whose report of the year states some outcome, in the order of their IRIs."""
    asked = _asked()
    values = asked.values("region", "level", "year")
    pub = publication()
    table = _table()
    agencies = []
    for agency in chosen_agencies(corpus_index(pub.store, pub.iris.base), asked):
        report = agency.years.get(asked.year)
        stated = table.outcomes.get(pub.iris.base + report.path) if report is not None else None
        if report is not None and stated:
            values_by_outcome = tuple(stated.get(o) for o in OUTCOMES)
            agencies.append(
                AgencyOutcomes(agency.slug, agency.zh, agency.en, pub.iris.base + report.path, values_by_outcome)
            )
    return asked, values, agencies


def outcome_word(outcome: str) -> str:
    """The i18n key of an outcome: request/not-disclosed → outcome_not_disclosed."""
    return "outcome_" + outcome.rsplit("/", 1)[-1].replace("-", "_")


@bp.route("/compare/outcomes", methods=["GET", "HEAD"])
def outcomes() -> str:
    asked, values, agencies = _outcomes()
    context = _context("outcomes", OUTCOMES_QUERY, asked, values)
    lang, w = context["lang"], context["w"]
    title = w["outcomes_title"].format(region=_region(asked, lang), year=asked.year)
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
    return csv_response([header, *table], f"outcomes-{_name(asked)}-{asked.year}.csv")


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
    """Every year of the corpus: the sum of the figure over the reports of the region and level that state it."""
    asked = _asked()
    pub = publication()
    index = corpus_index(pub.store, pub.iris.base)
    values = asked.values("region", "level", "item", "period")
    stated = _table().figure(asked.figure.item, asked.figure.period)
    chosen = chosen_agencies(index, asked)
    totals = []
    for year in index.years:
        reports = [a.years[year] for a in chosen if year in a.years]
        figures = [f.value for r in reports if (f := stated.get(pub.iris.base + r.path)) is not None]
        totals.append(Total(year, sum(figures) if figures else None, len(figures), len(reports)))
    return asked, values, totals


@bp.route("/compare/totals", methods=["GET", "HEAD"])
def totals() -> str:
    asked, values, found = _totals()
    context = _context("totals", TOTALS_QUERY, asked, values)
    lang, w = context["lang"], context["w"]
    title = w["totals_title"].format(region=_region(asked, lang), figure=w[asked.figure.words])
    chart = bar_chart(title, [str(t.year) for t in found], [t.total for t in found], "totals-chart")
    return render_template("comparison.html", **context, title=title, chart=chart, totals=found)


@bp.route("/compare/totals.csv", methods=["GET", "HEAD"])
def totals_csv() -> Response:
    asked, _values, found = _totals()
    header = ("region", "level", "year", "item", "period", "total", "reports", "published")
    table = [
        (asked.region.code, asked.level or "any", t.year, asked.figure.item, asked.figure.period, t.total, t.reports,
         t.published)
        for t in found
    ]  # fmt: skip
    return csv_response([header, *table], f"totals-{_name(asked)}-{asked.figure.key}.csv")
