"""The comparison pages in Chromium: each chart's numbers (from its SVG) equal its table, CSV and named query.

One corpus, built and served on loopback once for the module: the real reports of
../shared/real-reports/ (Pingtan's five across the three eras, 洪泽 2023 and 淮安 2024,
whose division 320800 holds 洪泽's 320813), and the project's seed (吉林市科技局 2011,
the Jilin City template). Every figure below is typed from those documents:

- Pingtan's requests received: the pre-2019 sheets' 受理依申请公开信息总数 and the national
  tables' 一、本年新收政府信息公开申请数量 · 总计 (tests/fixtures/real_reports.py).
- 淮安 2024 table 三 (report.pdf, pages 4–5), the 总计 column, each outcome the sum of its printed
  rows; they add up to the printed （七）总计 3050.
- 洪泽 2023 table 三 (report.pdf, pages 3–4): 2.其他法律行政止公开 (sic) and （六）其他处理 are printed
  off the format and are no figures, so its not disclosed is 1 + 1 + 1 and its other handling blank.
- The seed: 「未收到任何形式的申请公开信息要求」, none received in 2011.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import yaml

from tests.fixtures import examples
from tests.fixtures.real_reports import (
    HONGZE,
    HONGZE_2023,
    HUAIAN,
    HUAIAN_2024,
    NATIONAL,
    NEW_REQUESTS_TOTAL,
    PINGTAN,
    PRE_2019_PAGES,
    REGISTRY,
    REQUESTS_RECEIVED,
)
from tests.helpers import DATA, LiveServer, open_page, read_csv, series_points, start_live_server
from tests.http import fetch

SEED_AGENCY = "jilin-city-science-technology-bureau"
PINGTAN_REGION, HUAIAN_REGION, JILIN_REGION = "350128", "320800", "220200"
PINGTAN_REQUESTS = {**REQUESTS_RECEIVED, **NEW_REQUESTS_TOTAL}  # 2011: 0, 2016: 0, 2019: 23, 2021: 70, 2024: 218
OUTCOMES = (
    "request/disclosed",
    "request/partly-disclosed",
    "request/not-disclosed",
    "request/unable-to-provide",
    "request/not-processed",
    "request/other-handling",
)
# 淮安 2024: 1362; 454; 2+31+5+6+8+12+9+105; 769+11+1; 62+25+0+0+1; 71+6+110 — together the printed 3050
HUAIAN_OUTCOMES = dict(zip(OUTCOMES, (1362, 454, 178, 781, 88, 187), strict=True))
# 洪泽 2023: 0; 4; 1 (state secret) + 1 (process information) + 1 (enforcement files); 10+3+0; 1+0+0+0+0; blank
HONGZE_OUTCOMES = dict(zip(OUTCOMES, (0, 4, 3, 13, 1, None), strict=True))
LABELS = {
    "zh": ("予以公开", "部分公开", "不予公开", "无法提供", "不予处理", "其他处理"),
    "en": ("Disclosed", "Partly disclosed", "Not disclosed", "Unable to provide", "Not processed", "Other handling"),
}
NAMES = {
    HUAIAN: {"zh": "淮安市人民政府", "en": "Huai'an Municipal People's Government"},
    HONGZE: {"zh": "淮安市洪泽区人民政府", "en": "Hongze District People's Government"},
}


def typed_outcome(cells: dict[str, Any], outcome: str) -> int | None:
    """An outcome from the fixture's typed cells (column 总计): its row, or the rows under it; None if none."""
    name = outcome.removeprefix("request/")
    found = [
        v
        for k, v in cells.items()
        if k.endswith("-total") and (k == f"request-{name}-total" or k.startswith(f"request-{name}-"))
    ]
    return sum(found) if found else None


def test_the_typed_outcomes_agree_with_the_typed_cells_and_the_printed_totals() -> None:
    """A check on the typing above: each outcome is its rows' cells, and they add up to the printed （七）总计."""
    assert {o: typed_outcome(HUAIAN_2024.tables, o) for o in OUTCOMES} == HUAIAN_OUTCOMES
    assert {o: typed_outcome(HONGZE_2023.tables, o) for o in OUTCOMES} == HONGZE_OUTCOMES
    assert sum(HUAIAN_OUTCOMES.values()) == HUAIAN_2024.tables["request-total-results-total"] == 3050
    assert sum(v or 0 for v in HONGZE_OUTCOMES.values()) == HONGZE_2023.tables["request-total-results-total"] == 21


