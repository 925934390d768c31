"""Named queries: documented headers, every result format over HTTP, the CLI, and the figures."""

from __future__ import annotations

import csv
import html
import io
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner

from publisher.build.builder import BuildResult
from publisher.cli import main
from publisher.settings import Settings
from publisher.sparql import namedqueries
from publisher.store.readstore import ReadStore
from tests.fixtures.seed_figures import EXPECTED
from tests.helpers import BOTH_BACKENDS, LiveServer
from tests.http import fetch

pytestmark = BOTH_BACKENDS

QUERIES = namedqueries.catalogue()
SAMPLE = {
    "agency": "jilin-city-science-technology-bureau",
    "year": "2011",
    "item": "jilin-city-2011/category/all",
    "period": "annual",
    "region": "220200",
    "level": "any",
    "min": "50",
}
FORMATS = {
    "json": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
}


def sample_params(query: namedqueries.NamedQuery) -> dict[str, str]:
    return {p.name: SAMPLE[p.name] for p in query.parameters}


def test_the_catalogue_covers_every_table_and_the_cross_report_questions() -> None:
    assert len(QUERIES) >= 15
    tables = [q.table for q in namedqueries.tables_of("jilin-city-2011")]
    assert tables == [
        "jilin-city-2011/category",
        "jilin-city-2011/channel",
        "jilin-city-2011/timeliness",
        "jilin-city-2011/request",
        "jilin-city-2011/appeal",
        "jilin-city-2011/fee",
    ]
    assert {"figure-over-years", "agencies-ranked", "report-figures", "report-sum-checks"} <= set(QUERIES)


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_every_query_is_documented_in_both_languages(name: str) -> None:
    query = QUERIES[name]
    text = query.path.read_text(encoding="utf-8")
    assert text.startswith("# title@zh: ")
    for field in (query.title_zh, query.title_en, query.description_zh, query.description_en):
        assert field.strip()
    assert any("\u4e00" <= ch <= "\u9fff" for ch in query.title_zh)
    for param in query.parameters:
        assert param.help_zh and param.help_en, param
        assert f"?{param.name}" in text  # used, and projected so that it can be bound


@pytest.mark.parametrize("name", sorted(QUERIES))
@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_every_query_answers_every_format_over_http(live_server: LiveServer, name: str, fmt: str) -> None:
    params = "&".join(f"{k}={v}" for k, v in sample_params(QUERIES[name]).items())
    by_accept = fetch(f"{live_server.url}/queries/{name}?{params}", headers={"Accept": FORMATS[fmt]})
    by_param = fetch(f"{live_server.url}/queries/{name}?{params}&format={fmt}")
    assert by_accept.status == 200, by_accept.text
    assert by_accept.media_type == FORMATS[fmt] == by_param.media_type
    assert by_accept.body == by_param.body
    if fmt == "json":
        assert "results" in json.loads(by_accept.body)
    elif fmt == "xml":
        assert ET.fromstring(by_accept.body).tag.endswith("sparql")


def table_rows(live_server: LiveServer, name: str) -> list[dict[str, str]]:
    answer = fetch(f"{live_server.url}/queries/{name}?agency={SAMPLE['agency']}&year=2011&format=csv")
    return list(csv.DictReader(io.StringIO(answer.text)))


def test_the_table_queries_regenerate_every_figure_of_the_source(live_server: LiveServer) -> None:
    regenerated = []
    for query in namedqueries.tables_of("jilin-city-2011"):
        regenerated += [(r["item_zh"], r["period"], int(r["count"])) for r in table_rows(live_server, query.name)]
    assert sorted(regenerated) == sorted(EXPECTED)


