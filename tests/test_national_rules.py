"""The rules of DOMAIN.md §2.7 on the national formats: a passing and a failing case each.

Every case starts from a constructed example report (tests/fixtures/national/), whose
figures are those of its source page, changes a few triples, validates the result as
the build does (one report: every shape but those across years; two reports of
consecutive years: the shapes across years) and asserts the exact set of (focus node,
result path, source shape, severity). Figures named below come from the pages, e.g.
the province's 2019 table 三: 120 + 4 new and carried-over requests of natural
persons, 122 + 2 of them answered and carried forward.

Blank is not zero: a rule counts a blank cell as 0 only when it says so
(dis:blankAsZero, declared by the four within-table rules of table 三 and 四); the same
change is not checked once that declaration is taken away, and the rules across
years never count blanks.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from rdflib import Graph, Literal, URIRef

from publisher.rdf.namespaces import QB, RDF, XSD
from publisher.validation.checker import ReportChecker
from publisher.validation.findings import Outcome
from publisher.validation.validator import Validator
from tests.fixtures import examples
from tests.fixtures.examples import TOWN
from tests.fixtures.national_rules import (
    CASES,
    DIS,
    R1_RULE_21,
    R3_RULE_21,
    R8_RULE_21,
    REPORT_T21,
    T21,
    TOWN_NEW_NATURAL_3,
    Result,
    RuleCase,
    results,
    set_number,
    warning,
)
from tests.helpers import BASE


def run(case: RuleCase) -> tuple[Graph, Outcome]:
    return examples.validated(case.reports, case.mutate)


@pytest.mark.parametrize("case", CASES)
def test_rule_case(case: RuleCase) -> None:
    _graph, outcome = run(case)
    assert results(outcome) == case.expected, outcome.text
    if not case.passing:
        assert case.expected, "a failing case expects results"


def test_every_rule_of_section_2_7_has_a_passing_and_a_failing_case() -> None:
    passing = {r for p in CASES for r in p.values[0].rules if p.values[0].passing}
    failing = {r for p in CASES for r in p.values[0].rules if not p.values[0].passing}
    # R8 (documents in force, 2021 format) is tested below on a next-year copy of the town's report.
    passing |= {"R8"}
    failing |= {"R8"}
    rules = {f"R{n}" for n in range(1, 13)}
    assert passing == rules
    # R11 forbids checks across agencies: its case is numbers that differ across agencies and stay unflagged.
    assert failing == rules - {"R11"}


# ---------------------------------------------------------------------------
# R8 — 现行有效(N) = 现行有效(N−1) + 本年制发(N) − 本年废止(N), on a next-year copy of the town
# ---------------------------------------------------------------------------


def next_year(graph: Graph, agency: str, year: int, changes: dict[str, int]) -> Graph:
    """The report moved to year + 1 (every IRI and the year), with some cells stated anew."""
    old, new = f"{BASE}/id/report/{agency}/{year}", f"{BASE}/id/report/{agency}/{year + 1}"
    moved = Graph()
    for s, p, o in graph:
        s2 = URIRef(str(s).replace(old, new, 1)) if isinstance(s, URIRef) else s
        o2 = URIRef(str(o).replace(old, new, 1)) if isinstance(o, URIRef) else o
        if p == DIS.reportYear:
            o2 = Literal(str(year + 1), datatype=XSD.gYear)
        moved.add((s2, p, o2))
    for key, value in changes.items():
        node = URIRef(f"{new}/{key}")
        if (node, RDF.type, DIS.BlankCell) in moved:
            figure_to_stated(moved, node, URIRef(new), value)
        else:
            set_number(node, value)(moved)
    return moved


def figure_to_stated(graph: Graph, node: URIRef, report: URIRef, value: int) -> None:
    graph.remove((node, RDF.type, DIS.BlankCell))
    graph.remove((node, DIS.cellOf, report))
    graph.set((node, DIS.cellStatus, URIRef(f"{BASE}/def/common/cell-status/stated")))
    graph.add((node, RDF.type, QB.Observation))
    graph.add((node, QB.dataSet, report))
    graph.add((node, DIS.count, Literal(value)))
    graph.add((node, DIS.quantity, Literal(Decimal(value), datatype=XSD.decimal)))
    graph.add((node, DIS.unit, URIRef(f"{BASE}/def/common/unit/case")))


@pytest.mark.parametrize(
    "in_force, expected",
    [
        pytest.param(7, set(), id="R8-pass-6+1-0=7"),
        pytest.param(9, {warning(R8_RULE_21, "StockFlowRuleHolds")}, id="R8-fail-6+1-0-stated-as-9"),
    ],
)
def test_r8_documents_in_force_roll_forward(in_force: int, expected: set[Result]) -> None:
    # The town had 6 normative documents in force at the end of 2021; in the copy it issues 1 in 2022
    # and repeals 0 (stated: a blank repealed cell would leave the rule unchecked).
    earlier = examples.graph(TOWN, 2021)
    later = next_year(
        earlier,
        TOWN,
        2021,
        {
            "proactive-normative-documents-issued": 1,
            "proactive-normative-documents-repealed": 0,
            "proactive-normative-documents-in-force": in_force,
        },
    )
    outcome = examples.project().validator.validate_across(earlier, later)
    assert results(outcome) == expected, outcome.text
    for finding in outcome.findings:
        assert finding.value == f"{BASE}/id/report/{TOWN}/2022/proactive-normative-documents-in-force"
        assert f"{in_force}" in finding.message_en and "6" in finding.message_en


def test_r8_is_not_checked_where_a_flow_is_blank() -> None:
    earlier = examples.graph(TOWN, 2021)
    later = next_year(earlier, TOWN, 2021, {"proactive-normative-documents-in-force": 9})  # repealed stays blank
    assert examples.project().validator.validate_across(earlier, later).findings == []


# ---------------------------------------------------------------------------
# R12 — blank is not zero
# ---------------------------------------------------------------------------


def test_blank_cells_are_blank_cells_not_observations_of_zero() -> None:
    graph = examples.graph(TOWN, 2021)
    blanks = set(graph.subjects(RDF.type, DIS.BlankCell))
    assert len(blanks) == 189  # every cell of the page left blank (&nbsp;), counted from the page
    for node in blanks:
        assert (node, RDF.type, QB.Observation) not in graph
        assert not set(graph.objects(node, DIS.count)) | set(graph.objects(node, DIS.quantity))
        assert (node, DIS.cellOf, REPORT_T21) in graph


def test_a_rule_counts_blank_as_zero_only_when_it_says_so() -> None:
    """The same change is flagged by R1 with dis:blankAsZero, and not checked without it."""
    project = examples.project()
    _graph, with_flag = examples.validated(T21, TOWN_NEW_NATURAL_3)
    assert warning(R1_RULE_21, "BalanceRuleHolds") in results(with_flag)
    context = Graph()
    for triple in project.validator.context:
        if triple != (R1_RULE_21, DIS.blankAsZero, Literal(True)):
            context.add(triple)
    assert len(context) == len(project.validator.context) - 1
    without = Validator(project.shapes, context, project.iris)
    changed, _outcome = examples.validated(T21, TOWN_NEW_NATURAL_3)
    report = URIRef(f"{BASE}/id/report/{TOWN}/2021")
    mine = Graph()
    for triple in changed:
        if str(triple[0]).startswith(str(report)):
            mine.add(triple)
    outcome = without.validate(mine)
    # 二 (carried over) and 四 (carried forward) are blank for natural persons: R1 cannot be checked there,
    # while R3 (the applicants of row 一 against its total of 2) still counts its blank cells as 0.
    assert results(outcome) == {warning(R3_RULE_21, "SumRuleHolds")}, outcome.text


# ---------------------------------------------------------------------------
# Blank totals and restatements: worded as they are, and found alike by the build's checker
# ---------------------------------------------------------------------------

WORDED = {
    "R5-fail-reconsideration-total-blank-parts-5": (
        "「行政复议 · 总计」：总计栏为空白，其各项之和为 5（规则：复议、诉讼各结果之和等于总计）。",
        "Administrative reconsideration / Total: the total is left blank; its parts add up to 5 "
        "(rule: Outcomes of each block sum to its total).",
    ),
    "R5-fail-reconsideration-total-stated-0-parts-5": (
        "合计数 0 不等于各组成项之和 5。",
        "The stated total 0 is not the sum of its parts, 5.",
    ),
    "R10-fail-restates-0-where-the-table-is-blank": (
        "「二、上年结转政府信息公开申请数量 · 自然人」：叙述中复述的数字为 0，"
        "而表格中该格为空白（分组则其各项均为空白）（规则：叙述中复述的数字与表格一致）。",
        "II. Requests carried over from last year / Natural persons: the narrative restates 0, but the table leaves "
        "the cell blank (for a group, every cell of its parts) (rule: Numbers restated in the narrative agree with "
        "the tables).",
    ),
    "R10-fail-litigation-3+1-restated-as-5": (
        "「行政诉讼 · 总计」：叙述中复述的数字为 5，表格只列出该分组的各项，其各项之和为 4"
        "（规则：叙述中复述的数字与表格一致）。",
        "Administrative litigation / Total: the narrative restates 5, a total the table gives only by its parts; "
        "they add up to 4 (rule: Numbers restated in the narrative agree with the tables).",
    ),
}


@pytest.mark.parametrize("case_id", sorted(WORDED))
def test_a_blank_total_and_a_restatement_are_worded_as_they_are(case_id: str) -> None:
    [case] = [p.values[0] for p in CASES if p.id == case_id]
    _graph, outcome = run(case)
    [finding] = [f for f in outcome.findings if f.rule and f.rule.endswith(("review-sum-to-total", "restatement"))]
    assert (finding.message_zh, finding.message_en) == WORDED[case_id]


NEW_CASES = [
    p for p in CASES if p.id.startswith(("R2-fail-town-natural", "R5-", "R10-")) and len(p.values[0].reports) == 1
]


@pytest.mark.parametrize("case", NEW_CASES)
def test_the_build_s_checker_finds_what_the_validator_finds(case: RuleCase) -> None:
    graph, outcome = run(case)
    project = examples.project()
    checker = ReportChecker(project.validator, project.ontology, project.formats, project.agencies, project.iris)
    assert checker.check(graph, examples.report(*case.reports[0]).format).findings == outcome.findings
    assert len(NEW_CASES) >= 14