# ---------------------------------------------------------------------------
# The corpus, served; Chromium
# ---------------------------------------------------------------------------


def registry() -> str:
    """The real reports' registry and the seed's (data/agencies.yaml), as one."""
    real = yaml.safe_load(REGISTRY)
    seed = yaml.safe_load((DATA / "agencies.yaml").read_text(encoding="utf-8"))
    merged = {
        "divisions": {**real["divisions"], **seed["divisions"]},
        "agencies": {**real["agencies"], **seed["agencies"]},
    }
    return yaml.safe_dump(merged, allow_unicode=True)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    data = tmp_path_factory.mktemp("comparison-data")
    (data / "agencies.yaml").write_text(registry(), encoding="utf-8")
    documents = [(PINGTAN, year, page) for year, page in PRE_2019_PAGES.items()]
    documents += [(report.agency, report.year, report.path) for report in NATIONAL]
    for agency, year, page in documents:
        examples.write_imported(data, agency, year, page)
    shutil.copytree(DATA / "reports" / SEED_AGENCY, data / "reports" / SEED_AGENCY)
    server = start_live_server(tmp_path_factory.mktemp("comparison-build"), data, response_cache_mb=0)
    yield server
    server.close()


def bars(page: Any, chart: str) -> list[tuple[int, str, int]]:
    """The bars as the SVG states them: (series number, x label, value), in drawing order."""
    found = page.eval_on_selector_all(
        f"svg#{chart} g.series",
        "groups => groups.flatMap(g => Array.from(g.querySelectorAll('g.bar')).map(b => ["
        " Number(Array.from(g.classList).find(c => c.startsWith('serie-')).slice(6)),"
        " b.querySelector('desc.x_label').textContent, b.querySelector('desc.value').textContent]))",
    )
    return [(int(n), label, int(value)) for n, label, value in found]


def chart_links(page: Any) -> tuple[str, str]:
    return page.locator("a.chart-csv").get_attribute("href"), page.locator("a.chart-query").get_attribute("href")


def query_bindings(server: LiveServer, href: str) -> list[dict[str, str]]:
    answer = fetch(f"{server.url}{href}&format=json")
    assert answer.status == 200, answer.text
    return answer.rows


# ---------------------------------------------------------------------------
# A region's totals by year, across the eras
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_regions_requests_received_by_year_across_three_eras(served: LiveServer, browser: Any, lang: str) -> None:
    page = open_page(browser, f"{served.url}/compare/totals?lang={lang}&region={PINGTAN_REGION}&figure=requests", lang)
    try:
        assert page.locator("html").get_attribute("lang") == ("zh-CN" if lang == "zh" else "en")
        assert page.locator("svg#totals-chart").get_attribute("role") == "img"
        drawn = {int(label): value for _n, label, value in bars(page, "totals-chart")}
        rows = page.locator("table.totals tbody tr")
        table = {
            int(rows.nth(i).get_attribute("data-year")): (
                rows.nth(i).locator("td.value").inner_text(),
                rows.nth(i).locator("td.reports").inner_text(),
            )
            for i in range(rows.count())
        }
        caption = page.locator("table.totals caption").inner_text()
        csv_href, query_href = chart_links(page)
    finally:
        page.close()
    assert drawn == PINGTAN_REQUESTS
    assert caption.startswith("图表数据" if lang == "zh" else "The chart's data")
    # every year of the corpus is a row: 2023 (洪泽's year) has no Pingtan report, blank and resting on none
    assert table[2023] == ("（空白或未填报）" if lang == "zh" else "(blank or not stated)", "0")
    assert {year: (int(v), int(n)) for year, (v, n) in table.items() if year != 2023} == {
        year: (value, 1) for year, value in PINGTAN_REQUESTS.items()
    }
    rows_csv = read_csv(served.url + csv_href)
    assert {int(r["year"]): int(r["total"]) for r in rows_csv if r["total"]} == drawn
    assert {r["year"]: r["total"] for r in rows_csv}["2023"] == ""
    assert urlsplit(query_href).path == "/queries/region-totals"
    asked = parse_qs(urlsplit(query_href).query)
    assert asked["region"] == [PINGTAN_REGION] and asked["item"] == ["national-2021/request/new-requests"]
    bindings = query_bindings(served, query_href)
    assert {int(b["year"]): int(b["total"]) for b in bindings} == drawn
    assert {int(b["year"]): int(b["reports"]) for b in bindings} == {year: 1 for year in PINGTAN_REQUESTS}


