"""The SPARQL constraints evaluated directly (validation/directsparql.py) find exactly what Oxigraph finds.

For every graph the tests build — the seed, the national examples, a synthetic corpus of
every era with blank cells and broken totals, every real document imported as a person
imports it, every one-report case of tests/test_shapes.py (which include the rule cases
of tests/fixtures/national_rules.py) and the bad inputs below (a total that does not add
up, a balance that does not hold, two figures of the same cell, blank totals) — each
constraint the checker evaluates directly gives the same findings, sorted, as the same
constraint run on Oxigraph over a store of the report, its agency and its format's
context: same shape, focus node, value, path, severity, messages, figure and line.

Every constraint a report is checked with on its own is evaluated directly (directsparql.py
and directrules.py): the other bad inputs below make each of those of directrules.py find
something (a restated number that differs, restates a blank cell or a group, a figure above
its bound, a measure missing or contradicted, a count missing or negative, a blank cell with a
value, a section of no prose kind), and with nothing left over the checker makes no store.

The direct evaluation is tied to the query it follows: a shape whose query differs from the
one registered runs on Oxigraph again (the last tests change a query and see it run so).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef

from publisher import synthetic
from publisher.build.project import Project, check_record, load_project
from publisher.graph.reporttriples import report_triples
from publisher.rdf.namespaces import DCTERMS, QB, RDF, SH, XSD, vocabulary
from publisher.rdf.ntterms import TermTriple, rdf_term, sorted_term_ntriples, term_triples
from publisher.records.loading import find_records, load_report
from publisher.records.model import Report
from publisher.validation.checker import ReportChecker
from publisher.validation.coreshapes import Data, Index
from publisher.validation.directrules import REGISTRATIONS
from publisher.validation.directsparql import constraint_name
from publisher.validation.findings import Finding
from publisher.validation.validator import Validator
from tests import test_shapes
from tests.fixtures import examples
from tests.helpers import BASE, DATA, SEED_RECORD, make_settings

DIS = vocabulary(BASE)
SHAPES = f"{BASE}/def/shapes#"
#: The constraints evaluated directly (shapes/*.ttl: every one checked report by report; ObservationCount's two
#: constraints are blank nodes of its shape, named by it).
DIRECT = {
    "SumRuleHolds",
    "BalanceRuleHolds",
    "ObservationUnique",
    "SumRuleBlankTotal",
    "ObservationCodes",
    "ObservationDimensions",
    "ObservationAttributes",
    "ObservationCell",
    "RestatementRuleHolds",
    "RestatementRuleOfBlank",
    "RestatementRuleOfGroup",
    "UpperBoundRuleHolds",
    "ObservationMeasure",
    "ObservationCount",
    "BlankCellNoValue",
    "SectionKind",
}
#: The constraints across years (shapes/cross-year.ttl): evaluated by the build over many reports, not here.
ACROSS_YEARS = {"CarryOverRuleHolds", "StockFlowRuleHolds"}


def checker_of(project: Project) -> ReportChecker:
    return ReportChecker(project.validator, project.ontology, project.formats, project.agencies, project.iris)


def both(
    checker: ReportChecker, triples: Sequence[TermTriple], fmt: str, report: Report | None = None
) -> tuple[list[Finding], list[Finding], set[str]]:
    """The findings of the directly evaluated constraints: on Oxigraph, directly (each sorted), and the names of
    the constraints evaluated directly on these triples (an evaluator may leave a report to Oxigraph)."""
    agency_term = next((o for _, p, o in triples if p == f"<{DIS.agency}>"), None)
    agency = rdf_term(agency_term) if agency_term is not None else None
    data = Data([Index(triples), checker.agency_index(agency), checker.context_index(fmt)])
    direct = [c for c in checker.local if c in checker.direct_sparql.evaluators]
    solved = checker.direct_sparql.rows(direct, data)
    extra = checker.agency_ntriples(agency) if isinstance(agency, URIRef) else b""
    store = checker.context(fmt).store(sorted_term_ntriples(triples) + extra)
    on_oxigraph = checker.validator.evaluate_on(direct, store, report)
    # as the checker runs them: what is not evaluated directly runs on the store, made only then
    left = len(solved) < len(direct)
    directly = checker.validator.evaluate_on(
        direct, lambda: store if left else pytest.fail("no store needed"), report, solved
    )
    # (a name evaluated directly only when each of its constraints is: ObservationCount names two)
    names = {constraint_name(c) for c in direct} - {constraint_name(c) for c in direct if c not in solved}
    return sorted(on_oxigraph, key=repr), sorted(directly, key=repr), names


def assert_same_on_records(data: Path, expected_records: int) -> dict[str, int]:
    """Every record of the data folder: the same findings both ways; the number of findings by constraint."""
    project = load_project(make_settings(data_dir=data))
    checker = checker_of(project)
    keys = {slug: fmt.record_keys for slug, fmt in project.formats.items()}
    paths = find_records(data)
    assert len(paths) == expected_records
    found: dict[str, int] = {}
    for path in paths:
        report = load_report(path, project.registry, keys)
        triples = report_triples(report, project.registry, project.formats[report.format], project.iris)
        on_oxigraph, directly, names = both(checker, triples, report.format, report)
        assert directly == on_oxigraph, path
        assert names == DIRECT, path  # nothing left to Oxigraph: the comparison compares something
        for finding in on_oxigraph:
            found[finding.shape] = found.get(finding.shape, 0) + 1
    return found


# ---------------------------------------------------------------------------
# The records the tests read
# ---------------------------------------------------------------------------


def test_the_seed_and_the_national_examples() -> None:
    assert_same_on_records(DATA, 1)
    assert_same_on_records(examples.EXAMPLES, 5)


def test_synthetic_reports_of_every_era_with_broken_totals(tmp_path: Path) -> None:
    """Three agencies × 2016–2022 (the Jilin template, national 2019 and 2021), blank cells, most totals off."""
    synthetic.generate(tmp_path, 3, years=range(2016, 2023), seed=29, blank_rate=0.1, inconsistency_rate=0.8)
    found = assert_same_on_records(tmp_path, 21)
    assert found.get("shapes#SumRuleHolds", 0) > 0  # the broken totals are found, both ways


def test_every_real_document(tmp_path: Path) -> None:
    found = assert_same_on_records(examples.write_real_documents(tmp_path), 7)
    assert found.get("shapes#SumRuleHolds", 0) > 0  # the real reports whose own figures do not add up


# ---------------------------------------------------------------------------
# Every one-report case of the shape tests (the seed or a national example, changed triple by triple)
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def seed_graph() -> Graph:
    return check_record(load_project(make_settings()), SEED_RECORD).graph


@pytest.fixture(scope="module")
def checkers() -> dict[str, ReportChecker]:
    return {"seed": checker_of(load_project(make_settings())), "national": checker_of(examples.project())}


def case_graph(case: test_shapes.Case, seed_graph: Graph) -> tuple[Graph, str, str]:
    """A case's graph, the checker it is checked with and its format."""
    if case.reports:
        graph = examples.copy(examples.graph(*case.reports[0]))
        kind, fmt = "national", examples.report(*case.reports[0]).format
    else:
        graph, kind, fmt = examples.copy(seed_graph), "seed", "jilin-city-2011"
    if case.mutate is not None:
        case.mutate(graph)
    return graph, kind, fmt


