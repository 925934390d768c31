"""Pre-2019 reports of any agency: the generic format, its statistics sheets read cell by cell, format detection.

The two pre-2019 Pingtan pages of ../shared/real-reports/ (2011 and 2016) are whole saved
web pages: prose, then a statistics sheet 政府信息公开情况统计表 with the columns 指标名称 /
计量单位 / YYYY年度 / 历年累计. Every cell of both sheets is typed below from reading the
pages' HTML source (row label, unit cell, year cell, cumulative cell), never from the
importer's output. The imported records then load and validate against the shapes with
no violation. Detection is held to the era of each real report and to its reasons.
"""

from __future__ import annotations

from decimal import Decimal
from functools import cache
from pathlib import Path

import pytest

from publisher.build.project import load_project
from publisher.errors import SourceError
from publisher.graph.formats import union
from publisher.graph.reports import report_graph
from publisher.importers.detection import Detection, FormatFacts, detect_format, document_year, format_facts
from publisher.importers.record import ImportResult, import_report
from publisher.importers.recordfile import write_record
from publisher.records.htmldoc import Document
from publisher.records.loading import load_report
from tests.fixtures import examples
from tests.fixtures.real_reports import PINGTAN, REGISTRY
from tests.helpers import REAL_REPORTS, SHARED, make_settings

REAL = REAL_REPORTS
SEED = SHARED / "seeds" / "jilin-city-science-technology-bureau-2011.txt"
AGENCY = PINGTAN

# ---------------------------------------------------------------------------
# The statistics sheets, typed from the pages: row label → (unit, year, cumulative)
# ---------------------------------------------------------------------------

SHEET_2011 = {  # pingtan-2011/page.html, the one <TABLE> after 附件1 (18 <TR>: a heading row and 17 rows)
    "proactive/total": ("条", 425, 1516),  # 主动公开信息数
    "proactive/channel/website": ("条", 418, 1509),  # 其中：1.网站公开
    "proactive/channel/gazette": ("条", 7, 7),  # 2.政府公报公开
    "request/received": ("条", 0, 0),  # 受理依申请公开信息总数
    "request/channel/in-person": ("条", 0, 0),  # 其中：1.当面申请数
    "request/channel/fax": ("条", 0, 0),  # 2.传真申请数
    "request/channel/email": ("条", 0, 0),  # 3.电子邮件申请数
    "request/channel/online": ("条", 0, 0),  # 4.网上申请数
    "request/channel/letter": ("条", 0, 0),  # 5.信函申请数
    "request/channel/other": ("条", 0, 0),  # 6.其它形式申请数
    "reply/total": ("条", 0, 0),  # 对申请的答复数
    "reply/disclosed": ("条", 0, 0),  # 其中：1.同意公开答复数
    "reply/partly-disclosed": ("条", 0, 0),  # 2.同意部分公开答复数
    "reply/not-disclosed": ("条", 0, 0),  # 3.否决公开答复数
    "appeal/reconsideration": ("条", 0, 0),  # 行政复议数
    "appeal/litigation": ("条", 0, 0),  # 行政诉讼数
    "appeal/complaint": ("条", 0, 0),  # 行政申诉数
}
SHEET_2016 = {  # pingtan-2016/page.html, the <table> after 七、…统计表 (17 <tr>: a heading row and 16 rows)
    "proactive/total": ("条", 3460, 85376),  # 主动公开文件数
    "proactive/channel/website": ("条", 3460, 85376),  # 其中：1、政府网站公开数
    "proactive/channel/gazette": ("条", 0, 0),  # 2、政府公报公开数
    "request/received": ("条", 0, 0),  # 受理依申请公开信息总数
    "request/channel/in-person": ("条", 0, 0),  # 其中：1、当面申请数
    "request/channel/online": ("条", 0, 0),  # 2、网上申请数
    "request/channel/letter-or-fax": ("条", 0, 0),  # 3、信函、传真申请数 (one row, kept as printed)
    "reply/total": ("条", 0, 0),  # 对申请的答复总数
    "reply/disclosed": ("条", 0, 0),  # 其中：1、同意公开答复数
    "reply/partly-disclosed": ("条", 0, 0),  # 2、同意部分公开答复数
    "reply/not-disclosed": ("条", 0, 0),  # 3、不予公开答复数
    "reply/other": ("条", 0, 0),  # 4、其他类型答复数
    "fee/charged-and-waived-amount": ("元", 0, 0),  # 政府信息公开收费减免金额
    "appeal/litigation-and-reports": ("件", 0, 0),  # 接受行政诉讼、举报数 (as printed)
    "appeal/reconsideration": ("件", 0, 0),  # 行政复议数
    "appeal/litigation": ("件", 0, 0),  # 行政诉讼数
}
SHEETS = {2011: SHEET_2011, 2016: SHEET_2016}
UNITS = {"条": "item", "件": "case", "元": "yuan"}

