"""The writers of the national formats (2019, 2021): a report's HTML page, its prose and tables, and its record."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial

from publisher.synthetic import tables
from publisher.synthetic.page import Cell, Page, Row
from publisher.synthetic.province import SyntheticAgency
from publisher.synthetic.writing import ReportWriter, Stock, record_head, yaml_string


def _leave_blank(cells: Sequence[Cell], rng: random.Random, blank_rate: float) -> None:
    """Leave cells blank at `blank_rate` of all cells, choosing among those whose figure is 0."""
    zeros = [c for c in cells if c.value in (0, "0") and not c.broken]
    share = min(1.0, blank_rate * len(cells) / len(zeros)) if zeros else 0.0
    for cell in zeros:
        cell.blank = rng.random() < share


def _cell_yaml(cell: Cell, at: str) -> str:
    value = "    blank: true\n" if cell.blank else f"    value: {cell.value}\n"
    unit = f"    unit: {cell.unit}\n" if cell.unit and not cell.blank else ""
    return (
        f"  {cell.key}:\n    item: {cell.item}\n    column: {cell.column}\n{value}{unit}"
        f"    at: {yaml_string(at)}\n    text: {yaml_string(cell.text)}\n"
    )


def _quoted_yaml(key: str, head: str, quote: str, offset: int) -> str:
    return f"  {key}:\n{head}    quote: {yaml_string(quote)}\n    offset: {offset}\n"


@dataclass(frozen=True)
class _Drawn:
    """The figures of a national report, all drawn before a word of it is written."""

    proactive: list[Row]
    requests: list[Row]
    received: int  # new requests received, as the overview restates them
    review: list[Row]
    published: int
    trained: int
    fee_cases: int
    fee_amount: int


class _Writer:
    """A national report's page and its record's sections, figures and facts, written side by side."""

    def __init__(self, title: str) -> None:
        self.page = Page(title)
        self.page.block("h1", title)
        self.sections: list[str] = []
        self.figures: list[str] = []
        self.facts: list[str] = []

    def section(self, key: str, heading: str, *pieces: str) -> list[int]:
        """A section of prose: its heading, then its text in pieces; the offset of each piece."""
        self.page.block("p", heading)
        offsets = self.page.block("p", *pieces)
        self.sections.append(
            f"  {key}:\n    heading: {yaml_string(heading)}\n"
            f"    text: {yaml_string(''.join(pieces))}\n    offset: {offsets[0]}\n"
        )
        return offsets

    def record(self, head: str) -> str:
        """The record: `head`, then its sections, figures and facts."""
        return (
            head
            + "sections:\n"
            + "".join(self.sections)
            + "\nfigures:\n"
            + "".join(self.figures)
            + "\nfacts:\n"
            + "".join(self.facts)
        )


def _national_report(
    slug: str,
    agency: SyntheticAgency,
    parent: SyntheticAgency | None,
    year: int,
    stock: Stock,
    rng: random.Random,
    blank_rate: float,
    inconsistent: bool,
) -> tuple[str, str, str]:
    """The record, HTML page and page file name of a report in a national format (national-2019, national-2021)."""
    revised = slug == "national-2021"
    drawn = _draw(revised, agency, stock, rng, blank_rate, inconsistent)
    title = f"{agency.zh}{year}年政府信息公开工作年度报告"
    w = _Writer(title)
    period_quote = f"本报告中所列数据的统计期限自{year}年1月1日起至{year}年12月31日止"
    notice = "国办公开办函〔2021〕30号" if revised else "国办公开办函〔2019〕60号"
    period_offset = w.page.block(
        "p",
        f"本报告根据《中华人民共和国政府信息公开条例》（以下简称《条例》）和《中华人民共和国政府信息公开工作"
        f"年度报告格式》（{notice}）编制。",
        period_quote,
        "。",
    )[1]
    _write_overview(w, agency, parent, year, drawn, stock)
    _write_tables(w, drawn)
    _write_problems(w, agency)
    _write_other_matters(w, agency, year, revised, drawn)
    source_file = f"{year}.source.html"
    head = record_head(title, agency, year, slug, source_file, period_quote, period_offset)
    return w.record(head), w.page.source, source_file


def _draw(
    revised: bool, agency: SyntheticAgency, stock: Stock, rng: random.Random, blank_rate: float, inconsistent: bool
) -> _Drawn:
    """Draw the report's tables (leaving some zeros blank) and the figures its prose states."""
    makes_rules = agency.kind == "government" and agency.size >= 3.0
    proactive = (tables.proactive_2021 if revised else tables.proactive_2019)(agency, stock, rng, makes_rules)
    requests, received = tables.requests(agency, stock, rng, tables.RESULTS_2021 if revised else tables.RESULTS_2019)
    review = tables.review(agency, rng, inconsistent)
    _leave_blank([c for table in (proactive, requests, review) for row in table for c in row.cells], rng, blank_rate)
    published = max(3, int(rng.lognormvariate(4.5, 0.6) * agency.size))
    trained = rng.randint(5, 60) * max(1, round(agency.size))
    fee_cases = rng.randint(1, 3) if revised and rng.random() < 0.1 else 0
    fee_amount = fee_cases * rng.randint(1, 30) * 10
    return _Drawn(proactive, requests, received, review, published, trained, fee_cases, fee_amount)