@pytest.mark.parametrize("case", test_shapes.ONE_REPORT_CASES)
def test_every_one_report_case_of_the_shape_tests(
    case: test_shapes.Case, seed_graph: Graph, checkers: dict[str, ReportChecker]
) -> None:
    graph, kind, fmt = case_graph(case, seed_graph)
    on_oxigraph, directly, names = both(checkers[kind], term_triples(graph), fmt)
    assert directly == on_oxigraph
    assert names == DIRECT


def test_the_shape_cases_give_findings_of_each_constraint(
    seed_graph: Graph, checkers: dict[str, ReportChecker]
) -> None:
    """The cases above are not all silent: each constraint evaluated directly has findings in some of them."""
    shapes: set[str] = set()
    for param in test_shapes.ONE_REPORT_CASES:
        graph, kind, fmt = case_graph(param.values[0], seed_graph)  # type: ignore[arg-type]
        shapes |= {f.shape.removeprefix("shapes#") for f in both(checkers[kind], term_triples(graph), fmt)[0]}
    assert shapes >= DIRECT


# ---------------------------------------------------------------------------
# Bad inputs made by hand, on the national examples (figures from their pages)
# ---------------------------------------------------------------------------

P19 = (examples.PROVINCE, 2019)
T21 = (examples.TOWN, 2021)


