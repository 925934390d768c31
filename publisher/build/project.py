"""The project every report is checked against, and the checks of records in this process.

The project is what a build reads besides the report records: the ontology, the
formats, the agency registry, the shapes and the validator made of them. The checks
here are those of `publisher validate` (each record read, turned into a graph and
validated, then the rules across years); a build checks its records in worker
processes instead (publisher.build.checked, publisher.build.pipeline).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from rdflib import Graph, URIRef

from publisher.errors import SourceError
from publisher.graph.formats import Format, load_formats, load_ontology_documents, union
from publisher.graph.reports import agencies_graph, report_graph
from publisher.rdf.iris import Iris
from publisher.records.loading import load_registry, load_report
from publisher.records.model import Registry, Report
from publisher.settings import ONTOLOGY_DIR, SHAPES_DIR, Settings
from publisher.validation.findings import Outcome
from publisher.validation.shapes import load_shapes
from publisher.validation.validator import Validator


@dataclass
class Project:
    """Everything a build reads besides the report records."""

    settings: Settings
    iris: Iris
    ontology: dict[URIRef, Graph]
    formats: dict[str, Format]
    registry: Registry
    agencies: Graph
    shapes: Graph
    validator: Validator

    @property
    def data_dir(self) -> Path:
        return Path(self.settings.data_dir)


@dataclass
class Checked:
    """A report record read, turned into a graph, and validated."""

    report: Report
    graph: Graph
    outcome: Outcome


def load_project(settings: Settings) -> Project:
    iris = Iris(settings.base)
    ontology = load_ontology_documents(ONTOLOGY_DIR, iris)
    merged = union(ontology.values())
    formats = load_formats(merged, iris)
    registry_path = Path(settings.data_dir) / "agencies.yaml"
    registry = load_registry(registry_path)
    agencies = agencies_graph(registry, iris)
    shapes = load_shapes(SHAPES_DIR, iris)
    validator = Validator(shapes, union([merged, agencies]), iris)
    return Project(settings, iris, ontology, formats, registry, agencies, shapes, validator)


def check_record(project: Project, path: Path) -> Checked:
    """Read one record, build its graph and validate it (raises SourceError if unreadable)."""
    report = load_report(path, project.registry, {s: f.record_keys for s, f in project.formats.items()})
    graph = report_graph(report, project.registry, project.formats[report.format], project.iris)
    outcome = project.validator.validate(graph, report, record=str(path))
    return Checked(report, graph, outcome)


def check_records(project: Project, paths: Sequence[Path]) -> list[Checked]:
    checked = [check_record(project, path) for path in paths]
    seen: dict[tuple[str, int], Path] = {}
    for item in checked:
        key = (item.report.agency, item.report.year)
        if key in seen:
            raise SourceError(
                item.report.path,
                f"a second report of {key[0]} for {key[1]} (the first is {seen[key]}); keep one record per report",
            )
        seen[key] = item.report.path
    check_across_years(project, checked)
    return checked


def check_across_years(project: Project, checked: Sequence[Checked]) -> None:
    """The rules across years (dis:CrossYearRule) for each agency's consecutive reports.

    What they find concerns the later report: it joins that report's findings, and so
    its published DQV quality annotations.
    """
    by_key = {(item.report.agency, item.report.year): item for item in checked}
    for (agency, year), later in sorted(by_key.items()):
        earlier = by_key.get((agency, year - 1))
        if earlier is not None:
            across = project.validator.validate_across(earlier.graph, later.graph, later.report, str(later.report.path))
            later.outcome.findings += across.findings
