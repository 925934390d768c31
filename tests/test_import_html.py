"""HTML pages in the national formats import to the expected record, cell by cell, nothing unmapped left silent.

The five pages of tests/fixtures/national/ are constructed examples written the way
real pages are: a page laid out inside a table, Word-exported cells
(<td><p><span>…), missing end tags, rowspan and colspan, &nbsp; and empty cells,
full-width digits and signs, label variants (２、…、…, (一), "…", ，for 、), local
column names (上年项目数量, 本年增减), units in a cell (251000元, 1.2万元) or in a
heading (采购总金额（万元）), a dash in a cell, a note row. The expected figures are
typed below from the pages themselves; the format is told from the page.

Then: what the importer writes loads as a record, and the reviewed example records
beside the pages are exactly the importer's output plus the review they describe.
Small pages of their own check the messy details one at a time.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path

import pytest

from publisher.errors import SourceError
from publisher.importers.record import ImportResult, import_report
from publisher.importers.recordfile import write_record
from publisher.records.htmldoc import Document
from publisher.records.loading import load_report
from tests.fixtures import examples
from tests.fixtures.examples import COUNTY, PROVINCE, TOWN
from tests.fixtures.national_pages import FEES, expected_cells

# What each page holds that the importer must report, not map: (location, text) of table cells,
# and the numbers of its narrative (candidate facts) by their text.
UNMAPPED_CELLS = {
    (PROVINCE, 2019): set(),
    (PROVINCE, 2020): set(),
    (COUNTY, 2020): {("(//table)[1]/descendant::tr[15]/*[3]", "—"), ("(page)", "行政事业性收费")},
    (COUNTY, 2021): {("(//table)[2]/descendant::tr[29]/*[1]", "注：本表申请人情况以申请人填报为准。")},
    (TOWN, 2021): set(),
}
#: The numbers of each page's narrative, as the page states them: each one a fact of the record now.
NARRATIVE_NUMBERS = {
    (PROVINCE, 2019): [
        "全年主动公开政府信息1.2万余条",
        "新收政府信息公开申请147件",
        "发布政策解读材料86篇",
        "全年办结申请135件",
    ],
    (PROVINCE, 2020): ["全年新收政府信息公开申请151件"],
    (COUNTY, 2020): ["我局共受理政府信息公开申请10件", "主动公开政府信息326条"],
    (COUNTY, 2021): ["我局共新收政府信息公开申请10件", "办结9件", "全年通过门户网站主动公开政府信息412条"],
    (TOWN, 2021): ["示例镇人民政府主动公开政府信息58条", "收到政府信息公开申请2件"],
}


@pytest.fixture(scope="module", params=examples.ALL, ids=lambda key: f"{key[0]}-{key[1]}")
def imported(request: pytest.FixtureRequest) -> tuple[tuple[str, int], ImportResult]:
    agency, year = request.param
    return request.param, import_report(examples.source_path(agency, year), agency, year, examples.layouts())


def test_the_format_is_told_from_the_page(imported: tuple[tuple[str, int], ImportResult]) -> None:
    key, result = imported
    expected = "national-2019" if key in ((PROVINCE, 2019), (PROVINCE, 2020), (COUNTY, 2020)) else "national-2021"
    assert result.format == expected


def test_every_table_cell_imports_to_its_row_column_and_value(imported: tuple[tuple[str, int], ImportResult]) -> None:
    key, result = imported
    cells = {(f.codes["item"], f.codes["column"]): f for f in result.figures if f.location is not None}
    expected = expected_cells(key)
    assert set(cells) == set(expected)
    for pair, value in expected.items():
        figure = cells[pair]
        if isinstance(value, tuple):
            assert (figure.value, figure.unit) == value, pair
            assert isinstance(figure.value, Decimal)
        else:
            assert figure.value == value, pair
            assert figure.unit is None, pair
            assert value is None or type(figure.value) is int, pair


def test_blank_cells_are_blank_never_zero(imported: tuple[tuple[str, int], ImportResult]) -> None:
    key, result = imported
    blanks = [f for f in result.figures if f.value is None]
    assert len(blanks) == sum(1 for v in expected_cells(key).values() if v is None)
    for figure in blanks:
        assert figure.text == "" and figure.location is not None


def test_every_cell_names_where_the_page_has_it(imported: tuple[tuple[str, int], ImportResult]) -> None:
    key, result = imported
    document = Document(examples.source_path(*key).read_text(encoding="utf-8"))
    for figure in result.figures:
        if figure.location is not None:
            element = document.resolve(figure.location)
            assert element.tag in ("td", "th")
            assert element.text() == figure.text
            if figure.value is not None:  # the cell's own digits, read without the importer
                digits = re.sub(r"[^0-9.\-]", "", unicodedata.normalize("NFKC", figure.text))
                assert Decimal(digits) == Decimal(figure.value), (figure.text, figure.value)


def test_fees_in_prose_import_with_their_quotes(imported: tuple[tuple[str, int], ImportResult]) -> None:
    key, result = imported
    prose = [f for f in result.figures if f.location is None]
    found = sorted((f.codes["column"].rsplit("/", 1)[1], f.value, f.unit, f.quote) for f in prose)
    assert found == sorted(FEES.get(key, []))
    text = Document(examples.source_path(*key).read_text(encoding="utf-8")).text
    for figure in prose:
        assert figure.offset is not None and figure.quote is not None
        assert text[figure.offset : figure.offset + len(figure.quote)] == figure.quote


def test_what_cannot_be_mapped_is_listed_never_dropped(imported: tuple[tuple[str, int], ImportResult]) -> None:
    key, result = imported
    cells = {(u.location, u.text) for u in result.unmapped if not u.location.startswith("offset")}
    assert cells == UNMAPPED_CELLS[key]
    # every number of the narrative is now a fact of the record (none left as an unmapped offset)
    assert [u.text for u in result.unmapped if u.location.startswith("offset")] == []
    assert [f.quote for f in result.facts] == NARRATIVE_NUMBERS[key]
    for item in result.unmapped:
        assert item.reason


class CellCounter(HTMLParser):
    """Counts the cells of the page's tables that read as a number, without the importer's help."""

    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []
        self.depth = 0
        self.cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("td", "th"):
            if self.cell is not None:  # a cell whose end tag the page leaves out
                self.texts.append("".join(self.cell))
            self.cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th", "tr", "table") and self.cell is not None:
            self.texts.append("".join(self.cell))
            self.cell = None

    def handle_data(self, data: str) -> None:
        if self.cell is not None:
            self.cell.append(data)


def test_no_number_of_the_page_tables_goes_unaccounted(imported: tuple[tuple[str, int], ImportResult]) -> None:
    key, result = imported
    counter = CellCounter()
    counter.feed(examples.source_path(*key).read_text(encoding="utf-8"))
    numeric = [t for t in counter.texts if re.fullmatch(r"\s*[-－]?[\d０-９.,]+\s*(元|万元)?\s*", t)]
    stated = [f for f in result.figures if f.location is not None and f.value is not None]
    assert len(numeric) == len(stated)


def test_the_written_record_loads_and_says_the_same(
    imported: tuple[tuple[str, int], ImportResult], tmp_path: Path
) -> None:
    key, result = imported
    source = tmp_path / f"{key[1]}.source.html"
    source.write_bytes(examples.source_path(*key).read_bytes())
    record = tmp_path / f"{key[1]}.yaml"
    record.write_text(write_record(result, source.name), encoding="utf-8")
    project = examples.project()
    report = load_report(record, project.registry, {s: f.record_keys for s, f in project.formats.items()})
    assert [(f.key, dict(f.codes), f.value, f.unit, f.location, f.quote.text) for f in report.figures] == [
        (f.key, f.codes, f.value, f.unit, f.location, f.text if f.location else f.quote) for f in result.figures
    ]
    assert [(s.key, s.text.text, s.text.offset) for s in report.sections] == [
        (s.key, s.text, s.offset) for s in result.sections
    ]
    assert {s.key for s in report.sections} == {"overview", "problems", "other-matters"}
    assert (report.period_from.isoformat(), report.period_to.isoformat()) == (f"{key[1]}-01-01", f"{key[1]}-12-31")
    assert "IMPORTED — NOT YET REVIEWED" in record.read_text(encoding="utf-8")


def test_the_reviewed_example_is_the_import_plus_its_review(imported: tuple[tuple[str, int], ImportResult]) -> None:
    """Every imported figure is in the reviewed record as imported; what review added is only what it says."""
    key, result = imported
    reviewed = examples.report(*key)
    by_key = {f.key: f for f in reviewed.figures}
    for figure in result.figures:
        kept = by_key.pop(figure.key)
        assert (dict(kept.codes), kept.value, kept.unit, kept.location) == (
            figure.codes,
            figure.value,
            figure.unit,
            figure.location,
        )
    added = {k: (f.value, f.quote.text) for k, f in by_key.items()}
    assert added == ({"proactive-administrative-fees-change-this-year": (None, "—")} if key == (COUNTY, 2020) else {})
    assert reviewed.facts, "the review adds the facts of the narrative"
    header = examples.record_path(*key).read_text(encoding="utf-8").splitlines()[0]
    assert header.startswith("# EXAMPLE — a constructed example, not a real report")


# ---------------------------------------------------------------------------
# The messy details, one small page each
# ---------------------------------------------------------------------------

TABLE_3_HEAD = (
    "<table><tr><td colspan=3 rowspan=3>（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）</td>"
    "<td colspan=7>申请人情况</td></tr><tr><td rowspan=2>自然人</td><td colspan=5>法人或其他组织</td>"
    "<td rowspan=2>总计</td></tr><tr><td>商业企业</td><td>科研机构</td><td>社会公益组织</td><td>法律服务机构</td>"
    "<td>其他</td></tr>"
)


def one_row(label: str, cells: str, lead: str = "") -> str:
    return f"{TABLE_3_HEAD}<tr>{lead}<td colspan=3>{label}</td>{cells}</tr></table>"


def import_page(tmp_path: Path, body: str, fmt: str | None = "national-2021") -> ImportResult:
    page = tmp_path / "page.html"
    page.write_text(
        f"<html><body><p>本报告中所列数据的统计期限自2021年1月1日起至2021年12月31日止。</p>{body}</body></html>"
    )
    return import_report(page, TOWN, 2021, examples.layouts(), fmt)


def cells_of(result: ImportResult) -> dict[tuple[str, str], object]:
    return {(f.codes["item"], f.codes["column"]): (f.value, f.unit) for f in result.figures}


SEVEN = "".join(f"<td>{n}</td>" for n in (1, 2, 3, 4, 5, 6, 21))


@pytest.mark.parametrize(
    "label, code",
    [
        pytest.param("2.其他法律行政法规禁止公开", "not-disclosed/prohibited-by-law", id="as-printed"),
        pytest.param(
            "２、其他法律、行政法规禁止公开", "not-disclosed/prohibited-by-law", id="full-width-digit-and-commas"
        ),
        pytest.param("（2）其他法律行政法规禁止公开", "not-disclosed/prohibited-by-law", id="bracketed-number"),
        pytest.param('3.危及"三安全一稳定"', "not-disclosed/security-and-stability", id="straight-quotes"),
        pytest.param("（二）部分公开", "partly-disclosed", id="short-form"),
        pytest.param(
            "(二)部分公开(区分处理的,只计这一情形,不计其他情形)", "partly-disclosed", id="half-width-brackets"
        ),
        pytest.param(
            "1.申请人无正当理由逾期不补正，行政机关不再处理其政府信息公开申请",
            "other-handling/failed-to-correct",
            id="comma-for-enumeration-comma",
        ),
        pytest.param("本年新收政府信息公开申请数量", "new-requests", id="no-enumerator"),
    ],
)
def test_row_label_variants(tmp_path: Path, label: str, code: str) -> None:
    result = import_page(tmp_path, one_row(label, SEVEN))
    assert cells_of(result)[(f"request/{code}", "applicant/total")] == (21, None)
    assert not [u for u in result.unmapped if u.location != "(page)"], result.unmapped


@pytest.mark.parametrize(
    "cell, value",
    [
        pytest.param("&nbsp;", None, id="nbsp-is-blank"),
        pytest.param("", None, id="empty-is-blank"),
        pytest.param("　", None, id="ideographic-space-is-blank"),
        pytest.param("<p><span>&nbsp;</span></p>", None, id="word-cell-of-nbsp-is-blank"),
        pytest.param("０", 0, id="full-width-zero-is-zero"),
        pytest.param("<p><span>１２</span></p>", 12, id="word-cell-full-width"),
        pytest.param(" 1,234 ", 1234, id="thousands-separator"),
        pytest.param("7件", 7, id="count-with-its-unit"),
    ],
)
def test_cell_values(tmp_path: Path, cell: str, value: int | None) -> None:
    cells = "".join(f"<td>{cell if i == 0 else 1}</td>" for i in range(7))
    result = import_page(tmp_path, one_row("一、本年新收政府信息公开申请数量", cells))
    assert cells_of(result)[("request/new-requests", "applicant/natural-person")] == (value, None)


@pytest.mark.parametrize("mark", ["—", "/", "无", "-"])
def test_a_mark_in_a_cell_is_reported_not_guessed(tmp_path: Path, mark: str) -> None:
    cells = "".join(f"<td>{mark if i == 0 else 1}</td>" for i in range(7))
    result = import_page(tmp_path, one_row("一、本年新收政府信息公开申请数量", cells))
    assert ("request/new-requests", "applicant/natural-person") not in cells_of(result)
    [reported] = [u for u in result.unmapped if u.text == mark]
    assert reported.location.endswith("/*[2]") and "guess" in reported.reason


def test_an_unknown_row_label_is_reported_and_its_cells_are_not_guessed(tmp_path: Path) -> None:
    result = import_page(tmp_path, one_row("一、本年收到的各类咨询", SEVEN))
    assert not [f for f in result.figures if f.codes["item"].startswith("request/")]
    [label] = [u for u in result.unmapped if u.text == "一、本年收到的各类咨询"]
    assert "does not have" in label.reason and label.location == "(//table)[1]/descendant::tr[4]/*[1]"
    numbers = [u for u in result.unmapped if "not one the format knows" in u.reason]
    assert sorted(u.text for u in numbers) == sorted(["1", "2", "3", "4", "5", "6", "21"])


def test_a_negative_change_in_full_width(tmp_path: Path) -> None:
    table = (
        "<table><tr><td colspan=4>第二十条第（五）项</td></tr><tr><td>信息内容</td><td>上年项目数量</td>"
        "<td>本年增减</td><td>处理决定数量</td></tr><tr><td>行政许可</td><td>２６</td><td>－２</td><td>1534</td></tr>"
        "<tr><td colspan=4>第二十条第（九）项</td></tr><tr><td>信息内容</td><td>采购项目数量</td>"
        "<td colspan=2>采购总金额</td></tr><tr><td>政府集中采购</td><td>18</td><td colspan=2>251000元</td></tr></table>"
    )
    result = import_page(tmp_path, table, "national-2019")
    cells = cells_of(result)
    assert cells[("proactive/administrative-licensing", "proactive-column/change-this-year")] == (-2, None)
    assert cells[("proactive/administrative-licensing", "proactive-column/items-last-year")] == (26, None)
    assert cells[("proactive/government-procurement", "proactive-column/procurement-amount")] == (
        Decimal(251000),
        "yuan",
    )


def test_an_amount_without_a_unit_anywhere_is_imported_and_flagged(tmp_path: Path) -> None:
    table = (
        "<table><tr><td colspan=3>第二十条第（九）项</td></tr><tr><td>信息内容</td><td>采购项目数量</td>"
        "<td>采购总金额</td></tr><tr><td>政府集中采购</td><td>18</td><td>251000</td></tr></table>"
    )
    result = import_page(tmp_path, table, "national-2019")
    assert cells_of(result)[("proactive/government-procurement", "proactive-column/procurement-amount")] == (
        Decimal(251000),
        None,
    )
    assert any("give its unit" in u.reason for u in result.unmapped)


def test_table_4_reads_its_blocks_from_the_headings(tmp_path: Path) -> None:
    table = (
        "<table><tr><td colspan=5>行政复议</td><td colspan=10>行政诉讼</td></tr><tr>"
        + "".join(f"<td rowspan=2>{r}</td>" for r in ("结果维持", "结果纠正", "其他结果", "尚未审结", "总计"))
        + "<td colspan=5>未经复议直接起诉</td><td colspan=5>复议后起诉</td></tr><tr>"
        + "".join(f"<td>{r}</td>" for r in ("结果维持", "结果纠正", "其他结果", "尚未审结", "合计") * 2)
        + "</tr><tr>"
        + "".join(f"<td>{n}" for n in range(1, 16))  # no end tags
        + "</table>"
    )
    result = import_page(tmp_path, table)
    cells = cells_of(result)
    assert cells[("review/reconsideration", "review-result/upheld")] == (1, None)
    assert cells[("review/reconsideration", "review-result/total")] == (5, None)
    assert cells[("review/litigation-direct", "review-result/upheld")] == (6, None)
    assert cells[("review/litigation-after-reconsideration", "review-result/total")] == (15, None)


def test_a_page_of_neither_format_asks_for_the_format(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="give --format"):
        import_page(
            tmp_path, "<table><tr><td>项目</td><td>数量</td></tr><tr><td>咨询</td><td>3</td></tr></table>", None
        )


def test_a_page_with_the_shared_labels_only_is_ambiguous(tmp_path: Path) -> None:
    """Table 四 is the same in 2019 and 2021: the page alone cannot tell the format."""
    table = "<table><tr><td>行政复议</td><td>结果维持</td></tr><tr><td>行政复议</td><td>1</td></tr></table>"
    with pytest.raises(SourceError, match="cannot tell the report's format"):
        import_page(tmp_path, table, None)


# ---------------------------------------------------------------------------
# Fees stated in prose in other words than the format's patterns
# ---------------------------------------------------------------------------

FEE = ("fee/information-processing-fee", "fee-column/amount")
FEE_CASES = ("fee/information-processing-fee", "fee-column/cases")


def prose_fees(result: ImportResult) -> dict[tuple[str, str], tuple[object, str | None, str | None]]:
    return {
        (f.codes["item"], f.codes["column"]): (f.value, f.unit, f.quote)
        for f in result.figures
        if f.codes["item"].startswith("fee/")
    }


@pytest.mark.parametrize(
    "body, figure, value, unit, quote",
    [
        pytest.param(
            "<p>六、其他需要报告的事项</p><p>本年度依申请公开政府信息收取费用0元。</p>",
            FEE, 0, "yuan", "本年度依申请公开政府信息收取费用0元",
            id="zero-yuan-for-requests",
        ),
        pytest.param(
            "<p>本年度依申请公开工作中未收取任何费用。</p>",
            FEE_CASES, 0, None, "本年度依申请公开工作中未收取任何费用",
            id="no-fee-at-all-for-requests",
        ),
        pytest.param(
            "<p>（一）收取信息处理费情况</p><p>2021年，本机关收费金额为1.2万元。</p>",
            FEE, Decimal("1.2"), "ten-thousand-yuan", "本机关收费金额为1.2万元",
            id="ten-thousand-yuan-under-its-heading",
        ),
        pytest.param(
            "<p>2021年共有2件申请按规定收取信息处理费，收取信息处理费合计：380元。</p>",
            FEE, 380, "yuan", "收取信息处理费合计：380元",
            id="colon-after-the-total",
        ),
    ],
)  # fmt: skip
def test_a_fee_in_prose_maps_to_the_fee_figure_with_its_quote(
    tmp_path: Path, body: str, figure: tuple[str, str], value: object, unit: str | None, quote: str
) -> None:
    result = import_page(tmp_path, body)
    assert prose_fees(result) == {figure: (value, unit, quote)}
    [imported] = [f for f in result.figures if f.codes["item"].startswith("fee/")]
    text = Document((tmp_path / "page.html").read_text(encoding="utf-8")).text
    assert imported.offset is not None and text[imported.offset : imported.offset + len(quote)] == quote
    assert not [u for u in result.unmapped if u.location.startswith("offset") and quote in u.text]
    # and the record written for review says so, and loads
    source = tmp_path / "2021.source.html"
    source.write_bytes((tmp_path / "page.html").read_bytes())
    record = tmp_path / "2021.yaml"
    record.write_text(write_record(result, source.name), encoding="utf-8")
    project = examples.project()
    report = load_report(record, project.registry, {s: f.record_keys for s, f in project.formats.items()})
    [loaded] = [f for f in report.figures if f.codes["item"] == figure[0]]
    assert (loaded.codes["column"], loaded.value, loaded.unit, loaded.quote.text) == (figure[1], value, unit, quote)


@pytest.mark.parametrize(
    "body, fmt, listed, reason",
    [
        pytest.param(
            "<p>2021年，收费金额为1.2万元。</p>", "national-2021", "收费金额为1.2万元", "nothing guessed",
            id="which-fee-is-not-said",
        ),
        pytest.param(
            "<p>本年度行政事业性收费金额为1.2万元。</p>", "national-2021", "本年度行政事业性收费金额为1.2万元",
            "names 行政事业性收费", id="administrative-fees-of-table-2",
        ),
        pytest.param(
            "<p>群众在查阅场所复制政府信息，未收取任何费用。</p>", "national-2021", "未收取任何费用",
            "names 复制", id="copying-costs",
        ),
        pytest.param(
            "<p>本机关依申请提供政府信息，不收取任何费用。</p>", "national-2021", "不收取任何费用",
            "as a rule", id="a-rule-not-a-fact",
        ),
        pytest.param(
            "<p>收取信息处理费共计200元，依申请收取费用300元。</p>", "national-2021", "依申请收取费用300元",
            "already stated", id="a-second-amount-for-the-same-figure",
        ),
        pytest.param(
            "<p>本年度依申请公开政府信息收取费用0元。</p>", "national-2019", "本年度依申请公开政府信息收取费用0元",
            "national-2019 has no figure", id="the-2019-format-has-no-fee-figure",
        ),
    ],
)  # fmt: skip
def test_a_fee_that_may_be_another_is_listed_not_guessed(
    tmp_path: Path, body: str, fmt: str, listed: str, reason: str
) -> None:
    result = import_page(tmp_path, body, fmt)
    mapped = prose_fees(result)
    assert listed not in {quote for _value, _unit, quote in mapped.values()}
    [item] = [u for u in result.unmapped if u.text == listed]
    assert reason in item.reason and item.location.startswith("offset")
    if fmt == "national-2021" and "already stated" not in reason:
        assert not mapped


def test_a_fee_not_yet_collected_is_not_a_fee_charged(tmp_path: Path) -> None:
    result = import_page(tmp_path, "<p>本年度依申请向1名申请人发出收费通知，尚未收取费用。</p>")
    assert not prose_fees(result)
    assert [u.text for u in result.unmapped if u.location.startswith("offset")] == []
    assert [(f.quote, f.value, f.unit) for f in result.facts] == [("本年度依申请向1名", 1, "person")]