def figure(agency: str, year: int, key: str) -> URIRef:
    return URIRef(f"{BASE}/id/report/{agency}/{year}/{key}")


def count(node: URIRef, value: Literal) -> Callable[[Graph], None]:
    """The figure's count changed, and its quantity with it when the count is an integer (as a record states it)."""

    def mutate(graph: Graph) -> None:
        assert graph.value(node, DIS.count) is not None, node
        graph.set((node, DIS.count, value))
        if isinstance(value.value, int) and graph.value(node, DIS.quantity) is not None:
            graph.set((node, DIS.quantity, Literal(Decimal(value.value), datatype=XSD.decimal)))

    return mutate


def remove(node: URIRef, *predicates: URIRef) -> Callable[[Graph], None]:
    def mutate(graph: Graph) -> None:
        for predicate in predicates:
            assert graph.value(node, predicate) is not None, (node, predicate)
            graph.remove((node, predicate, None))

    return mutate


def put(node: URIRef, predicate: URIRef, value: URIRef | Literal) -> Callable[[Graph], None]:
    def mutate(graph: Graph) -> None:
        graph.set((node, predicate, value))

    return mutate


def duplicate(node: URIRef, twin: URIRef) -> Callable[[Graph], None]:
    """A second figure (or blank cell) with every triple of `node`: the same cell stated twice."""

    def mutate(graph: Graph) -> None:
        triples = list(graph.triples((node, None, None)))
        assert triples, node
        for _s, p, o in triples:
            graph.add((twin, p, o))

    return mutate


def blank(node: URIRef, report: URIRef) -> Callable[[Graph], None]:
    """A stated count made a blank cell, as `blank: true` in the record makes it."""

    def mutate(graph: Graph) -> None:
        for prop in (QB.dataSet, DIS.count, DIS.quantity, DIS.unit):
            graph.remove((node, prop, None))
        graph.remove((node, RDF.type, QB.Observation))
        graph.add((node, RDF.type, DIS.BlankCell))
        graph.add((node, DIS.cellOf, report))

    return mutate


def chain(*mutations: Callable[[Graph], None]) -> Callable[[Graph], None]:
    def mutate(graph: Graph) -> None:
        for mutation in mutations:
            mutation(graph)

    return mutate


P19_REPORT = URIRef(f"{BASE}/id/report/{examples.PROVINCE}/2019")
T21_REPORT = URIRef(f"{BASE}/id/report/{examples.TOWN}/2021")
P19_NEW_TOTAL = figure(*P19, "request-new-requests-total")  # 147 on the page
P19_NEW_NATURAL = figure(*P19, "request-new-requests-natural-person")
P19_RECONSIDERATION_TOTAL = figure(*P19, "review-reconsideration-total")  # 3 + 1 + 0 + 1 = 5
T21_NATURAL_TOTAL = figure(*T21, "request-total-results-natural-person")  # 1 disclosed + 1 not held
T21_BLANK = figure(*T21, "request-carried-over-natural-person")  # blank on the page