def test_a_city_region_totals_its_districts_agencies(served: LiveServer) -> None:
    """淮安市 (320800) holds 洪泽区 (320813): its 2023 total is 洪泽's report, its 2024 淮安's."""
    rows = read_csv(f"{served.url}/compare/totals.csv?region={HUAIAN_REGION}&figure=refused")
    by_year = {r["year"]: (r["total"], r["reports"]) for r in rows if r["total"]}
    assert by_year == {"2023": ("3", "1"), "2024": ("178", "1")}


def test_the_jilin_templates_requests_received_join_the_cross_era_series(served: LiveServer) -> None:
    """jilin-city-2011/request/received is a skos:closeMatch of the national new requests: the seed's 0 is a total."""
    rows = read_csv(f"{served.url}/compare/totals.csv?region={JILIN_REGION}&figure=requests")
    assert [(r["year"], r["total"], r["reports"]) for r in rows if r["total"]] == [("2011", "0", "1")]


# ---------------------------------------------------------------------------
# A region's agencies ranked
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "year", "agency", "refused"),
    [("zh", 2024, HUAIAN, HUAIAN_OUTCOMES["request/not-disclosed"]), ("en", 2023, HONGZE, 3)],
)
def test_a_regions_agencies_ranked_by_requests_refused(
    served: LiveServer, browser: Any, lang: str, year: int, agency: str, refused: int
) -> None:
    url = f"{served.url}/compare/ranked?lang={lang}&region={HUAIAN_REGION}&figure=refused&year={year}"
    page = open_page(browser, url, lang)
    try:
        drawn = [(label, value) for _n, label, value in bars(page, "ranked-chart")]
        table = [
            (row.get_attribute("data-agency"), row.locator("td.value").inner_text())
            for row in page.locator("table.ranked tbody tr").all()
        ]
        csv_href, query_href = chart_links(page)
    finally:
        page.close()
    assert drawn == [(NAMES[agency][lang], refused)]
    assert table == [(agency, str(refused))]
    assert [(r["rank"], r["agency"], int(r["value"])) for r in read_csv(served.url + csv_href)] == [
        ("1", agency, refused)
    ]
    assert urlsplit(query_href).path == "/queries/region-ranked"
    bindings = query_bindings(served, query_href)
    assert [(b[f"agency_{lang}"], int(b["value"])) for b in bindings] == drawn


# ---------------------------------------------------------------------------
# Outcomes of requests, stacked by result
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "year", "agency", "expected"),
    [("zh", 2024, HUAIAN, HUAIAN_OUTCOMES), ("en", 2023, HONGZE, HONGZE_OUTCOMES)],
)
def test_the_outcomes_of_requests_stacked_by_result(
    served: LiveServer, browser: Any, lang: str, year: int, agency: str, expected: dict[str, int | None]
) -> None:
    page = open_page(browser, f"{served.url}/compare/outcomes?lang={lang}&region={HUAIAN_REGION}&year={year}", lang)
    try:
        drawn = {OUTCOMES[n]: value for n, label, value in bars(page, "outcomes-chart") if label == NAMES[agency][lang]}
        legend = page.locator("svg#outcomes-chart g.legend text").all_text_contents()
        cells = page.eval_on_selector_all(
            f"table.outcomes tr[data-agency={agency}] td.value",
            "tds => tds.map(td => [td.dataset.outcome, td.className, td.textContent])",
        )
        heads = page.locator("table.outcomes thead th[data-outcome]").all_inner_texts()
        csv_href, query_href = chart_links(page)
    finally:
        page.close()
    stated = {o: v for o, v in expected.items() if v is not None}
    assert drawn == stated  # a blank outcome is no bar, never a bar of 0
    assert legend == list(LABELS[lang]) and heads == list(LABELS[lang])
    assert {o: int(text) for o, kind, text in cells if "blank" not in kind} == stated
    assert [o for o, kind, _text in cells if "blank" in kind] == [o for o, v in expected.items() if v is None]
    rows = read_csv(served.url + csv_href)
    assert {r["outcome"]: int(r["value"]) for r in rows if r["agency"] == agency and r["value"]} == stated
    assert {r["outcome"] for r in rows if r["agency"] == agency and not r["value"]} == set(expected) - set(stated)
    assert urlsplit(query_href).path == "/queries/region-outcomes"
    bindings = query_bindings(served, query_href)
    assert {b["outcome"]: int(b["value"]) for b in bindings if b["agency"].endswith(f"/{agency}")} == stated


