"""The three tables of a national report (二 proactive, 三 requests, 四 review), their figures obeying the rules."""

from __future__ import annotations

import random
from collections.abc import Sequence

from publisher.synthetic.page import Cell, Row, heading_row
from publisher.synthetic.province import SyntheticAgency
from publisher.synthetic.writing import Stock

APPLICANTS = (
    "natural-person",
    "commercial-enterprises",
    "research-institutions",
    "public-interest-organisations",
    "legal-service-organisations",
    "other-organisations",
)
_APPLICANT_SHARES = (1.0, 0.15, 0.02, 0.02, 0.05, 0.04)  # requests of each kind of applicant, to natural persons'

#: Table 三's rows of results (between 二 and the total): group label (None: a row of its own), code, label, weight.
RESULTS_2019: tuple[tuple[str | None, str, str, float], ...] = (
    (None, "disclosed", "（一）予以公开", 0.45),
    (None, "partly-disclosed", "（二）部分公开（区分处理的，只计这一情形，不计其他情形）", 0.08),
    ("（三）不予公开", "not-disclosed/state-secret", "1.属于国家秘密", 0.005),
    ("（三）不予公开", "not-disclosed/prohibited-by-law", "2.其他法律行政法规禁止公开", 0.01),
    ("（三）不予公开", "not-disclosed/security-and-stability", "3.危及“三安全一稳定”", 0.005),
    ("（三）不予公开", "not-disclosed/third-party-rights", "4.保护第三方合法权益", 0.02),
    ("（三）不予公开", "not-disclosed/internal-affairs", "5.属于三类内部事务信息", 0.02),
    ("（三）不予公开", "not-disclosed/process-information", "6.属于四类过程性信息", 0.03),
    ("（三）不予公开", "not-disclosed/enforcement-files", "7.属于行政执法案卷", 0.01),
    ("（三）不予公开", "not-disclosed/administrative-query", "8.属于行政查询事项", 0.02),
    ("（四）无法提供", "unable-to-provide/not-held", "1.本机关不掌握相关政府信息", 0.15),
    ("（四）无法提供", "unable-to-provide/needs-creation", "2.没有现成信息需要另行制作", 0.03),
    ("（四）无法提供", "unable-to-provide/unclear-after-correction", "3.补正后申请内容仍不明确", 0.02),
    ("（五）不予处理", "not-processed/petitions-and-complaints", "1.信访举报投诉类申请", 0.03),
    ("（五）不予处理", "not-processed/repeat-requests", "2.重复申请", 0.02),
    ("（五）不予处理", "not-processed/publications", "3.要求提供公开出版物", 0.005),
    ("（五）不予处理", "not-processed/excessive-requests", "4.无正当理由大量反复申请", 0.005),
    ("（五）不予处理", "not-processed/confirmation-or-reissue", "5.要求行政机关确认或重新出具已获取信息", 0.01),
    (None, "other-handling", "（六）其他处理", 0.05),
)
RESULTS_2021 = (
    *RESULTS_2019[:-1],
    ("（六）其他处理", "other-handling/failed-to-correct",
     "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请", 0.025),
    ("（六）其他处理", "other-handling/failed-to-pay",
     "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请", 0.005),
    ("（六）其他处理", "other-handling/other", "3.其他", 0.02),
)  # fmt: skip
REVIEW_BLOCKS = ("reconsideration", "litigation-direct", "litigation-after-reconsideration")
REVIEW_RESULTS = ("upheld", "corrected", "other", "pending")
#: Catalogue matters of table 二 (2019): items at most (× the agency's size), and decisions a year on average.
_MATTERS = (
    ("administrative-licensing", "行政许可", 40, 200),
    ("other-external-services", "其他对外管理服务事项", 20, 80),
    ("administrative-penalties", "行政处罚", 30, 30),
    ("administrative-coercion", "行政强制", 8, 3),
    ("administrative-fees", "行政事业性收费", 5, 0),
)


def _documents(rng: random.Random, agency: SyntheticAgency, item: str, makes_rules: bool) -> int:
    """Rules (only provincial and city governments make them) or normative documents issued in a year."""
    if item == "rules":
        return rng.randint(0, 3) if makes_rules else 0
    return int(rng.expovariate(1 / (2 * agency.size)))


def _published_so_far(stock: Stock, rng: random.Random, makes_rules: bool) -> dict[str, int]:
    """Rules and normative documents published before the first national report (the latter as Jilin counted them)."""
    rules = rng.randint(10, 60) if makes_rules else 0
    return {"rules": rules, "normative-documents": stock.categories["normative-documents"]}