BAD_INPUTS = [
    # the total is also the number the overview restates (147)
    pytest.param(
        P19,
        count(P19_NEW_TOTAL, Literal(148)),
        {"SumRuleHolds", "BalanceRuleHolds", "RestatementRuleHolds"},
        id="total-off-by-one",
    ),
    pytest.param(P19, count(P19_NEW_NATURAL, Literal(1000)), {"SumRuleHolds", "BalanceRuleHolds"}, id="balance-broken"),
    pytest.param(
        P19,
        duplicate(P19_NEW_NATURAL, figure(*P19, "request-new-requests-natural-person-again")),
        {"ObservationUnique", "SumRuleHolds", "BalanceRuleHolds"},
        id="two-figures-of-one-cell",
    ),
    pytest.param(
        T21, duplicate(T21_BLANK, figure(*T21, "blank-again")), {"ObservationUnique"}, id="two-blank-cells-of-one-cell"
    ),
    pytest.param(
        P19, blank(P19_RECONSIDERATION_TOTAL, P19_REPORT), {"SumRuleBlankTotal"}, id="blank-total-parts-add-up-to-5"
    ),
    # the blank total is also a part of the row's 总计 and of the balance, where it counts as 0
    pytest.param(
        T21,
        blank(T21_NATURAL_TOTAL, T21_REPORT),
        {"SumRuleBlankTotal", "SumRuleHolds", "BalanceRuleHolds"},
        id="blank-total-town",
    ),
    # the blank total silent (its parts all 0); those parts, once 1, now break the row's 总计 and the balance
    pytest.param(
        T21,
        chain(
            blank(T21_NATURAL_TOTAL, T21_REPORT),
            count(figure(*T21, "request-disclosed-natural-person"), Literal(0)),
            count(figure(*T21, "request-unable-to-provide-not-held-natural-person"), Literal(0)),
        ),
        {"SumRuleHolds", "BalanceRuleHolds"},
        id="blank-total-parts-all-0",
    ),
    pytest.param(
        P19,
        chain(count(P19_NEW_TOTAL, Literal(148)), duplicate(P19_NEW_TOTAL, figure(*P19, "new-total-again"))),
        {"ObservationUnique", "SumRuleHolds", "BalanceRuleHolds", "RestatementRuleHolds"},
        id="a-broken-total-stated-twice",
    ),
]


@pytest.mark.parametrize(("report", "mutate", "shapes"), BAD_INPUTS)
def test_bad_inputs(
    report: tuple[str, int], mutate: Callable[[Graph], None], shapes: set[str], checkers: dict[str, ReportChecker]
) -> None:
    graph = examples.copy(examples.graph(*report))
    mutate(graph)
    on_oxigraph, directly, names = both(checkers["national"], term_triples(graph), examples.report(*report).format)
    assert names == DIRECT
    assert directly == on_oxigraph
    assert {f.shape.removeprefix("shapes#") for f in on_oxigraph} == shapes


# The other constraints, each made to find something (figures from the examples' and the seed's pages)
SEED = (examples.SEED_AGENCY, 2011)
P19_RESTATED = figure(*P19, "new-requests-restated")  # 147 new requests, as the table's total
T21_RESTATED = figure(*T21, "requests-restated")  # 2 new requests, as the table's total
T21_NEW_TOTAL = figure(*T21, "request-new-requests-total")
N19_LEGAL_PERSONS = URIRef(f"{BASE}/def/national-2019/applicant/legal-persons")  # a group: its parts are columns
N21_LEGAL_PERSONS = URIRef(f"{BASE}/def/national-2021/applicant/legal-persons")
P19_OVERVIEW = URIRef(f"{BASE}/id/report/{examples.PROVINCE}/2019#section-overview")