# ---------------------------------------------------------------------------
# Reached from the home page; no inline script or style
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_comparison_is_two_clicks_from_the_home_page_without_javascript(
    served: LiveServer, browser: Any, lang: str
) -> None:
    page = browser.new_page(java_script_enabled=False, locale="zh-CN" if lang == "zh" else "en-US")
    try:
        page.goto(f"{served.url}/?lang={lang}")
        page.locator("header nav a", has_text="比较" if lang == "zh" else "Compare").click()
        page.wait_for_load_state()
        assert urlsplit(page.url).path == "/compare"
        page.select_option("#totals-region", PINGTAN_REGION)
        page.select_option("#totals-figure", "requests")
        page.locator("form.compare-totals button").click()
        page.wait_for_load_state()
        assert urlsplit(page.url).path == "/compare/totals"
        assert parse_qs(urlsplit(page.url).query)["lang"] == [lang]
        assert {int(label): value for _n, label, value in bars(page, "totals-chart")} == PINGTAN_REQUESTS
    finally:
        page.close()


def test_the_comparison_pages_have_no_inline_script_or_style(served: LiveServer) -> None:
    for path in (
        "/compare?lang=zh",
        f"/compare/totals?lang=en&region={PINGTAN_REGION}",
        f"/compare/ranked?lang=zh&region={HUAIAN_REGION}&year=2024",
        f"/compare/outcomes?lang=en&region={HUAIAN_REGION}&year=2024",
    ):
        answer = fetch(served.url + path)
        assert answer.status == 200, path
        assert "<script" not in answer.text and "<style" not in answer.text and " style=" not in answer.text, path


# ---------------------------------------------------------------------------
# The workbench's questions, each followed from the home page in Chromium
# ---------------------------------------------------------------------------

PINGTAN_PROACTIVE = {2011: 425, 2016: 3460}  # pre-2019 主动公开政府信息数 (tests/fixtures/real_reports.PROACTIVE_TOTAL)
PINGTAN_YEARS = [2011, 2016, 2019, 2021, 2024]


def follow_question(browser: Any, server: LiveServer, lang: str, question: str) -> Any:
    """A tab that clicked from / to Compare, then to the question's page (two clicks)."""
    page = open_page(browser, f"{server.url}/?lang={lang}", lang)
    page.locator("header nav a", has_text="比较" if lang == "zh" else "Compare").click()
    page.wait_for_load_state()
    page.locator(f"#questions li[data-question={question}] a").click()
    page.wait_for_load_state()
    return page


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_regions_requests_by_year_is_two_clicks_from_home(served: LiveServer, browser: Any, lang: str) -> None:
    """No province in this registry: the widest region, Jilin City (two agencies), whose seed received none in 2011."""
    page = follow_question(browser, served, lang, "totals")
    try:
        asked = parse_qs(urlsplit(page.url).query)
        drawn = {int(label): value for _n, label, value in bars(page, "totals-chart")}
        csv_href, query_href = chart_links(page)
    finally:
        page.close()
    assert urlsplit(page.url).path == "/compare/totals"
    assert asked["region"] == [JILIN_REGION] and asked["figure"] == ["requests"]
    assert drawn == {2011: 0}
    assert {int(r["year"]): int(r["total"]) for r in read_csv(served.url + csv_href) if r["total"]} == drawn
    assert {int(b["year"]): int(b["total"]) for b in query_bindings(served, query_href)} == drawn


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_citys_agencies_ranked_by_refused_is_two_clicks_from_home(
    served: LiveServer, browser: Any, lang: str
) -> None:
    """The city whose agencies published most, 淮安 (2 reports); no 2021 report there, so its latest year, 2024."""
    page = follow_question(browser, served, lang, "ranked")
    try:
        asked = parse_qs(urlsplit(page.url).query)
        drawn = [(label, value) for _n, label, value in bars(page, "ranked-chart")]
        csv_href, query_href = chart_links(page)
    finally:
        page.close()
    assert (asked["region"], asked["figure"], asked["year"]) == ([HUAIAN_REGION], ["refused"], ["2024"])
    assert drawn == [(NAMES[HUAIAN][lang], HUAIAN_OUTCOMES["request/not-disclosed"])]
    assert [(r["agency_" + lang], int(r["value"])) for r in read_csv(served.url + csv_href)] == drawn
    assert [(b[f"agency_{lang}"], int(b["value"])) for b in query_bindings(served, query_href)] == drawn


