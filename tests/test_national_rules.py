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

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.term import Node

from publisher.namespaces import QB, RDF, XSD, vocabulary
from publisher.validation import Outcome, Validator
from tests.conftest import BASE
from tests.fixtures import examples
from tests.fixtures.examples import COUNTY, PROVINCE, TOWN

DIS = vocabulary(BASE)
N19 = f"{BASE}/def/national-2019"
N21 = f"{BASE}/def/national-2021"

Mutation = Callable[[Graph], None]
Result = tuple[str, str | None, str, str]


def fig(agency: str, year: int, key: str) -> URIRef:
    return URIRef(f"{BASE}/id/report/{agency}/{year}/{key}")


def rule(fmt: str, name: str) -> URIRef:
    return URIRef(f"{fmt}/rule/{name}")


def violation(focus: URIRef, path: URIRef | None, shape: str) -> Result:
    return (str(focus), None if path is None else str(path), shape, "violation")


def warning(rule_iri: URIRef, shape: str) -> Result:
    return (str(rule_iri), None, shape, "warning")


def results(outcome: Outcome) -> set[Result]:
    return {(f.focus, f.path, f.shape.removeprefix("shapes#"), f.severity) for f in outcome.findings}


# ---------------------------------------------------------------------------
# Mutations
# ---------------------------------------------------------------------------


def set_number(node: URIRef, value: int | Decimal) -> Mutation:
    """A stated figure now says `value` (its count or amount, and the quantity above it)."""

    def mutate(graph: Graph) -> None:
        changed = 0
        for prop in (DIS.count, DIS.amount, DIS.quantity):
            for old in list(graph.objects(node, prop)):
                graph.remove((node, prop, old))
                whole = prop == DIS.count and isinstance(value, int)
                graph.add(
                    (
                        node,
                        prop,
                        Literal(value if whole else Decimal(value), datatype=XSD.integer if whole else XSD.decimal),
                    )
                )
                changed += 1
        assert changed, f"{node} states no number"

    return mutate


def replace(node: Node, predicate: URIRef, new: Node) -> Mutation:
    def mutate(graph: Graph) -> None:
        [old] = graph.objects(node, predicate)
        graph.remove((node, predicate, old))
        graph.add((node, predicate, new))

    return mutate


def blank_to_figure(node: URIRef, report: URIRef, value: Decimal, unit: str) -> Mutation:
    """A blank cell made a stated amount (what a record with `value:` instead of `blank: true` would give)."""

    def mutate(graph: Graph) -> None:
        assert (node, RDF.type, DIS.BlankCell) in graph
        graph.remove((node, RDF.type, DIS.BlankCell))
        graph.remove((node, DIS.cellOf, report))
        graph.set((node, DIS.cellStatus, URIRef(f"{BASE}/def/common/cell-status/stated")))
        graph.add((node, RDF.type, QB.Observation))
        graph.add((node, QB.dataSet, report))
        for prop in (DIS.amount, DIS.quantity):
            graph.add((node, prop, Literal(value, datatype=XSD.decimal)))
        graph.add((node, DIS.unit, URIRef(f"{BASE}/def/common/unit/{unit}")))

    return mutate


def figure_to_blank(node: URIRef, report: URIRef) -> Mutation:
    """A stated count made a blank cell (what `blank: true` in the record would give)."""

    def mutate(graph: Graph) -> None:
        for prop in (QB.dataSet, DIS.count, DIS.quantity, DIS.unit):
            graph.remove((node, prop, None))
        graph.remove((node, RDF.type, QB.Observation))
        graph.add((node, RDF.type, DIS.BlankCell))
        graph.add((node, DIS.cellOf, report))
        graph.set((node, DIS.cellStatus, URIRef(f"{BASE}/def/common/cell-status/blank")))

    return mutate


def add(*triples: tuple[Node, URIRef, Node]) -> Mutation:
    def mutate(graph: Graph) -> None:
        for triple in triples:
            graph.add(triple)

    return mutate


def chain(*mutations: Mutation) -> Mutation:
    def mutate(graph: Graph) -> None:
        for mutation in mutations:
            mutation(graph)

    return mutate