OTHER_BAD_INPUTS = [
    pytest.param(P19, put(P19_RESTATED, DIS.value, Literal(Decimal(146))), {"RestatementRuleHolds"}, id="restated-146"),
    pytest.param(
        T21, put(T21_RESTATED, DIS.value, Literal(Decimal("2.5"))), {"RestatementRuleHolds"}, id="restated-2.5"
    ),
    # as Oxigraph gives it back, in the message too: 146.5
    pytest.param(
        P19,
        put(P19_RESTATED, DIS.value, Literal("146.50", datatype=XSD.decimal, normalize=False)),
        {"RestatementRuleHolds"},
        id="restated-146.50",
    ),
    pytest.param(
        T21,
        blank(T21_NEW_TOTAL, T21_REPORT),
        {"RestatementRuleOfBlank", "SumRuleBlankTotal", "BalanceRuleHolds"},  # its parts still add up to 2
        id="restated-cell-left-blank",
    ),
    pytest.param(
        P19, put(P19_RESTATED, DIS.column, N19_LEGAL_PERSONS), {"RestatementRuleOfGroup"}, id="restated-group-p19"
    ),
    pytest.param(
        T21, put(T21_RESTATED, DIS.column, N21_LEGAL_PERSONS), {"RestatementRuleOfBlank"}, id="restated-group-t21"
    ),
    # one of the group's parts left blank: the group is compared with the parts stated (a blank adds nothing)
    pytest.param(
        P19,
        chain(
            put(P19_RESTATED, DIS.column, N19_LEGAL_PERSONS),
            blank(figure(*P19, "request-new-requests-commercial-enterprises"), P19_REPORT),
        ),
        {"RestatementRuleOfGroup", "SumRuleHolds", "BalanceRuleHolds"},  # the blank part counts as 0 in the sums
        id="restated-group-one-part-blank",
    ),
    pytest.param(
        SEED,
        count(figure(*SEED, "proactive-total-2011"), Literal(3000)),  # above the 2,006 up to the year's end
        {"UpperBoundRuleHolds", "SumRuleHolds"},
        id="annual-above-cumulative",
    ),
    pytest.param(P19, remove(P19_NEW_NATURAL, DIS.quantity), {"ObservationMeasure"}, id="no-quantity"),
    pytest.param(
        P19, put(P19_NEW_NATURAL, DIS.quantity, Literal(Decimal("7.5"))), {"ObservationMeasure"}, id="other-quantity"
    ),
    pytest.param(
        P19,
        remove(P19_NEW_NATURAL, DIS.count),
        {"ObservationCount"},  # a part not stated: its sums are not checked
        id="no-count",
    ),
    pytest.param(
        P19,
        count(P19_NEW_NATURAL, Literal(-3)),
        {"ObservationCount", "SumRuleHolds", "BalanceRuleHolds"},
        id="negative-count",
    ),
    pytest.param(T21, put(T21_BLANK, DIS.count, Literal(0)), {"BlankCellNoValue"}, id="blank-cell-with-0"),
    pytest.param(T21, put(T21_BLANK, QB.dataSet, T21_REPORT), {"BlankCellNoValue"}, id="blank-in-data-set"),
    pytest.param(
        P19, put(P19_OVERVIEW, DCTERMS.type, N19_LEGAL_PERSONS), {"SectionKind"}, id="section-of-no-prose-kind"
    ),
]


@pytest.mark.parametrize(("report", "mutate", "shapes"), OTHER_BAD_INPUTS)
def test_bad_inputs_found_by_the_other_constraints(
    report: tuple[str, int],
    mutate: Callable[[Graph], None],
    shapes: set[str],
    seed_graph: Graph,
    checkers: dict[str, ReportChecker],
) -> None:
    if report == SEED:
        graph, checker, fmt = examples.copy(seed_graph), checkers["seed"], "jilin-city-2011"
    else:
        graph, checker = examples.copy(examples.graph(*report)), checkers["national"]
        fmt = examples.report(*report).format
    mutate(graph)
    on_oxigraph, directly, names = both(checker, term_triples(graph), fmt)
    assert names == DIRECT
    assert directly == on_oxigraph
    assert {f.shape.removeprefix("shapes#") for f in on_oxigraph} == shapes


