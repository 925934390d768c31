"""The SPARQL constraints rewritten for speed find exactly what their original text found.

`ObservationUnique` (shapes/structure.ttl) and `SumRuleHolds`, `BalanceRuleHolds`,
`RestatementRuleHolds` and `UpperBoundRuleHolds` (shapes/arithmetic.ttl) were rewritten so
that Oxigraph evaluates them in milliseconds, where the first three took a good part of a
second on a report of the national formats (benchmarks/shapes_cost.py measures both
texts). Their text before the rewrite is kept here, verbatim (`ORIGINAL`), as the
reference — but for SumRuleHolds, whose plain text now leaves a blank total to the shape's
other constraint (worded as blank, never as a stated 0): its reference is the plain text
with that one change, and the verbatim text before it (`SUM_BEFORE_BLANK_TOTALS`) holds the
two constraints together to what it found. Every case evaluates both texts the way the build does — `Validator.evaluate_on`
on the store `ReportChecker` makes for a report (the report, its agency, its format's
context), or on the whole context as `Validator.validate` does — and compares the results.

First a case where each rewritten constraint must fire and one where it must not, with the
expected results (constraint, focus node, value, message) written out. Then whole corpora:
the national examples, the seed and data/, a synthetic corpus of all three eras with
figures left blank and totals broken on purpose, and reports changed at random (figures
duplicated, moved, made blank, given a second code or none in a dimension, numbers
changed): the degenerate inputs a rewrite could get wrong while the ordinary ones pass.
"""

# ruff: noqa: E501 - the reference texts below are kept exactly as they were committed

from __future__ import annotations

import random
import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from decimal import Decimal
from functools import cache
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph, Literal, URIRef

from publisher import synthetic
from publisher.build.project import Project, load_project
from publisher.graph.reports import report_graph
from publisher.rdf.namespaces import QB, RDF, XSD, vocabulary
from publisher.rdf.ntriples import ntriples_of
from publisher.records.loading import find_records, load_report
from publisher.records.model import Report
from publisher.settings import load_settings
from publisher.validation.checker import ReportChecker
from publisher.validation.findings import Finding
from publisher.validation.shapes import SparqlConstraint
from tests.fixtures import examples
from tests.fixtures.examples import COUNTY, PROVINCE, TOWN
from tests.helpers import BASE, DATA, SEED_RECORD, make_settings

DIS = vocabulary(BASE)
N21 = f"{BASE}/def/national-2021"
JL = f"{BASE}/def/jilin-city-2011"

