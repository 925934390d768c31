"""The shapes, one by one: a failing and a passing case each, asserted as result sets.

Every case starts from the seed report's graph, changes a few triples with rdflib
and validates the result with the project's validator. A failing case asserts the
exact set of (focus node, result path, source shape or constraint, severity); a
passing case asserts that the seed gives no result at all while the shape has
something to check in it. Further tests keep the table complete (a new shape
without cases fails), check that every shape is named and explained in Chinese and
English, and run pySHACL's meta-SHACL check over the shapes themselves.

Figures used in the cases come from the source document: 658 = 21+22+2+1+612 for
the year, 2006 for the cumulative total, 46 documents online within 20 working
days, 3.785 (亿元) of subsidised loans.

The shapes of the national formats start instead from the constructed example
reports (tests/fixtures/national/): a case names its reports, and a case of two
reports is checked as the build checks reports of consecutive years (the shapes
across years over both). The rules of DOMAIN.md §2.7 come from
tests/test_national_rules.py, which shares their (cached) validation.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

import pyshacl
import pytest
from pyshacl.errors import ReportableRuntimeError
from rdflib import Graph, Literal, URIRef
from rdflib.extras.shacl import parse_shacl_path
from rdflib.paths import Path as PropertyPath
from rdflib.term import Node

from publisher.build.project import Project, check_record
from publisher.rdf.namespaces import DCAT, DCTERMS, OA, QB, RDF, SH, SKOS, XSD, vocabulary
from publisher.rdf.ntriples import sorted_ntriples
from publisher.settings import SHAPES_DIR
from publisher.validation.checker import ReportChecker
from publisher.validation.findings import Outcome
from tests.fixtures import examples
from tests.fixtures import national_rules as national
from tests.helpers import BASE, SEED_RECORD, SEED_SOURCE

SOURCE = SEED_SOURCE.read_text(encoding="utf-8")
DIS = vocabulary(BASE)
SHAPES_NS = f"{BASE}/def/shapes#"

REPORT = URIRef(f"{BASE}/id/report/jilin-city-science-technology-bureau/2011")
PERIOD = URIRef(f"{REPORT}#period")
JL = f"{BASE}/def/jilin-city-2011"
COMMON = f"{BASE}/def/common"
CATEGORIES_RULE = URIRef(f"{JL}/rule/categories-sum-to-total")
CHANNELS_RULE = URIRef(f"{JL}/rule/channels-sum-to-total")
CUMULATIVE_RULE = URIRef(f"{JL}/rule/cumulative-at-least-annual")
TIMELINESS_RULE = URIRef(f"{JL}/rule/timeliness-within-total")


def figure(key: str) -> URIRef:
    """A figure or narrative fact of the seed report, by its record key."""
    return URIRef(f"{REPORT}/{key}")


def part(node: URIRef, name: str) -> URIRef:
    """A node minted inside a figure's IRI: its #source segment, #quote or #position selector."""
    return URIRef(f"{node}#{name}")


TOTAL_2011 = figure("proactive-total-2011")  # 主动公开政府信息共658条
PLANS_2011 = figure("proactive-plans-2011")  # 规划计划类信息22条
NORMATIVE_2011 = figure("proactive-normative-documents-2011")  # 规范性文件类信息21条
ORGANISATION_2011 = figure("proactive-organisation-2011")  # 机构类信息1条
ONLINE_2011 = figure("timeliness-online-2011")  # 不超过20个工作日的数量为46条
REQUESTS_2011 = figure("requests-received-2011")  # 未收到任何形式的申请公开信息要求
LOANS = figure("subsidised-loans")  # 贷款金额达到3.785亿元
INVESTMENT = figure("website-investment")  # 投入100余万元 (a "more than" qualifier)

# Nodes that are not in the seed, added by some cases.
STRAY = URIRef(f"{REPORT}/stray")
SECOND_PERIOD = URIRef(f"{REPORT}#second-period")

VIOLATION, WARNING = "violation", "warning"

Result = tuple[str, str | None, str, str]


def path_text(path: URIRef | PropertyPath | None) -> str | None:
    """A result path as the validator reports it: a predicate's IRI, else SPARQL path syntax."""
    if path is None or isinstance(path, URIRef):
        return None if path is None else str(path)
    return path.n3()


def violation(focus: URIRef, path: URIRef | PropertyPath | None, shape: str) -> Result:
    return (str(focus), path_text(path), shape, VIOLATION)


def warning(rule: URIRef, shape: str) -> Result:
    return (str(rule), None, shape, WARNING)


def results(outcome: Outcome) -> set[Result]:
    return {(f.focus, f.path, f.shape.removeprefix("shapes#"), f.severity) for f in outcome.findings}


# ---------------------------------------------------------------------------
# Mutations of the seed graph; each refuses to be a silent no-op
# ---------------------------------------------------------------------------

Mutation = Callable[[Graph], None]


def replace(node: URIRef, predicate: URIRef, new: Node) -> Mutation:
    def mutate(graph: Graph) -> None:
        [old] = graph.objects(node, predicate)  # exactly one value to replace
        graph.remove((node, predicate, old))
        graph.add((node, predicate, new))

    return mutate