# ---------------------------------------------------------------------------
# The cases
# ---------------------------------------------------------------------------

T21 = ((TOWN, 2021),)
P19 = ((PROVINCE, 2019),)
COUNTY_PAIR = ((COUNTY, 2020), (COUNTY, 2021))
PROVINCE_PAIR = ((PROVINCE, 2019), (PROVINCE, 2020))
REPORT_T21 = URIRef(f"{BASE}/id/report/{TOWN}/2021")
REPORT_C21 = URIRef(f"{BASE}/id/report/{COUNTY}/2021")


@dataclass(frozen=True)
class RuleCase:
    rules: tuple[str, ...]  # DOMAIN.md §2.7 numbers
    passing: bool
    reports: tuple[tuple[str, int], ...]
    mutate: Mutation | None
    expected: frozenset[Result] = field(default_factory=frozenset)
    shapes: tuple[str, ...] = ()  # the shapes the case fails (failing) or has something to check (passing)
    witness: URIRef | None = None  # passing: a node the shapes check


# Mutations are module objects so that test_shapes.py shares their (cached) validation.
TOWN_NEW_NATURAL_3 = set_number(fig(TOWN, 2021, "request-new-requests-natural-person"), 3)  # was 2
P19_DISCLOSED_NATURAL_59 = set_number(fig(PROVINCE, 2019, "request-disclosed-natural-person"), 59)  # was 58
P19_NEW_TOTAL_148 = set_number(fig(PROVINCE, 2019, "request-new-requests-total"), 148)  # was 147
P19_SECRET_NATURAL_NEGATIVE = set_number(fig(PROVINCE, 2019, "request-not-disclosed-state-secret-natural-person"), -1)
P19_SECRET_ON_GROUP_ROW = replace(
    fig(PROVINCE, 2019, "request-not-disclosed-state-secret-natural-person"),
    DIS.item,
    URIRef(f"{N19}/request/not-disclosed"),  # （三）不予公开: a group row, no cells of its own
)
P19_RECONSIDERATION_TOTAL_6 = set_number(fig(PROVINCE, 2019, "review-reconsideration-total"), 6)  # 3+1+0+1 = 5
TOWN_FEES_NEGATIVE = blank_to_figure(
    fig(TOWN, 2021, "proactive-administrative-fees-fees-collected"), REPORT_T21, Decimal("-0.5"), "ten-thousand-yuan"
)
TOWN_FEES_STATED = blank_to_figure(
    fig(TOWN, 2021, "proactive-administrative-fees-fees-collected"), REPORT_T21, Decimal("0.38"), "ten-thousand-yuan"
)
COUNTY21_CARRIED_NATURAL_2 = set_number(
    fig(COUNTY, 2021, "request-carried-over-natural-person"), 2
)  # 2020 carried 1 forward
COUNTY21_CARRIED_NATURAL_BLANK = figure_to_blank(fig(COUNTY, 2021, "request-carried-over-natural-person"), REPORT_C21)
P20_NORMATIVE_TOTAL_296 = set_number(fig(PROVINCE, 2020, "proactive-normative-documents-total-published"), 296)
P19_RESTATED_148 = replace(
    fig(PROVINCE, 2019, "new-requests-restated"), DIS.value, Literal(Decimal(148), datatype=XSD.decimal)
)

TOWN_BLANK = fig(TOWN, 2021, "request-carried-over-natural-person")  # 二、上年结转 · 自然人: &nbsp;
TOWN_BLANK_WITH_ZERO = add((TOWN_BLANK, DIS.count, Literal(0)))

R1_RULE_21, R1_RULE_19 = rule(N21, "requests-balance"), rule(N19, "requests-balance")
R2_RULE_19, R2_RULE_21 = rule(N19, "results-sum-to-total"), rule(N21, "results-sum-to-total")
R3_RULE_19, R3_RULE_21 = rule(N19, "applicants-sum-to-total"), rule(N21, "applicants-sum-to-total")
R5_RULE_19 = rule(N19, "review-sum-to-total")
R7_RULE_21 = rule(N21, "carry-over")
R8_RULE_21 = rule(N21, "in-force-rolls-forward")
R9_RULE_19 = rule(N19, "published-total-rolls-forward")
R10_RULE_19 = rule(N19, "restatement")