# Prose figures the sheet does not carry, typed from the pages' text: item → (value, words quoted)
PROSE = {
    2011: {
        "proactive/made-or-obtained": (1873, "制作、获取政府信息总数1873条"),
        "proactive/on-request-catalogued": (46, "作为依申请公开信息数46条"),
        "proactive/exempt-catalogued": (1402, "不予公开信息数1402"),
        "service/website-visits": (11460, "政府信息公开专栏访问量达11460人次"),
    },
    2016: {"service/website-visits": (162103, "政府信息公开专栏访问量达162103人次")},
}


def test_the_sheets_typed_are_every_cell_of_the_pages() -> None:
    """17 and 16 rows of two numeric cells each: 34 + 32 cells typed from the pages."""
    assert sum(2 * len(sheet) for sheet in SHEETS.values()) == 66


@cache
def imported(year: int) -> ImportResult:
    return import_report(REAL / f"pingtan-{year}" / "page.html", AGENCY, year, examples.layouts())


@pytest.mark.parametrize("year", [2011, 2016])
def test_the_page_is_imported_as_the_generic_pre_2019_format(year: int) -> None:
    assert imported(year).format == "pre-2019"


@pytest.mark.parametrize("year", [2011, 2016])
def test_every_cell_of_the_sheet_imports_with_its_row_period_unit_and_value(year: int) -> None:
    result = imported(year)
    got = {(f.codes["item"], f.codes["period"]): (f.value, f.unit) for f in result.figures if f.location is not None}
    expected = {}
    for item, (unit, annual, cumulative) in SHEETS[year].items():
        money = UNITS[unit] == "yuan"
        expected[(item, "annual")] = (Decimal(annual) if money else annual, UNITS[unit])
        expected[(item, "cumulative")] = (Decimal(cumulative) if money else cumulative, UNITS[unit])
    assert got == expected


@pytest.mark.parametrize("year", [2011, 2016])
def test_no_cell_of_the_sheet_is_left_blank_or_reported(year: int) -> None:
    """Neither sheet has a blank cell: nothing is blank, and no cell of the sheet is listed as unmapped."""
    result = imported(year)
    assert not [f for f in result.figures if f.location is not None and f.value is None]
    in_table = [u for u in result.unmapped if "table" in u.location or "td" in u.location]
    assert not in_table, in_table


@pytest.mark.parametrize("year", [2011, 2016])
def test_the_prose_figures_the_sheet_does_not_carry_import_with_their_quotes(year: int) -> None:
    result = imported(year)
    got = {f.codes["item"]: (f.value, f.quote) for f in result.figures if f.location is None}
    assert {item: value for item, (value, _quote) in got.items()} == {
        item: value for item, (value, _words) in PROSE[year].items()
    }
    for item, (_value, words) in PROSE[year].items():
        quote = got[item][1]
        assert quote is not None and quote.endswith(words)


def test_a_blank_cell_of_a_sheet_stays_blank(tmp_path: Path) -> None:
    page = tmp_path / "sheet.html"
    page.write_text(
        "<html><body><p>本报告所列数据的统计期限自2012年1月1日起至2012年12月31日。</p><table>"
        "<tr><td>指标名称</td><td>计量单位</td><td>2012年度</td><td>历年累计</td></tr>"
        "<tr><td>主动公开信息数</td><td>条</td><td>12</td><td>&nbsp;</td></tr>"
        "<tr><td>其中：1.网站公开</td><td>条</td><td></td><td>30</td></tr>"
        "</table></body></html>",
        encoding="utf-8",
    )
    result = import_report(page, AGENCY, 2012, examples.layouts(), "pre-2019")
    cells = {(f.codes["item"], f.codes["period"]): f.value for f in result.figures if f.location is not None}
    assert cells == {
        ("proactive/total", "annual"): 12,
        ("proactive/total", "cumulative"): None,
        ("proactive/channel/website", "annual"): None,
        ("proactive/channel/website", "cumulative"): 30,
    }


# ---------------------------------------------------------------------------
# The imported records build: they load, and their graphs meet the shapes
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("year", [2011, 2016])
def test_the_imported_record_builds(year: int, tmp_path: Path) -> None:
    (tmp_path / "agencies.yaml").write_text(REGISTRY, encoding="utf-8")
    folder = tmp_path / "reports" / AGENCY
    folder.mkdir(parents=True)
    source = folder / f"{year}.source.html"
    source.write_bytes((REAL / f"pingtan-{year}" / "page.html").read_bytes())
    record = folder / f"{year}.yaml"
    result = imported(year)
    record.write_text(write_record(result, source.name), encoding="utf-8")
    project = load_project(make_settings(data_dir=tmp_path))
    report = load_report(record, project.registry, {s: f.record_keys for s, f in project.formats.items()})
    assert len(report.figures) == len(result.figures) == 2 * len(SHEETS[year]) + len(PROSE[year])
    graph = report_graph(report, project.registry, project.formats[report.format], project.iris)
    outcome = project.validator.validate(graph)
    assert outcome.conforms, outcome.text


