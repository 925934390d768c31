"""The rules of DOMAIN.md §2.7 on real reports: the inconsistencies they really have, flagged by name.

洪泽区人民政府's 2023 report (../shared/real-reports/hongze-2023/report.pdf) prints on page 4 a
table 四 whose totals are 0 where their parts are not (read from the page rendered with
`pdftoppm -r 80 -png -f 4 -l 4`): 行政复议 结果维持 10 + 结果纠正 1 + 其他结果 0 + 尚未审结 0,
总计 0; 未经复议直接起诉 0 + 0 + 0 + 0, 总计 0; 复议后起诉 结果维持 5 + 0 + 0 + 0, 总计 0.
淮安市人民政府's 2024 report (page 5) adds up: 72 + 64 + 178 + 37 = 351, 13 + 4 + 8 + 1 = 26,
12 + 1 + 1 + 6 = 20, and its table 三 balances in every column (3,001 + 34 = 2,932 + 103 for
natural persons; 3,119 + 34 = 3,050 + 103 in total).

Each report's graph is built from the PDF as the importer reads it (its text rendition, and
its tables mapped cell by cell onto the national 2021 format by importers.tables.read_tables)
and validated by the project's validator and by the build's checker. The totals are 0 as
printed, stated: the finding calls them stated totals (a blank total would be worded as
blank). No pair of these real reports is of one agency in consecutive years (Pingtan
2011, 2016, 2019, 2021, 2024; 洪泽区 2023 and 淮安市 2024 are two agencies): the rules across
years are tested on the constructed examples (tests/test_national_rules.py).
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from pathlib import Path

import pytest
from rdflib import Graph

from publisher.build.project import Project, load_project
from publisher.graph.reports import report_graph
from publisher.importers.tables import read_tables
from publisher.records.model import Figure, Quote, Report, Source
from publisher.records.pdfdoc import PdfDocument
from publisher.records.sources import PDF
from publisher.validation.checker import ReportChecker
from publisher.validation.findings import Outcome
from tests.fixtures import examples
from tests.fixtures.real_reports import HONGZE, HUAIAN, REGISTRY
from tests.helpers import BASE, REAL_REPORTS, make_settings

DOCUMENTS = {HONGZE: ("hongze-2023", 2023), HUAIAN: ("huaian-2024", 2024)}

N21 = f"{BASE}/def/national-2021"
REVIEW_SUM = f"{N21}/rule/review-sum-to-total"
#: The rules of one report's tables, whose findings are held here exactly.
TABLE_RULES = {
    f"{N21}/rule/{name}"
    for name in ("requests-balance", "results-sum-to-total", "applicants-sum-to-total", "review-sum-to-total")
}


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Project:
    data = tmp_path_factory.mktemp("real") / "data"
    data.mkdir()
    (data / "agencies.yaml").write_text(REGISTRY, encoding="utf-8")
    return load_project(make_settings(data_dir=data))


@cache
def document(folder: str) -> PdfDocument:
    return PdfDocument.read(REAL_REPORTS / folder / "report.pdf")


def report_of(agency: str) -> Report:
    """The report as read from its PDF: every table cell the national 2021 format maps, with its page and cell."""
    folder, year = DOCUMENTS[agency]
    pdf = document(folder)
    tables = read_tables(pdf, examples.layouts()["national-2021"])
    figures = []
    for number, cell in enumerate(tables.figures, start=1):
        element = pdf.resolve(cell.location)
        key = "-".join([cell.codes["item"].replace("/", "-"), cell.codes["column"].rsplit("/", 1)[-1]])
        quote = Quote(pdf.text[element.start : element.end], element.start)
        figures.append(Figure(key, dict(cell.codes), cell.value, quote, number, cell.unit, cell.location))
    start = pdf.text.index("统计期限")
    end = pdf.text.index("12 月 31 日", start) + len("12 月 31 日")
    path = REAL_REPORTS / folder / "report.pdf"
    return Report(
        path=path,
        agency=agency,
        year=year,
        format="national-2021",
        source=Source(path, None, "zh", pdf.text, pdf, PDF),
        period_from=dt.date(year, 1, 1),
        period_to=dt.date(year, 12, 31),
        period_quote=Quote(pdf.text[start:end], start),
        figures=tuple(figures),
        facts=(),
    )


@pytest.fixture(scope="module")
def checked(project: Project) -> dict[str, tuple[Graph, Outcome]]:
    made = {}
    for agency in DOCUMENTS:
        report = report_of(agency)
        graph = report_graph(report, project.registry, project.formats[report.format], project.iris)
        made[agency] = graph, project.validator.validate(graph, report, str(report.path))
    return made


def rule_findings(outcome: Outcome) -> set[tuple[str, str, str]]:
    """(rule, figure, constraint) of every finding of the tables' rules."""
    return {
        (f.focus, f.value or "", f.shape.removeprefix("shapes#")) for f in outcome.findings if f.focus in TABLE_RULES
    }