#: The rewritten constraints' sh:select before the rewrite (shapes/*.ttl as committed before it), by name.
ORIGINAL = {
    "ObservationUnique": """
        SELECT $this ?value WHERE {
            # how many dimensions this figure has a value for
            {
                SELECT $this (COUNT(DISTINCT ?own) AS ?dimensions) WHERE {
                    $this (qb:dataSet|dis:cellOf)/qb:structure/qb:component/qb:dimension ?own .
                    $this ?own ?anyCode .
                }
                GROUP BY $this
            }
            # another figure or blank cell of the report agreeing with it in each of them
            $this qb:dataSet|dis:cellOf ?dataset .
            ?dataset qb:structure/qb:component/qb:dimension ?dimension .
            $this ?dimension ?code .
            ?value ?dimension ?code .
            FILTER (?value != $this)
            ?value qb:dataSet|dis:cellOf ?dataset .
        }
        GROUP BY $this ?value ?dimensions
        HAVING (COUNT(DISTINCT ?dimension) = ?dimensions)""",
    "SumRuleHolds": """
        SELECT $this ?value ?total (SUM(?count) AS ?sum) WHERE {
            $this dis:alongDimension ?along ; dis:total ?totalCode .
            { SELECT $this (COUNT(DISTINCT ?anyPart) AS ?parts) WHERE { $this dis:part ?anyPart } GROUP BY $this }
            ?format dis:rule $this .
            ?dataset dct:conformsTo ?format ; qb:structure ?structure .
            # the total as stated (a blank total is worded apart, by the shape's other constraint)
            ?value qb:dataSet ?dataset ; dis:count ?total ; ?along ?totalCode .
            # each part, the same way, agreeing with the total in every other dimension
            $this dis:part ?partCode .
            ?part ?along ?partCode .
            { ?part qb:dataSet ?dataset ; dis:count ?count . }
            UNION
            { ?part dis:cellOf ?dataset . $this dis:blankAsZero true . BIND (0 AS ?count) }
            FILTER NOT EXISTS {
                ?structure qb:component/qb:dimension ?dimension .
                FILTER (?dimension != ?along)
                ?value ?dimension ?code .
                FILTER NOT EXISTS { ?part ?dimension ?code }
            }
        }
        GROUP BY $this ?value ?total ?parts
        # checked only when every part is there
        HAVING (COUNT(DISTINCT ?partCode) = ?parts && SUM(?count) != ?total)""",
    "UpperBoundRuleHolds": """
        SELECT $this ?value ?count ?limit WHERE {
            $this dis:alongDimension ?along ; dis:bound ?boundCode ; dis:bounded ?boundedCode .
            ?format dis:rule $this .
            ?dataset dct:conformsTo ?format ; qb:structure ?structure .
            ?bound qb:dataSet ?dataset ; ?along ?boundCode ; dis:count ?limit .
            ?value qb:dataSet ?dataset ; ?along ?boundedCode ; dis:count ?count .
            FILTER (?count > ?limit)
            FILTER NOT EXISTS {
                ?structure qb:component/qb:dimension ?dimension .
                FILTER (?dimension != ?along)
                ?value ?dimension ?code .
                FILTER NOT EXISTS { ?bound ?dimension ?code }
            }
        }""",
    "BalanceRuleHolds": """
        SELECT $this ?value (SUM(?l) AS ?left) (SUM(?r) AS ?right) WHERE {
            $this dis:alongDimension ?along .
            { SELECT $this (COUNT(DISTINCT ?anyCode) AS ?codes) WHERE { $this dis:left|dis:right ?anyCode } GROUP BY $this }
            ?format dis:rule $this .
            ?dataset dct:conformsTo ?format ; qb:structure ?structure .
            # the finding is about one right-hand cell: of those agreeing in the other dimensions, the first by IRI
            $this dis:right ?anchorCode .
            ?value ?along ?anchorCode .
            { ?value qb:dataSet ?dataset } UNION { ?value dis:cellOf ?dataset }
            FILTER NOT EXISTS {
                $this dis:right ?otherCode .
                ?other ?along ?otherCode .
                { ?other qb:dataSet ?dataset } UNION { ?other dis:cellOf ?dataset }
                FILTER (STR(?other) < STR(?value))
                FILTER NOT EXISTS {
                    ?structure qb:component/qb:dimension ?d .
                    FILTER (?d != ?along)
                    ?value ?d ?c .
                    FILTER NOT EXISTS { ?other ?d ?c }
                }
            }
            # the cells of both sides (stated, or blank counted as 0 where the rule says so)
            { $this dis:left ?code . BIND (1 AS ?side) } UNION { $this dis:right ?code . BIND (-1 AS ?side) }
            ?cell ?along ?code .
            { ?cell qb:dataSet ?dataset ; dis:count ?n . }
            UNION
            { ?cell dis:cellOf ?dataset . $this dis:blankAsZero true . BIND (0 AS ?n) }
            FILTER NOT EXISTS {
                ?structure qb:component/qb:dimension ?d3 .
                FILTER (?d3 != ?along)
                ?value ?d3 ?c3 .
                FILTER NOT EXISTS { ?cell ?d3 ?c3 }
            }
            BIND (IF(?side = 1, ?n, 0) AS ?l)
            BIND (IF(?side = 1, 0, ?n) AS ?r)
        }
        GROUP BY $this ?value ?codes
        # checked only when every code of both sides is there
        HAVING (COUNT(DISTINCT ?code) = ?codes && SUM(?l) != SUM(?r))""",
    "RestatementRuleHolds": """
        SELECT $this ?value ?restated ?stated WHERE {
            ?format dis:rule $this .
            ?report dct:conformsTo ?format ; qb:structure ?structure .
            ?structure qb:component/qb:measure ?measure .
            ?value a dis:NarrativeFact ; dis:factOf ?report ; dis:value ?restated .
            FILTER NOT EXISTS { ?value dis:qualifier/skos:notation "more-than" }
            FILTER EXISTS { ?structure qb:component/qb:dimension ?restatedDimension . ?value ?restatedDimension ?any }
            ?cell qb:dataSet ?report ; ?measure ?stated .
            FILTER NOT EXISTS {
                ?structure qb:component/qb:dimension ?dimension .
                ?value ?dimension ?code .
                FILTER NOT EXISTS { ?cell ?dimension ?code }
            }
            FILTER (?stated != ?restated)
        }""",
}

#: SumRuleHolds as it was before a blank total was worded apart (it called a blank total a stated 0): verbatim,
#: the reference `test_the_stated_and_the_blank_totals_are_what_the_sum_rule_found_before` holds the two
#: constraints of shape:SumRule to.
SUM_BEFORE_BLANK_TOTALS = """
        SELECT $this ?value ?total (SUM(?count) AS ?sum) WHERE {
            $this dis:alongDimension ?along ; dis:total ?totalCode .
            { SELECT $this (COUNT(DISTINCT ?anyPart) AS ?parts) WHERE { $this dis:part ?anyPart } GROUP BY $this }
            ?format dis:rule $this .
            ?dataset dct:conformsTo ?format ; qb:structure ?structure .
            # the total: stated, or left blank and counted as 0 where the rule says so
            { ?value qb:dataSet ?dataset ; dis:count ?total . }
            UNION
            { ?value dis:cellOf ?dataset . $this dis:blankAsZero true . BIND (0 AS ?total) }
            ?value ?along ?totalCode .
            # each part, the same way, agreeing with the total in every other dimension
            $this dis:part ?partCode .
            ?part ?along ?partCode .
            { ?part qb:dataSet ?dataset ; dis:count ?count . }
            UNION
            { ?part dis:cellOf ?dataset . $this dis:blankAsZero true . BIND (0 AS ?count) }
            FILTER NOT EXISTS {
                ?structure qb:component/qb:dimension ?dimension .
                FILTER (?dimension != ?along)
                ?value ?dimension ?code .
                FILTER NOT EXISTS { ?part ?dimension ?code }
            }
        }
        GROUP BY $this ?value ?total ?parts
        # checked only when every part is there
        HAVING (COUNT(DISTINCT ?partCode) = ?parts && SUM(?count) != ?total)"""

