"""Validation: the shapes/ against each report, results turned into findings people can act on.

Violations (shapes/structure.ttl) stop a report; warnings (shapes/arithmetic.ttl,
shapes/cross-year.ttl) are published as DQV quality annotations naming the failed
rule. Each finding names the record file, the line and the figure, the rule, and
says what is wrong in Chinese and English.

SHACL Core constraints are checked by pySHACL. SHACL-SPARQL constraints (sh:sparql)
are evaluated here with Oxigraph, following SHACL §5: the query runs once per focus
node with $this pre-bound (an Oxigraph substitution), each solution is a result
whose focus is ?this (else the focus node), whose value is ?value (else, for a node
shape, the focus node) and whose path is ?path (else the property shape's path);
{?var} and {$var} in messages are replaced by the solution's values. pySHACL's own
SPARQL engine took over a minute on one report of the national formats; Oxigraph
takes well under a second. A constraint whose focus nodes are not those of a
sh:targetClass (directly, or through the node shape owning its property shape) is
left to pySHACL.

Rules between an agency's reports of consecutive years (subclasses of
dis:CrossYearRule) are checked after each report on its own: their constraints run
over the union of the two reports (`validate_across`), and what they find is added
to the later report's findings.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeAlias
from urllib.parse import urljoin

import pyoxigraph as ox
from pyshacl import validate as shacl_validate
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.extras.shacl import parse_shacl_path
from rdflib.term import Node

from publisher.errors import FormatError
from publisher.formats import parse_turtle
from publisher.graph import new_graph
from publisher.iris import Iris
from publisher.namespaces import DQV, OA, RDF, RDFS, SH, XSD, vocabulary
from publisher.records import Report


class UnionView:
    """An Oxigraph store whose default graph is the union of its named graphs (as the published store is read)."""

    def __init__(self, store: ox.Store) -> None:
        self.store = store

    def query(self, query: str, **options: Any) -> Any:
        return self.store.query(query, use_default_graph_as_union=True, **options)


#: What SPARQL constraints are evaluated on: a store holding data and context, or a union view of one.
QueryStore: TypeAlias = "ox.Store | UnionView"


SEVERITIES: dict[URIRef, str] = {SH.Violation: "violation", SH.Warning: "warning", SH.Info: "info"}


@dataclass(frozen=True)
class Finding:
    """One SHACL result, located in the record."""

    severity: str
    shape: str
    focus: str
    value: str | None
    path: str | None
    message_zh: str
    message_en: str
    rule: str | None = None
    figure: str | None = None
    line: int | None = None

    def text(self, record: str) -> str:
        where = f"{record}:{self.line}" if self.line else record
        what = f" figure '{self.figure}'" if self.figure else ""
        rule = f" [{self.rule or self.shape}]"
        return f"{where}:{what}{rule} {self.severity}: {self.message_zh} / {self.message_en}"


@dataclass
class Outcome:
    """The validation outcome of one report record."""

    record: str
    findings: list[Finding] = field(default_factory=list)

    @classmethod
    def of(cls, record: str, findings: Iterable[Finding]) -> Outcome:
        """The outcome with its findings in reading order: violations first, then by line and figure."""
        ordered = sorted(
            findings,
            key=lambda f: (f.severity != "violation", f.line or 0, f.figure or "", f.rule or f.shape, f.value or ""),
        )
        return cls(record=record, findings=ordered)

    @property
    def conforms(self) -> bool:
        return not any(f.severity == "violation" for f in self.findings)

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "warning"]

    @property
    def violations(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "violation"]

    @property
    def text(self) -> str:
        if not self.findings:
            return f"{self.record}: conforms / 符合要求"
        return "\n".join(f.text(self.record) for f in self.findings)


def shapes_files(shapes_dir: Path) -> list[Path]:
    return sorted(shapes_dir.glob("*.ttl"))


def load_shapes_documents(shapes_dir: Path, iris: Iris) -> dict[URIRef, Graph]:
    """Each shapes/*.ttl parsed against the base IRI, relative sh:namespace values resolved too.

    Keyed by the file's document IRI, {base}/def/shapes/{stem}.
    """
    files = shapes_files(shapes_dir)
    if not files:
        raise FormatError(f"No shapes under {shapes_dir}.")
    documents: dict[URIRef, Graph] = {}
    for path in files:
        graph = parse_turtle(path, iris)
        for node, namespace in list(graph.subject_objects(SH.namespace)):
            if isinstance(namespace, Literal) and "://" not in str(namespace):
                # urljoin drops an empty fragment, but "…#" namespaces need it kept
                relative = str(namespace)
                resolved = urljoin(iris.ontology_base(), relative.rstrip("#"))
                resolved += "#" if relative.endswith("#") else ""
                graph.set((node, SH.namespace, Literal(resolved, datatype=XSD.anyURI)))
        documents[iris.format(f"shapes/{path.stem}")] = graph
    return documents


def load_shapes(shapes_dir: Path, iris: Iris) -> Graph:
    shapes = Graph()
    for graph in load_shapes_documents(shapes_dir, iris).values():
        for triple in graph:
            shapes.add(triple)
    return shapes


@dataclass(frozen=True)
class SparqlConstraint:
    """A sh:sparql constraint with what evaluating it needs: its shape, targets, query and messages."""

    node: Node
    shape: Node
    path: URIRef | None
    targets: frozenset[URIRef]
    query: str
    messages: tuple[Literal, ...]
    severity: URIRef


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
        self.core, self.constraints = _split_shapes(shapes)
        self._context_nt = context.serialize(format="nt", encoding="utf-8")

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
                self._finding(results, result, report) for result in results.subjects(RDF.type, SH.ValidationResult)
            ]
        local = [c for c in self.constraints if not c.targets & self.cross_year_classes]
        findings += self._evaluate(local, [graph], report)
        return self._outcome(record, findings)

    def validate_across(
        self, earlier: Graph, later: Graph, report: Report | None = None, record: str = "<graph>"
    ) -> Outcome:
        """The rules across years (dis:CrossYearRule) over two reports of one agency; findings concern `later`."""
        across = [c for c in self.constraints if c.targets & self.cross_year_classes]
        return self._outcome(record, self._evaluate(across, [earlier, later], report))

    def _outcome(self, record: str, findings: list[Finding]) -> Outcome:
        return Outcome.of(record, findings)

    def _evaluate(
        self, constraints: list[SparqlConstraint], graphs: list[Graph], report: Report | None
    ) -> list[Finding]:
        if not constraints:
            return []
        store = ox.Store()
        store.load(self._context_nt, format=ox.RdfFormat.N_TRIPLES)
        for graph in graphs:
            store.load(graph.serialize(format="nt", encoding="utf-8"), format=ox.RdfFormat.N_TRIPLES)
        return self.evaluate_on(constraints, store, report)

    def evaluate_on(
        self, constraints: Sequence[SparqlConstraint], store: QueryStore, report: Report | None
    ) -> list[Finding]:
        """The SPARQL constraints over a store that holds the data and its context (see the module docstring)."""
        findings: list[Finding] = []
        targeted: dict[frozenset[URIRef], list[Any]] = {}  # focus nodes by target classes (constraints share them)
        for constraint in constraints:
            focus_nodes = targeted.get(constraint.targets)
            if focus_nodes is None:
                classes = " ".join(f"<{c}>" for c in sorted(constraint.targets))
                focus_query = f"""SELECT DISTINCT ?focus WHERE {{
                    VALUES ?class {{ {classes} }}
                    ?focus a/<{RDFS.subClassOf}>* ?class }}"""
                focus_nodes = targeted[constraint.targets] = [s["focus"] for s in _solutions(store.query(focus_query))]
            seen: set[tuple[str, ...]] = set()
            for focus, solution, names in _run(store, constraint.query, focus_nodes):
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
                        text = text.replace(f"{{?{name}}}", _lexical(term)).replace(f"{{${name}}}", _lexical(term))
                    messages[message.language or _language_of(text)] = text
                shape = constraint.node if isinstance(constraint.node, URIRef) else constraint.shape
                findings.append(
                    self._make_finding(
                        severity=SEVERITIES.get(constraint.severity, "violation"),
                        shape=str(shape),
                        focus=_lexical(this),
                        value=None if value is None else _lexical(value),
                        path=None if path is None else str(path),
                        messages=messages,
                        report=report,
                    )
                )
        return findings

    def _finding(self, results: Graph, result: Node, report: Report | None) -> Finding:
        def one(predicate: URIRef) -> str | None:
            value = results.value(result, predicate)
            return None if value is None else str(value)

        messages = {
            m.language or _language_of(str(m)): str(m)
            for m in results.objects(result, SH.resultMessage)
            if isinstance(m, Literal)
        }
        constraint = results.value(result, SH.sourceConstraint)
        shape = str(constraint) if isinstance(constraint, URIRef) else one(SH.sourceShape) or ""
        return self._make_finding(
            severity=SEVERITIES.get(URIRef(one(SH.resultSeverity) or SH.Violation), "violation"),
            shape=shape,
            focus=one(SH.focusNode) or "",
            value=one(SH.value),
            path=_path_text(results, results.value(result, SH.resultPath)),
            messages=messages,
            report=report,
        )

    def _make_finding(
        self,
        severity: str,
        shape: str,
        focus: str,
        value: str | None,
        path: str | None,
        messages: Mapping[str, str],
        report: Report | None,
    ) -> Finding:
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
        prefix = f"{self.iris.base}/def/"
        return iri[len(prefix) :] if iri.startswith(prefix) else iri


def _split_shapes(shapes: Graph) -> tuple[Graph, list[SparqlConstraint]]:
    """The shapes without the SPARQL constraints evaluated here, and those constraints."""
    core = Graph()
    for triple in shapes:
        core.add(triple)
    constraints: list[SparqlConstraint] = []
    for shape, node in sorted(shapes.subject_objects(SH.sparql), key=lambda pair: (str(pair[0]), str(pair[1]))):
        if shapes.value(node, SH.deactivated) == Literal(True):
            continue
        select = shapes.value(node, SH.select)
        if select is None:
            continue
        path: URIRef | None = None
        owners = [shape]
        if (shape, RDF.type, SH.PropertyShape) in shapes or shapes.value(shape, SH.path) is not None:
            shape_path = shapes.value(shape, SH.path)
            if not isinstance(shape_path, URIRef):
                continue  # a complex path: left to pySHACL
            path = shape_path
            owners = list(shapes.subjects(SH.property, shape))
        targets = frozenset(
            t for owner in owners for t in shapes.objects(owner, SH.targetClass) if isinstance(t, URIRef)
        )
        if not targets or any(not list(shapes.objects(owner, SH.targetClass)) for owner in owners):
            continue  # focus nodes reached otherwise (sh:node …): left to pySHACL
        prefixes = "".join(
            f"PREFIX {shapes.value(declaration, SH.prefix)}: <{shapes.value(declaration, SH.namespace)}>\n"
            for source in shapes.objects(node, SH.prefixes)
            for declaration in shapes.objects(source, SH.declare)
        )
        messages = tuple(m for m in shapes.objects(node, SH.message) if isinstance(m, Literal)) or tuple(
            m for m in shapes.objects(shape, SH.message) if isinstance(m, Literal)
        )
        severity = shapes.value(shape, SH.severity)
        constraints.append(
            SparqlConstraint(
                node=node,
                shape=shape,
                path=path,
                targets=targets,
                query=prefixes + str(select),
                messages=messages,
                severity=severity if isinstance(severity, URIRef) else SH.Violation,
            )
        )
        core.remove((shape, SH.sparql, node))
    return core, constraints


OUTER_WHERE = re.compile(r"^(?P<head>.*?\bSELECT\b(?P<projection>.*?)\bWHERE\s*\{)", re.IGNORECASE | re.DOTALL)


def _run(
    store: QueryStore, query: str, focus_nodes: list[ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple | None]
) -> Iterator[tuple[object, ox.QuerySolution, list[str]]]:
    """(focus node, solution, variables) of the query for every focus node, $this pre-bound.

    When the focus nodes are IRIs and the query projects $this, they are bound all at once
    with VALUES at the start of the outer WHERE (one query instead of one per focus node; the
    same solutions for constraints whose $this is joined, as here); otherwise one query per
    focus node with $this substituted.
    """
    match = OUTER_WHERE.match(query)
    batch = (
        match is not None
        and re.search(r"[?$]this\b", match["projection"]) is not None
        and all(isinstance(f, ox.NamedNode) for f in focus_nodes)
    )
    if batch and focus_nodes:
        assert match is not None
        values = " ".join(str(f) for f in focus_nodes)
        text = match["head"] + f" VALUES ?this {{ {values} }} " + query[match.end() :]
        result = store.query(text)
        names = [v.value for v in result.variables] if isinstance(result, ox.QuerySolutions) else []
        for solution in _solutions(result):
            yield solution["this"], solution, names
        return
    for focus in focus_nodes:
        assert focus is not None
        result = store.query(query, substitutions={ox.Variable("this"): focus})
        names = [v.value for v in result.variables] if isinstance(result, ox.QuerySolutions) else []
        for solution in _solutions(result):
            yield focus, solution, names


def _solutions(result: object) -> list[ox.QuerySolution]:
    return list(result) if isinstance(result, ox.QuerySolutions) else []


def _lexical(term: object) -> str:
    """A query term as SHACL messages show it: the IRI, the literal's lexical form, or _:id."""
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    return str(getattr(term, "value", term))


def _path_text(results: Graph, path: Node | None) -> str | None:
    """A result path as text: the IRI of a predicate path, else SPARQL property-path syntax.

    A sequence or other complex path is a list of blank nodes in the results graph;
    its blank node label would change on every run and say nothing.
    """
    if path is None:
        return None
    if isinstance(path, BNode):
        return parse_shacl_path(results, path).n3()
    return str(path)


def _language_of(message: str) -> str:
    """pySHACL drops the language tag of SPARQL-constraint messages; tell zh from en by script."""
    return "zh" if any("\u4e00" <= ch <= "\u9fff" for ch in message) else "en"


def quality_annotations(report_iri: URIRef, findings: Iterable[Finding], iris: Iris) -> Graph:
    """Warnings as DQV quality annotations on the report, each naming the failed rule."""
    dis = vocabulary(iris.base)
    graph = new_graph(iris)
    for finding in findings:
        if finding.severity != "warning":
            continue
        digest = hashlib.sha256(f"{finding.focus} {finding.value}".encode()).hexdigest()[:12]
        node = URIRef(f"{report_iri}#quality-{digest}")
        graph.add((report_iri, DQV.hasQualityAnnotation, node))
        graph.add((node, RDF.type, DQV.QualityAnnotation))
        graph.add((node, OA.motivatedBy, DQV.qualityAssessment))
        graph.add((node, OA.hasTarget, URIRef(finding.value) if finding.value else report_iri))
        graph.add((node, OA.hasBody, node_body := URIRef(f"{node}-body")))
        graph.add((node_body, RDF.value, Literal(finding.message_zh, lang="zh")))
        graph.add((node_body, RDF.value, Literal(finding.message_en, lang="en")))
        graph.add((node, RDFS.comment, Literal(finding.message_zh, lang="zh")))
        graph.add((node, RDFS.comment, Literal(finding.message_en, lang="en")))
        if finding.rule:
            graph.add((node, dis.failedRule, URIRef(finding.focus)))
    return graph


def summarise(outcomes: Sequence[Outcome]) -> str:
    return "\n".join(o.text for o in outcomes)