def retype(node: URIRef, predicate: URIRef, datatype: URIRef) -> Mutation:
    """Keep the lexical value, change its datatype."""

    def mutate(graph: Graph) -> None:
        [old] = graph.objects(node, predicate)
        graph.remove((node, predicate, old))
        graph.add((node, predicate, Literal(str(old), datatype=datatype)))

    return mutate


def remove(node: URIRef, predicate: URIRef | None = None) -> Mutation:
    """Remove every triple of `node` (with `predicate`, if given)."""

    def mutate(graph: Graph) -> None:
        triples = list(graph.triples((node, predicate, None)))
        assert triples, f"nothing to remove: {node} {predicate}"
        for triple in triples:
            graph.remove(triple)

    return mutate


def add(*triples: tuple[URIRef, URIRef, Node]) -> Mutation:
    def mutate(graph: Graph) -> None:
        for triple in triples:
            assert triple not in graph, triple
            graph.add(triple)

    return mutate


def chain(*mutations: Mutation) -> Mutation:
    def mutate(graph: Graph) -> None:
        for mutation in mutations:
            mutation(graph)

    return mutate


@dataclass(frozen=True)
class Case:
    """A change to the seed graph and the exact result set it must give."""

    shapes: tuple[str, ...]  # the shapes this case fails (or passes)
    mutate: Mutation | None  # None: the seed graph as built
    expected: frozenset[Result] = field(default_factory=frozenset)
    reports: tuple[tuple[str, int], ...] = ()  # example reports of the national formats; () is the seed


# ---------------------------------------------------------------------------
# Failing cases
# ---------------------------------------------------------------------------