Result = tuple[str, str, str | None, str]  # constraint, focus node, value, English message
Mutation = Callable[[Graph], None]


def name(constraint: SparqlConstraint) -> str:
    return str(constraint.node).rsplit("#", 1)[-1]


def original(constraint: SparqlConstraint) -> SparqlConstraint:
    """The constraint with its query as it was: the same prefixes (and everything else), the old sh:select."""
    lines = constraint.query.split("\n")
    prefixes = [line for line in lines if line.startswith("PREFIX ")]
    assert lines[: len(prefixes)] == prefixes
    return replace(constraint, query="".join(f"{line}\n" for line in prefixes) + ORIGINAL[name(constraint)])


def result(finding: Finding) -> Result:
    return (finding.shape.removeprefix("shapes#"), finding.focus, finding.value, finding.message_en)


class Checking:
    """A project's report graphs checked with the current and with the original text of the rewritten constraints."""

    def __init__(self, project: Project) -> None:
        self.project = project
        self.validator = project.validator
        self.agencies = project.agencies
        self.checker = ReportChecker(
            project.validator, project.ontology, project.formats, project.agencies, project.iris
        )
        self.current = [c for c in self.checker.local if name(c) in ORIGINAL]
        self.before = [original(c) for c in self.current]
        # ObservationUnique twice (for figures and for blank cells), each rule once
        assert sorted(name(c) for c in self.current) == sorted([*ORIGINAL, "ObservationUnique"])

    def store(self, graph: Graph, fmt: str, full_context: bool = False) -> ox.Store:
        """What the build checks a report on (its format's context), or what Validator.validate does (all of it)."""
        agency = next(graph.objects(None, DIS.agency), None)
        extra = ntriples_of(list(self.agencies.triples((agency, None, None)))) if isinstance(agency, URIRef) else b""
        if not full_context:
            return self.checker.context(fmt).store(ntriples_of(graph) + extra)
        store = ox.Store()
        store.load(self.validator.context_ntriples, format=ox.RdfFormat.N_TRIPLES)
        store.load(ntriples_of(graph) + extra, format=ox.RdfFormat.N_TRIPLES)
        return store

    def both(
        self, graph: Graph, fmt: str, full_context: bool = False, only: str | None = None
    ) -> tuple[Counter[Finding], Counter[Finding]]:
        """The findings of the rewritten constraints (or of one): with their current text, with their original text."""
        store = self.store(graph, fmt, full_context)
        pairs = [(c, b) for c, b in zip(self.current, self.before, strict=True) if only in (None, name(c))]
        now = Counter(self.validator.evaluate_on([c for c, _ in pairs], store, None))
        then = Counter(self.validator.evaluate_on([b for _, b in pairs], store, None))
        return now, then

    def every_constraint(self, graph: Graph, fmt: str) -> tuple[Counter[Finding], Counter[Finding]]:
        """The findings of every SPARQL constraint of one report: as the shapes are now, and as they were."""
        store = self.store(graph, fmt)
        before = [original(c) if name(c) in ORIGINAL else c for c in self.checker.local]
        now = Counter(self.validator.evaluate_on(self.checker.local, store, None))
        then = Counter(self.validator.evaluate_on(before, store, None))
        return now, then


@cache
def national() -> Checking:
    return Checking(examples.project())


@cache
def seed() -> tuple[Checking, Report, Graph]:
    """The seed report (data/), checked the same way."""
    project = load_project(make_settings())
    [(report, graph)] = [(r, g) for r, g in reports_of(project, DATA) if r.path == SEED_RECORD]
    return Checking(project), report, graph


SEED = ("jilin-city-science-technology-bureau", 2011)


def case_report(report: tuple[str, int]) -> tuple[Checking, str, Graph]:
    """The checking, format and graph of a case's report: the seed, or a national example."""
    if report == SEED:
        checking, seed_report, graph = seed()
        return checking, seed_report.format, graph
    return national(), examples.report(*report).format, examples.graph(*report)


def copy(graph: Graph) -> Graph:
    fresh = Graph()
    for triple in graph:
        fresh.add(triple)
    return fresh


# ---------------------------------------------------------------------------
# Cases: each rewritten constraint must fire, or must not
# ---------------------------------------------------------------------------


def fig(agency: str, year: int, key: str) -> str:
    return f"{BASE}/id/report/{agency}/{year}/{key}"


def town(key: str) -> URIRef:
    """A cell of the town's 2021 report (table 三 mostly blank: natural persons 2 new, 1 disclosed, 1 not held)."""
    return URIRef(fig(TOWN, 2021, key))


def rule(name: str) -> str:
    return f"{N21}/rule/{name}"


