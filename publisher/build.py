"""The build: records → graphs → validation → a new store, published atomically.

Any broken record or violation fails the whole build, and the previously
published store stays as it was; warnings are published as DQV annotations.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from pyoxigraph import NamedNode, RdfFormat
from rdflib import Graph, URIRef

from publisher import __version__, downloads
from publisher.catalog import CatalogIris, load_catalog_info
from publisher.dcat import CatalogInputs, write_catalog
from publisher.errors import BuildError, SourceError, StoreError, ValidationFailed
from publisher.formats import Format, load_formats, load_ontology_documents, union
from publisher.graph import agencies_graph, report_graph
from publisher.iris import Iris
from publisher.records import Registry, Report, find_records, load_registry, load_report
from publisher.settings import ONTOLOGY_DIR, SHAPES_DIR, Settings
from publisher.store import Release, current_release, read_manifest
from publisher.validation import (
    Outcome,
    Validator,
    load_shapes,
    load_shapes_documents,
    quality_annotations,
)
from publisher.void import example_resources, void_graph


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


def inputs_digest(settings: Settings) -> str:
    """A hash of everything a build depends on: inputs, base IRI, publisher version."""
    digest = hashlib.sha256()
    digest.update(f"{__version__}\n{settings.base}\n".encode())
    for root in (Path(settings.data_dir), ONTOLOGY_DIR, SHAPES_DIR):
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            digest.update(str(path.relative_to(root)).encode() + b"\0")
            digest.update(path.read_bytes())
    return digest.hexdigest()


def is_stale(settings: Settings) -> bool:
    """True when there is no build, or it was made from other inputs."""
    try:
        manifest = read_manifest(Path(settings.build_dir))
    except StoreError:
        return True
    return bool(manifest.get("inputs") != inputs_digest(settings))


@dataclass
class BuildResult:
    release: Path
    checked: list[Checked]
    triples: int

    @property
    def text(self) -> str:
        warnings = sum(len(c.outcome.warnings) for c in self.checked)
        lines = [c.outcome.text for c in self.checked]
        lines.append(
            f"Published {len(self.checked)} report(s), {self.triples} triples, "
            f"{warnings} quality warning(s), to {self.release}."
        )
        return "\n".join(lines)


def build(settings: Settings) -> BuildResult:
    """Build every record into a new release and publish it, or raise and change nothing."""
    project = load_project(settings)
    digest = inputs_digest(settings)
    paths = find_records(project.data_dir)
    if not paths:
        raise BuildError(f"No report records under {project.data_dir / 'reports'}; nothing to publish.")
    checked = check_records(project, paths)
    if any(not c.outcome.conforms for c in checked):
        raise ValidationFailed([c.outcome for c in checked])

    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")
    release = Release(Path(settings.build_dir), f"{stamp}-{digest[:12]}")
    try:
        triples = 0
        for name, graph in project.ontology.items():
            release.add_graph(name, graph)
            triples += len(graph)
        release.add_graph(project.iris.graph("agencies"), project.agencies)
        triples += len(project.agencies)
        for name, shapes in load_shapes_documents(SHAPES_DIR, project.iris).items():
            release.add_graph(name, shapes)
            triples += len(shapes)
        reports = []
        graphs = []
        for item in checked:
            iri = project.iris.report(item.report.agency, item.report.year)
            graph = item.graph + quality_annotations(iri, item.outcome.warnings, project.iris)
            graphs.append(graph)
            release.add_graph(iri, graph)
            release.write(f"sources/{item.report.agency}/{item.report.year}.txt", item.report.source.text)
            triples += len(graph)
            reports.append(
                {
                    "record": str(item.report.path),
                    "iri": str(iri),
                    "agency": item.report.agency,
                    "year": item.report.year,
                    "format": item.report.format,
                    "triples": len(graph),
                    "warnings": len(item.outcome.warnings),
                }
            )
        write_publication_files(project, release, [(item, graphs[i]) for i, item in enumerate(checked)])
        manifest = {
            "publisher": __version__,
            "base_iri": settings.base,
            "inputs": digest,
            "built": stamp,
            "triples": triples,
            "reports": reports,
        }
        release.write("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2))
        release.write("validation.txt", "\n".join(c.outcome.text for c in checked) + "\n")
        path = release.publish()
    except BaseException:
        release.discard()
        raise
    return BuildResult(path, checked, triples)


def write_publication_files(project: Project, release: Release, reports: Sequence[tuple[Checked, Graph]]) -> None:
    """Downloads, the DCAT catalog and the VoID description, written into the release before it is published.

    Sizes and checksums are those of the files written here, and `issued`/`modified`
    dates are carried over from the previous release for files whose bytes did not change.
    """
    assert release.store is not None
    iris = project.iris
    info = load_catalog_info(project.data_dir)
    try:
        previous: Path | None = current_release(Path(project.settings.build_dir))
    except StoreError:
        previous = None
    folder = release.path / downloads.DOWNLOADS
    folder.mkdir(parents=True, exist_ok=True)
    labels = union([*project.ontology.values(), project.agencies])
    written: dict[str, tuple[str, bytes, str]] = {}
    rows: list[dict[str, str]] = []
    data = []
    for item, _graph in reports:
        iri = str(iris.report(item.report.agency, item.report.year))
        # The graph as the store holds it (Oxigraph canonicalises some datatypes, e.g. xsd:nonNegativeInteger
        # to xsd:integer), so the downloads say exactly what the documents and the SPARQL endpoint say.
        stored = release.store.dump(format=RdfFormat.N_TRIPLES, from_graph=NamedNode(iri))
        graph = Graph().parse(data=stored, format="nt")
        report_data = downloads.ReportData(item.report, graph, project.formats[item.report.format])
        data.append(report_data)
        report_files, report_rows = downloads.write_report_files(
            folder, report_data, project.registry, labels, iris, str(info.licence_iri)
        )
        written |= {name: (kind, body, iri) for name, (kind, body) in report_files.items()}
        rows += report_rows
    dimensions = {d.record_key for fmt in {r.fmt.slug: r.fmt for r in data}.values() for d in fmt.dimensions}
    corpus = str(CatalogIris(iris).corpus)
    corpus_files = downloads.write_corpus_files(folder, release.store, rows, dimensions, iris.base)
    written |= {name: (kind, body, corpus) for name, (kind, body) in corpus_files.items()}
    files = downloads.index_files(written, downloads.read_index(previous), dt.datetime.now(dt.UTC))
    downloads.write_index(folder, files)
    dumps = [f for f in files if f.dataset == corpus]
    void = void_graph(release.store, iris, info, dumps, example_resources(release.store, iris))
    inputs = CatalogInputs(iris, info, project.registry, labels, project.agencies, data, files)
    write_catalog(release.path, inputs, void)
