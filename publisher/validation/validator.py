"""The reference validator: every shape against a report with pySHACL and the SPARQL constraints.

Violations (shapes/structure.ttl) stop a report; warnings (shapes/arithmetic.ttl,
shapes/cross-year.ttl) are published as DQV quality annotations naming the failed
rule. Each finding names the record file, the line and the figure, the rule, and
says what is wrong in Chinese and English.

SHACL Core constraints are checked by pySHACL; the SPARQL constraints are evaluated
with Oxigraph (shapes.py: pySHACL's own SPARQL engine took over a minute on one report
of the national formats; Oxigraph takes well under a second). The fast checker beside
this module (checker.py) gives the same findings; the tests hold them equal.

Rules between an agency's reports of consecutive years (subclasses of
dis:CrossYearRule) are checked after each report on its own: their constraints run
over the union of the two reports (`validate_across`), and what they find is added
to the later report's findings.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import pyoxigraph as ox
from pyshacl import validate as shacl_validate
from rdflib import Graph, Literal, URIRef
from rdflib.term import Node

from publisher.rdf.iris import Iris
from publisher.rdf.namespaces import RDF, RDFS, SH, vocabulary
from publisher.records.model import Report
from publisher.validation.findings import SEVERITIES, Finding, Outcome, language_of
from publisher.validation.shapes import (
    QueryStore,
    SparqlConstraint,
    lexical,
    path_text,
    run_constraint,
    run_set_based,
    solutions,
    split_shapes,
)


class Validator:
    """Validates report graphs against the shapes, with the shared data as context.

    The context (ontology, formats, agency registry) is what a report refers to:
    its format's code lists and rules, its agency.
    """

    def __init__(self, shapes: Graph, context: Graph, iris: Iris) -> None:
        self.shapes = shapes
        self.context = context
        self.iris = iris
        dis = vocabulary(iris.base)
        self.rule_classes = frozenset(
            c for c in context.transitive_subjects(RDFS.subClassOf, dis.Rule) if isinstance(c, URIRef)
        )
        self.cross_year_classes = frozenset(
            c for c in context.transitive_subjects(RDFS.subClassOf, dis.CrossYearRule) if isinstance(c, URIRef)
        )
        self.core, self.constraints = split_shapes(shapes)
        self.context_ntriples = context.serialize(format="nt", encoding="utf-8")

    def validate(self, graph: Graph, report: Report | None = None, record: str = "<graph>") -> Outcome:
        """Every shape against one report (rules across years excepted: see validate_across)."""
        data = Graph()
        for triple in self.context:
            data.add(triple)
        for triple in graph:
            data.add(triple)
        findings: list[Finding] = []
        if any(True for _ in self.core.subjects(SH.targetClass, None)):
            _conforms, results, _text = shacl_validate(
                data,
                shacl_graph=self.core,
                inference="none",
                allow_warnings=True,
                advanced=False,
            )
            findings += [
                self.finding(results, result, report) for result in results.subjects(RDF.type, SH.ValidationResult)
            ]
        local = [c for c in self.constraints if not c.targets & self.cross_year_classes]
        findings += self._evaluate(local, [graph], report)
        return self.outcome(record, findings)

    def validate_across(
        self, earlier: Graph, later: Graph, report: Report | None = None, record: str = "<graph>"
    ) -> Outcome:
        """The rules across years (dis:CrossYearRule) over two reports of one agency; findings concern `later`."""
        across = [c for c in self.constraints if c.targets & self.cross_year_classes]
        return self.outcome(record, self._evaluate(across, [earlier, later], report))

    def outcome(self, record: str, findings: list[Finding]) -> Outcome:
        """A record's outcome from its findings (the one place outcomes are made, for the checker too)."""
        return Outcome.of(record, findings)

    def _evaluate(
        self, constraints: list[SparqlConstraint], graphs: list[Graph], report: Report | None
    ) -> list[Finding]:
        if not constraints:
            return []
        store = ox.Store()
        store.load(self.context_ntriples, format=ox.RdfFormat.N_TRIPLES)
        for graph in graphs:
            store.load(graph.serialize(format="nt", encoding="utf-8"), format=ox.RdfFormat.N_TRIPLES)
        return self.evaluate_on(constraints, store, report)

    def evaluate_on(
        self,
        constraints: Sequence[SparqlConstraint],
        store: QueryStore | Callable[[], QueryStore],
        report: Report | None,
        solved: Mapping[SparqlConstraint, Iterable[tuple[object, Any, list[str]]]] | None = None,
    ) -> list[Finding]:
        """The SPARQL constraints over a store that holds the data and its context (see the module docstring).

        `solved`: the solutions of some of the constraints, found otherwise (validation/directsparql.py), as
        `run_constraint` gives them; `store` may be a function making the store, called only when a constraint
        is left to run on it.
        """
        targeted: dict[frozenset[URIRef], list[Any]] = {}  # focus nodes by target classes (constraints share them)
        made: list[QueryStore] = []

        def rows(constraint: SparqlConstraint) -> Iterable[tuple[object, Any, list[str]]]:
            if solved is not None and constraint in solved:
                return solved[constraint]
            if not made:
                made.append(store() if callable(store) else store)
            focus_nodes = targeted.get(constraint.targets)
            if focus_nodes is None:
                classes = " ".join(f"<{c}>" for c in sorted(constraint.targets))
                focus_query = f"""SELECT DISTINCT ?focus WHERE {{
                    VALUES ?class {{ {classes} }}
                    ?focus a/<{RDFS.subClassOf}>* ?class }}"""
                focus_nodes = targeted[constraint.targets] = [s["focus"] for s in solutions(made[0].query(focus_query))]
            return run_constraint(made[0], constraint.query, focus_nodes)

        return self._findings(constraints, rows, report)

    def evaluate_set_based(self, constraints: Sequence[SparqlConstraint], store: QueryStore) -> list[Finding]:
        """The SPARQL constraints over a store of any number of reports (and their context), each in one query.

        What `evaluate_on` finds report by report, found for every report at once: each query runs once with
        $this bound by a pattern (an instance of the constraint's target classes, `shapes.run_set_based`), so
        its cost grows with the reports in the store as long as the query relates each focus node only to
        nodes of its own report (see "How the queries are written" in shapes/arithmetic.ttl). The findings
        are not located in a record (no line): the caller knows which report each concerns.
        """
        return self._findings(constraints, lambda c: run_set_based(store, c.query, c.targets), None)

    def _findings(
        self,
        constraints: Sequence[SparqlConstraint],
        rows: Callable[[SparqlConstraint], Iterable[tuple[object, Any, list[str]]]],
        report: Report | None,
    ) -> list[Finding]:
        """Each constraint's solutions (`rows`) as findings, following SHACL §5 (see shapes.py)."""
        findings: list[Finding] = []
        for constraint in constraints:
            seen: set[tuple[str, ...]] = set()
            for focus, solution, names in rows(constraint):
                bound = {name: solution[name] for name in names if solution[name] is not None}
                if "failure" in bound:
                    bound = {}
                this = bound.get("this", focus)
                value = bound.get("value", focus if constraint.path is None else None)
                path = str(bound["path"].value) if isinstance(bound.get("path"), ox.NamedNode) else constraint.path
                key = (str(this), str(path), str(value), *sorted(f"{k}={v}" for k, v in bound.items()))
                if key in seen:
                    continue
                seen.add(key)
                messages = {}
                for message in constraint.messages:
                    text = str(message)
                    for name, term in bound.items():
                        text = text.replace(f"{{?{name}}}", lexical(term)).replace(f"{{${name}}}", lexical(term))
                    messages[message.language or language_of(text)] = text
                shape = constraint.node if isinstance(constraint.node, URIRef) else constraint.shape
                findings.append(
                    self.make_finding(
                        severity=SEVERITIES.get(constraint.severity, "violation"),
                        shape=str(shape),
                        focus=lexical(this),
                        value=None if value is None else lexical(value),
                        path=None if path is None else str(path),
                        messages=messages,
                        report=report,
                    )
                )
        return findings

    def finding(self, results: Graph, result: Node, report: Report | None) -> Finding:
        """One result of pySHACL's results graph as a finding located in the record."""

        def one(predicate: URIRef) -> str | None:
            value = results.value(result, predicate)
            return None if value is None else str(value)

        messages = {
            m.language or language_of(str(m)): str(m)
            for m in results.objects(result, SH.resultMessage)
            if isinstance(m, Literal)
        }
        constraint = results.value(result, SH.sourceConstraint)
        shape = str(constraint) if isinstance(constraint, URIRef) else one(SH.sourceShape) or ""
        return self.make_finding(
            severity=SEVERITIES.get(URIRef(one(SH.resultSeverity) or SH.Violation), "violation"),
            shape=shape,
            focus=one(SH.focusNode) or "",
            value=one(SH.value),
            path=path_text(results, results.value(result, SH.resultPath)),
            messages=messages,
            report=report,
        )

    def make_finding(
        self,
        severity: str,
        shape: str,
        focus: str,
        value: str | None,
        path: str | None,
        messages: Mapping[str, str],
        report: Report | None,
    ) -> Finding:
        """A result (its terms as text) as a finding located in the record: its figure, its rule, its line."""
        is_rule = any((URIRef(focus), RDF.type, kind) in self.context for kind in self.rule_classes)
        figure = self.iris.figure_key(value if is_rule and value else focus)
        fallback = next(iter(messages.values()), "")
        return Finding(
            severity=severity,
            shape=self._short(shape),
            focus=focus,
            value=value,
            path=path,
            message_zh=messages.get("zh", fallback),
            message_en=messages.get("en", fallback),
            rule=self._short(focus) if is_rule else None,
            figure=figure,
            line=report.line_of(figure) if report is not None and figure else None,
        )

    def _short(self, iri: str) -> str:
        prefix = self.iris.definitions
        return iri[len(prefix) :] if iri.startswith(prefix) else iri