def set_count(node: URIRef, value: int) -> Mutation:
    def mutate(graph: Graph) -> None:
        assert (node, DIS.count, None) in graph, f"{node} states no count"
        graph.set((node, DIS.count, Literal(value, datatype=XSD.integer)))
        graph.set((node, DIS.quantity, Literal(Decimal(value), datatype=XSD.decimal)))

    return mutate


def duplicate(node: URIRef, suffix: str) -> Mutation:
    """The same figure stated again under another IRI."""

    def mutate(graph: Graph) -> None:
        for predicate, value in list(graph.predicate_objects(node)):
            graph.add((URIRef(f"{node}-{suffix}"), predicate, value))

    return mutate


def blank_like(node: URIRef, suffix: str) -> Mutation:
    """A blank cell with the dimensions of a stated figure."""

    def mutate(graph: Graph) -> None:
        blank = URIRef(f"{node}-{suffix}")
        [report] = graph.objects(node, QB.dataSet)
        graph.add((blank, RDF.type, DIS.BlankCell))
        graph.add((blank, DIS.cellOf, report))
        graph.add((blank, DIS.cellStatus, URIRef(f"{BASE}/def/common/cell-status/blank")))
        for dimension in (DIS.agency, DIS.reportYear, DIS.item, DIS.column):
            for code in graph.objects(node, dimension):
                graph.add((blank, dimension, code))

    return mutate


def second_code(node: URIRef, dimension: URIRef, like: URIRef) -> Mutation:
    """The figure gets, besides its own, the code another cell has in a dimension."""

    def mutate(graph: Graph) -> None:
        for code in list(graph.objects(like, dimension)):
            graph.add((node, dimension, code))

    return mutate


def to_blank(node: URIRef) -> Mutation:
    """A stated count made a blank cell (what `blank: true` in the record would give)."""

    def mutate(graph: Graph) -> None:
        [report] = graph.objects(node, QB.dataSet)
        for predicate in (QB.dataSet, DIS.count, DIS.quantity, DIS.unit):
            graph.remove((node, predicate, None))
        graph.remove((node, RDF.type, QB.Observation))
        graph.add((node, RDF.type, DIS.BlankCell))
        graph.add((node, DIS.cellOf, report))
        graph.set((node, DIS.cellStatus, URIRef(f"{BASE}/def/common/cell-status/blank")))

    return mutate


def to_figure(node: URIRef, value: int) -> Mutation:
    """A blank cell made a stated count (what `value:` instead of `blank: true` in the record would give)."""

    def mutate(graph: Graph) -> None:
        [report] = graph.objects(node, DIS.cellOf)
        graph.remove((node, DIS.cellOf, report))
        graph.remove((node, RDF.type, DIS.BlankCell))
        graph.add((node, RDF.type, QB.Observation))
        graph.add((node, QB.dataSet, report))
        graph.set((node, DIS.cellStatus, URIRef(f"{BASE}/def/common/cell-status/stated")))
        graph.add((node, DIS.unit, URIRef(f"{BASE}/def/common/unit/case")))
        graph.add((node, DIS.count, Literal(value, datatype=XSD.integer)))
        graph.add((node, DIS.quantity, Literal(Decimal(value), datatype=XSD.decimal)))

    return mutate


def remove(node: URIRef) -> Mutation:
    def mutate(graph: Graph) -> None:
        graph.remove((node, None, None))

    return mutate


def strip(node: URIRef, *dimensions: URIRef) -> Mutation:
    """The figure loses its codes in these dimensions."""

    def mutate(graph: Graph) -> None:
        for dimension in dimensions:
            graph.remove((node, dimension, None))

    return mutate


def set_value(node: URIRef, value: int) -> Mutation:
    def mutate(graph: Graph) -> None:
        graph.set((node, DIS.value, Literal(Decimal(value), datatype=XSD.decimal)))

    return mutate


def more_than(node: URIRef) -> Mutation:
    def mutate(graph: Graph) -> None:
        graph.set((node, DIS.qualifier, URIRef(f"{BASE}/def/common/qualifier/more-than")))

    return mutate


def both_ways(*mutations: Mutation) -> Mutation:
    def mutate(graph: Graph) -> None:
        for mutation in mutations:
            mutation(graph)

    return mutate


UNIQUE = "Figure {} has the same value as this one in every dimension: a figure is stated once."
SUM = "The stated total {} is not the sum of its parts, {}."
BALANCE = "The left-hand side adds up to {}, the right-hand side to {}."
RESTATED = "The narrative restates {}, where the table states {}."
BOUND = "The figure {} exceeds its bound {}."
DISCLOSED = town("request-disclosed-natural-person")
NATURAL_TOTAL = town("request-total-results-natural-person")
RESTATED_FACT = fig(COUNTY, 2021, "new-requests-restated")


def seed_figure(key: str) -> str:
    return fig(*SEED, key)


SEED_PLANS = URIRef(seed_figure("proactive-plans-2011"))  # 规划计划类信息22条 (46 up to the end of 2011)


@dataclass(frozen=True)
class Case:
    """A report (a national example, or the seed) changed by `mutate`, and what one constraint must find in it."""

    report: tuple[str, int]
    constraint: str
    mutate: Mutation | None
    expected: frozenset[tuple[str, str | None, str]] = frozenset()  # focus, value, English message; none: must not fire