def test_a_countys_agencies_without_a_report_is_two_clicks_from_home(served: LiveServer, browser: Any) -> None:
    """The county with the most agencies lacking a 2023 report: Pingtan (its reports: 2011, 2016, 2019, 2021, 2024)."""
    page = follow_question(browser, served, "en", "missing")
    try:
        asked = parse_qs(urlsplit(page.url).query)
        rows = page.locator("table.coverage tbody tr").evaluate_all("rows => rows.map(r => r.dataset.agency)")
        missing = page.locator("table.coverage td.missing").evaluate_all("tds => tds.map(td => td.dataset.year)")
        csv_href = page.locator("a.missing-csv").get_attribute("href")
    finally:
        page.close()
    assert urlsplit(page.url).path == "/coverage"
    assert (asked["region"], asked["year"], asked["missing"]) == ([PINGTAN_REGION], ["2023"], ["1"])
    assert rows == [PINGTAN] and missing == ["2023"]
    assert [(r["agency"], r["year"]) for r in read_csv(served.url + csv_href)] == [(PINGTAN, "2023")]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_an_agencys_proactive_disclosure_is_two_clicks_from_home(served: LiveServer, browser: Any, lang: str) -> None:
    """The agency reporting in the most years, Pingtan: the pre-2019 totals; the national formats have none."""
    page = follow_question(browser, served, lang, "series")
    try:
        drawn = series_points(page)
        csv_href = page.locator("a.series-csv").get_attribute("href")
    finally:
        page.close()
    assert urlsplit(page.url).path == f"/agencies/{PINGTAN}"
    assert drawn == PINGTAN_PROACTIVE
    rows = read_csv(served.url + csv_href)
    assert [int(r["year"]) for r in rows] == PINGTAN_YEARS
    assert {int(r["year"]): int(r["value"]) for r in rows if r["value"]} == drawn


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_level_narrows_a_comparison_to_the_agencies_of_that_level(
    served: LiveServer, browser: Any, lang: str
) -> None:
    """淮安市 holds the city government (2024) and 洪泽区, a county (2023): the level keeps one of them."""
    base = f"{served.url}/compare/totals?lang={lang}&region={HUAIAN_REGION}&figure=refused"
    page = open_page(browser, base, lang)
    try:
        page.select_option("#totals-level", "county")
        page.locator("form.compare-totals button").click()
        page.wait_for_load_state()
        asked = parse_qs(urlsplit(page.url).query)
        drawn = {int(label): value for _n, label, value in bars(page, "totals-chart")}
        csv_href, query_href = chart_links(page)
    finally:
        page.close()
    assert asked["level"] == ["county"]
    assert drawn == {2023: 3}  # 洪泽 2023's not disclosed, 1 + 1 + 1; 淮安's 178 (2024) left out
    rows = read_csv(served.url + csv_href)
    assert {int(r["year"]): int(r["total"]) for r in rows if r["total"]} == drawn
    assert {r["level"] for r in rows} == {"county"}
    assert parse_qs(urlsplit(query_href).query)["level"] == ["county"]
    assert {int(b["year"]): int(b["total"]) for b in query_bindings(served, query_href)} == drawn
    city = read_csv(f"{served.url}/compare/ranked.csv?region={HUAIAN_REGION}&level=city&figure=refused&year=2024")
    assert [(r["agency"], r["value"]) for r in city] == [(HUAIAN, "178")]
    assert read_csv(f"{served.url}/compare/ranked.csv?region={HUAIAN_REGION}&level=county&year=2024") == []
    outcomes = read_csv(f"{served.url}/compare/outcomes.csv?region={HUAIAN_REGION}&level=city&year=2023")
    assert outcomes == []  # 洪泽, the only agency with a 2023 report there, is a county's
