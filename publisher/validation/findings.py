"""Findings: what validation says of a report, as people read it and as DQV quality annotations.

A `Finding` is one SHACL result located in the record (file, line, figure, rule) with its
message in Chinese and English; an `Outcome` is one record's findings in reading order.
Warnings are published as DQV quality annotations naming the failed rule.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field

from rdflib import Graph, Literal, URIRef

from publisher.graph.reports import new_graph
from publisher.rdf.iris import Iris
from publisher.rdf.namespaces import DQV, OA, RDF, RDFS, SH, vocabulary

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


def language_of(message: str) -> str:
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
        node = Iris.fragment(report_iri, f"quality-{digest}")
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