def unique(focus: str, value: str) -> tuple[str, str, str]:
    return (focus, value, UNIQUE.format(value))


CASES = [
    pytest.param(
        Case(
            (TOWN, 2021),
            "ObservationUnique",
            duplicate(DISCLOSED, "again"),
            frozenset({unique(DISCLOSED, f"{DISCLOSED}-again"), unique(f"{DISCLOSED}-again", DISCLOSED)}),
        ),
        id="unique-figure-stated-twice",
    ),
    pytest.param(
        Case(
            (TOWN, 2021),
            "ObservationUnique",
            blank_like(DISCLOSED, "blank"),
            frozenset({unique(DISCLOSED, f"{DISCLOSED}-blank"), unique(f"{DISCLOSED}-blank", DISCLOSED)}),
        ),
        id="unique-blank-cell-where-a-figure-is",
    ),
    pytest.param(
        # a second column: the figure and the (blank) cell of that column share a code in every dimension
        Case(
            (TOWN, 2021),
            "ObservationUnique",
            second_code(DISCLOSED, DIS.column, town("request-disclosed-commercial-enterprises")),
            frozenset(
                {
                    unique(DISCLOSED, str(town("request-disclosed-commercial-enterprises"))),
                    unique(str(town("request-disclosed-commercial-enterprises")), DISCLOSED),
                }
            ),
        ),
        id="unique-second-code-in-a-dimension",
    ),
    pytest.param(Case((TOWN, 2021), "ObservationUnique", None), id="unique-not-when-each-once"),
    pytest.param(Case((COUNTY, 2021), "ObservationUnique", None), id="unique-not-in-a-full-table"),
    pytest.param(
        # natural persons: disclosed 3 + not held 1 against 2; row disclosed: 3 against its total 1
        Case(
            (TOWN, 2021),
            "SumRuleHolds",
            set_count(DISCLOSED, 3),
            frozenset(
                {
                    (rule("results-sum-to-total"), str(NATURAL_TOTAL), SUM.format(2, 4)),
                    (rule("applicants-sum-to-total"), fig(TOWN, 2021, "request-disclosed-total"), SUM.format(1, 3)),
                }
            ),
        ),
        id="sum-part-changed",
    ),
    pytest.param(
        # a blank total is no stated total: the row's total, 2, against its parts (the blank total among them, as
        # 0); the blank total itself is worded apart (test_the_stated_and_the_blank_totals_…)
        Case(
            (TOWN, 2021),
            "SumRuleHolds",
            to_blank(NATURAL_TOTAL),
            frozenset(
                {(rule("applicants-sum-to-total"), fig(TOWN, 2021, "request-total-results-total"), SUM.format(2, 0))}
            ),
        ),
        id="sum-blank-total",
    ),
    pytest.param(
        # a total with no code but its row: every cell of the report agrees with it in the other dimensions
        Case(
            (TOWN, 2021),
            "SumRuleHolds",
            strip(NATURAL_TOTAL, DIS.agency, DIS.reportYear, DIS.column),
            frozenset({(rule("results-sum-to-total"), str(NATURAL_TOTAL), SUM.format(2, 4))}),
        ),
        id="sum-total-with-no-other-code",
    ),
    pytest.param(
        # reconsiderations: a total of 5 against blank parts (0) does not hold ...
        Case(
            (TOWN, 2021),
            "SumRuleHolds",
            to_figure(town("review-reconsideration-total"), 5),
            frozenset({(rule("review-sum-to-total"), str(town("review-reconsideration-total")), SUM.format(5, 0))}),
        ),
        id="sum-total-against-blank-parts",
    ),
    pytest.param(
        # ... and is not checked once one of its parts is missing
        Case(
            (TOWN, 2021),
            "SumRuleHolds",
            both_ways(
                to_figure(town("review-reconsideration-total"), 5), remove(town("review-reconsideration-pending"))
            ),
        ),
        id="sum-not-when-a-part-is-missing",
    ),
    pytest.param(Case((TOWN, 2021), "SumRuleHolds", None), id="sum-not-when-it-holds"),
    pytest.param(
        # the seed's categories: 21 + 23 + 2 + 1 + 612 against its total, 658
        Case(
            SEED,
            "SumRuleHolds",
            set_count(SEED_PLANS, 23),
            frozenset(
                {(f"{JL}/rule/categories-sum-to-total", seed_figure("proactive-total-2011"), SUM.format(658, 659))}
            ),
        ),
        id="sum-jilin-categories",
    ),
    pytest.param(Case(SEED, "SumRuleHolds", None), id="sum-not-in-the-seed"),
    pytest.param(
        # plans published in 2011 above those published up to its end, 46
        Case(
            SEED,
            "UpperBoundRuleHolds",
            set_count(SEED_PLANS, 50),
            frozenset({(f"{JL}/rule/cumulative-at-least-annual", str(SEED_PLANS), BOUND.format(50, 46))}),
        ),
        id="upper-bound-exceeded",
    ),
    pytest.param(
        # as many as its bound is not more; the bounds of the other categories (34, 5, 22 …) do not count
        Case(SEED, "UpperBoundRuleHolds", set_count(SEED_PLANS, 46)),
        id="upper-bound-not-when-reached",
    ),
    pytest.param(Case(SEED, "UpperBoundRuleHolds", None), id="upper-bound-not-in-the-seed"),
    pytest.param(
        # natural persons: 5 new + 0 carried over against 2 results + 0 carried forward; the finding is about
        # the first right-hand cell by IRI, the (blank) carried-forward one
        Case(
            (TOWN, 2021),
            "BalanceRuleHolds",
            set_count(town("request-new-requests-natural-person"), 5),
            frozenset(
                {(rule("requests-balance"), str(town("request-carried-forward-natural-person")), BALANCE.format(5, 2))}
            ),
        ),
        id="balance-does-not-hold",
    ),
    pytest.param(
        # the total column, made one short on the right: 2 against 1
        Case(
            (TOWN, 2021),
            "BalanceRuleHolds",
            set_count(town("request-total-results-total"), 1),
            frozenset({(rule("requests-balance"), str(town("request-carried-forward-total")), BALANCE.format(2, 1))}),
        ),
        id="balance-does-not-hold-in-the-total-column",
    ),
    pytest.param(Case((TOWN, 2021), "BalanceRuleHolds", None), id="balance-not-when-it-holds"),
    pytest.param(Case((COUNTY, 2021), "BalanceRuleHolds", None), id="balance-not-in-a-full-table"),
    pytest.param(
        Case(
            (COUNTY, 2021),
            "RestatementRuleHolds",
            None,
            frozenset({(rule("restatement"), RESTATED_FACT, RESTATED.format(10, 9))}),
        ),
        id="restatement-differs-as-published",
    ),
    pytest.param(
        Case(
            (COUNTY, 2021),
            "RestatementRuleHolds",
            set_value(URIRef(RESTATED_FACT), 12),
            frozenset({(rule("restatement"), RESTATED_FACT, RESTATED.format(12, 9))}),
        ),
        id="restatement-differs",
    ),
    pytest.param(
        Case((COUNTY, 2021), "RestatementRuleHolds", set_value(URIRef(RESTATED_FACT), 9)),
        id="restatement-not-when-it-agrees",
    ),
    pytest.param(
        Case((COUNTY, 2021), "RestatementRuleHolds", more_than(URIRef(RESTATED_FACT))),
        id="restatement-not-for-more-than",
    ),
]


