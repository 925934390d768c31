"""The real reports of ../shared/real-reports/ through `import_report`: every table cell as typed, and one series built.

Each national document (three Pingtan pages, two PDFs) is imported as a person would
import it (the path, the agency, the year; its format told from the document) and every
figure read from its tables is compared, as a dict keyed by figure key, with the cells
typed by hand in tests/fixtures/real_reports.py: no typed cell missing, none extra, blank
cells blank, money with its unit. Then Pingtan's five reports (2011 and 2016 in the
pre-2019 format, 2019, 2021 and 2024 in the national ones) are imported, written as
records beside their source pages and built by the real build, and the named query
`figure-over-years` gives back their series as typed from the pages.

The requests received in the year are one series across the three eras: the pre-2019
sheets' 受理依申请公开信息总数 (年度 column) and the national tables' 一、本年新收政府信息公开申请数量
(总计 column), which ontology/formats/pre-2019.ttl declares a skos:closeMatch of each other
(national-2021's code is a skos:exactMatch of national-2019's). `figure-over-years`, given
either code, follows those matches and gives the five years, each from its own format.
The national formats have no total of proactive disclosure: that series is the pre-2019
years'.
"""

from __future__ import annotations

from decimal import Decimal
from functools import cache
from pathlib import Path

import pytest

from publisher.build.builder import BuildResult, build
from publisher.importers.record import ImportedFigure, ImportResult, import_report
from publisher.settings import Settings
from publisher.sparql import namedqueries
from publisher.store.readstore import open_store
from tests.fixtures import examples
from tests.fixtures.real_reports import (
    NATIONAL,
    NEW_REQUESTS_TOTAL,
    PINGTAN,
    PRE_2019_PAGES,
    PROACTIVE_TOTAL,
    REGISTRY,
    REQUESTS_RECEIVED,
    RealReport,
)
from tests.helpers import make_settings

DOCUMENTS = [pytest.param(report, id=report.name) for report in NATIONAL]
WITH_FEES = [pytest.param(report, id=report.name) for report in NATIONAL if report.fees]


@cache
def imported(report: RealReport) -> ImportResult:
    return import_report(report.path, report.agency, report.year, examples.layouts())


def table_figures(report: RealReport) -> list[ImportedFigure]:
    """The figures the import read from the document's tables (a cell's location), in the import's order."""
    return [f for f in imported(report).figures if f.location is not None]


def typed_cells(report: RealReport) -> int:
    return len(report.tables) + sum(len(cells) for cells in report.off_format.values())


def test_the_typed_tables_hold_as_many_cells_as_the_documents_print() -> None:
    assert [(r.name, typed_cells(r), sum(v is None for v in r.tables.values())) for r in NATIONAL] == [
        (r.name, r.cells, r.blanks) for r in NATIONAL
    ]
    assert sum(r.cells for r in NATIONAL) == 984


@pytest.mark.parametrize("report", DOCUMENTS)
def test_the_format_is_the_one_the_document_is_in(report: RealReport) -> None:
    assert imported(report).format == report.format


@pytest.mark.parametrize("report", DOCUMENTS)
def test_every_table_cell_imports_as_typed(report: RealReport) -> None:
    figures = table_figures(report)
    got = {f.key: f.value for f in figures}
    assert len(got) == len(figures), "two table figures with one key"
    assert got == report.tables


@pytest.mark.parametrize("report", DOCUMENTS)
def test_rows_printed_off_the_format_are_listed_with_their_labels_not_guessed(report: RealReport) -> None:
    """洪泽 (page 3, row 9: 2.其他法律行政止公开, sic; page 4, row 24: （六）其他处理 as one row): 14 cells listed.

    Each cell of such a row is listed as not mapped, in column order, with the row's label
    printed in the reason for a person to confirm; none is a figure. The other documents
    print no such row, and list no table cell.
    """
    table = [u for u in imported(report).unmapped if "/*[" in u.location]  # a cell's location, not prose's
    cells = [u for u in table if u.text not in report.off_format]  # the misprinted label itself is listed too
    listed = {
        label: [int(u.text) if u.text.strip() else None for u in cells if label in u.reason]
        for label in report.off_format
    }
    assert listed == report.off_format
    assert len(cells) == sum(len(values) for values in report.off_format.values())


@pytest.mark.parametrize("report", DOCUMENTS)
def test_counts_are_integers_and_money_has_its_unit(report: RealReport) -> None:
    figures = table_figures(report)
    assert {f.key: f.unit for f in figures if f.unit is not None} == report.units
    kinds = {f.key: type(f.value).__name__ for f in figures if f.value is not None}
    expected = {k: "Decimal" if k in report.units else "int" for k, v in report.tables.items() if v is not None}
    assert kinds == expected