CASES = [
    # R1 — 一 + 二 = 七(总计) + 四, per column; blank counts as 0 (the rule says so)
    pytest.param(
        RuleCase(("R1",), True, T21, None, shapes=("BalanceRule", "BalanceRuleHolds"), witness=R1_RULE_21),
        id="R1-pass-town-2+blank=2+blank",
    ),
    pytest.param(
        RuleCase(
            ("R1", "R3"),
            False,
            T21,
            TOWN_NEW_NATURAL_3,
            frozenset({warning(R1_RULE_21, "BalanceRuleHolds"), warning(R3_RULE_21, "SumRuleHolds")}),
            shapes=("BalanceRule", "BalanceRuleHolds"),
        ),
        id="R1-fail-town-new-natural-persons-3",
    ),
    # R2 — 七 = the sum of the leaf rows, per column
    pytest.param(
        RuleCase(("R2", "R3", "R5", "R10"), True, P19, None, shapes=("SumRule", "SumRuleHolds"), witness=R2_RULE_19),
        id="R2-pass-province-2019",
    ),
    pytest.param(
        RuleCase(
            ("R2", "R3"),
            False,
            P19,
            P19_DISCLOSED_NATURAL_59,
            frozenset({warning(R2_RULE_19, "SumRuleHolds"), warning(R3_RULE_19, "SumRuleHolds")}),
            shapes=("SumRuleHolds",),
        ),
        id="R2-fail-province-disclosed-natural-persons-59",
    ),
    # R3 — 总计 column = the six applicant columns, per row
    pytest.param(
        RuleCase(
            ("R3", "R1"),
            False,
            P19,
            P19_NEW_TOTAL_148,
            # the overview restates 147 too: R10 notices
            frozenset(
                {
                    warning(R3_RULE_19, "SumRuleHolds"),
                    warning(R1_RULE_19, "BalanceRuleHolds"),
                    warning(R10_RULE_19, "RestatementRuleHolds"),
                }
            ),
            shapes=("SumRuleHolds", "BalanceRuleHolds"),
        ),
        id="R3-fail-province-new-requests-total-148",
    ),
    # R4 — cells are non-negative integers; group rows have no cells
    pytest.param(
        RuleCase(
            ("R4",),
            True,
            P19,
            None,
            shapes=("ObservationCount",),
            witness=fig(PROVINCE, 2019, "proactive-administrative-licensing-change-this-year"),
        ),
        id="R4-pass-a-signed-change-of-minus-2",
    ),
    pytest.param(
        RuleCase(
            ("R4",),
            False,
            P19,
            P19_SECRET_NATURAL_NEGATIVE,
            frozenset(
                {
                    violation(
                        fig(PROVINCE, 2019, "request-not-disclosed-state-secret-natural-person"),
                        DIS.count,
                        "ObservationCount",
                    ),
                    warning(R2_RULE_19, "SumRuleHolds"),
                    warning(R3_RULE_19, "SumRuleHolds"),
                }
            ),
            shapes=("ObservationCount",),
        ),
        id="R4-fail-a-negative-count",
    ),
    pytest.param(
        RuleCase(
            ("R4",),
            False,
            P19,
            P19_SECRET_ON_GROUP_ROW,
            frozenset(
                {
                    violation(
                        fig(PROVINCE, 2019, "request-not-disclosed-state-secret-natural-person"),
                        None,
                        "ObservationCodes",
                    )
                }
            ),
            shapes=("ObservationCodes",),
        ),
        id="R4-fail-a-figure-on-a-group-row",
    ),
    # R5 — each block of table 四: 总计 = 维持 + 纠正 + 其他 + 尚未审结
    pytest.param(
        RuleCase(
            ("R5",),
            False,
            P19,
            P19_RECONSIDERATION_TOTAL_6,
            frozenset({warning(R5_RULE_19, "SumRuleHolds")}),
            shapes=("SumRuleHolds",),
        ),
        id="R5-fail-reconsideration-total-6",
    ),
    # R6 — 2021 table 二: counts non-negative, 收费金额 a non-negative decimal (万元)
    pytest.param(
        RuleCase(
            ("R6",),
            True,
            T21,
            TOWN_FEES_STATED,
            shapes=("ObservationAmount",),
            witness=fig(TOWN, 2021, "proactive-administrative-fees-fees-collected"),
        ),
        id="R6-pass-fees-0.38-ten-thousand-yuan",
    ),
    pytest.param(
        RuleCase(
            ("R6",),
            False,
            T21,
            TOWN_FEES_NEGATIVE,
            frozenset(
                {
                    violation(
                        fig(TOWN, 2021, "proactive-administrative-fees-fees-collected"), DIS.amount, "ObservationAmount"
                    )
                }
            ),
            shapes=("ObservationAmount",),
        ),
        id="R6-fail-fees-minus-0.5",
    ),
    # R7 — this year's carry-in = last year's carry-out (across the 2019 and 2021 formats here)
    pytest.param(
        RuleCase(("R7",), True, COUNTY_PAIR, None, shapes=("CarryOverRule", "CarryOverRuleHolds"), witness=R7_RULE_21),
        id="R7-pass-county-2020-carries-1-into-2021",
    ),
    pytest.param(
        RuleCase(
            ("R7",),
            False,
            COUNTY_PAIR,
            COUNTY21_CARRIED_NATURAL_2,
            frozenset({warning(R7_RULE_21, "CarryOverRuleHolds")}),
            shapes=("CarryOverRule", "CarryOverRuleHolds"),
        ),
        id="R7-fail-county-2021-carries-in-2",
    ),
    pytest.param(
        RuleCase(("R7", "R12"), True, COUNTY_PAIR, COUNTY21_CARRIED_NATURAL_BLANK),
        id="R7-blank-carry-in-is-not-checked",
    ),
    # R9 — 2019 format: 对外公开总数量(N) ≈ 对外公开总数量(N−1) + 本年新公开数量(N)
    pytest.param(
        RuleCase(
            ("R9",),
            True,
            PROVINCE_PAIR,
            P20_NORMATIVE_TOTAL_296,
            shapes=("StockFlowRule", "StockFlowRuleHolds"),
            witness=R9_RULE_19,
        ),
        id="R9-pass-286+10=296",
    ),
    pytest.param(
        RuleCase(
            ("R9",),
            False,
            PROVINCE_PAIR,
            None,
            frozenset({warning(R9_RULE_19, "StockFlowRuleHolds")}),
            shapes=("StockFlowRule", "StockFlowRuleHolds"),
        ),
        id="R9-fail-286+10-stated-as-290",
    ),
    # R10 — figures restated in the narrative equal the table
    pytest.param(
        RuleCase(
            ("R10",),
            False,
            P19,
            P19_RESTATED_148,
            frozenset({warning(R10_RULE_19, "RestatementRuleHolds")}),
            shapes=("RestatementRule", "RestatementRuleHolds"),
        ),
        id="R10-fail-overview-restates-148-for-147",
    ),
    pytest.param(
        RuleCase(("R10",), True, P19, None, shapes=("RestatementRule", "RestatementRuleHolds"), witness=R10_RULE_19),
        id="R10-pass-overview-restates-147",
    ),
    # R12 — blank is not zero: a blank cell carries no number
    pytest.param(
        RuleCase(
            ("R12",),
            False,
            T21,
            TOWN_BLANK_WITH_ZERO,
            frozenset({violation(TOWN_BLANK, None, "BlankCellNoValue")}),
            shapes=("BlankCellNoValue",),
        ),
        id="R12-fail-a-blank-cell-with-a-count-of-0",
    ),
    pytest.param(
        RuleCase(("R12",), True, T21, None, shapes=("BlankCell", "BlankCellNoValue"), witness=TOWN_BLANK),
        id="R12-pass-town-blank-cells",
    ),
    # R11 — no sums or comparisons across agencies: the province carried 2 forward, the county carries 1 in
    pytest.param(RuleCase(("R11",), True, ((PROVINCE, 2019), (COUNTY, 2020)), None), id="R11-no-rule-across-agencies"),
]


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