FAILING = [
    # --- Reports ---
    pytest.param(
        Case(
            ("Report",),
            add((STRAY, RDF.type, DIS.AnnualReport)),
            frozenset(
                {
                    violation(STRAY, DIS.agency, "ReportAgency"),
                    violation(STRAY, DIS.reportYear, "ReportYear"),
                    violation(STRAY, DCTERMS.conformsTo, "ReportFormat"),
                    violation(STRAY, QB.structure, "ReportStructure"),
                    violation(STRAY, DCTERMS.temporal, "ReportPeriod"),
                }
            ),
        ),
        id="report-with-nothing-but-its-type",
    ),
    pytest.param(
        Case(
            ("ReportAgency",),
            replace(REPORT, DIS.agency, URIRef(f"{BASE}/id/agency/jilin-city-science-and-technology-bureau")),
            frozenset({violation(REPORT, DIS.agency, "ReportAgency")}),
        ),
        id="report-agency-not-in-the-registry",
    ),
    pytest.param(
        Case(
            ("ReportYear",),
            retype(REPORT, DIS.reportYear, XSD.integer),
            frozenset({violation(REPORT, DIS.reportYear, "ReportYear")}),
        ),
        id="report-year-an-integer-not-a-gyear",
    ),
    pytest.param(
        Case(
            ("ReportFormat",),
            remove(REPORT, DCTERMS.conformsTo),
            frozenset({violation(REPORT, DCTERMS.conformsTo, "ReportFormat")}),
        ),
        id="report-without-format",
    ),
    pytest.param(
        Case(
            ("ReportStructure",),
            remove(REPORT, QB.structure),
            frozenset({violation(REPORT, QB.structure, "ReportStructure")}),
        ),
        id="report-without-structure",
    ),
    pytest.param(
        Case(
            ("ReportPeriod",),
            # a second, complete period: 2011年1月1日起至2011年12月31日止 again
            add(
                (REPORT, DCTERMS.temporal, SECOND_PERIOD),
                (SECOND_PERIOD, DCAT.startDate, Literal(dt.date(2011, 1, 1))),
                (SECOND_PERIOD, DCAT.endDate, Literal(dt.date(2011, 12, 31))),
            ),
            frozenset({violation(REPORT, DCTERMS.temporal, "ReportPeriod")}),
        ),
        id="report-with-two-periods",
    ),
    # --- Periods (checked through shape:ReportPeriod's sh:node) ---
    pytest.param(
        Case(
            ("Period", "PeriodStart", "PeriodEnd"),
            chain(remove(PERIOD, DCAT.startDate), remove(PERIOD, DCAT.endDate)),
            frozenset(
                {
                    violation(PERIOD, DCAT.startDate, "PeriodStart"),
                    violation(PERIOD, DCAT.endDate, "PeriodEnd"),
                    violation(REPORT, DCTERMS.temporal, "ReportPeriod"),
                }
            ),
        ),
        id="period-without-dates",
    ),
    pytest.param(
        Case(
            ("PeriodStart",),
            retype(PERIOD, DCAT.startDate, XSD.string),
            frozenset(
                {
                    violation(PERIOD, DCAT.startDate, "PeriodStart"),
                    violation(REPORT, DCTERMS.temporal, "ReportPeriod"),
                }
            ),
        ),
        id="period-start-text-not-a-date",
    ),
    # --- Figures ---
    pytest.param(
        Case(
            ("Observation",),
            add((STRAY, RDF.type, QB.Observation)),
            frozenset(
                {
                    violation(STRAY, QB.dataSet, "ObservationDataSet"),
                    violation(STRAY, DIS.count, "ObservationCount"),
                    violation(STRAY, DIS.statedAt, "ObservationStatedAt"),
                }
            ),
        ),
        id="figure-with-nothing-but-its-type",
    ),
    pytest.param(
        Case(
            ("ObservationDataSet",),
            remove(REQUESTS_2011, QB.dataSet),
            frozenset({violation(REQUESTS_2011, QB.dataSet, "ObservationDataSet")}),
        ),
        id="figure-outside-any-report",
    ),
    pytest.param(
        Case(
            ("ObservationCount",),
            # 机构类信息1条 stated as -1: the categories then add up to 656, not 658
            replace(ORGANISATION_2011, DIS.count, Literal(-1)),
            frozenset(
                {
                    violation(ORGANISATION_2011, DIS.count, "ObservationCount"),
                    warning(CATEGORIES_RULE, "SumRuleHolds"),
                }
            ),
        ),
        id="negative-count",
    ),
    pytest.param(
        Case(
            ("ObservationStatedAt",),
            remove(ORGANISATION_2011, DIS.statedAt),
            frozenset({violation(ORGANISATION_2011, DIS.statedAt, "ObservationStatedAt")}),
        ),
        id="figure-without-source-segment",
    ),
    pytest.param(
        Case(
            ("ObservationCodes",),
            # category/plan for category/plans: the categories' sum is then not checked (a part is unstated)
            replace(PLANS_2011, DIS.item, URIRef(f"{JL}/category/plan")),
            frozenset({violation(PLANS_2011, None, "ObservationCodes")}),
        ),
        id="unknown-item-code",
    ),
    pytest.param(
        Case(
            ("ObservationDimensions",),
            remove(ORGANISATION_2011, DIS.agency),
            frozenset({violation(ORGANISATION_2011, None, "ObservationDimensions")}),
        ),
        id="figure-without-agency-dimension",
    ),
    pytest.param(
        Case(
            ("ObservationUnique",),
            # 规划计划类信息22条 recorded as normative documents, like 规范性文件类信息21条
            replace(PLANS_2011, DIS.item, URIRef(f"{JL}/category/normative-documents")),
            frozenset(
                {
                    violation(PLANS_2011, None, "ObservationUnique"),
                    violation(NORMATIVE_2011, None, "ObservationUnique"),
                }
            ),
        ),
        id="two-figures-with-identical-dimensions",
    ),
    # --- Source segments (checked through sh:node from figures and facts) ---
    pytest.param(
        Case(
            ("SourceSegment", "SegmentSource", "SegmentQuote", "SegmentPosition"),
            remove(part(ORGANISATION_2011, "source")),
            frozenset(
                {
                    violation(ORGANISATION_2011, DIS.statedAt, "ObservationStatedAt"),
                    violation(part(ORGANISATION_2011, "source"), OA.hasSource, "SegmentSource"),
                    violation(part(ORGANISATION_2011, "source"), OA.hasSelector / OA.exact, "SegmentQuote"),
                    violation(part(ORGANISATION_2011, "source"), OA.hasSelector / OA.start, "SegmentPosition"),
                }
            ),
        ),
        id="empty-source-segment",
    ),
    pytest.param(
        Case(
            ("SegmentQuote",),
            retype(part(ORGANISATION_2011, "quote"), OA.exact, XSD.anyURI),
            frozenset(
                {
                    violation(ORGANISATION_2011, DIS.statedAt, "ObservationStatedAt"),
                    violation(part(ORGANISATION_2011, "source"), OA.hasSelector / OA.exact, "SegmentQuote"),
                }
            ),
        ),
        id="quote-not-a-string",
    ),
    pytest.param(
        Case(
            ("SegmentPosition",),
            # xsd:integer from 0 is what the store keeps (Oxigraph keeps xsd:nonNegativeInteger as xsd:integer)
            retype(part(ORGANISATION_2011, "position"), OA.start, XSD.nonNegativeInteger),
            frozenset(
                {
                    violation(ORGANISATION_2011, DIS.statedAt, "ObservationStatedAt"),
                    violation(part(ORGANISATION_2011, "source"), OA.hasSelector / OA.start, "SegmentPosition"),
                }
            ),
        ),
        id="start-a-non-negative-integer-not-an-integer",
    ),
    pytest.param(
        Case(
            ("SegmentPosition",),
            replace(part(ORGANISATION_2011, "position"), OA.start, Literal(-1, datatype=XSD.integer)),
            frozenset(
                {
                    violation(ORGANISATION_2011, DIS.statedAt, "ObservationStatedAt"),
                    violation(part(ORGANISATION_2011, "source"), OA.hasSelector / OA.start, "SegmentPosition"),
                }
            ),
        ),
        id="start-negative",
    ),
    # --- Narrative facts ---
    pytest.param(
        Case(
            ("NarrativeFact",),
            add((STRAY, RDF.type, DIS.NarrativeFact)),
            frozenset(
                {
                    violation(STRAY, DIS.value, "FactValue"),
                    violation(STRAY, DIS.unit / SKOS.inScheme, "FactUnit"),
                    violation(STRAY, DIS.qualifier / SKOS.inScheme, "FactQualifier"),
                    violation(STRAY, DIS.factOf, "FactReport"),
                    violation(STRAY, DIS.statedAt, "FactStatedAt"),
                }
            ),
        ),
        id="fact-with-nothing-but-its-type",
    ),
    pytest.param(
        Case(
            ("FactValue",),
            retype(LOANS, DIS.value, XSD.string),
            frozenset({violation(LOANS, DIS.value, "FactValue")}),
        ),
        id="fact-value-text-not-decimal",
    ),
    pytest.param(
        Case(
            ("FactUnit",),
            replace(LOANS, DIS.unit, URIRef(f"{COMMON}/unit/yi-yuan")),
            frozenset({violation(LOANS, DIS.unit / SKOS.inScheme, "FactUnit")}),
        ),
        id="fact-unit-not-a-shared-unit",
    ),
    pytest.param(
        Case(
            ("FactQualifier",),
            replace(INVESTMENT, DIS.qualifier, URIRef(f"{COMMON}/qualifier/about")),
            frozenset(
                {
                    violation(
                        INVESTMENT,
                        DIS.qualifier / SKOS.inScheme,
                        "FactQualifier",
                    )
                }
            ),
        ),
        id="fact-qualifier-not-a-shared-qualifier",
    ),
    pytest.param(
        Case(
            ("FactReport",),
            replace(LOANS, DIS.factOf, ORGANISATION_2011),
            frozenset({violation(LOANS, DIS.factOf, "FactReport")}),
        ),
        id="fact-of-a-figure-not-a-report",
    ),
    pytest.param(
        Case(
            ("FactStatedAt",),
            remove(part(LOANS, "quote"), OA.exact),
            frozenset(
                {
                    violation(LOANS, DIS.statedAt, "FactStatedAt"),
                    violation(part(LOANS, "source"), OA.hasSelector / OA.exact, "SegmentQuote"),
                }
            ),
        ),
        id="fact-quote-selector-without-quote",
    ),
    # --- Arithmetic (warnings; the focus is the format's rule) ---
    pytest.param(
        Case(
            ("SumRule", "SumRuleHolds"),
            # the example: 658 = 21+22+2+1+612 stated as 659; the channels give 655+3 = 658 too
            replace(TOTAL_2011, DIS.count, Literal(659)),
            frozenset({warning(CATEGORIES_RULE, "SumRuleHolds"), warning(CHANNELS_RULE, "SumRuleHolds")}),
        ),
        id="total-658-stated-as-659",
    ),
    pytest.param(
        Case(
            ("UpperBoundRule", "UpperBoundRuleHolds"),
            # 46 documents online within 20 days stated as 2006: above the year's 658 and the cumulative 107
            replace(ONLINE_2011, DIS.count, Literal(2006)),
            frozenset(
                {warning(TIMELINESS_RULE, "UpperBoundRuleHolds"), warning(CUMULATIVE_RULE, "UpperBoundRuleHolds")}
            ),
        ),
        id="timeliness-46-stated-as-2006",
    ),
]


