"""The example reports of the national formats, built and served: store, Data Cube, page, queries, downloads.

The five constructed examples (tests/fixtures/national/) are built once into a store.
The checks: each report is published with exactly the quality warnings its page calls
for (its own slips, and a total that does not roll forward from the year before); the
whole store meets the RDF Data Cube integrity constraints (blank cells are not
observations, money and counts share one measure); the report page shows the official
tables — table 三 as its rows × 7 columns with the group rows, blank cells blank — with
the numbers typed from the pages (tests/test_import_html.py), and every total of a sum
rule beside the sum of its parts as the pages' own figures give it; the named queries give
back every figure; the downloads are there; the IRIs minted for the new things
dereference.
"""

from __future__ import annotations

from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from pyoxigraph import Store
from rdflib import Graph

from publisher.build.builder import BuildResult
from publisher.settings import Settings
from publisher.sparql import namedqueries
from publisher.store.readstore import open_store
from publisher.web import create_app
from tests.datacube import FIXED, ask, constraint_number, copy_of, hierarchy_checks, normalise
from tests.fixtures import examples
from tests.fixtures.examples import COUNTY, PROVINCE, TOWN
from tests.fixtures.national_pages import (
    APPLICANTS,
    BLOCKS,
    REQUESTS,
    REVIEW,
    ROWS_2019,
    ROWS_2021,
    expected_cells,
    parse_values,
)
from tests.helpers import BASE

EXPECTED_WARNINGS = {
    (COUNTY, 2021): {
        ("request-disclosed-total", "national-2021/rule/applicants-sum-to-total"),  # 6 printed, 4 + 1 = 5
        ("request-total-results-total", "national-2021/rule/results-sum-to-total"),  # 10 printed, the rows give 11
        ("new-requests-restated", "national-2021/rule/restatement"),  # the overview says 10, table 三 says 9
    },
    (PROVINCE, 2020): {
        # 对外公开总数量 of normative documents: 286 (2019) + 10 newly published ≠ 290 (2020)
        ("proactive-normative-documents-total-published", "national-2019/rule/published-total-rolls-forward"),
    },
}


@pytest.fixture(scope="module")
def built() -> tuple[Settings, BuildResult]:
    return examples.built()


@pytest.fixture(scope="module")
def store(built: tuple[Settings, BuildResult]) -> Store:
    return open_store(Path(built[0].build_dir))


@pytest.fixture(scope="module")
def app(built: tuple[Settings, BuildResult]) -> Iterator[Flask]:
    application = create_app(built[0])
    yield application
    application.extensions["query_service"].close()


@pytest.fixture(scope="module")
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def test_every_example_is_published_with_the_warnings_its_page_calls_for(built: tuple[Settings, BuildResult]) -> None:
    _settings, result = built
    assert sorted((c.report.agency, c.report.year) for c in result.checked) == sorted(examples.ALL)
    for checked in result.checked:
        key = (checked.report.agency, checked.report.year)
        assert checked.outcome.conforms, checked.outcome.text
        found = {(f.figure, f.rule) for f in checked.outcome.findings}
        assert found == EXPECTED_WARNINGS.get(key, set()), checked.outcome.text


def test_the_warnings_are_quality_annotations_on_their_reports(store: Store) -> None:
    query = namedqueries.get("report-quality")
    for (agency, year), expected in EXPECTED_WARNINGS.items():
        rows = query.rows(store, BASE, {"agency": agency, "year": str(year)})
        assert {(r["figure"].rsplit("/", 1)[1], r["rule"].removeprefix(f"{BASE}/def/")) for r in rows} == expected


@pytest.fixture(scope="module")
def cube(store: Store) -> Store:
    return normalise(copy_of(store))


def test_the_store_is_a_cube_of_every_example(cube: Store) -> None:
    answer = cube.query(
        "PREFIX qb: <http://purl.org/linked-data/cube#> SELECT (COUNT(?o) AS ?n) WHERE { ?o qb:dataSet ?d }"
    )
    [(count,)] = [tuple(row) for row in answer]  # type: ignore[union-attr]
    stated = sum(1 for key in examples.ALL for f in examples.report(*key).figures if f.value is not None)
    blank = sum(1 for key in examples.ALL for f in examples.report(*key).figures if f.value is None)
    assert int(count.value) == stated == 796  # the blank cells (201 of them) are not observations
    assert blank == 201