def cell(agency: str, key: str) -> str:
    return f"{BASE}/id/report/{agency}/{DOCUMENTS[agency][1]}/{key}"


def test_the_documents_are_where_the_test_reads_them() -> None:
    for folder, _year in DOCUMENTS.values():
        assert Path(REAL_REPORTS / folder / "report.pdf").is_file()


def test_hongze_table_4_totals_that_do_not_add_up_are_flagged_by_the_review_sum_rule(
    checked: dict[str, tuple[Graph, Outcome]],
) -> None:
    _graph, outcome = checked[HONGZE]
    assert outcome.conforms, outcome.text
    review = {(rule, figure, shape) for rule, figure, shape in rule_findings(outcome) if rule == REVIEW_SUM}
    assert review == {
        (REVIEW_SUM, cell(HONGZE, "review-reconsideration-total"), "SumRuleHolds"),
        (REVIEW_SUM, cell(HONGZE, "review-litigation-after-reconsideration-total"), "SumRuleHolds"),
    }
    messages = {f.value: (f.message_zh, f.message_en) for f in outcome.findings if f.focus == REVIEW_SUM}
    # the totals are printed as 0: stated totals, worded as such (never as blank)
    assert messages[cell(HONGZE, "review-reconsideration-total")] == (
        "合计数 0 不等于各组成项之和 11。",
        "The stated total 0 is not the sum of its parts, 11.",
    )
    assert messages[cell(HONGZE, "review-litigation-after-reconsideration-total")] == (
        "合计数 0 不等于各组成项之和 5。",
        "The stated total 0 is not the sum of its parts, 5.",
    )
    for finding in outcome.findings:
        if finding.focus == REVIEW_SUM:
            assert finding.rule == "national-2021/rule/review-sum-to-total"
            assert finding.severity == "warning"


def test_hongze_table_3_adds_up_where_the_format_can_check_it(checked: dict[str, tuple[Graph, Outcome]]) -> None:
    """Table 三 of 洪泽 balances (21 new + 0 = 21 results + 0, natural persons and total) and its rows add up; its
    (六)其他处理 is one row of figures, as in the 2019 format, which the 2021 format has no cells for: the
    results rule, lacking three of its parts, is not checked."""
    _graph, outcome = checked[HONGZE]
    assert {rule for rule, _figure, _shape in rule_findings(outcome)} == {REVIEW_SUM}


def test_huaian_adds_up_and_gets_none_of_these_warnings(checked: dict[str, tuple[Graph, Outcome]]) -> None:
    graph, outcome = checked[HUAIAN]
    assert outcome.conforms, outcome.text
    assert rule_findings(outcome) == set(), outcome.text
    # the rules had something to check: every cell of tables 三 and 四 is stated
    stated = {str(s) for s in graph.subjects(None, None) if str(s).startswith(cell(HUAIAN, "re"))}
    assert cell(HUAIAN, "review-reconsideration-total") in stated
    assert cell(HUAIAN, "request-total-results-total") in stated


@pytest.mark.parametrize("agency", list(DOCUMENTS))
def test_the_build_s_checker_finds_what_the_validator_finds(
    agency: str, project: Project, checked: dict[str, tuple[Graph, Outcome]]
) -> None:
    graph, outcome = checked[agency]
    checker = ReportChecker(project.validator, project.ontology, project.formats, project.agencies, project.iris)
    assert checker.check(graph, "national-2021").findings == project.validator.validate(graph).findings
    assert rule_findings(outcome) == rule_findings(checker.check(graph, "national-2021"))