# ---------------------------------------------------------------------------
# Detection: era first, then headings, table labels and sentences, with the reasons
# ---------------------------------------------------------------------------


@cache
def facts() -> FormatFacts:
    return format_facts(union(examples.project().ontology.values()), examples.layouts())


def detect(path: Path, year: int | None) -> Detection:
    raw = path.read_text(encoding="utf-8")
    if path.suffix == ".html":
        document = Document(raw)
        return detect_format(path, document.text, document, examples.layouts(), facts(), year)
    return detect_format(path, raw, None, examples.layouts(), facts(), year)


DOCUMENTS = [
    pytest.param(SEED, 2011, "jilin-city-2011", id="seed-2011-jilin"),
    pytest.param(REAL / "pingtan-2011" / "page.html", 2011, "pre-2019", id="pingtan-2011"),
    pytest.param(REAL / "pingtan-2016" / "page.html", 2016, "pre-2019", id="pingtan-2016"),
    pytest.param(REAL / "pingtan-2019" / "page.html", 2019, "national-2019", id="pingtan-2019"),
    pytest.param(REAL / "pingtan-2021" / "page.html", 2021, "national-2021", id="pingtan-2021"),
    pytest.param(REAL / "pingtan-2024" / "page.html", 2024, "national-2021", id="pingtan-2024"),
]


@pytest.mark.parametrize(("path", "year", "expected"), DOCUMENTS)
def test_the_format_is_detected_with_reasons_naming_the_era(path: Path, year: int, expected: str) -> None:
    detection = detect(path, year)
    assert detection.format == expected
    assert detection.reasons and f"年度{year}" in detection.reasons[0] and f"year {year}" in detection.reasons[0]
    assert detection.scores[expected] == max(detection.scores.values()) > 0
    assert sorted(points for points in detection.scores.values())[-2] < detection.scores[expected]
    assert detection.reasons[-1].startswith(f"选定 {expected}")


@pytest.mark.parametrize(("path", "year", "expected"), DOCUMENTS)
def test_the_year_is_read_from_the_title_when_not_given(path: Path, year: int, expected: str) -> None:
    raw = path.read_text(encoding="utf-8")
    text = raw if path.suffix != ".html" else Document(raw).text
    assert document_year(text) == year
    assert detect(path, None).format == expected


@pytest.mark.parametrize("year", [2011, 2016])
def test_formats_of_another_era_are_ruled_out_by_the_year(year: int) -> None:
    detection = detect(REAL / f"pingtan-{year}" / "page.html", year)
    assert detection.scores["national-2019"] == detection.scores["national-2021"] == 0
    assert any(r.startswith("national-2019：") and "2019–2020" in r for r in detection.reasons)


def test_one_jilin_phrase_does_not_make_a_report_the_jilin_template(tmp_path: Path) -> None:
    """Another agency's pre-2019 report that shares one sentence with the Jilin template is the generic format's."""
    text = tmp_path / "other.txt"
    text.write_text(
        "某县水利局2012年政府信息公开工作年度报告\n"
        "本报告所列数据的统计期限自2012年1月1日起至2012年12月31日止。\n"
        "一、概述\n本局认真贯彻条例。\n"
        "二、主动公开政府信息情况\n2012年，我局主动公开政府信息共88条，其中机构职能类12条。\n"
        "三、依申请公开政府信息情况\n未收到任何形式的申请公开信息要求。\n"
        "四、政府信息公开的收费及减免情况\n未收取任何费用。\n"
        "五、因政府信息公开申请行政复议、提起行政诉讼的情况\n无。\n"
        "六、政府信息公开工作存在的主要问题及改进情况\n仍需改进。\n",
        encoding="utf-8",
    )
    detection = detect(text, 2012)
    assert detection.format == "pre-2019"
    assert detection.scores["jilin-city-2011"] == 0
    assert any(r.startswith("jilin-city-2011：") and "pre-2019" in r for r in detection.reasons)


def test_a_document_nothing_fits_is_refused_naming_the_file(tmp_path: Path) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("会议纪要\n今天讨论了三件事。\n", encoding="utf-8")
    with pytest.raises(SourceError, match=r"notes\.txt") as caught:
        detect(text, 2015)
    assert "--format" in str(caught.value)


def test_a_tie_is_refused_asking_for_the_format(tmp_path: Path) -> None:
    """Only the headings the national formats share, in a year both are unknown for: a tie."""
    text = tmp_path / "tie.txt"
    text.write_text("一、总体情况\n二、主动公开政府信息情况\n", encoding="utf-8")
    with pytest.raises(SourceError, match="--format"):
        detect(text, None)