# --- The national formats (constructed example reports) ---

P19, T21 = national.P19, national.T21
P19_CELL_ON_TABLE_2_COLUMN = national.fig(examples.PROVINCE, 2019, "request-carried-over-research-institutions")
P19_RULES_NEWLY_MADE = national.fig(examples.PROVINCE, 2019, "proactive-rules-newly-made")  # 规章 · 本年新制作 3
P19_PROCUREMENT_AMOUNT = national.fig(examples.PROVINCE, 2019, "proactive-government-procurement-procurement-amount")
T21_OVERVIEW = URIRef(f"{BASE}/id/report/{examples.TOWN}/2021#section-overview")
N19_COLUMN = f"{BASE}/def/national-2019/proactive-column"
N21_SECTION = f"{BASE}/def/national-2021/section"

P19_MEASURE_UNIT_CELL = chain(
    # 规章 · 本年新制作 3 stated as an amount of money, not a count
    remove(P19_RULES_NEWLY_MADE, DIS.count),
    add((P19_RULES_NEWLY_MADE, DIS.amount, Literal("3", datatype=XSD.decimal))),
    # 采购总金额 251000 without its unit (元)
    remove(P19_PROCUREMENT_AMOUNT, DIS.unit),
    # a cell of table 三 moved to a column of table 二
    replace(P19_CELL_ON_TABLE_2_COLUMN, DIS.column, URIRef(f"{N19_COLUMN}/newly-made")),
)
T21_STRAY_BLANK = add((STRAY, RDF.type, DIS.BlankCell))
T21_STRAY_SECTION = add((STRAY, RDF.type, DIS.ReportSection))
T21_OVERVIEW_AS_TABLE_SECTION = replace(T21_OVERVIEW, DCTERMS.type, URIRef(f"{N21_SECTION}/proactive"))


