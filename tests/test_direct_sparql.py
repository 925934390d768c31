"""The SPARQL constraints evaluated directly (validation/directsparql.py) find exactly what Oxigraph finds.

For every graph the tests build — the seed, the national examples, a synthetic corpus of
every era with blank cells and broken totals, every real document imported as a person
imports it, every one-report case of tests/test_shapes.py (which include the rule cases
of tests/fixtures/national_rules.py) and the bad inputs below (a total that does not add
up, a balance that does not hold, two figures of the same cell, blank totals) — each
constraint the checker evaluates directly gives the same findings, sorted, as the same
constraint run on Oxigraph over a store of the report, its agency and its format's
context: same shape, focus node, value, path, severity, messages, figure and line.

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
from publisher.rdf.namespaces import QB, RDF, SH, XSD, vocabulary
from publisher.rdf.ntterms import TermTriple, rdf_term, sorted_term_ntriples, term_triples
from publisher.records.loading import find_records, load_report
from publisher.records.model import Report
from publisher.validation.checker import ReportChecker
from publisher.validation.coreshapes import Data, Index
from publisher.validation.directsparql import REGISTRATIONS
from publisher.validation.findings import Finding
from publisher.validation.validator import Validator
from tests import test_shapes
from tests.fixtures import examples
from tests.helpers import BASE, DATA, SEED_RECORD, make_settings

DIS = vocabulary(BASE)
SHAPES = f"{BASE}/def/shapes#"
#: The constraints evaluated directly (the costliest, shapes/*.ttl).
DIRECT = {
    "SumRuleHolds",
    "BalanceRuleHolds",
    "ObservationUnique",
    "SumRuleBlankTotal",
    "ObservationCodes",
    "ObservationDimensions",
    "ObservationAttributes",
    "ObservationCell",
}


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
    names = {str(c.node).removeprefix(SHAPES) for c in solved}
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
    def mutate(graph: Graph) -> None:
        assert graph.value(node, DIS.count) is not None, node
        graph.set((node, DIS.count, value))

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
    pytest.param(P19, count(P19_NEW_TOTAL, Literal(148)), {"SumRuleHolds", "BalanceRuleHolds"}, id="total-off-by-one"),
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
        {"ObservationUnique", "SumRuleHolds", "BalanceRuleHolds"},
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


# ---------------------------------------------------------------------------
# A query changed in the shapes: run on Oxigraph again
# ---------------------------------------------------------------------------


def with_select(project: Project, name: str, change: Callable[[str], str]) -> ReportChecker:
    """A checker of the project whose constraint `name` has its query changed."""
    shapes = examples.copy(project.shapes)
    node = URIRef(SHAPES + name)
    old = shapes.value(node, SH.select)
    assert isinstance(old, Literal)
    new = change(str(old))
    assert new != str(old)
    shapes.set((node, SH.select, Literal(new)))
    validator = Validator(shapes, project.validator.context, project.iris)
    return ReportChecker(validator, project.ontology, project.formats, project.agencies, project.iris)


def test_every_registered_constraint_is_evaluated_directly(checkers: dict[str, ReportChecker]) -> None:
    names = {str(c.node).removeprefix(SHAPES) for c in checkers["national"].direct_sparql.evaluators}
    assert names == {r.name for r in REGISTRATIONS} == DIRECT


def test_a_changed_query_runs_on_oxigraph() -> None:
    """SumRuleHolds asked for the totals that do add up: the checker finds what Oxigraph finds with that query
    (every stated total with all its parts), not what the direct evaluation of the registered query would."""
    project = examples.project()
    changed = with_select(
        project, "SumRuleHolds", lambda q: q.replace("SUM(?count) != ?total)", "SUM(?count) = ?total)")
    )
    names = {str(c.node).removeprefix(SHAPES) for c in changed.direct_sparql.evaluators}
    assert names == DIRECT - {"SumRuleHolds"}
    fmt = examples.report(*P19).format
    graph = examples.graph(*P19)
    found = changed.check(examples.copy(graph), fmt)
    assert found.findings == changed.validator.validate(graph).findings
    sums = [f for f in found.findings if f.shape == "shapes#SumRuleHolds"]
    assert len(sums) > 10  # the example's totals add up: each is now a finding
    original = checker_of(project).check(examples.copy(graph), fmt)
    assert not [f for f in original.findings if f.shape == "shapes#SumRuleHolds"]


def test_a_query_changed_in_its_layout_only_runs_on_oxigraph_too() -> None:
    """Even a change that finds the same (a comment added) leaves the direct evaluation aside: the digest is of
    the text, and the findings are Oxigraph's."""
    project = examples.project()
    changed = with_select(project, "ObservationUnique", lambda q: q + "\n# the same query")
    assert "ObservationUnique" not in {str(c.node).removeprefix(SHAPES) for c in changed.direct_sparql.evaluators}
    graph = examples.copy(examples.graph(*T21))
    duplicate(T21_BLANK, figure(*T21, "blank-again"))(graph)
    found = changed.check(examples.copy(graph), examples.report(*T21).format)
    assert found.findings == changed.validator.validate(graph).findings
    assert any(f.shape == "shapes#ObservationUnique" for f in found.findings)


def test_no_store_is_made_when_nothing_is_left_to_run_on_it() -> None:
    """With only directly evaluated constraints, the checker never builds a report's store."""
    project = examples.project()
    shapes = examples.copy(project.shapes)
    for shape, node in list(shapes.subject_objects(SH.sparql)):
        if str(node).removeprefix(SHAPES) not in DIRECT:
            shapes.remove((shape, SH.sparql, node))
    validator = Validator(shapes, project.validator.context, project.iris)
    checker = ReportChecker(validator, project.ontology, project.formats, project.agencies, project.iris)
    assert {str(c.node).removeprefix(SHAPES) for c in checker.local} == DIRECT
    context = checker.context("national-2019")

    def no_store(report: bytes) -> object:
        pytest.fail("a store was made")

    context.store = no_store  # type: ignore[method-assign,assignment]
    graph = examples.copy(examples.graph(*P19))
    count(P19_NEW_TOTAL, Literal(148))(graph)
    found = checker.check(term_triples(graph), "national-2019")
    assert found.findings == validator.validate(graph).findings
    assert any(f.shape == "shapes#SumRuleHolds" for f in found.findings)
