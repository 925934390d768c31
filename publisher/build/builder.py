"""The build as its callers run it: `build(settings)` → a `BuildResult`, and whether a build is needed.

Any broken record or violation fails the whole build, and the previously published
store stays as it was; warnings are published as DQV annotations. The work is done
by publisher.build.pipeline (parallel, cached, incremental); this module is what the
command (`publisher build`, `publisher serve`) and the resident builder read of it.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path

from publisher.build import cachekeys, pipeline
from publisher.build.pipeline import BuildSummary
from publisher.build.progress import Progress
from publisher.errors import StoreError
from publisher.records.loading import find_records
from publisher.release.paths import CACHE, current_release
from publisher.settings import Settings
from publisher.store.publishing import mirrored_to
from publisher.store.readstore import read_manifest, remote_config
from publisher.validation.findings import Outcome


def inputs_digest(settings: Settings) -> str:
    """A hash of everything a build depends on: records, sources, registry, catalog, ontology, shapes, base IRI.

    Made from the reports' content keys (publisher.build.cachekeys, remembered with the
    files' sizes and times so that unchanged files are not read again) and the data
    folder's other files; a build stores the same digest, made from the same keys.
    """
    data_dir = Path(settings.data_dir)
    shared = cachekeys.shared_digest(settings)
    paths = find_records(data_dir)
    cache = cachekeys.StatCache(Path(settings.build_dir) / CACHE / shared[:16])
    keys = cache.keys(shared, paths, cachekeys.RegistryEntries(data_dir / "agencies.yaml"), save=False)
    return cachekeys.inputs_digest(shared, paths, keys, data_dir)


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
    """What a build published: the release, each report's outcome, the triples, and the pipeline's summary."""

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

    The work is done by publisher.build.pipeline: records checked in worker processes and
    cached by content, graphs bulk-loaded, the rules across years checked over the
    store, only changed reports rebuilt when the previous release allows it.
    `records`, `changed`: see pipeline.build (a resident builder's).
    """
    summary = pipeline.build(settings, progress, records=records, changed=changed)
    return BuildResult(summary.release, summary.outcomes, summary.triples, summary)