def from_rules(shapes: tuple[str, ...], case_id: str) -> object:
    """A failing case of tests/test_national_rules.py, as a case of this table."""
    [param] = [p for p in national.CASES if p.id == case_id]
    rule_case = param.values[0]
    return pytest.param(Case(shapes, rule_case.mutate, rule_case.expected, rule_case.reports), id=f"national-{case_id}")


def passing_from_rules(shape: str, case_id: str) -> object:
    """A passing case of tests/test_national_rules.py, with its witness, as a passing case of `shape`."""
    [param] = [p for p in national.CASES if p.id == case_id]
    rule_case = param.values[0]
    assert rule_case.passing and rule_case.witness is not None, case_id
    case = Case((shape,), rule_case.mutate, rule_case.expected, rule_case.reports)
    return pytest.param(case, rule_case.witness, id=f"{shape}-national-{case_id}")


FAILING += [
    pytest.param(
        Case(
            ("ObservationMeasure", "ObservationAttributes", "ObservationCell"),
            P19_MEASURE_UNIT_CELL,
            frozenset(
                {
                    violation(P19_RULES_NEWLY_MADE, None, "ObservationMeasure"),
                    violation(P19_PROCUREMENT_AMOUNT, None, "ObservationAttributes"),
                    violation(P19_CELL_ON_TABLE_2_COLUMN, None, "ObservationCell"),
                }
            ),
            P19,
        ),
        id="national-count-as-amount-amount-without-unit-cell-in-another-tables-column",
    ),
    from_rules(("ObservationAmount",), "R6-fail-fees-minus-0.5"),
    pytest.param(
        Case(
            ("BlankCell", "BlankCellReport", "BlankCellStatus", "BlankCellStatedAt"),
            T21_STRAY_BLANK,
            frozenset(
                {
                    violation(STRAY, DIS.cellOf, "BlankCellReport"),
                    violation(STRAY, DIS.cellStatus, "BlankCellStatus"),
                    violation(STRAY, DIS.statedAt, "BlankCellStatedAt"),
                }
            ),
            T21,
        ),
        id="national-blank-cell-with-nothing-but-its-type",
    ),
    from_rules(("BlankCellNoValue",), "R12-fail-a-blank-cell-with-a-count-of-0"),
    pytest.param(
        Case(
            ("Section", "SectionReport", "SectionText", "SectionStatedAt"),
            T21_STRAY_SECTION,
            frozenset(
                {
                    violation(STRAY, DIS.sectionOf, "SectionReport"),
                    violation(STRAY, RDF.value, "SectionText"),
                    violation(STRAY, DIS.statedAt, "SectionStatedAt"),
                }
            ),
            T21,
        ),
        id="national-section-with-nothing-but-its-type",
    ),
    pytest.param(
        Case(
            ("SectionKind",),
            T21_OVERVIEW_AS_TABLE_SECTION,
            frozenset({violation(T21_OVERVIEW, None, "SectionKind")}),
            T21,
        ),
        id="national-overview-recorded-as-the-table-section-二",
    ),
    from_rules(("BalanceRule", "BalanceRuleHolds"), "R1-fail-town-new-natural-persons-3"),
    from_rules(("RestatementRule", "RestatementRuleHolds"), "R10-fail-overview-restates-148-for-147"),
    # a blank total worded as blank (3 + 1 + 0 + 1 = 5 under a blank 总计), a restated 0 where the table is blank,
    # and a group total restated as 5 where the table gives only its parts, 3 + 1
    from_rules(("SumRuleBlankTotal",), "R5-fail-reconsideration-total-blank-parts-5"),
    from_rules(("RestatementRuleOfBlank",), "R10-fail-restates-0-where-the-table-is-blank"),
    from_rules(("RestatementRuleOfGroup",), "R10-fail-litigation-3+1-restated-as-5"),
    from_rules(("CarryOverRule", "CarryOverRuleHolds"), "R7-fail-county-2021-carries-in-2"),
    from_rules(("StockFlowRule", "StockFlowRuleHolds"), "R9-fail-286+10-stated-as-290"),
]


# ---------------------------------------------------------------------------
# Passing cases: the seed itself, with the node each shape checks in it
# ---------------------------------------------------------------------------

SEED_WITNESSES: dict[str, URIRef] = {
    **dict.fromkeys(
        ["Report", "ReportAgency", "ReportYear", "ReportFormat", "ReportStructure", "ReportPeriod"], REPORT
    ),
    **dict.fromkeys(["Period", "PeriodStart", "PeriodEnd"], PERIOD),
    # 机构类信息1条 (annual) and 22条 (cumulative) differ in the period only: not duplicates
    **dict.fromkeys(
        [
            "Observation",
            "ObservationDataSet",
            "ObservationStatedAt",
            "ObservationCodes",
            "ObservationDimensions",
            "ObservationUnique",
        ],
        ORGANISATION_2011,
    ),
    "ObservationCount": REQUESTS_2011,  # a count of 0 is allowed: 未收到任何形式的申请公开信息要求
    **dict.fromkeys(
        ["SourceSegment", "SegmentSource", "SegmentQuote", "SegmentPosition"], part(ORGANISATION_2011, "source")
    ),
    **dict.fromkeys(["NarrativeFact", "FactValue", "FactUnit", "FactReport", "FactStatedAt"], LOANS),
    "FactQualifier": INVESTMENT,  # 100余万元: more than
    **dict.fromkeys(["SumRule", "SumRuleHolds"], CATEGORIES_RULE),  # 21+22+2+1+612 = 658
    **dict.fromkeys(["UpperBoundRule", "UpperBoundRuleHolds"], CUMULATIVE_RULE),  # press conferences: 3 ≤ 3
}