def proactive_2019(agency: SyntheticAgency, stock: Stock, rng: random.Random, makes_rules: bool) -> list[Row]:
    """Table 二, 2019: documents made, published and published in total; catalogue matters; procurement."""
    if stock.published is None:
        stock.published = _published_so_far(stock, rng, makes_rules)
    if stock.matters is None:
        stock.matters = {item: int(rng.uniform(0, most) * agency.size) for item, _zh, most, _d in _MATTERS}
    rows = [
        heading_row(("第二十条第（一）项", ' colspan="4"')),
        heading_row(("信息内容", ""), ("本年新制作数量", ""), ("本年新公开数量", ""), ("对外公开总数量", "")),
    ]
    for item, label in (("rules", "规章"), ("normative-documents", "规范性文件")):
        made = _documents(rng, agency, item, makes_rules)
        published = made - 1 if made and rng.random() < 0.1 else made
        stock.published[item] += published
        columns = (("newly-made", made), ("newly-published", published), ("total-published", stock.published[item]))
        cells = tuple(Cell(f"proactive/{item}", f"proactive-column/{c}", v) for c, v in columns)
        rows.append(Row((("td", "", label),), cells))
    for number, items in (("五", _MATTERS[:2]), ("六", _MATTERS[2:4]), ("八", _MATTERS[4:])):
        last_header = ("处理决定数量", "") if number != "八" else None
        change_span = "" if last_header else ' colspan="2"'
        rows.append(heading_row((f"第二十条第（{number}）项", ' colspan="4"')))
        rows.append(
            heading_row(
                ("信息内容", ""),
                ("上一年项目数量", ""),
                ("本年增/减", change_span),
                *([last_header] if last_header else []),
            )
        )
        for item, label, _most, decisions in items:
            last = stock.matters[item]
            change = max(-last, rng.choice((-2, -1, 0, 0, 0, 1, 2, 3)))
            stock.matters[item] = last + change
            code = f"proactive/{item}"
            matter = [
                Cell(code, "proactive-column/items-last-year", last),
                Cell(code, "proactive-column/change-this-year", change, span=change_span),
            ]
            if last_header:
                count = int(rng.expovariate(1 / (decisions * agency.size))) if last + change else 0
                matter.append(Cell(code, "proactive-column/decisions", count))
            rows.append(Row((("td", "", label),), tuple(matter)))
    projects = int(rng.expovariate(1 / (5 * agency.size)))
    amount = projects * rng.randint(20, 2000) * 100
    rows += [
        heading_row(("第二十条第（九）项", ' colspan="4"')),
        heading_row(("信息内容", ""), ("采购项目数量", ""), ("采购总金额", ' colspan="2"')),
        Row(
            (("td", "", "政府集中采购"),),
            (
                Cell("proactive/government-procurement", "proactive-column/procurement-projects", projects),
                Cell(
                    "proactive/government-procurement",
                    "proactive-column/procurement-amount",
                    amount,
                    unit="yuan",
                    suffix="元",
                    span=' colspan="2"',
                ),
            ),
        ),
    ]
    return rows


def proactive_2021(agency: SyntheticAgency, stock: Stock, rng: random.Random, makes_rules: bool) -> list[Row]:
    """Table 二, 2021: documents issued, repealed and in force; decisions; fees collected (万元)."""
    if stock.in_force is None:  # of the documents published so far, those still in force
        published = stock.published or _published_so_far(stock, rng, makes_rules)
        stock.in_force = {item: int(count * rng.uniform(0.4, 0.8)) for item, count in published.items()}
    rows = [
        heading_row(("第二十条第（一）项", ' colspan="4"')),
        heading_row(("信息内容", ""), ("本年制发件数", ""), ("本年废止件数", ""), ("现行有效件数", "")),
    ]
    for item, label in (("rules", "规章"), ("normative-documents", "行政规范性文件")):
        issued = _documents(rng, agency, item, makes_rules)
        in_force = stock.in_force[item]
        repealed = rng.randint(1, min(3, in_force)) if in_force and rng.random() < 0.3 else 0
        stock.in_force[item] = in_force + issued - repealed
        columns = (("issued", issued), ("repealed", repealed), ("in-force", stock.in_force[item]))
        cells = tuple(Cell(f"proactive/{item}", f"proactive-column/{c}", v) for c, v in columns)
        rows.append(Row((("td", "", label),), cells))
    span = ' colspan="3"'
    for number, items in (("五", _MATTERS[:1]), ("六", _MATTERS[2:4])):
        rows.append(heading_row((f"第二十条第（{number}）项", ' colspan="4"')))
        rows.append(heading_row(("信息内容", ""), ("本年处理决定数量", span)))
        for item, label, _most, decisions in items:
            count = int(rng.expovariate(1 / (decisions * agency.size)))
            cell = Cell(f"proactive/{item}", "proactive-column/decisions", count, span=span)
            rows.append(Row((("td", "", label),), (cell,)))
    cents = int(rng.expovariate(1 / (30 * agency.size)) * 100) if rng.random() < 0.4 else 0
    fees = f"{cents // 100}.{cents % 100:02d}" if cents else "0"
    rows += [
        heading_row(("第二十条第（八）项", ' colspan="4"')),
        heading_row(("信息内容", ""), ("本年收费金额（单位：万元）", span)),
        Row(
            (("td", "", "行政事业性收费"),),
            (
                Cell(
                    "proactive/administrative-fees",
                    "proactive-column/fees-collected",
                    fees,
                    unit="ten-thousand-yuan",
                    suffix="万元",
                    span=span,
                ),
            ),
        ),
    ]
    return rows


