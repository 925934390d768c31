"""The query editor at /sparql, in Chromium (assertions on the DOM and on the chart's SVG; no screenshot).

The bundled data is built and served on loopback once (the session's `live_server`).
The figures are typed from the seed's source document,
../shared/seeds/jilin-city-science-technology-bureau-2011.txt:

    2011年,我局主动公开政府信息共658条,其中,规范性文件类信息21条、规划计划类信息22条,
    公共资金使用类信息2条,机构类信息1条,工作动态等其他信息612条
    截止2011年末,我局主动公开政府信息共2006条,其中,规范性文件类信息34条、规划计划类信息46条,
    公共资金使用类信息5条,机构类信息22条,工作动态等其他信息1899条
"""

from __future__ import annotations

import csv
import io
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from tests.helpers import LiveServer
from tests.http import fetch

AGENCY = "jilin-city-science-technology-bureau"
#: The year's figures of proactive disclosure by category, as the source states them (item's Chinese label).
ANNUAL = {
    "主动公开政府信息总数": 658,
    "规范性文件类": 21,
    "规划计划类": 22,
    "公共资金使用类": 2,
    "机构类": 1,
    "工作动态等其他": 612,
}
#: The same to the end of 2011.
CUMULATIVE = [2006, 34, 46, 5, 22, 1899]
#: The year's category figures; dis:, qb:, skos: and agency: are used and not declared (the page declares them).
QUERY = f"""SELECT ?label ?count WHERE {{
  ?report dis:agency agency:{AGENCY} ; dis:reportYear ?year .
  ?figure qb:dataSet ?report ; dis:item ?item ; dis:periodType ?period ; dis:count ?count .
  ?period skos:notation "annual" .
  ?item skos:inScheme ?scheme ; skos:prefLabel ?label ; dis:position ?position .
  FILTER (lang(?label) = "zh" && STRENDS(STR(?scheme), "/jilin-city-2011/category"))
}}
ORDER BY ?position
"""


def open_editor(browser: Any, live_server: LiveServer, lang: str, **params: str) -> Any:
    page = browser.new_page(locale="zh-CN" if lang == "zh" else "en-US")
    response = page.goto(live_server.url + "/sparql?" + urlencode({**params, "lang": lang}))
    assert response is not None and response.status == 200, response and response.status
    return page


def texts(page: Any, selector: str) -> list[str]:
    return [str(text) for text in page.eval_on_selector_all(selector, "els => els.map(e => e.textContent.trim())")]


def column(page: Any, name: str) -> list[str]:
    """The cells of a column of the results table, without their notes (datatype, language)."""
    index = texts(page, "#results-table thead th").index(name) + 1
    script = "els => els.map(e => e.childNodes[0].textContent.trim())"
    return [str(text) for text in page.eval_on_selector_all(f"#results-table tbody td:nth-child({index})", script)]


@pytest.mark.parametrize(
    ("lang", "title", "run"), [("zh", "SPARQL 查询", "运行"), ("en", "SPARQL query", "Run")], ids=["zh", "en"]
)
def test_the_query_as_run_is_highlighted_in_each_language(
    browser: Any, live_server: LiveServer, lang: str, title: str, run: str
) -> None:
    page = open_editor(browser, live_server, lang, query=QUERY)
    assert page.get_attribute("html", "lang") == ("zh-CN" if lang == "zh" else "en")
    assert page.inner_text("h1").startswith(title)
    assert page.inner_text("button[type=submit]").startswith(run)
    keywords = texts(page, "#query-as-run .highlight span.k")
    assert {"PREFIX", "SELECT", "WHERE", "FILTER"} <= set(keywords)
    assert {"?label", "?count", "?figure"} <= set(texts(page, "#query-as-run .highlight span.nv"))
    assert '"annual"' in texts(page, "#query-as-run .highlight span.s")
    assert page.input_value("textarea#query").endswith(QUERY)  # the textarea stays the editing surface
    page.close()