PASSING = [
    *(
        pytest.param(Case((shape,), None), witness, id=f"{shape}-seed")
        for shape, witness in sorted(SEED_WITNESSES.items())
    ),
    pytest.param(
        Case(
            ("SumRuleHolds",),
            # without 机构类信息1条 the parts add up to 657, but a sum is checked only when every part is stated
            remove(ORGANISATION_2011),
        ),
        CATEGORIES_RULE,
        id="SumRuleHolds-unchecked-while-a-part-is-unstated",
    ),
]

# The national formats: the examples as they are, with the node each shape checks in them
NATIONAL_WITNESSES: dict[str, tuple[tuple[tuple[str, int], ...], URIRef]] = {
    "ObservationAmount": (P19, P19_PROCUREMENT_AMOUNT),  # 251000元
    **dict.fromkeys(["ObservationMeasure", "ObservationAttributes", "ObservationCell"], (P19, P19_PROCUREMENT_AMOUNT)),
    **dict.fromkeys(
        ["BlankCell", "BlankCellReport", "BlankCellNoValue", "BlankCellStatus", "BlankCellStatedAt"],
        (T21, national.TOWN_BLANK),
    ),
    **dict.fromkeys(["Section", "SectionReport", "SectionText", "SectionStatedAt", "SectionKind"], (T21, T21_OVERVIEW)),
    **dict.fromkeys(["BalanceRule", "BalanceRuleHolds"], (T21, national.R1_RULE_21)),  # 2 + blank = 2 + blank
    **dict.fromkeys(["RestatementRule", "RestatementRuleHolds"], (P19, national.R10_RULE_19)),  # 147 restated
    **dict.fromkeys(["CarryOverRule", "CarryOverRuleHolds"], (national.COUNTY_PAIR, national.R7_RULE_21)),
}
PASSING += [
    pytest.param(Case((shape,), None, reports=reports), witness, id=f"{shape}-national")
    for shape, (reports, witness) in sorted(NATIONAL_WITNESSES.items())
]
PASSING += [
    # the town's table 四 is blank throughout: its blank totals, of blank parts, agree under the rule
    passing_from_rules("SumRuleBlankTotal", "R5-pass-town-blank-totals-of-blank-parts"),
    # 无 (none corrected) restated as 0 where the table states ０, not a blank
    passing_from_rules("RestatementRuleOfBlank", "R10-pass-none-corrected-in-words-0"),
    # 行政诉讼, a group: restated as 4, its parts 3 + 1
    passing_from_rules("RestatementRuleOfGroup", "R10-pass-litigation-3+1-restated-as-4"),
    pytest.param(
        Case(("StockFlowRule",), national.P20_NORMATIVE_TOTAL_296, reports=national.PROVINCE_PAIR),
        national.R9_RULE_19,
        id="StockFlowRule-national-286+10=296",
    ),
    pytest.param(
        Case(("StockFlowRuleHolds",), national.P20_NORMATIVE_TOTAL_296, reports=national.PROVINCE_PAIR),
        national.R9_RULE_19,
        id="StockFlowRuleHolds-national-286+10=296",
    ),
]


# ---------------------------------------------------------------------------
# Fixtures
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def seed_graph(project: Project) -> Graph:
    return check_record(project, SEED_RECORD).graph


@pytest.fixture(scope="module")
def validate_case(project: Project, seed_graph: Graph) -> Callable[[Case], tuple[Graph, Outcome]]:
    """Validate a case's graph, once per mutation; the seed's outcome is shared by the passing cases."""
    cache: dict[Mutation | None, tuple[Graph, Outcome]] = {}

    def run(case: Case) -> tuple[Graph, Outcome]:
        if case.reports:
            return examples.validated(case.reports, case.mutate)
        key = case.mutate
        if key not in cache:
            graph = Graph()
            for triple in seed_graph:
                graph.add(triple)
            if case.mutate is not None:
                case.mutate(graph)
                assert set(graph) != set(seed_graph), "the mutation changed nothing"
            cache[key] = graph, project.validator.validate(graph)
        return cache[key]

    return run


@pytest.fixture(scope="module")
def shapes_graph(project: Project) -> Graph:
    return project.shapes


def shape_iris(graph: Graph) -> set[URIRef]:
    """Every node shape, property shape and SPARQL constraint that has an IRI."""
    kinds = (SH.NodeShape, SH.PropertyShape, SH.SPARQLConstraint)
    return {node for kind in kinds for node in graph.subjects(RDF.type, kind) if isinstance(node, URIRef)}