def _write_overview(
    w: _Writer, agency: SyntheticAgency, parent: SyntheticAgency | None, year: int, drawn: _Drawn, stock: Stock
) -> None:
    """Section 一: the overview, and the facts it states (one restating the requests received); the year's work."""
    leader = parent.zh if parent is not None else "国务院办公厅"
    received = drawn.received
    asked = f"收到政府信息公开申请{received}件" if received else "未收到政府信息公开申请"
    overview = (
        f"{year}年，{agency.zh}在{leader}的领导下，认真贯彻落实《条例》，不断加强组织领导，完善工作机制，",
        f"全年主动公开政府信息{drawn.published}条",
        "，",
        asked,
        "，",
        f"组织业务培训{drawn.trained}人次",
        "，政府信息公开工作取得新进展。",
        stock.prose.paragraph() if stock.prose is not None else "",
    )
    offsets = w.section("overview", "一、总体情况", *overview)
    w.facts += [
        _quoted_yaml(
            "information-published",
            '    about: {zh: "主动公开的政府信息", en: "government information published proactively"}\n'
            f"    value: {drawn.published}\n    unit: item\n",
            overview[1],
            offsets[1],
        ),
        _quoted_yaml(
            "requests-restated",
            '    about: {zh: "收到的政府信息公开申请（总体情况中复述）", en: "requests received (restated in the '
            f'overview)"}}\n    value: {received}\n    unit: case\n',
            overview[3],
            offsets[3],
        )
        + '    restates: {item: "request/new-requests", column: "applicant/total"}\n',
        _quoted_yaml(
            "staff-trained",
            '    about: {zh: "参加政府信息公开业务培训的人员", en: "staff trained in disclosure work"}\n'
            f"    value: {drawn.trained}\n    unit: person\n",
            overview[5],
            offsets[5],
        ),
    ]


def _write_tables(w: _Writer, drawn: _Drawn) -> None:
    """Sections 二 to 四: each heading and its table, every cell a figure located by its XPath."""
    for heading, table in (
        ("二、主动公开政府信息情况", drawn.proactive),
        ("三、收到和处理政府信息公开申请情况", drawn.requests),
        ("四、政府信息公开行政复议、行政诉讼情况", drawn.review),
    ):
        w.page.block("p", heading)
        w.figures += [_cell_yaml(cell, at) for cell, at in w.page.table(table)]


def _write_problems(w: _Writer, agency: SyntheticAgency) -> None:
    """Section 五: the problems and how they are being addressed."""
    me = agency.self_zh
    w.section(
        "problems",
        "五、存在的主要问题及改进情况",
        f"{me}政府信息公开工作还存在一些不足：政策解读的针对性有待提高，基层政务公开标准化规范化工作有待加强。"
        f"下一步，{me}将进一步完善工作机制，提升政务公开质量。",
    )


def _write_other_matters(w: _Writer, agency: SyntheticAgency, year: int, revised: bool, drawn: _Drawn) -> None:
    """Section 六: nothing else to report (2019); in the 2021 revision, the information-processing fees charged."""
    me = agency.self_zh
    fee = "    item: fee/information-processing-fee\n    column: fee-column/{}\n    value: {}\n"
    if not revised:
        w.section("other-matters", "六、其他需要报告的事项", "本年度无其他需要报告的事项。")
    elif drawn.fee_cases:
        pieces: tuple[str, ...] = (
            f"{year}年，{me}依据《政府信息公开信息处理费管理办法》，",
            f"共有{drawn.fee_cases}件政府信息公开申请收取信息处理费",
            "，",
            f"收取信息处理费共计{drawn.fee_amount}元",
            "。",
        )
        offsets = w.section("other-matters", "六、其他需要报告的事项", *pieces)
        cases = fee.format("cases", drawn.fee_cases)
        w.figures.append(_quoted_yaml("fee-information-processing-fee-cases", cases, pieces[1], offsets[1]))
        amount = fee.format("amount", drawn.fee_amount) + "    unit: yuan\n"
        w.figures.append(_quoted_yaml("fee-information-processing-fee-amount", amount, pieces[3], offsets[3]))
    else:
        pieces = (f"{me}{year}年未收取信息处理费", "。本年度无其他需要报告的事项。")
        offsets = w.section("other-matters", "六、其他需要报告的事项", *pieces)
        cases = fee.format("cases", 0)
        w.figures.append(_quoted_yaml("fee-information-processing-fee-cases", cases, pieces[0], offsets[0]))


def national_writer(slug: str) -> ReportWriter:
    """The writer of the national format `slug` (national-2019, national-2021)."""
    return partial(_national_report, slug)
