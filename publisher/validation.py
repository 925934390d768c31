"""Validation: pySHACL against shapes/, results turned into findings people can act on.

Violations (shapes/structure.ttl) stop a report; warnings (shapes/arithmetic.ttl)
are published as DQV quality annotations naming the failed rule. Each finding names
the record file, the line and the figure, the rule, and says what is wrong in
Chinese and English.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urljoin

from pyshacl import validate as shacl_validate
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.extras.shacl import parse_shacl_path
from rdflib.term import Node

from publisher.errors import FormatError
from publisher.graph import new_graph
from publisher.iris import Iris
from publisher.namespaces import DQV, OA, RDF, RDFS, SH, XSD, vocabulary
from publisher.records import Report

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
        graph = Graph()
        try:
            graph.parse(path, format="turtle", publicID=iris.ontology_base())
        except (SyntaxError, ValueError) as exc:
            raise FormatError(f"{path}: not valid Turtle: {exc}") from exc
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


class Validator:
    """Validates report graphs against the shapes, with the shared data as context.

    The context (ontology, formats, agency registry) is what a report refers to:
    its format's code lists and rules, its agency.
    """

    def __init__(self, shapes: Graph, context: Graph, iris: Iris) -> None:
        self.shapes = shapes
        self.context = context
        self.iris = iris

    def validate(self, graph: Graph, report: Report | None = None, record: str = "<graph>") -> Outcome:
        data = Graph()
        for triple in self.context:
            data.add(triple)
        for triple in graph:
            data.add(triple)
        _conforms, results, _text = shacl_validate(
            data,
            shacl_graph=self.shapes,
            inference="none",
            allow_warnings=True,
            advanced=False,
        )
        outcome = Outcome(record=record)
        outcome.findings = sorted(
            (self._finding(results, result, report) for result in results.subjects(RDF.type, SH.ValidationResult)),
            key=lambda f: (f.severity != "violation", f.line or 0, f.figure or "", f.rule or f.shape, f.value or ""),
        )
        return outcome

    def _finding(self, results: Graph, result: Node, report: Report | None) -> Finding:
        def one(predicate: URIRef) -> str | None:
            value = results.value(result, predicate)
            return None if value is None else str(value)

        messages = {
            m.language or _language_of(str(m)): str(m)
            for m in results.objects(result, SH.resultMessage)
            if isinstance(m, Literal)
        }
        focus, value = one(SH.focusNode) or "", one(SH.value)
        dis = vocabulary(self.iris.base)
        is_rule = any((URIRef(focus), RDF.type, kind) in self.context for kind in (dis.SumRule, dis.UpperBoundRule))
        figure = self.iris.figure_key(value if is_rule and value else focus)
        shape = one(SH.sourceConstraint) or one(SH.sourceShape) or ""
        fallback = next(iter(messages.values()), "")
        return Finding(
            severity=SEVERITIES.get(URIRef(one(SH.resultSeverity) or SH.Violation), "violation"),
            shape=self._short(shape),
            focus=focus,
            value=value,
            path=_path_text(results, results.value(result, SH.resultPath)),
            message_zh=messages.get("zh", fallback),
            message_en=messages.get("en", fallback),
            rule=self._short(focus) if is_rule else None,
            figure=figure,
            line=report.line_of(figure) if report is not None and figure else None,
        )

    def _short(self, iri: str) -> str:
        prefix = f"{self.iris.base}/def/"
        return iri[len(prefix) :] if iri.startswith(prefix) else iri


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