@pytest.mark.parametrize("path", [pytest.param(path, id=f"IC-{constraint_number(path)}") for path in FIXED])
def test_the_examples_meet_each_data_cube_integrity_constraint(cube: Store, path: Path) -> None:
    assert not ask(cube, path.read_text(encoding="utf-8")), f"IC-{constraint_number(path)} fails"


def test_the_examples_have_no_hierarchical_code_list_to_break(cube: Store) -> None:
    assert not [name for name, query in hierarchy_checks(cube) if ask(cube, query)]


# ---------------------------------------------------------------------------
# The report page
# ---------------------------------------------------------------------------


class GridCells(HTMLParser):
    """The rows of the page's grid tables: (data-item, group?) and the cells (data-column, class, value text)."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[tuple[str, bool, list[tuple[str, str, str]]]] = []
        self.cell: list[str] | None = None
        self.in_grid = False
        self.in_value = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "table":
            self.in_grid = "grid" in a.get("class", "")
        elif self.in_grid and tag == "tr" and "data-item" in a:
            self.rows.append((a["data-item"], "group" in a.get("class", ""), []))
        elif self.in_grid and tag == "td" and "data-column" in a and self.rows:
            self.rows[-1][2].append((a["data-column"], a.get("class", ""), ""))
            self.cell = []
        elif tag == "a" and self.cell is not None and "value" in a.get("class", ""):
            self.in_value = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "a":
            self.in_value = False
        elif tag == "td" and self.cell is not None:
            column, klass, _ = self.rows[-1][2][-1]
            self.rows[-1][2][-1] = (column, klass, "".join(self.cell))
            self.cell = None
        elif tag == "table":
            self.in_grid = False

    def handle_data(self, data: str) -> None:
        if self.cell is not None and self.in_value:
            self.cell.append(data.strip())


def page(client: FlaskClient, agency: str, year: int, lang: str = "zh") -> str:
    answer = client.get(f"/id/report/{agency}/{year}?lang={lang}", headers={"Accept": "text/html"})
    assert answer.status_code == 200
    return answer.get_data(as_text=True)


@pytest.mark.parametrize("key", examples.ALL, ids=lambda key: f"{key[0]}-{key[1]}")
def test_the_page_shows_table_3_as_the_official_matrix(client: FlaskClient, key: tuple[str, int]) -> None:
    parser = GridCells()
    parser.feed(page(client, *key))
    fmt = "national-2019" if key in ((PROVINCE, 2019), (PROVINCE, 2020), (COUNTY, 2020)) else "national-2021"
    rows = [(item, group, cells) for item, group, cells in parser.rows if item.startswith(f"{fmt}/request/")]
    data_rows = ROWS_2019 if fmt == "national-2019" else ROWS_2021
    groups = {"request/results", "request/not-disclosed", "request/unable-to-provide", "request/not-processed"}
    if fmt == "national-2021":
        groups.add("request/other-handling")
    assert [item.removeprefix(f"{fmt}/") for item, group, _ in rows if group] == [
        g for g in ("request/results", "request/not-disclosed", "request/unable-to-provide", "request/not-processed",
                    "request/other-handling") if g in groups
    ]  # fmt: skip
    assert len(rows) == len(data_rows) + len(groups)  # 27 rows (2019) or 30 (2021), groups included
    values = parse_values(REQUESTS[key])
    for index, (item, _group, cells) in enumerate(r for r in rows if not r[1]):
        assert item == f"{fmt}/request/{data_rows[index]}"
        assert [c for c, _k, _v in cells] == [f"{fmt}/applicant/{a}" for a in APPLICANTS]
        for (_column, klass, text), value in zip(cells, values[index * 7 : index * 7 + 7], strict=True):
            if value is None:
                assert "blank" in klass and text == "", (item, cells)
            else:
                assert "number" in klass and text == str(value), (item, cells)


def test_the_page_shows_every_cell_of_every_table(client: FlaskClient) -> None:
    for key in examples.ALL:
        parser = GridCells()
        parser.feed(page(client, *key))
        shown = {
            (item.split("/", 1)[1], column.split("/", 1)[1]): (klass, text)
            for item, group, cells in parser.rows
            for column, klass, text in cells
        }
        for (item, column), value in expected_cells(key).items():
            klass, text = shown[(item, column)]
            if value is None:
                assert "blank" in klass, (key, item, column)
            elif isinstance(value, tuple):
                assert text == str(value[0]), (key, item, column, text)
            else:
                assert text == str(value), (key, item, column, text)


def test_the_page_shows_a_stated_total_beside_the_derived_one_where_they_differ(client: FlaskClient) -> None:
    text = page(client, COUNTY, 2021, "en")
    # (一) 予以公开: 6 stated, 5 derived from its applicants
    marker = (
        'data-figure="http://127.0.0.1:8000/id/report/example-county-agriculture-bureau/2021/request-disclosed-total"'
    )
    cell = text[text.index(marker) : text.index("</td>", text.index(marker))]
    assert ">6</a>" in cell and "disagrees" in text[text.rindex("<td", 0, text.index(marker)) : text.index(marker)]
    assert "(Derived 5)" in cell.replace("（", "(").replace("）", ")")
    assert text.count('class="warning"') == 3


def test_the_page_shows_the_prose_sections_and_the_fees(client: FlaskClient) -> None:
    text = page(client, COUNTY, 2021)
    assert 'data-section="national-2021/section/overview"' in text
    assert "全年通过门户网站主动公开政府信息412条。" in text
    assert "基层政务公开专区建设有待加强。" in text
    assert 'data-item="national-2021/fee/information-processing-fee"' in text
    assert "收取信息处理费共计200元" in text


def test_the_page_shows_money_with_its_unit(client: FlaskClient) -> None:
    text = page(client, PROVINCE, 2019)
    marker = "proactive-government-procurement-procurement-amount"
    cell = text[text.index(marker) : text.index("</td>", text.index(marker))]
    assert ">251000</a>" in cell and '<span class="unit">元</span>' in cell and "251000元" in cell


# ---------------------------------------------------------------------------
# Stated and derived totals: the section of the page, figures from the pages
# ---------------------------------------------------------------------------


def totals_from_the_page(key: tuple[str, int]) -> dict[str, tuple[int | None, int, bool]]:
    """figure key → (stated total or None for blank, its parts' sum, whether they differ), from the page's tables.

    The national rules (DOMAIN.md §2.7): in table 三 each row's 总计 is the sum of the six
    kinds of applicant, and in each column (七)总计 is the sum of the result rows; in table
    四 each block's 总计 is the sum of its four outcomes. A blank counts as 0 (the rules
    say so), so a blank total is compared as 0.
    """
    fmt_rows = ROWS_2019 if key in ((PROVINCE, 2019), (PROVINCE, 2020), (COUNTY, 2020)) else ROWS_2021
    values = parse_values(REQUESTS[key])
    table = {(row, column): values[i * 7 + j] for i, row in enumerate(fmt_rows) for j, column in enumerate(APPLICANTS)}
    totals: dict[str, tuple[int | None, list[int | None]]] = {}
    for row in fmt_rows:  # applicants sum to the total
        parts = [table[(row, column)] for column in APPLICANTS[:-1]]
        totals[f"request-{row.replace('/', '-')}-total"] = (table[(row, "total")], parts)
    results = fmt_rows[fmt_rows.index("disclosed") : fmt_rows.index("total-results")]
    for column in APPLICANTS:  # outcomes sum to the total
        totals[f"request-total-results-{column}"] = (
            table[("total-results", column)],
            [table[(row, column)] for row in results],
        )
    review = parse_values(REVIEW[key])
    for index, block in enumerate(BLOCKS):  # each block of table 四
        cells = review[index * 5 : index * 5 + 5]
        totals[f"review-{block}-total"] = (cells[4], cells[:4])
    found = {}
    for figure, (stated, parts) in totals.items():
        derived = sum(p or 0 for p in parts)
        found[figure] = (stated, derived, (stated or 0) != derived)
    return found


class SumRows(HTMLParser):
    """The rows of the page's stated-and-derived section: figure, row class, and the text of each cell."""

    def __init__(self) -> None:
        super().__init__()
        self.query = ""
        self.rows: list[tuple[str, str, list[tuple[str, str]]]] = []
        self.in_section = False
        self.cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "section":
            self.in_section = a.get("id") == "sums"
            self.query = a.get("data-query", "") if self.in_section else self.query
        elif self.in_section and tag == "tr" and "data-figure" in a:
            self.rows.append((a["data-figure"], a.get("class", ""), []))
        elif self.in_section and tag == "td" and self.rows:
            self.rows[-1][2].append((a.get("class", ""), ""))
            self.cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "section":
            self.in_section = False
        elif tag == "td" and self.cell is not None:
            klass, _ = self.rows[-1][2][-1]
            self.rows[-1][2][-1] = (klass, "".join(self.cell).strip())
            self.cell = None

    def handle_data(self, data: str) -> None:
        if self.cell is not None:
            self.cell.append(data)