def test_the_reference_texts_are_those_the_shapes_replaced() -> None:
    """Each name in ORIGINAL is a constraint whose text is now another (else the comparisons prove nothing)."""
    checking = national()
    for current, before in zip(checking.current, checking.before, strict=True):
        assert current.query != before.query, name(current)
        assert current.query.split("SELECT", 1)[0] == before.query.split("SELECT", 1)[0]  # the same prefixes


def test_the_cases_cover_every_rewritten_constraint_both_ways() -> None:
    cases = [p.values[0] for p in CASES]
    assert {c.constraint for c in cases if c.expected} == set(ORIGINAL)
    assert {c.constraint for c in cases if not c.expected} == set(ORIGINAL)


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("full_context", [False, True], ids=["format-context", "full-context"])
def test_a_rewritten_constraint_finds_what_it_should_and_what_it_found(case: Case, full_context: bool) -> None:
    checking, fmt, published = case_report(case.report)
    graph = copy(published)
    if case.mutate is not None:
        case.mutate(graph)
        assert set(graph) != set(published), "the mutation changed nothing"
    now, then = checking.both(graph, fmt, full_context, only=case.constraint)
    assert {r[1:] for r in map(result, now)} == {
        (str(focus), value and str(value), message) for focus, value, message in case.expected
    }
    assert now == then


# ---------------------------------------------------------------------------
# A blank total: worded apart, found as before
# ---------------------------------------------------------------------------

BLANK_TOTAL = re.compile(r"the total is left blank; its parts add up to (?P<sum>\S+) \(rule: ")


def blank_total_constraint(checking: Checking) -> SparqlConstraint:
    """shape:SumRule's constraint for a total left blank, shape:SumRuleBlankTotal."""
    [constraint] = [c for c in checking.checker.local if name(c) == "SumRuleBlankTotal"]
    return constraint


def as_before(finding: Finding) -> tuple[str, str | None, str]:
    """A finding of shape:SumRule's two constraints as the text before found it: a blank total as a stated 0."""
    found = BLANK_TOTAL.search(finding.message_en)
    message = SUM.format(0, found["sum"]) if found else finding.message_en
    return finding.focus, finding.value, message