def short(iri: URIRef) -> str:
    return str(iri).removeprefix(SHAPES_NS)


def shape_files_graph() -> Graph:
    """The shapes as written in shapes/*.ttl, resolved against the base IRI."""
    graph = Graph()
    for path in sorted(SHAPES_DIR.glob("*.ttl")):
        graph.parse(path, format="turtle", publicID=f"{BASE}/")
    return graph


SHAPE_NAMES = sorted(short(iri) for iri in shape_iris(shape_files_graph()))


# ---------------------------------------------------------------------------
# Tests
# ---------------------------------------------------------------------------


def test_the_seed_conforms_with_no_result_at_all(validate_case: Callable[[Case], tuple[Graph, Outcome]]) -> None:
    _graph, outcome = validate_case(Case(("seed",), None))
    assert outcome.conforms, outcome.text
    assert results(outcome) == set()


@pytest.mark.parametrize("case", FAILING)
def test_failing_case(case: Case, validate_case: Callable[[Case], tuple[Graph, Outcome]]) -> None:
    _graph, outcome = validate_case(case)
    assert results(outcome) == case.expected, outcome.text
    for finding in outcome.findings:  # every result explains itself in both languages
        assert finding.message_zh != finding.message_en, finding
        assert any("\u4e00" <= ch <= "\u9fff" for ch in finding.message_zh), finding
        assert finding.message_en.isascii(), finding


def applies(shape: Node, focus: Node, data: Graph, shapes: Graph) -> bool:
    """Whether `shape` checks `focus` in `data` and (for a property shape) finds values to check.

    Enough of SHACL's targeting for the shapes here: sh:targetClass, sh:property,
    sh:node and sh:sparql.
    """
    if (shape, RDF.type, SH.SPARQLConstraint) in shapes:
        return any(applies(owner, focus, data, shapes) for owner in shapes.subjects(SH.sparql, shape))
    if (shape, RDF.type, SH.PropertyShape) in shapes:
        path = parse_shacl_path(shapes, shapes.value(shape, SH.path))
        owners = list(shapes.subjects(SH.property, shape))
        return bool(list(data.objects(focus, path))) and any(applies(o, focus, data, shapes) for o in owners)
    targets = list(shapes.objects(shape, SH.targetClass))
    if targets:
        return any((focus, RDF.type, target) in data for target in targets)
    for referrer in shapes.subjects(SH.node, shape):  # a node shape reached from a property shape's values
        path = parse_shacl_path(shapes, shapes.value(referrer, SH.path))
        for subject in data.subjects():
            if focus in set(data.objects(subject, path)) and applies(referrer, subject, data, shapes):
                return True
    return False


@pytest.mark.parametrize("case, witness", PASSING)
def test_passing_case(
    case: Case,
    witness: URIRef,
    project: Project,
    shapes_graph: Graph,
    validate_case: Callable[[Case], tuple[Graph, Outcome]],
) -> None:
    graph, outcome = validate_case(case)
    assert results(outcome) == case.expected, outcome.text
    [shape] = case.shapes
    data = (examples.project() if case.reports else project).validator.context + graph
    assert applies(URIRef(SHAPES_NS + shape), witness, data, shapes_graph), (
        f"{shape} has nothing to check at {witness}: the case would pass vacuously"
    )


def test_every_shape_has_a_failing_and_a_passing_case() -> None:
    failing = {shape for param in FAILING for shape in param.values[0].shapes}
    passing = {shape for param in PASSING for shape in param.values[0].shapes}
    assert len(SHAPE_NAMES) >= 30  # the shapes were found at all
    assert set(SHAPE_NAMES) - failing == set(), "shapes without a failing case"
    assert set(SHAPE_NAMES) - passing == set(), "shapes without a passing case"
    assert (failing | passing) - set(SHAPE_NAMES) == set(), "cases for shapes that do not exist"


@pytest.mark.parametrize("case", FAILING)
def test_a_failing_case_names_the_shapes_it_fails(case: Case, shapes_graph: Graph) -> None:
    """A case that claims a property shape or constraint has a result from it (node shapes have none)."""
    sources = {shape for _focus, _path, shape, _severity in case.expected}
    for shape in case.shapes:
        if (URIRef(SHAPES_NS + shape), RDF.type, SH.NodeShape) not in shapes_graph:
            assert shape in sources, f"{shape} is claimed but not among the expected results"


def test_sparql_messages_name_the_values(validate_case: Callable[[Case], tuple[Graph, Outcome]]) -> None:
    [total] = [p.values[0] for p in FAILING if p.id == "total-658-stated-as-659"]
    _graph, outcome = validate_case(total)
    for finding in outcome.findings:
        assert finding.value == str(TOTAL_2011)
        assert "659" in finding.message_en and "658" in finding.message_en, finding
        assert "659" in finding.message_zh and "658" in finding.message_zh, finding
    [unknown] = [p.values[0] for p in FAILING if p.id == "unknown-item-code"]
    _graph, outcome = validate_case(unknown)
    [finding] = outcome.findings
    assert finding.value == f"{JL}/category/plan"
    assert f"{JL}/category/plan" in finding.message_en
    assert f"{JL}/item" in finding.message_en  # the code list to choose from
    assert str(DIS.item) in finding.message_en


