"""The build: records → graphs → validation → a new store, published atomically.

Any broken record or violation fails the whole build, and the previously
published store stays as it was; warnings are published as DQV annotations.
The project (what every report is checked against) and the checks of single
records live here; the build itself runs in publisher.pipeline (parallel,
cached, incremental).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path

from rdflib import Graph, URIRef

from publisher import pipeline, recordkeys
from publisher.errors import SourceError, StoreError
from publisher.formats import Format, load_formats, load_ontology_documents, union
from publisher.graph import agencies_graph, report_graph
from publisher.iris import Iris
from publisher.pipeline import BuildSummary
from publisher.progress import Progress
from publisher.records import Registry, Report, find_records, load_registry, load_report
from publisher.settings import ONTOLOGY_DIR, SHAPES_DIR, Settings
from publisher.store import current_release, mirrored_to, read_manifest, remote_config
from publisher.validation import Outcome, Validator, load_shapes


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
    """A hash of everything a build depends on: records, sources, registry, catalog, ontology, shapes, base IRI.

    Made from the reports' content keys (publisher.recordkeys.record_key, remembered with
    the files' sizes and times so that unchanged files are not read again) and the
    data folder's other files; a build stores the same digest, made from the same keys.
    """
    data_dir = Path(settings.data_dir)
    shared = recordkeys.shared_digest(settings)
    paths = find_records(data_dir)
    cache = recordkeys.StatCache(Path(settings.build_dir) / pipeline.CACHE / shared[:16])
    keys = cache.keys(shared, paths, recordkeys.RegistryEntries(data_dir / "agencies.yaml"), save=False)
    return recordkeys.inputs_digest(shared, paths, keys, data_dir)


def is_stale(settings: Settings) -> bool:
    """True when there is no build, or it was made from other inputs."""
    try:
        manifest = read_manifest(Path(settings.build_dir))
    except StoreError:
        return True
    remote = remote_config(settings)
    if remote is not None and not mirrored_to(current_release(Path(settings.build_dir)), remote):
        return True  # built, but not into the remote store the settings name
    return bool(manifest.get("inputs") != inputs_digest(settings))


@dataclass(frozen=True)
class ReportRef:
    """Which report a published outcome is of."""

    agency: str
    year: int
    format: str
    path: Path


@dataclass(frozen=True)
class Published:
    """One report as a build published it: which it is, and its validation outcome."""

    report: ReportRef
    outcome: Outcome


@dataclass
class BuildResult:
    release: Path
    outcomes: list[Outcome]
    triples: int
    summary: BuildSummary | None = None

    @property
    def checked(self) -> list[Published]:
        refs = self.summary.refs if self.summary is not None else []
        if len(refs) != len(self.outcomes):
            refs = [("", 0, "", Path(o.record)) for o in self.outcomes]
        return [Published(ReportRef(*ref), outcome) for ref, outcome in zip(refs, self.outcomes, strict=True)]

    @property
    def text(self) -> str:
        warnings = sum(len(o.warnings) for o in self.outcomes)
        lines = [o.text for o in self.outcomes]
        lines.append(
            f"Published {len(self.outcomes)} report(s), {self.triples} triples, "
            f"{warnings} quality warning(s), to {self.release}."
        )
        return "\n".join(lines)


def build(
    settings: Settings,
    progress: Progress | None = None,
    records: Sequence[Path] | None = None,
    changed: Collection[str] | None = None,
) -> BuildResult:
    """Build every record into a new release and publish it, or raise and change nothing.

    The work is done by publisher.pipeline: records checked in worker processes and
    cached by content, graphs bulk-loaded, the rules across years checked over the
    store, only changed reports rebuilt when the previous release allows it.
    `records`, `changed`: see pipeline.build (a resident builder's).
    """
    summary = pipeline.build(settings, progress, records=records, changed=changed)
    return BuildResult(summary.release, summary.outcomes, summary.triples, summary)
