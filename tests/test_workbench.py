"""Finding a report, coverage and an agency's series, in Chromium (DOM and the chart's SVG; no screenshot).

Two corpora, each built and served on loopback once for the module:

- Pingtan's five real reports across the three eras (pre-2019 sheets 2011 and 2016, the
  national formats 2019, 2021, 2024), imported from ../shared/real-reports/: the series
  figures are those typed from the pages in tests/fixtures/real_reports.py.
- A synthetic province (publisher.synthetic) of 89 agencies, the first that reach every
  level: the province's government and its 30 departments, the first city's government
  and 26 departments, its first county's government, 20 departments and 10 townships
  (the generator's DEPARTMENTS and TOWNSHIPS_PER_COUNTY), every government and the first
  department of each level reporting 2018, 2019 and 2021 (one year of each era), less
  three reports removed here (REMOVED). The counts below follow from those parameters.
"""

from __future__ import annotations

import json
import shutil
import sys
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from publisher import synthetic
from publisher.synthetic.province import hierarchy
from tests.fixtures import examples
from tests.fixtures.real_reports import (
    NATIONAL,
    NEW_REQUESTS_TOTAL,
    PINGTAN,
    PRE_2019_PAGES,
    PROACTIVE_TOTAL,
    REGISTRY,
    REQUESTS_RECEIVED,
)
from tests.helpers import LiveServer, open_page, read_csv, series_points, start_live_server
from tests.http import fetch

REQUESTS_SERIES = {**REQUESTS_RECEIVED, **NEW_REQUESTS_TOTAL}  # 2011, 2016 (pre-2019), 2019, 2021, 2024
PINGTAN_YEARS = [2011, 2016, 2019, 2021, 2024]

SEED = 2011
AGENCIES = 89  # 1 + 30 (province), 1 + 26 (city), 1 + 20 + 10 (county)
YEARS = (2018, 2019, 2021)
LEVELS = {"province": 1, "city": 1, "county": 1, "township": 10, "department": 30 + 26 + 20}
PROVINCE, CITY = f"{synthetic.PROVINCE_CODE}0000", f"{synthetic.PROVINCE_CODE}0100"  # divisions of the generator


def registry() -> synthetic.Registry:
    return hierarchy(SEED, AGENCIES)


def _by_kind() -> dict[str, list[synthetic.SyntheticAgency]]:
    agencies = registry().agencies
    governments = [a for a in agencies if a.kind == "government"]
    return {
        "province": governments[:1],
        "city": governments[1:2],
        "county": governments[2:3],
        "township": governments[3:],
        "department": [a for a in agencies if a.kind == "department"],
    }


KINDS = _by_kind()
COUNTY_GOVERNMENT = KINDS["county"][0]
TOWNSHIPS = KINDS["township"]
COUNTY_DIVISION = COUNTY_GOVERNMENT.division
#: The agencies whose reports are kept (a build of every agency's takes minutes): every government and the first
#: department of each level (the province's, the city's, the county's: departments 1, 31 and 57 of the registry).
REPORTING = [
    *(a for a in registry().agencies if a.kind == "government"),
    *(KINDS["department"][i] for i in (0, 30, 56)),
]
#: The reports taken out besides: the county government's of 2019, two townships' of 2021.
REMOVED = {(COUNTY_GOVERNMENT.id, 2019), (TOWNSHIPS[0].id, 2021), (TOWNSHIPS[1].id, 2021)}
PUBLISHED = {(a.id, y) for a in REPORTING for y in YEARS} - REMOVED
MISSING = {(a.id, y) for a in registry().agencies for y in YEARS} - PUBLISHED
REPORTS = len(REPORTING) * len(YEARS) - len(REMOVED)  # 16 × 3 - 3 = 45
PAGE_SIZE = 10  # finding_page_size of the served province