@pytest.mark.parametrize("report", DOCUMENTS)
def test_every_table_figure_quotes_its_cell(report: RealReport) -> None:
    for figure in table_figures(report):
        assert figure.location and figure.text is not None, figure.key
        if figure.value is None:
            assert figure.text.strip() == "", figure.key
        else:
            digits = "".join(ch for ch in figure.text if ch.isdigit() or ch in ".-")
            assert Decimal(digits) == Decimal(figure.value), (figure.key, figure.text)


@pytest.mark.parametrize("report", WITH_FEES)
def test_the_information_processing_fee_of_section_6_imports(report: RealReport) -> None:
    fees = [f for f in imported(report).figures if f.codes.get("item", "").startswith("fee/")]
    assert {f.key: f.value for f in fees} == report.fees
    assert all(f.quote and f.location is None for f in fees)


# ---------------------------------------------------------------------------
# Pingtan's five reports, three eras, built as one series
# ---------------------------------------------------------------------------

AGENCY = PINGTAN


def series_pages() -> dict[int, Path]:
    national = {r.year: r.path for r in NATIONAL if r.agency == AGENCY}
    return dict(sorted({**PRE_2019_PAGES, **national}.items()))


@pytest.fixture(scope="module")
def series(tmp_path_factory: pytest.TempPathFactory) -> tuple[Settings, BuildResult]:
    """The five pages imported, written with their sources beside them, and built once."""
    data = tmp_path_factory.mktemp("pingtan-series")
    (data / "agencies.yaml").write_text(REGISTRY, encoding="utf-8")
    for year, page in series_pages().items():
        examples.write_imported(data, AGENCY, year, page)
    settings = make_settings(data_dir=data, build_dir=data.parent / f"{data.name}-build")
    return settings, build(settings)


def test_the_series_builds_and_publishes_five_reports(series: tuple[Settings, BuildResult]) -> None:
    _settings, result = series
    assert len(result.outcomes) == 5, result.text
    assert sorted((p.report.agency, p.report.year) for p in result.checked) == [
        (AGENCY, year) for year in (2011, 2016, 2019, 2021, 2024)
    ]


def over_years(settings: Settings, item: str, period: str) -> list[dict[str, str]]:
    query = namedqueries.get("figure-over-years")
    store = open_store(Path(settings.build_dir))
    return query.rows(store, settings.base, {"agency": AGENCY, "item": item, "period": period})


@pytest.mark.parametrize("period", ["annual", "cumulative"])
def test_figure_over_years_gives_the_pre_2019_proactive_series(
    series: tuple[Settings, BuildResult], period: str
) -> None:
    rows = over_years(series[0], "pre-2019/proactive/total", period)
    assert [(int(r["year"]), int(r["count"])) for r in rows] == list(PROACTIVE_TOTAL[period].items())


# 受理依申请公开信息总数 · 年度 (2011, 2016), then 本年新收 · 总计 (2019, 2021, 2024): typed from the pages
REQUESTS_SERIES = {**REQUESTS_RECEIVED, **NEW_REQUESTS_TOTAL}
# the concept each year's figure is a cell of: its own format's
REQUESTS_ITEMS = {
    2011: "pre-2019/request/received",
    2016: "pre-2019/request/received",
    2019: "national-2019/request/new-requests",
    2021: "national-2021/request/new-requests",
    2024: "national-2021/request/new-requests",
}


@pytest.mark.parametrize("item", ["pre-2019/request/received", "national-2021/request/new-requests"])
def test_figure_over_years_gives_the_requests_series_across_the_three_eras(
    series: tuple[Settings, BuildResult], item: str
) -> None:
    """One figure a year, whichever era's code is asked: the national tables' total column, not the applicants'."""
    settings = series[0]
    rows = over_years(settings, item, "annual")
    assert [(int(r["year"]), int(r["count"])) for r in rows] == list(REQUESTS_SERIES.items())
    definitions = f"{settings.base}/def/"
    assert {int(r["year"]): r["figureItem"].removeprefix(definitions) for r in rows} == REQUESTS_ITEMS
    assert {r["item"] for r in rows} == {definitions + item}
    assert all(r["figure"].endswith(("-received-annual", "-new-requests-total")) for r in rows)


def test_only_the_pre_2019_sheets_state_requests_received_to_date(series: tuple[Settings, BuildResult]) -> None:
    """The national tables state no cumulative figure: asked for one, the series is the pre-2019 years'."""
    rows = over_years(series[0], "national-2021/request/new-requests", "cumulative")
    assert [(int(r["year"]), int(r["count"])) for r in rows] == [(2011, 0), (2016, 0)]
    assert {r["figureItem"].rsplit("/def/", 1)[1] for r in rows} == {"pre-2019/request/received"}