BLANK_TOTAL_VARIANTS = [
    pytest.param((TOWN, 2021), None, id="town-as-published"),
    pytest.param((TOWN, 2021), to_blank(NATURAL_TOTAL), id="town-natural-persons-total-blank"),
    pytest.param(
        (TOWN, 2021),
        both_ways(to_blank(town("request-total-results-total")), to_blank(NATURAL_TOTAL)),
        id="town-two-totals-blank-in-one-row",
    ),
    pytest.param(
        (TOWN, 2021),
        both_ways(to_figure(town("review-reconsideration-upheld"), 3), remove(town("review-reconsideration-pending"))),
        id="town-blank-total-with-a-part-missing",
    ),
    pytest.param(
        (COUNTY, 2021),
        both_ways(
            to_blank(URIRef(fig(COUNTY, 2021, "review-reconsideration-total"))),
            to_blank(URIRef(fig(COUNTY, 2021, "request-disclosed-total"))),
        ),
        id="county-totals-blank",
    ),
]


@pytest.mark.parametrize(("report", "mutate"), BLANK_TOTAL_VARIANTS)
def test_the_stated_and_the_blank_totals_are_what_the_sum_rule_found_before(
    report: tuple[str, int], mutate: Mutation | None
) -> None:
    """SumRuleHolds (stated totals) and the blank-total constraint together find what the one text found before,
    a blank total's 0 aside: the same totals, the same sums; and only a blank total is worded as blank."""
    checking, fmt, published = case_report(report)
    graph = copy(published)
    if mutate is not None:
        mutate(graph)
    store = checking.store(graph, fmt)
    [stated] = [c for c in checking.current if name(c) == "SumRuleHolds"]
    before = replace(stated, query=original(stated).query.replace(ORIGINAL["SumRuleHolds"], SUM_BEFORE_BLANK_TOTALS))
    blank = blank_total_constraint(checking)
    now = checking.validator.evaluate_on([stated, blank], store, None)
    then = checking.validator.evaluate_on([before], store, None)
    assert sorted(map(as_before, now)) == sorted(map(as_before, then))
    for finding in now:
        is_blank = (URIRef(finding.value or ""), RDF.type, DIS.BlankCell) in graph
        assert is_blank == (BLANK_TOTAL.search(finding.message_en) is not None), finding
        assert is_blank == ("总计栏为空白，其各项之和为" in finding.message_zh), finding
        assert is_blank != ("stated total" in finding.message_en), finding


def test_a_blank_total_is_found_by_the_variants() -> None:
    """The variants above are not vacuous: blank totals worded as blank, with the sums typed from the town's page."""
    checking, fmt, published = case_report((TOWN, 2021))
    graph = copy(published)
    both_ways(to_blank(town("request-total-results-total")), to_blank(NATURAL_TOTAL))(graph)
    found = checking.validator.evaluate_on([blank_total_constraint(checking)], checking.store(graph, fmt), None)
    # natural persons: disclosed 1 + not held 1; the row (七): its six applicant cells, natural persons' blank now
    assert {(f.focus, f.value, f.message_en) for f in found} == {
        (
            rule("results-sum-to-total"),
            str(NATURAL_TOTAL),
            "(7) Total / Natural persons: the total is left blank; its parts add up to 2 (rule: Outcomes sum to the total).",
        ),
        (
            rule("results-sum-to-total"),
            fig(TOWN, 2021, "request-total-results-total"),
            "(7) Total / Total: the total is left blank; its parts add up to 2 (rule: Outcomes sum to the total).",
        ),
    }


# ---------------------------------------------------------------------------
# Corpora: the same findings as the original text, report by report
# ---------------------------------------------------------------------------


def reports_of(project: Project, data: Path) -> Iterator[tuple[Report, Graph]]:
    keys = {slug: f.record_keys for slug, f in project.formats.items()}
    for path in find_records(data):
        report = load_report(path, project.registry, keys)
        yield report, report_graph(report, project.registry, project.formats[report.format], project.iris)


def test_the_examples_the_seed_and_data_find_the_same(project: Project) -> None:
    found: Counter[str] = Counter()
    for checking, data in ((national(), examples.EXAMPLES), (Checking(project), DATA)):
        reports = list(reports_of(checking.project, data))
        assert reports
        for report, graph in reports:
            for full_context in (False, True):
                now, then = checking.both(graph, report.format, full_context)
                assert now == then, f"{report.agency} {report.year}: {now - then} / {then - now}"
                found.update(result(f)[0] for f in now.elements())
    assert found["SumRuleHolds"] and found["RestatementRuleHolds"]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Project:
    """Jilin City 2017–2018, national 2019–2020 and 2021–2022; 5 % of figures blank, half the reports broken."""
    data = tmp_path_factory.mktemp("corpus") / "data"
    synthetic.generate(data, 2, years=range(2017, 2023), seed=23, blank_rate=0.05, inconsistency_rate=0.5)
    return load_project(
        load_settings({"base_iri": BASE, "data_dir": data, "build_dir": Path("/nonexistent")}, environ={})
    )


def test_a_synthetic_corpus_finds_the_same_with_every_constraint(corpus: Project) -> None:
    checking = Checking(corpus)
    found: Counter[str] = Counter()
    formats: Counter[str] = Counter()
    for report, graph in reports_of(corpus, corpus.data_dir):
        formats[report.format] += 1
        now, then = checking.every_constraint(graph, report.format)
        assert now == then, f"{report.agency} {report.year}: {now - then} / {then - now}"
        found.update(result(f)[0] for f in now.elements())
    assert formats == {"jilin-city-2011": 4, "national-2019": 4, "national-2021": 4}
    assert found["SumRuleHolds"], found  # the totals the generator broke