def test_known_prefixes_used_undeclared_are_declared(browser: Any, live_server: LiveServer) -> None:
    page = open_editor(browser, live_server, "en", query=QUERY)
    base = live_server.url
    added = page.inner_text("#added")
    assert "dis" in added and "qb" in added and "skos" in added and "agency" in added
    as_run = page.inner_text("#query-as-run")
    assert f"PREFIX dis: <{base}/def/disclosure#>" in as_run
    assert f"PREFIX agency: <{base}/id/agency/>" in as_run
    assert "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>" in as_run
    assert as_run.rstrip().endswith("ORDER BY ?position")
    known = dict(zip(texts(page, "#prefixes dt"), texts(page, "#prefixes dd"), strict=True))
    assert known["dis:"] == f"{base}/def/disclosure#" and known["qb:"] == "http://purl.org/linked-data/cube#"
    assert page.inner_text("#size") == "6 rows"
    page.close()
    # Other clients get the endpoint as it is: an undeclared prefix is a bad query.
    answer = fetch(live_server.url + "/sparql?" + urlencode({"query": QUERY, "format": "csv"}))
    assert answer.status == 400, answer.status


def test_the_chart_draws_the_numeric_column_as_the_source_states_it(browser: Any, live_server: LiveServer) -> None:
    page = open_editor(browser, live_server, "zh", query=QUERY)
    labels = texts(page, "#result-chart desc.x_label")
    values = [int(v) for v in texts(page, "#result-chart desc.value")]
    assert dict(zip(labels, values, strict=True)) == ANNUAL
    assert page.get_attribute("figure.results-chart", "aria-describedby") == "results-table"
    assert dict(zip(column(page, "label"), [int(v) for v in column(page, "count")], strict=True)) == ANNUAL
    csv_link = page.get_attribute("#downloads a[data-format=csv]", "href")
    page.close()
    answer = fetch(live_server.url + csv_link)
    assert answer.status == 200 and answer.media_type == "text/csv"
    rows = list(csv.DictReader(io.StringIO(answer.text.removeprefix("\ufeff"))))
    assert {row["label"]: int(row["count"]) for row in rows} == ANNUAL


def test_an_example_link_opens_its_query_in_the_editor_and_runs_it(browser: Any, live_server: LiveServer) -> None:
    page = open_editor(browser, live_server, "en")
    example = page.locator("a.example[data-name='jilin-proactive-by-category']")
    assert texts(page, "#examples li:has(a[data-name='jilin-proactive-by-category']) .highlight span.k")
    example.click()
    page.wait_for_load_state()
    shared = parse_qs(urlsplit(page.url).query)
    assert shared["query"] == [page.input_value("textarea#query")]  # the page's state is its URL
    editor = page.input_value("textarea#query")
    assert "# title@en: Proactive disclosure by category" in editor
    assert f'VALUES (?agency ?year) {{ (<{live_server.url}/id/agency/{AGENCY}> "2011"^^' in editor
    assert page.inner_text("#size") == "12 rows"
    assert sorted(int(c) for c in column(page, "count")) == sorted([*ANNUAL.values(), *CUMULATIVE])
    page.close()


def test_our_iris_in_the_results_link_to_their_pages(browser: Any, live_server: LiveServer) -> None:
    query = "SELECT ?agency ?report WHERE { ?report a dis:AnnualReport ; dis:agency ?agency }"
    page = open_editor(browser, live_server, "en", query=query)
    hrefs = page.eval_on_selector_all("#results-table tbody a", "els => els.map(e => e.getAttribute('href'))")
    assert f"/id/agency/{AGENCY}" in hrefs and f"/id/report/{AGENCY}/2011" in hrefs
    page.click(f"#results-table a[href='/id/report/{AGENCY}/2011']")
    page.wait_for_load_state()
    assert urlsplit(page.url).path == f"/id/report/{AGENCY}/2011"
    assert "658" in texts(page, "td[data-period] a.value")
    page.close()


def test_a_query_typed_and_run_is_shared_by_its_url(browser: Any, live_server: LiveServer) -> None:
    page = open_editor(browser, live_server, "zh")
    page.fill("textarea#query", QUERY)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    assert parse_qs(urlsplit(page.url).query)["lang"] == ["zh"]
    assert page.inner_text("#size") == "6 行"
    again = browser.new_page()
    again.goto(page.url)  # the same address, another browser tab: the same query and answer
    assert again.input_value("textarea#query") == page.input_value("textarea#query")
    assert texts(again, "#result-chart desc.value") == texts(page, "#result-chart desc.value")
    switch = page.get_attribute("#language", "href")
    assert parse_qs(urlsplit(switch).query)["lang"] == ["en"] and "query" in parse_qs(urlsplit(switch).query)
    again.close()
    page.close()