# ---------------------------------------------------------------------------
# The two corpora, served
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pingtan(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """Pingtan's five pages imported (their sources beside them), built and served."""
    data = tmp_path_factory.mktemp("pingtan-data")
    (data / "agencies.yaml").write_text(REGISTRY, encoding="utf-8")
    pages = {**PRE_2019_PAGES, **{r.year: r.path for r in NATIONAL if r.agency == PINGTAN}}
    for year, page in sorted(pages.items()):
        examples.write_imported(data, PINGTAN, year, page)
    server = start_live_server(tmp_path_factory.mktemp("pingtan-build"), data, response_cache_mb=0)
    yield server
    server.close()


@pytest.fixture(scope="module")
def province(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The synthetic province's registry, the REPORTING agencies' reports less the REMOVED ones, built and served."""
    data = tmp_path_factory.mktemp("province-data")
    synthetic.generate(data, AGENCIES, years=YEARS, seed=SEED, blank_rate=0.0, inconsistency_rate=0.0)
    kept = {a.id for a in REPORTING}
    for folder in (data / "reports").iterdir():
        if folder.name not in kept:
            shutil.rmtree(folder)
    for agency, year in REMOVED:
        for path in (data / "reports" / agency).glob(f"{year}.*"):
            path.unlink()
    build_dir = tmp_path_factory.mktemp("province-build")
    server = start_live_server(build_dir, data, response_cache_mb=0, finding_page_size=PAGE_SIZE)
    yield server
    server.close()


# ---------------------------------------------------------------------------
# An agency's series: chart, table, CSV and named query agree with the pages
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_requests_chart_gives_the_figures_typed_from_the_pages_across_three_eras(
    pingtan: LiveServer, browser: Any, lang: str
) -> None:
    page = open_page(browser, f"{pingtan.url}/agencies/{PINGTAN}?lang={lang}", lang)
    try:
        assert page.locator("html").get_attribute("lang") == ("zh-CN" if lang == "zh" else "en")
        assert page.locator("h1").inner_text() == (
            "平潭综合实验区管委会"
            if lang == "zh"
            else "Pingtan Comprehensive Experimental Zone Administrative Committee"
        )
        assert page.locator("svg#series-chart").get_attribute("role") == "img"
        assert series_points(page) == REQUESTS_SERIES
        x_labels = page.locator("svg#series-chart g.axis.x text").all_text_contents()
        assert [int(t) for t in x_labels] == PINGTAN_YEARS
        rows = page.locator("table.series tbody tr")
        table = {
            int(rows.nth(i).get_attribute("data-year")): rows.nth(i).locator("td.value").inner_text()
            for i in range(rows.count())
        }
        assert table == {year: str(value) for year, value in REQUESTS_SERIES.items()}
        assert (
            page.locator("table.series caption")
            .inner_text()
            .startswith("图表数据" if lang == "zh" else "The chart's data")
        )
    finally:
        page.close()


def test_the_chart_equals_its_csv_and_its_named_query(pingtan: LiveServer, browser: Any) -> None:
    page = open_page(browser, f"{pingtan.url}/agencies/{PINGTAN}?lang=en", "en")
    try:
        drawn = series_points(page)
        csv_href = page.locator("a.series-csv").get_attribute("href")
        query_href = page.locator("a.series-query").get_attribute("href")
    finally:
        page.close()
    rows = read_csv(pingtan.url + csv_href)
    assert {int(r["year"]): int(r["value"]) for r in rows} == drawn == REQUESTS_SERIES
    assert urlsplit(query_href).path == "/queries/figure-over-years"
    asked = parse_qs(urlsplit(query_href).query)
    assert asked["agency"] == [PINGTAN] and asked["period"] == ["annual"]
    answer = fetch(f"{pingtan.url}{query_href}&format=json")
    bindings = json.loads(answer.body)["results"]["bindings"]
    assert {int(b["year"]["value"]): int(b["count"]["value"]) for b in bindings} == drawn
    assert {r["figure"] for r in rows} == {b["figure"]["value"] for b in bindings}


def test_a_year_without_the_figure_is_blank_in_the_chart_table_and_csv_never_zero(
    pingtan: LiveServer, browser: Any
) -> None:
    """The national formats have no total published proactively: 2019, 2021 and 2024 are blank."""
    page = open_page(browser, f"{pingtan.url}/agencies/{PINGTAN}?lang=zh&series=proactive", "zh")
    try:
        assert series_points(page) == PROACTIVE_TOTAL["annual"]  # 2011: 425, 2016: 3460, and no other point
        blank = page.locator("table.series td.blank")
        assert blank.count() == 3 and set(blank.all_inner_texts()) == {"（空白或未填报）"}
        csv_href = page.locator("a.series-csv").get_attribute("href")
    finally:
        page.close()
    values = {int(r["year"]): r["value"] for r in read_csv(pingtan.url + csv_href)}
    assert values == {2011: "425", 2016: "3460", 2019: "", 2021: "", 2024: ""}


def test_the_series_is_chosen_with_a_form_that_works_without_javascript(pingtan: LiveServer, browser: Any) -> None:
    page = browser.new_page(java_script_enabled=False)
    try:
        page.goto(f"{pingtan.url}/agencies/{PINGTAN}?lang=en")
        page.select_option("#series-key", "proactive")
        page.locator("form.series-choice button").click()
        page.wait_for_load_state()
        assert "series=proactive" in page.url
        assert series_points(page) == PROACTIVE_TOTAL["annual"]
    finally:
        page.close()


def test_an_unknown_agency_is_404(pingtan: LiveServer) -> None:
    assert fetch(f"{pingtan.url}/agencies/no-such-agency", headers={"Accept": "text/html"}).status == 404


# ---------------------------------------------------------------------------
# Finding a report: filters narrow, pages page, zh and en
# ---------------------------------------------------------------------------


def rows_of(page: Any, selector: str) -> list[dict[str, str | None]]:
    rows = page.locator(f"{selector} tbody tr")
    return [
        {"agency": rows.nth(i).get_attribute("data-agency"), "year": rows.nth(i).get_attribute("data-year")}
        for i in range(rows.count())
    ]


def test_the_home_page_pages_every_report(province: LiveServer, browser: Any) -> None:
    page = open_page(browser, f"{province.url}/?lang=en", "en")
    try:
        assert int(page.locator("p.found .total").inner_text()) == REPORTS
        pages = -(-REPORTS // PAGE_SIZE)
        assert int(page.locator("p.found .page-count").inner_text()) == pages
        seen: list[tuple[str | None, str | None]] = []
        for number in range(1, pages + 1):
            assert int(page.locator("p.found .page-number").inner_text()) == number
            seen += [(r["agency"], r["year"]) for r in rows_of(page, "table.reports")]
            if number < pages:
                page.locator("nav.pager a[rel=next]").click()
                page.wait_for_load_state()
        assert page.locator("nav.pager a[rel=next]").count() == 0
        assert len(seen) == len(set(seen)) == REPORTS
        assert set(seen) == {(a, str(y)) for a, y in PUBLISHED}
    finally:
        page.close()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_home_page_filters_by_level_and_year_with_its_form(province: LiveServer, browser: Any, lang: str) -> None:
    page = open_page(browser, f"{province.url}/?lang={lang}", lang)
    try:
        assert page.locator("label[for=filter-level]").inner_text() == ("层级" if lang == "zh" else "Level")
        page.select_option("#filter-level", "township")
        page.select_option("#filter-year", "2021")
        page.locator("form.filters button").click()
        page.wait_for_load_state()
        query = parse_qs(urlsplit(page.url).query)
        assert query["level"] == ["township"] and query["year"] == ["2021"] and query["lang"] == [lang]
        rows = rows_of(page, "table.reports")
        # 10 townships reported for 2021, less the two taken out
        assert sorted(r["agency"] or "" for r in rows) == sorted(t.id for t in TOWNSHIPS[2:])
        assert {r["year"] for r in rows} == {"2021"}
        assert set(page.locator("table.reports tbody td:nth-child(2)").all_inner_texts()) == {
            "乡镇级" if lang == "zh" else "Township"
        }
    finally:
        page.close()


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        pytest.param({"region": PROVINCE}, AGENCIES, id="province-region-holds-every-agency"),
        pytest.param({"region": CITY}, 27 + 31, id="city-region-holds-its-county"),
        pytest.param({"region": COUNTY_DIVISION}, 1 + 20 + 10, id="county-region"),
        pytest.param({"region": CITY, "level": "department"}, 26 + 20, id="departments-of-a-city-region"),
        *(pytest.param({"level": level}, count, id=f"level-{level}") for level, count in LEVELS.items()),
    ],
)
def test_the_agency_index_filters_by_region_and_level(
    province: LiveServer, query: dict[str, str], expected: int
) -> None:
    page = fetch(f"{province.url}/agencies?lang=en&" + "&".join(f"{k}={v}" for k, v in query.items())).text
    total = page.split('<span class="total">', 1)[1].split("<", 1)[0]
    assert int(total) == expected


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_agency_index_searches_names_in_both_languages(province: LiveServer, browser: Any, lang: str) -> None:
    township = TOWNSHIPS[4]
    name = township.zh if lang == "zh" else township.en.upper()  # search ignores case
    page = open_page(browser, f"{province.url}/agencies?lang={lang}", lang)
    try:
        page.fill("#filter-q", name)
        page.locator("form.filters button").click()
        page.wait_for_load_state()
        assert [r["agency"] for r in rows_of(page, "table.agencies")] == [township.id]
        link = page.locator("table.agencies a.agency-page")
        assert link.inner_text() == ("机关概况与历年数字" if lang == "zh" else "Agency overview and series")
        link.click()
        page.wait_for_load_state()
        assert urlsplit(page.url).path == f"/agencies/{township.id}"
        assert page.locator("dd.level").inner_text() == ("乡镇级" if lang == "zh" else "Township")
    finally:
        page.close()


# ---------------------------------------------------------------------------
# Coverage: agencies × years, the missing cells, their CSV, the named query
# ---------------------------------------------------------------------------


def test_coverage_marks_each_missing_report_and_each_era(province: LiveServer, browser: Any) -> None:
    cells: list[dict[str, str | None]] = []
    page = open_page(browser, f"{province.url}/coverage?lang=en", "en")
    try:
        assert page.locator("table.coverage thead th").all_inner_texts()[2:] == [str(y) for y in YEARS]
        while True:
            cells += page.eval_on_selector_all(
                "table.coverage tbody td[data-year]",
                "tds => tds.map(td => ({agency: td.closest('tr').dataset.agency, year: td.dataset.year,"
                " state: td.className, format: td.dataset.format || null}))",
            )
            if page.locator("nav.pager a[rel=next]").count() == 0:
                break
            page.locator("nav.pager a[rel=next]").click()
            page.wait_for_load_state()
    finally:
        page.close()
    assert len(cells) == AGENCIES * len(YEARS)
    assert {(c["agency"], int(c["year"] or 0)) for c in cells if c["state"] == "missing"} == MISSING
    eras = {int(c["year"] or 0): c["format"] for c in cells if c["state"] == "published"}
    assert eras == {year: synthetic.format_of(year) for year in YEARS}


def test_who_has_not_reported_in_a_county_in_one_year(province: LiveServer, browser: Any) -> None:
    url = f"{province.url}/coverage?lang=zh&region={COUNTY_DIVISION}&level=township&year=2021&missing=1"
    page = open_page(browser, url, "zh")
    try:
        assert sorted(r["agency"] or "" for r in rows_of(page, "table.coverage")) == sorted(t.id for t in TOWNSHIPS[:2])
        assert page.locator("table.coverage td.missing").all_inner_texts() == ["缺", "缺"]
        assert page.locator("table.coverage thead th").all_inner_texts() == ["机关", "层级", "2021"]
        csv_href = page.locator("a.missing-csv").get_attribute("href")
    finally:
        page.close()
    rows = read_csv(province.url + csv_href)
    assert sorted((r["agency"], r["year"], r["level"]) for r in rows) == sorted(
        (t.id, "2021", "township") for t in TOWNSHIPS[:2]
    )
    # the whole county: 19 of its 20 departments (the first reports) and the two townships
    county = read_csv(f"{province.url}/coverage.csv?region={COUNTY_DIVISION}&year=2021")
    assert sorted(r["level"] for r in county) == ["department"] * 19 + ["township"] * 2
    every = read_csv(f"{province.url}/coverage.csv")
    assert {(r["agency"], int(r["year"])) for r in every} == MISSING


def test_coverage_is_the_named_query_it_links_to(province: LiveServer) -> None:
    page = fetch(f"{province.url}/coverage?lang=en").text
    assert 'href="/queries/coverage?lang=en"' in page
    answer = fetch(f"{province.url}/queries/coverage?format=json")
    bindings = json.loads(answer.body)["results"]["bindings"]
    levels: dict[str, str] = {}
    for b in bindings:
        levels[b["agency"]["value"].rsplit("/", 1)[1]] = b["level"]["value"]
    assert {level: list(levels.values()).count(level) for level in LEVELS} == LEVELS
    published = {(b["agency"]["value"].rsplit("/", 1)[1], int(b["year"]["value"])) for b in bindings if "year" in b}
    assert published == PUBLISHED and len([b for b in bindings if "year" in b]) == REPORTS


def test_the_pages_have_no_inline_script_or_style(province: LiveServer) -> None:
    """The pages work under a policy that allows no inline script or style (the chart's too)."""
    agency = TOWNSHIPS[3].id
    for path in ("/?lang=en", "/agencies?lang=zh", "/coverage?lang=en", f"/agencies/{agency}?lang=zh"):
        page = fetch(province.url + path).text
        assert "<script" not in page and "<style" not in page and " style=" not in page, path


def test_the_coverage_is_found_from_the_home_page(province: LiveServer) -> None:
    home = fetch(f"{province.url}/?lang=zh").text
    assert 'href="/coverage?lang=zh"' in home and 'href="/agencies?lang=zh"' in home


# ---------------------------------------------------------------------------
# The comparisons of the synthetic province: its hierarchy, its levels
# ---------------------------------------------------------------------------


def drawn_bars(page: Any, chart: str) -> list[tuple[str, int]]:
    """A one-series bar chart as its SVG states it: (x label, value) of each bar, in drawing order."""
    found = page.eval_on_selector_all(
        f"svg#{chart} g.bar",
        "bars => bars.map(b => [b.querySelector('desc.x_label').textContent,"
        " b.querySelector('desc.value').textContent])",
    )
    return [(label, int(value)) for label, value in found]


def test_the_provinces_requests_by_year_is_two_clicks_from_home(province: LiveServer, browser: Any) -> None:
    """The province (910000) holds every agency: each year's total rests on the reports of the year it states."""
    page = open_page(browser, f"{province.url}/?lang=zh", "zh")
    try:
        page.locator("header nav a", has_text="比较").click()
        page.wait_for_load_state()
        page.locator("#questions li[data-question=totals] a").click()
        page.wait_for_load_state()
        asked = parse_qs(urlsplit(page.url).query)
        drawn = {int(label): value for label, value in drawn_bars(page, "totals-chart")}
        csv_href = page.locator("a.chart-csv").get_attribute("href")
        query_href = page.locator("a.chart-query").get_attribute("href")
    finally:
        page.close()
    assert asked["region"] == [PROVINCE] and asked["figure"] == ["requests"]
    rows = read_csv(province.url + csv_href)
    assert {int(r["year"]): int(r["total"]) for r in rows} == drawn
    assert sorted(drawn) == list(YEARS)
    # 16 reporting agencies; the county government's 2019 and two townships' 2021 taken out
    assert {int(r["year"]): int(r["published"]) for r in rows} == {2018: 16, 2019: 15, 2021: 14}
    answer = fetch(f"{province.url}{query_href}&format=json")
    bindings = json.loads(answer.body)["results"]["bindings"]
    assert {int(b["year"]["value"]): int(b["total"]["value"]) for b in bindings} == drawn
    assert {int(b["year"]["value"]): b["reports"]["value"] for b in bindings} == {
        int(r["year"]): r["reports"] for r in rows
    }


def test_an_agencys_proactive_disclosure_is_two_clicks_from_home(province: LiveServer, browser: Any) -> None:
    """The synthetic reports of 2018 are in the Jilin City template (its proactive total); 2019 and 2021 state none."""
    page = open_page(browser, f"{province.url}/compare?lang=en", "en")
    try:
        page.locator("#questions li[data-question=series] a").click()
        page.wait_for_load_state()
        asked = parse_qs(urlsplit(page.url).query)
        drawn = series_points(page)
        csv_href = page.locator("a.series-csv").get_attribute("href")
    finally:
        page.close()
    assert asked["series"] == ["jilin-proactive"] and synthetic.format_of(2018) == "jilin-city-2011"
    rows = read_csv(province.url + csv_href)
    assert [int(r["year"]) for r in rows] == list(YEARS)
    assert {int(r["year"]): int(r["value"]) for r in rows if r["value"]} == drawn
    assert sorted(drawn) == [2018]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_citys_departments_ranked_by_the_level_of_the_form(province: LiveServer, browser: Any, lang: str) -> None:
    """The city (910100) holds two reporting departments: its own first and the county's first (registry 31, 57)."""
    page = open_page(browser, f"{province.url}/compare/ranked?lang={lang}&region={CITY}&figure=refused&year=2021", lang)
    try:
        everyone = len(drawn_bars(page, "ranked-chart"))
        page.select_option("#ranked-level", "department")
        page.locator("form.compare-ranked button").click()
        page.wait_for_load_state()
        drawn = drawn_bars(page, "ranked-chart")
        csv_href = page.locator("a.chart-csv").get_attribute("href")
    finally:
        page.close()
    departments = {KINDS["department"][30].id, KINDS["department"][56].id}
    rows = read_csv(province.url + csv_href)
    assert {r["agency"] for r in rows} == departments and {r["level"] for r in rows} == {"department"}
    assert [(r[f"agency_{lang}"], int(r["value"])) for r in rows] == drawn
    assert [value for _label, value in drawn] == sorted((value for _label, value in drawn), reverse=True)
    assert everyone > len(drawn)  # the city's governments (city, county, townships) are ranked without the level


def test_the_charting_library_leaves_no_import_hook_of_its_own() -> None:
    """pygal's map-plugin finder (find_module only) made every unresolved import warn; publisher.web takes it out."""
    import publisher.web.charts  # noqa: F401

    assert all(hasattr(finder, "find_spec") for finder in sys.meta_path), sys.meta_path