@pytest.mark.parametrize(
    "literal",
    [
        pytest.param(Literal("0148", datatype=XSD.integer, normalize=False), id="integer-not-canonical"),
        pytest.param(Literal(Decimal("148.0"), datatype=XSD.decimal), id="decimal"),
        pytest.param(Literal("many"), id="text"),
    ],
)
def test_a_count_it_does_not_follow_is_left_to_oxigraph(literal: Literal, checkers: dict[str, ReportChecker]) -> None:
    """A total that is not an integer in canonical form: the sum and balance rules run on Oxigraph for that report."""
    graph = examples.copy(examples.graph(*P19))
    count(P19_NEW_TOTAL, literal)(graph)
    on_oxigraph, directly, names = both(checkers["national"], term_triples(graph), examples.report(*P19).format)
    assert directly == on_oxigraph
    assert "SumRuleHolds" not in names
    checker = checkers["national"]
    outcome = checker.check(examples.copy(graph), examples.report(*P19).format)
    assert outcome.findings == checker.validator.validate(graph).findings


@pytest.mark.parametrize(
    "literal",
    [
        pytest.param(Literal("146", datatype=XSD.double), id="double"),
        pytest.param(Literal("146.", datatype=XSD.decimal, normalize=False), id="decimal-not-read"),
        pytest.param(Literal("many"), id="text"),
    ],
)
def test_a_restated_number_it_does_not_follow_is_left_to_oxigraph(
    literal: Literal, checkers: dict[str, ReportChecker]
) -> None:
    """A restated number that is not an xsd:integer or xsd:decimal it reads: the restatement rules that compare
    it run on Oxigraph for that report, the others still directly."""
    graph = examples.copy(examples.graph(*P19))
    put(P19_RESTATED, DIS.value, literal)(graph)
    on_oxigraph, directly, names = both(checkers["national"], term_triples(graph), examples.report(*P19).format)
    assert directly == on_oxigraph
    assert "RestatementRuleHolds" not in names
    assert names >= DIRECT - {"RestatementRuleHolds", "RestatementRuleOfBlank", "RestatementRuleOfGroup"}
    checker = checkers["national"]
    outcome = checker.check(examples.copy(graph), examples.report(*P19).format)
    assert outcome.findings == checker.validator.validate(graph).findings


# ---------------------------------------------------------------------------
# A query changed in the shapes: run on Oxigraph again
# ---------------------------------------------------------------------------


def with_select(
    project: Project, name: str, change: Callable[[str], str], which: Callable[[str], bool] = lambda q: True
) -> ReportChecker:
    """A checker of the project whose constraint `name` has its query changed (of a shape's constraints written in
    it, as blank nodes, the one whose query `which` picks)."""
    shapes = examples.copy(project.shapes)
    named = URIRef(SHAPES + name)
    nodes = [named] if shapes.value(named, SH.select) is not None else list(shapes.objects(named, SH.sparql))
    [node] = [n for n in nodes if which(str(shapes.value(n, SH.select)))]
    old = shapes.value(node, SH.select)
    assert isinstance(old, Literal)
    new = change(str(old))
    assert new != str(old)
    shapes.set((node, SH.select, Literal(new)))
    validator = Validator(shapes, project.validator.context, project.iris)
    return ReportChecker(validator, project.ontology, project.formats, project.agencies, project.iris)


def direct_names(checker: ReportChecker) -> list[str]:
    """The names of the constraints the checker evaluates directly (one for each constraint)."""
    return sorted(constraint_name(c) for c in checker.direct_sparql.evaluators)


def test_every_registered_constraint_is_evaluated_directly(checkers: dict[str, ReportChecker]) -> None:
    """Every constraint a report is checked with on its own: each of the two checkers' constraints (the seed's
    shapes are the national examples' shapes) is evaluated directly, none is left to a report's store."""
    for checker in checkers.values():
        names = direct_names(checker)
        assert set(names) == {r.name for r in REGISTRATIONS} == DIRECT
        assert len(names) == len(checker.local)  # (those of both figures and blank cells counted twice)
        assert {constraint_name(c) for c in checker.validator.constraints} - set(names) == ACROSS_YEARS