@pytest.mark.parametrize("key", examples.ALL, ids=lambda key: f"{key[0]}-{key[1]}")
def test_the_stated_and_derived_section_shows_every_total_of_the_page(
    client: FlaskClient, key: tuple[str, int]
) -> None:
    parser = SumRows()
    parser.feed(page(client, *key, "en"))
    assert parser.query == "national-sum-checks"
    shown = {}
    for figure, klass, cells in parser.rows:
        [(_, rule), (_, row), (_, column), (stated_class, stated), (_, derived), (_, verdict)] = cells
        assert rule and row and column, cells
        if "blank" in stated_class:  # a blank total is shown blank, never as 0
            assert stated == "(blank)", cells
        shown[figure.rsplit("/", 1)[1]] = (
            None if "blank" in stated_class else int(stated),
            int(derived),
            "disagrees" in klass,
        )
        assert verdict == ("disagrees" if "disagrees" in klass else "agrees"), cells
    assert shown == totals_from_the_page(key)


def test_the_inconsistent_example_shows_its_stated_and_derived_totals_disagreeing(client: FlaskClient) -> None:
    expected = totals_from_the_page((COUNTY, 2021))
    differing = {figure: totals for figure, totals in expected.items() if totals[2]}
    # the county's 2021 page: (一) 予以公开 prints 6 in 总计 where its applicants give 5, and (七) 总计
    # prints 10 where its result rows give 11
    assert differing == {"request-disclosed-total": (6, 5, True), "request-total-results-total": (10, 11, True)}
    for lang, words in (("en", ("disagrees", "differ")), ("zh", ("不一致", "不一致的 2 个"))):
        text = page(client, COUNTY, 2021, lang)
        section = text[text.index('<section id="sums"') : text.index("</section>", text.index('<section id="sums"'))]
        assert words[1] in section
        parser = SumRows()
        parser.feed(text)
        for figure, (stated, derived, _differ) in differing.items():
            [cells] = [c for f, k, c in parser.rows if f.endswith(f"/{figure}") and "disagrees" in k]
            assert [t for _k, t in cells[3:]] == [str(stated), str(derived), words[0]]