def test_missing_or_unknown_parameters_are_400_with_the_reason(live_server: LiveServer) -> None:
    missing = fetch(f"{live_server.url}/queries/jilin-fees?agency={SAMPLE['agency']}&format=json")
    assert missing.status == 400 and "year" in json.loads(missing.body)["error"]["message"]
    unknown = fetch(f"{live_server.url}/queries/jilin-fees?agency=a&year=2011&colour=red&format=json")
    assert unknown.status == 400 and "colour" in json.loads(unknown.body)["error"]["message"]
    bad_year = fetch(f"{live_server.url}/queries/jilin-fees?agency=a&year=20x1&format=json")
    assert bad_year.status == 400 and "four digits" in json.loads(bad_year.body)["error"]["message"]
    nothing = fetch(f"{live_server.url}/queries/no-such-query", headers={"Accept": "application/json"})
    assert nothing.status == 404 and nothing.header("Access-Control-Allow-Origin") == "*"


def test_the_queries_page_lists_every_query(live_server: LiveServer) -> None:
    page = html.unescape(fetch(f"{live_server.url}/queries?lang=en", headers={"Accept": "text/html"}).text)
    for name, query in QUERIES.items():
        assert f"<code>{name}</code>" in page and query.title_en in page


def test_cli_runs_a_named_query(live_server: LiveServer) -> None:
    settings = live_server.settings
    result = CliRunner().invoke(
        main,
        [
            "query",
            "figure-over-years",
            "-p",
            f"agency={SAMPLE['agency']}",
            "-p",
            "item=jilin-city-2011/category/all",
            "-p",
            "period=cumulative",
            "--format",
            "json",
            "--base-iri",
            settings.base,
            "--out",
            str(Path(settings.build_dir)),
        ],
    )
    assert result.exit_code == 0, result.output
    bindings = json.loads(result.stdout_bytes)["results"]["bindings"]
    assert [(b["year"]["value"], b["count"]["value"]) for b in bindings] == [("2011", "2006")]


def test_cli_reports_a_missing_parameter_with_exit_2(live_server: LiveServer) -> None:
    result = CliRunner().invoke(main, ["query", "jilin-fees", "--out", str(live_server.settings.build_dir)])
    assert result.exit_code == 2
    assert "needs parameter agency" in result.output


def test_figure_over_years_names_each_figures_own_item(live_server: LiveServer) -> None:
    """The seed's series, asked by its own code: one figure a year, whose own item is the code asked."""
    params = f"agency={SAMPLE['agency']}&item={SAMPLE['item']}&period=cumulative&format=json"
    answer = json.loads(fetch(f"{live_server.url}/queries/figure-over-years?{params}").body)
    rows = [{k: v["value"] for k, v in b.items()} for b in answer["results"]["bindings"]]
    item = f"{live_server.settings.base}/def/{SAMPLE['item']}"
    assert [(r["year"], r["count"], r["item"], r["figureItem"]) for r in rows] == [("2011", "2006", item, item)]


@pytest.mark.parametrize("scope", ["report", "agency"])
def test_a_scoped_dataset_holds_the_reports_and_the_ontology_but_not_the_shapes(
    store: ReadStore, built: tuple[Settings, BuildResult], scope: str
) -> None:
    """DESIGN: report- and agency-scoped datasets leave out the shapes graphs; a query over SHACL runs on the union."""
    base = built[0].base
    query = next(q for q in QUERIES.values() if q.scope == scope)
    dataset = query.dataset(store, base, sample_params(query) | {"agency": SAMPLE["agency"], "year": "2011"})
    report = f"{base}/id/report/{SAMPLE['agency']}/2011"
    assert [g.value for g in dataset["named_graphs"]] == [report]
    defaults = {g.value for g in dataset["default_graph"]}
    assert {report, f"{base}/def/disclosure", f"{base}/def/common", f"{base}/def/jilin-city-2011"} <= defaults
    shapes = {f"{base}/def/shapes/structure", f"{base}/def/shapes/arithmetic", f"{base}/def/shapes/cross-year"}
    assert shapes <= {g.value for g in store.named_graphs()}  # the store has them …
    assert not {g for g in defaults if g.startswith(f"{base}/def/shapes")}  # … the scoped dataset does not
    ask = "PREFIX sh: <http://www.w3.org/ns/shacl#> ASK { ?shape a sh:NodeShape }"
    assert not bool(store.query(ask, **dataset))
    assert bool(store.query(ask, use_default_graph_as_union=True))