def literals(graph: Graph, subject: Node, predicate: URIRef) -> dict[str | None, str]:
    return {o.language: str(o) for o in graph.objects(subject, predicate) if isinstance(o, Literal)}


@pytest.mark.parametrize("name", SHAPE_NAMES)
def test_shape_is_named_and_explained_in_zh_and_en(name: str, shapes_graph: Graph) -> None:
    shape = URIRef(SHAPES_NS + name)
    is_constraint = (shape, RDF.type, SH.SPARQLConstraint) in shapes_graph
    if not is_constraint:
        names = literals(shapes_graph, shape, SH.name)
        assert {"zh", "en"} <= set(names), f"{name}: sh:name in zh and en, has {names}"
    messages = literals(shapes_graph, shape, SH.message)
    if (shape, RDF.type, SH.NodeShape) in shapes_graph and not messages:
        # a node shape speaks through its constraints; each is checked on its own
        constraints = [*shapes_graph.objects(shape, SH.property), *shapes_graph.objects(shape, SH.sparql)]
        assert constraints, f"{name} has neither a message nor constraints"
        for constraint in constraints:
            assert {"zh", "en"} <= set(literals(shapes_graph, constraint, SH.message)), constraint
        return
    assert {"zh", "en"} <= set(messages), f"{name}: sh:message in zh and en, has {messages}"
    assert any("\u4e00" <= ch <= "\u9fff" for ch in messages["zh"]), messages["zh"]
    assert messages["en"].isascii(), messages["en"]


def test_shapes_pass_the_meta_shacl_check(shapes_graph: Graph) -> None:
    # meta_shacl=True first validates the shapes against SHACL's own shapes (shacl-shacl)
    # and raises ReportableRuntimeError, with the report, if they do not conform.
    conforms, _report, text = pyshacl.validate(shapes_graph, meta_shacl=True, inference="none")
    assert conforms, text


def test_the_meta_shacl_check_catches_a_malformed_shape(shapes_graph: Graph) -> None:
    broken = Graph()
    for triple in shapes_graph:
        broken.add(triple)
    broken.add((URIRef(SHAPES_NS + "ReportYear"), SH.minCount, Literal("one")))
    with pytest.raises(ReportableRuntimeError, match="MetaSHACL"):
        pyshacl.validate(broken, meta_shacl=True, inference="none")


# ---------------------------------------------------------------------------
# The build's checker finds what the validator finds, case by case
# ---------------------------------------------------------------------------

ONE_REPORT_CASES = [
    pytest.param(param.values[0], id=f"{kind}-{param.id}")
    for kind, params in (("failing", FAILING), ("passing", PASSING))
    for param in params
    if len(param.values[0].reports) <= 1
]


@pytest.fixture(scope="module")
def checkers(project: Project) -> dict[str, ReportChecker]:
    """A ReportChecker for the seed's project and one for the national examples' (as the build's workers make them)."""
    made = {}
    for name, p in (("seed", project), ("national", examples.project())):
        made[name] = ReportChecker(p.validator, p.ontology, p.formats, p.agencies, p.iris)
    return made


def test_the_checker_is_compared_on_enough_cases() -> None:
    assert len(ONE_REPORT_CASES) >= 60  # no filter left in by mistake


@pytest.mark.parametrize("case", ONE_REPORT_CASES)
def test_the_report_checker_finds_what_the_validator_finds(
    case: Case,
    checkers: dict[str, ReportChecker],
    validate_case: Callable[[Case], tuple[Graph, Outcome]],
) -> None:
    """The build checks a report with `checking.ReportChecker` (pySHACL's shapes kept, a context per format);
    each case's findings are exactly those of `Validator.validate`, message for message."""
    graph, expected = validate_case(case)
    if case.reports:
        checker, fmt = checkers["national"], examples.report(*case.reports[0]).format
    else:
        checker, fmt = checkers["seed"], "jilin-city-2011"
    found = checker.check(graph, fmt)
    assert found.findings == expected.findings
    given_up = Graph()
    for triple in graph:
        given_up.add(triple)
    # as a build worker calls it: the N-Triples given, the graph given up (the context may be added to it)
    again = checker.check(given_up, fmt, ntriples=sorted_ntriples(graph), spare=True)
    assert again.findings == expected.findings


def test_a_national_report_takes_its_context_in_when_given_up(
    checkers: dict[str, ReportChecker], seed_graph: Graph
) -> None:
    """The national examples are larger than their format's context: `spare=True` above checks them with the context
    added to the report's graph (the seed, smaller, the other way round): both ways are compared with the validator."""
    checker = checkers["national"]
    for agency, year in examples.ALL:
        fmt = examples.report(agency, year).format
        assert len(examples.graph(agency, year)) > len(checker.context(fmt).triples), (agency, year)
    assert len(seed_graph) < len(checkers["seed"].context("jilin-city-2011").triples)