# ---------------------------------------------------------------------------
# Named queries, downloads, dereferencing
# ---------------------------------------------------------------------------


def test_the_table_queries_give_back_every_figure_and_blank_cell(store: Store) -> None:
    for key in examples.ALL:
        report = examples.report(*key)
        fmt = report.format
        given = {}
        for query in namedqueries.tables_of(fmt):
            names, rows = query.results(store, BASE, {"agency": key[0], "year": str(key[1])})
            if "column" not in names:
                continue
            for row in rows:
                if "figure" in row:
                    given[row["figure"].rsplit("/", 1)[1]] = (row["status"], row.get("count", row.get("amount")))
        expected = {
            f.key: ("blank" if f.value is None else "stated", None if f.value is None else str(f.value))
            for f in report.figures
        }
        assert given == expected, key


def test_the_downloads_of_each_example_are_there(built: tuple[Settings, BuildResult]) -> None:
    folder = built[1].release / "downloads"
    for agency, year in examples.ALL:
        turtle = folder / f"{agency}-{year}.ttl"
        graph = Graph().parse(turtle, format="turtle")
        assert len(graph) > 1000
        assert (folder / f"{agency}-{year}.csv").stat().st_size > 1000


def test_the_new_kinds_of_iri_dereference(client: FlaskClient) -> None:
    iris = [
        f"/id/report/{TOWN}/2021/request-carried-over-natural-person",  # a blank cell
        f"/id/report/{COUNTY}/2021/fee-information-processing-fee-amount",  # an amount from the prose
        f"/id/report/{PROVINCE}/2019/new-requests-restated",  # a fact restating a cell
        "/def/national-2019",
        "/def/national-2021/request/other-handling/failed-to-pay",
        "/def/national-2021/applicant/legal-persons",
        "/def/national-2021/rule/carry-over",
        "/def/national-2021/pattern/fee-amount",
        "/def/regulation-2019/article-20-1",
        "/def/shapes/cross-year",
    ]
    for iri in iris:
        for accept in ("text/turtle", "text/html"):
            answer = client.get(iri, headers={"Accept": accept})
            assert answer.status_code == 200, (iri, accept)
    section = client.get(f"/id/report/{TOWN}/2021", headers={"Accept": "text/turtle"}).get_data(as_text=True)
    assert "section-overview" in section