NEW_REQUESTS = [f"request-new-requests-{column}" for column in ("natural-person", "total")]


def test_a_synthetic_corpus_with_more_errors_finds_the_same(corpus: Project) -> None:
    """The same corpus with two random changes to each report (see `random_change`), and a balance broken."""
    checking = Checking(corpus)
    rng = random.Random(29)
    found: Counter[str] = Counter()
    for report, graph in reports_of(corpus, corpus.data_dir):
        for _ in range(2):
            random_change(graph, rng)
        # and, in a national report, one more request received: table 三 no longer balances in its column
        received = sorted(c for c in graph.subjects(DIS.count, None) if str(c).endswith(tuple(NEW_REQUESTS)))
        if received:
            cell = rng.choice(received)
            set_count(cell, int(graph.value(cell, DIS.count)) + 1)(graph)
        now, then = checking.both(graph, report.format)
        assert now == then, f"{report.agency} {report.year}: {now - then} / {then - now}"
        found.update(result(f)[0] for f in now.elements())
    assert {"ObservationUnique", "SumRuleHolds", "BalanceRuleHolds"} <= set(found), found


# ---------------------------------------------------------------------------
# Reports changed at random: degenerate inputs
# ---------------------------------------------------------------------------

DIMENSIONS = (DIS.item, DIS.column, DIS.periodType, DIS.agency, DIS.reportYear)


def random_change(graph: Graph, rng: random.Random) -> None:
    """One change a broken record or a careless edit could make to a report graph."""
    cells = sorted({*graph.subjects(RDF.type, QB.Observation), *graph.subjects(RDF.type, DIS.BlankCell)})
    facts = sorted(graph.subjects(RDF.type, DIS.NarrativeFact))
    cell, other = rng.choice(cells), rng.choice(cells)
    dimension = rng.choice(DIMENSIONS)
    kind = rng.randrange(10)
    if kind == 0:  # stated twice
        for predicate, value in list(graph.predicate_objects(cell)):
            graph.add((URIRef(f"{cell}-again"), predicate, value))
    elif kind == 1 and (cell, DIS.count, None) in graph:  # another number
        graph.set((cell, DIS.count, Literal(rng.randrange(50), datatype=XSD.integer)))
    elif kind == 2:  # a second number
        graph.add((cell, DIS.count, Literal(rng.randrange(9), datatype=XSD.integer)))
    elif kind == 3:  # no code in a dimension
        graph.remove((cell, dimension, None))
    elif kind == 4:  # a second code in a dimension
        for code in list(graph.objects(other, dimension)):
            graph.add((cell, dimension, code))
    elif kind == 5:  # moved to another cell's code in a dimension
        graph.remove((cell, dimension, None))
        for code in list(graph.objects(other, dimension)):
            graph.add((cell, dimension, code))
    elif kind == 6 and (cell, QB.dataSet, None) in graph:  # made blank
        to_blank(cell)(graph)
    elif kind == 7:  # both a figure and a blank cell of the report
        for report in [*graph.objects(cell, QB.dataSet), *graph.objects(cell, DIS.cellOf)]:
            graph.add((cell, QB.dataSet, report))
            graph.add((cell, DIS.cellOf, report))
    elif kind == 8 and facts:  # a restated number changed, or restating another cell
        fact = rng.choice(facts)
        if rng.random() < 0.5:
            set_value(fact, rng.randrange(30))(graph)
        else:
            graph.remove((fact, dimension, None))
            for code in list(graph.objects(cell, dimension)):
                graph.add((fact, dimension, code))
    else:  # only one code left
        for gone in DIMENSIONS:
            if gone != dimension:
                graph.remove((cell, gone, None))


@pytest.mark.parametrize(
    ("report", "rng_seed"),
    [
        pytest.param((COUNTY, 2021), 1, id="national-2021"),
        pytest.param((PROVINCE, 2019), 2, id="national-2019"),
        pytest.param((TOWN, 2021), 3, id="national-2021-mostly-blank"),
    ],
)
def test_randomly_changed_reports_find_the_same(report: tuple[str, int], rng_seed: int) -> None:
    checking = national()
    rng = random.Random(rng_seed)
    fmt = examples.report(*report).format
    found: Counter[str] = Counter()
    for variant in range(4):
        graph = copy(examples.graph(*report))
        for _ in range(1 + variant % 3):
            random_change(graph, rng)
        now, then = checking.both(graph, fmt, full_context=variant % 2 == 1)
        assert now == then, f"variant {variant}: {now - then} / {then - now}"
        found.update(result(f)[0] for f in now.elements())
    assert found, "no change made any rewritten constraint fire"


def test_a_randomly_changed_seed_finds_the_same() -> None:
    checking, report, seed_graph = seed()
    rng = random.Random(4)
    for variant in range(6):
        graph = copy(seed_graph)
        for _ in range(1 + variant % 3):
            random_change(graph, rng)
        now, then = checking.both(graph, report.format, full_context=variant % 2 == 1)
        assert now == then, f"variant {variant}: {now - then} / {then - now}"
