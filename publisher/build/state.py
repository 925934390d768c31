"""What a release keeps for the next build: its `ReleaseState` (build-state.pickle), and how the next build reads it.

Every report's key, findings and file digest, where each report's part is in the
release-wide spliced files (`publisher.build.splice.Layout`), and VoID's counts. When
the previous release was built from the same ontology, shapes and data-folder files,
the next build starts from it and touches only what changed (`publisher.build.pipeline`).
"""

from __future__ import annotations

import hashlib
import os
import pickle
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from publisher.build.cachekeys import file_identity
from publisher.build.splice import Layout
from publisher.errors import PublisherError
from publisher.publication.releaseindex import Reuse
from publisher.publication.reportfigures import ReportFigures
from publisher.release.gcpause import collection_paused
from publisher.release.paths import STATE, STORE, current_release
from publisher.settings import Settings
from publisher.validation.findings import Finding

#: Bumped when ReleaseState changes shape: a state of another version is not read (the next build starts anew).
#: 2: its classes moved out of publisher.build.pipeline. 3: the checked reports it names in the cache are
#: publisher.build.checked's (were publisher.build.workers'), and `python -m publisher.build.pipeline` is gone.
#: 4: a release keeps each report's original source document (PDF, page) beside its text rendition.
#: 5: each report keeps its rows of the comparison pages' figures (ReportRecord.figures).
#: 6: each report keeps its text-reuse measurement for the corpus index (ReportState.reuse).
STATE_VERSION = 6


@dataclass
class ReportRecord:
    """A report by its record: its IRI, record file, agency, year, format, key, and its own findings."""

    iri: str
    record: str
    agency: str
    year: int
    format: str
    key: str
    findings: list[Finding]  # its own; those of the rules across years are kept apart (ReleaseState.rules)
    # its rows of the comparison pages' figures (publisher.publication.reportfigures), worked out when it was
    # checked; None: checked by a publisher that did not (the build works them out from its cached graph)
    figures: ReportFigures | None = field(default=None, kw_only=True)


@dataclass
class ReportState(ReportRecord):
    """One report as a release published it: what it was built from and what was written for it."""

    annotations: str  # digest of the warnings published as its quality annotations
    warnings: int
    triples: int  # of its published graph
    files_id: str  # digest of every file written for it (reportfiles.ReportFiles.files_id)
    names: tuple[str, ...]  # its downloads
    pieces: str  # cache file of its pieces of the corpus dumps and its VoID statistics
    issued: str  # earliest `issued` of its downloads
    modified: str  # latest `modified` of its downloads
    reuse: Reuse | None = field(default=None, kw_only=True)  # its text-reuse measurement, if it has one


@dataclass
class VoidTotals:
    """VoID's counts, kept so that the next build updates them instead of counting the store again."""

    triples: int  # quads of the whole store
    objects: int  # distinct objects of the whole store
    shared: dict[str, Any]  # entities, subjects, classes {class: entities}, predicates of the shared graphs
    subjects: int = 0  # of the report graphs (they share no subject), summed
    entities: int = 0
    classes: dict[str, int] = field(default_factory=dict)  # class → entities, over the report graphs
    predicates: dict[str, int] = field(default_factory=dict)  # predicate → report graphs that use it


@dataclass
class ReleaseState:
    """What a release was built from and how its files are laid out: where the next build starts."""

    version: int
    cache: str  # name of the cache folder (ontology, shapes, base IRI, version)
    files: str  # digest of what every report's files depend on besides its record (`files_digest`)
    inputs: str  # the inputs digest of the manifest
    built: str
    reports: dict[str, ReportState]  # by IRI
    rules: dict[str, list[Finding]]  # findings of the rules across years, by report IRI
    layouts: dict[str, Layout]  # of each spliced file, by its path in the release
    corpus: list[Any]  # the corpus dumps' entries of downloads/index.json (DownloadFile)
    void: VoidTotals


def files_digest(settings: Settings, shared: str) -> str:
    """What every report's published files depend on besides its own key: the shared digest and the data
    folder's own files (the agency registry, the catalog's description). When it changes, every report's
    files are written anew."""
    digest = hashlib.sha256(shared.encode())
    data_dir = Path(settings.data_dir)
    for path in sorted(p for p in data_dir.glob("*") if p.is_file()):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


#: The states this process read or wrote last, by file, with the file's identity (inode, time, size): a
#: builder that stays (publisher.build.resident) does not read back the state it has just written.
_KNOWN: dict[str, tuple[tuple[int, int, int], ReleaseState]] = {}
_KNOWN_AT_MOST = 3


def _remember(path: Path, state: ReleaseState) -> None:
    identity = file_identity(path)
    if identity is None:
        return
    _KNOWN.pop(str(path), None)
    _KNOWN[str(path)] = (identity, state)
    while len(_KNOWN) > _KNOWN_AT_MOST:
        del _KNOWN[next(iter(_KNOWN))]


def read_state(release: Path) -> ReleaseState | None:
    """The state a release was published with, or None (none, unreadable, or of another version)."""
    path = release / STATE
    known = _KNOWN.get(str(path))
    if known is not None and known[0] == file_identity(path):
        return known[1]
    try:
        data = path.read_bytes()
        with collection_paused():  # not enabled again midway through a resident builder's build, which paused it
            state = pickle.loads(data)
    except (OSError, EOFError, pickle.UnpicklingError, AttributeError, TypeError, ImportError, ValueError, KeyError):
        return None
    if not isinstance(state, ReleaseState) or state.version != STATE_VERSION:
        return None
    _remember(path, state)
    return state


def write_state(release: Path, state: ReleaseState) -> None:
    """Keep `state` in the release (it is not changed afterwards: the next build makes a new one)."""
    path = release / STATE
    path.write_bytes(pickle.dumps(state, protocol=pickle.HIGHEST_PROTOCOL))
    _remember(path, state)


@dataclass
class Previous:
    release: Path | None = None  # the published release
    state: ReleaseState | None = None  # its state, when it was built this way from the same ontology and shapes

    by_record: dict[str, ReportState] = field(default_factory=dict)
    by_real: dict[str, ReportState] = field(default_factory=dict)

    def find(self, path: Path) -> ReportState | None:
        """The published report of a record: by the path as given, else by the file it reaches."""
        if self.state is None:
            return None
        if not self.by_record:
            self.by_record = {r.record: r for r in self.state.reports.values()}
        found = self.by_record.get(str(path))
        if found is not None:
            return found
        if not self.by_real:
            self.by_real = {os.path.realpath(r.record): r for r in self.state.reports.values()}
        return self.by_real.get(os.path.realpath(path))


def read_previous(build_dir: Path, cache: Path) -> Previous:
    """The published release, and its state when the next build can start from it."""
    try:
        release = current_release(build_dir)
    except PublisherError:
        return Previous()
    state = read_state(release)
    if state is None or state.cache != cache.name or not (release / STORE).is_dir():
        return Previous(release)
    return Previous(release, state)