def requests(
    agency: SyntheticAgency, stock: Stock, rng: random.Random, results: Sequence[tuple[str | None, str, str, float]]
) -> tuple[list[Row], int]:
    """Table 三, and the requests received in all: 一 + 二 = （七） + 四 in every column, totals the sums."""
    mean = 4 * agency.size
    new = [int(rng.expovariate(1 / (mean * share))) if rng.random() < 0.7 else 0 for share in _APPLICANT_SHARES]
    if stock.carried is not None:
        carried = [stock.carried[a] for a in APPLICANTS]
    else:  # after a Jilin report (every request answered) nothing; at the corpus's first year, a few
        carried = [rng.randint(0, 2) if index == 0 and not stock.reports else 0 for index in range(len(APPLICANTS))]
    outcomes = [[0] * len(APPLICANTS) for _ in results]
    forward = [0] * len(APPLICANTS)
    weights = [weight for *_, weight in results]
    for column in range(len(APPLICANTS)):
        available = new[column] + carried[column]
        forward[column] = sum(rng.random() < 0.08 for _ in range(available))
        for index in rng.choices(range(len(results)), weights, k=available - forward[column]):
            outcomes[index][column] += 1
    stock.carried = dict(zip(APPLICANTS, forward, strict=True))

    def cells(item: str, values: Sequence[int]) -> tuple[Cell, ...]:
        columns = (*APPLICANTS, "total")
        return tuple(
            Cell(f"request/{item}", f"applicant/{a}", v) for a, v in zip(columns, [*values, sum(values)], strict=True)
        )

    rows = [
        heading_row(
            ("（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）", ' colspan="3" rowspan="3"'),
            ("申请人情况", ' colspan="7"'),
        ),
        heading_row(("自然人", ' rowspan="2"'), ("法人或其他组织", ' colspan="5"'), ("总计", ' rowspan="2"')),
        heading_row(("商业企业", ""), ("科研机构", ""), ("社会公益组织", ""), ("法律服务机构", ""), ("其他", "")),
        Row((("td", ' colspan="3"', "一、本年新收政府信息公开申请数量"),), cells("new-requests", new)),
        Row((("td", ' colspan="3"', "二、上年结转政府信息公开申请数量"),), cells("carried-over", carried)),
    ]
    for index, (group, code, label, _weight) in enumerate(results):
        labels: list[tuple[str, str, str]] = []
        if index == 0:
            labels.append(("td", f' rowspan="{len(results) + 1}"', "三、本年度办理结果"))
        if group is None:
            labels.append(("td", ' colspan="2"', label))
        else:
            if index == 0 or results[index - 1][0] != group:
                labels.append(("td", f' rowspan="{sum(r[0] == group for r in results)}"', group))
            labels.append(("td", "", label))
        rows.append(Row(tuple(labels), cells(code, outcomes[index])))
    totals = [sum(outcome[column] for outcome in outcomes) for column in range(len(APPLICANTS))]
    rows.append(Row((("td", ' colspan="2"', "（七）总计"),), cells("total-results", totals)))
    rows.append(Row((("td", ' colspan="3"', "四、结转下年度继续办理"),), cells("carried-forward", forward)))
    return rows, sum(new)


def review(agency: SyntheticAgency, rng: random.Random, inconsistent: bool) -> list[Row]:
    """Table 四: one row of three blocks (reconsideration, two kinds of suit), each four results and their total.

    An inconsistent report states a total of reconsiderations off by a few: it breaks that one rule.
    """
    cells: list[Cell] = []
    for block, share in zip(REVIEW_BLOCKS, (1.0, 0.4, 0.2), strict=True):
        parts = [0] * len(REVIEW_RESULTS)
        cases = int(rng.expovariate(1 / (0.6 * agency.size * share))) if rng.random() < 0.3 else 0
        for index in rng.choices(range(len(REVIEW_RESULTS)), (0.6, 0.1, 0.15, 0.15), k=cases):
            parts[index] += 1
        item = f"review/{block}"
        cells += [Cell(item, f"review-result/{r}", v) for r, v in zip(REVIEW_RESULTS, parts, strict=True)]
        total = Cell(item, "review-result/total", sum(parts))
        if inconsistent and block == "reconsideration":
            off = rng.choice((-3, -2, -1, 1, 2, 5))
            total.value, total.broken = sum(parts) + (off if sum(parts) + off >= 0 else -off), True
        cells.append(total)
    results = [("结果维持", ' rowspan="2"'), ("结果纠正", ' rowspan="2"'), ("其他结果", ' rowspan="2"'),
               ("尚未审结", ' rowspan="2"'), ("总计", ' rowspan="2"')]  # fmt: skip
    return [
        heading_row(("行政复议", ' colspan="5"'), ("行政诉讼", ' colspan="10"')),
        heading_row(*results, ("未经复议直接起诉", ' colspan="5"'), ("复议后起诉", ' colspan="5"')),
        heading_row(*[(text, "") for text, _span in results] * 2),
        Row((), tuple(cells)),
    ]