def test_a_changed_query_runs_on_oxigraph() -> None:
    """SumRuleHolds asked for the totals that do add up: the checker finds what Oxigraph finds with that query
    (every stated total with all its parts), not what the direct evaluation of the registered query would."""
    project = examples.project()
    changed = with_select(
        project, "SumRuleHolds", lambda q: q.replace("SUM(?count) != ?total)", "SUM(?count) = ?total)")
    )
    assert set(direct_names(changed)) == DIRECT - {"SumRuleHolds"}
    fmt = examples.report(*P19).format
    graph = examples.graph(*P19)
    found = changed.check(examples.copy(graph), fmt)
    assert found.findings == changed.validator.validate(graph).findings
    sums = [f for f in found.findings if f.shape == "shapes#SumRuleHolds"]
    assert len(sums) > 10  # the example's totals add up: each is now a finding
    original = checker_of(project).check(examples.copy(graph), fmt)
    assert not [f for f in original.findings if f.shape == "shapes#SumRuleHolds"]


@pytest.mark.parametrize(
    ("name", "which", "old", "new", "shape"),
    [
        # the town's restated 2 requests equal to the table's: asked for the equal ones, it is found
        ("RestatementRuleHolds", None, "FILTER (?stated != ?restated)", "FILTER (?stated = ?restated)", None),
        # every count not negative: asked for those not negative, each figure's count is found (the other
        # constraint of shape:ObservationCount, whose query is unchanged, still evaluated directly)
        ("ObservationCount", "isNumeric", "?value < 0", "?value >= 0", "ObservationCount"),
        # the example's sections are of prose kinds: asked for those that are, each is found
        (
            "SectionKind",
            None,
            "FILTER NOT EXISTS {\n                $this dct:type",
            "FILTER EXISTS {\n  $this dct:type",
            None,
        ),
    ],
)
def test_a_changed_query_of_the_other_constraints_runs_on_oxigraph(
    name: str, which: str | None, old: str, new: str, shape: str | None
) -> None:
    project = examples.project()
    changed = with_select(project, name, lambda q: q.replace(old, new), lambda q: which is None or which in q)
    names = direct_names(changed)
    assert len(names) == len(changed.local) - 1 and set(names) == (DIRECT if shape else DIRECT - {name})
    graph = examples.graph(*T21)
    found = changed.check(examples.copy(graph), examples.report(*T21).format)
    assert found.findings == changed.validator.validate(graph).findings
    assert any(f.shape == f"shapes#{shape or name}" for f in found.findings)
    original = checker_of(project).check(examples.copy(graph), examples.report(*T21).format)
    assert not any(f.shape == f"shapes#{shape or name}" for f in original.findings)


def test_a_query_changed_in_its_layout_only_runs_on_oxigraph_too() -> None:
    """Even a change that finds the same (a comment added) leaves the direct evaluation aside: the digest is of
    the text, and the findings are Oxigraph's."""
    project = examples.project()
    changed = with_select(project, "ObservationUnique", lambda q: q + "\n# the same query")
    assert "ObservationUnique" not in direct_names(changed)
    graph = examples.copy(examples.graph(*T21))
    duplicate(T21_BLANK, figure(*T21, "blank-again"))(graph)
    found = changed.check(examples.copy(graph), examples.report(*T21).format)
    assert found.findings == changed.validator.validate(graph).findings
    assert any(f.shape == "shapes#ObservationUnique" for f in found.findings)


@pytest.mark.parametrize("report", [pytest.param(r, id=f"{r[0]}-{r[1]}") for r in examples.ALL])
def test_no_store_is_made_when_nothing_is_left_to_run_on_it(report: tuple[str, int]) -> None:
    """Every constraint of a report evaluated directly: the checker never builds the report's store."""
    project = examples.project()
    checker = checker_of(project)
    fmt = examples.report(*report).format
    context = checker.context(fmt)

    def no_store(report: bytes) -> object:
        pytest.fail("a store was made")

    context.store = no_store  # type: ignore[method-assign,assignment]
    graph = examples.copy(examples.graph(*report))
    if report == P19:
        count(P19_NEW_TOTAL, Literal(148))(graph)
    found = checker.check(term_triples(graph), fmt)
    assert found.findings == project.validator.validate(graph).findings
    assert report != P19 or any(f.shape == "shapes#SumRuleHolds" for f in found.findings)
