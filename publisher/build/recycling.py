"""Recycling a release folder: a spare or a release about to be pruned, renamed into place as the new release.

A spare (`build_dir/spare/*`, a hard-linked copy of a release's report files left by a
build from nothing) or a release `Release.publish` would prune anyway is renamed into
place; only the reports that differ between it and the new release are unlinked and
linked again (`refit`, `link_reports`) or rewritten, instead of hard-linking every
report's ~9 files (and deleting as many with the pruned release).
A build from nothing leaves such a spare once it is published (`after_publish`).

A report's files are its downloads, its catalog entry and schema.org description, the
text rendition of its source and, for a PDF or a saved page, the original as published
(`sources/{agency}/{year}.pdf` or `.html`): a text report has no original, so an
original is linked where the previous release has one and unlinked where it may be.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path

from publisher.build.dumpfiles import DUMPS
from publisher.build.splice import discard_later, link_files, unlink_files
from publisher.build.state import Previous, ReleaseState, ReportState, read_state
from publisher.publication.downloads import CORPUS, report_stem
from publisher.release.paths import (
    CATALOG,
    CATALOG_DATASETS,
    CATALOG_SCHEMAORG,
    DOWNLOADS,
    DOWNLOADS_INDEX,
    ORIGINAL_SUFFIXES,
    RELEASES,
    REPORT_FOLDERS,
    RESPONSES,
    SOURCES,
    SPARE,
    STATE,
    source_original,
    source_text,
)
from publisher.store.publishing import KEEP_RELEASES

#: The release's top folders that hold one or more files per report (what recycling keeps).
KEPT = (DOWNLOADS, CATALOG, SOURCES)


def recycle(build_dir: Path, target: Path, files: str, previous: Previous) -> ReleaseState | None:
    """Rename into `target` a tree to start the new release from, and return its state; None if there is none.

    A tree is a spare (`build_dir/spare/*`, left by a build from nothing) or a release
    that `Release.publish` would prune anyway (not the published one, nor one it keeps),
    built from the same `files` digest. Its store and release-wide files are moved aside at
    once and removed by a detached process (`discard_later`); its report files stay, to be
    kept, replaced or removed by `refit`.
    """
    spares = sorted((build_dir / SPARE).glob("*"), key=_mtime, reverse=True) if (build_dir / SPARE).is_dir() else []
    current = previous.release
    others = sorted((p for p in (build_dir / RELEASES).iterdir() if p.resolve() != current), key=_mtime, reverse=True)
    for tree in [*spares, *others[max(0, KEEP_RELEASES - 2) :]]:
        # a spare's state is its release's (the same file, hard-linked): read once
        same = current is not None and _same_file(tree / STATE, current / STATE)
        state = previous.state if same else read_state(tree)
        if state is None or state.files != files or not all((tree / sub).is_dir() for sub in KEPT):
            continue
        try:
            os.replace(tree, target)
        except OSError:
            continue
        # the store and the corpus dumps (a gigabyte at 10,000 reports) moved aside and removed after the build
        gone = [Path(item.path) for item in os.scandir(target) if item.name not in KEPT]
        gone += [target / DOWNLOADS / name for name in [Path(DOWNLOADS_INDEX).name, *DUMPS.values()]]
        discard_later(build_dir, gone)
        for item in os.scandir(target / CATALOG):
            if not item.is_dir(follow_symlinks=False):
                os.unlink(item.path)
        unlink_files(target / CATALOG_DATASETS, [f"{CORPUS}.nt"])
        return state
    return None


def _same_file(one: Path, other: Path) -> bool:
    try:
        return os.path.samefile(one, other)
    except OSError:
        return False


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


def _report_files(report: ReportState) -> Iterable[tuple[str, str, bool]]:
    """(folder, name, whether it may be absent) of each file of a report in a release.

    Every report has its downloads, catalog entry, schema.org description and source
    text; only a PDF or a page has an original (of one kind), which the release may lack.
    """
    stem = report_stem(report.agency, report.year)
    for name in report.names:
        yield DOWNLOADS, name, False
    yield CATALOG_DATASETS, f"{stem}.nt", False
    yield CATALOG_SCHEMAORG, f"{stem}.json", False
    text = source_text(Path(), report.agency, report.year)
    yield str(text.parent), text.name, False
    for suffix in ORIGINAL_SUFFIXES:
        original = source_original(Path(), report.agency, report.year, suffix)
        yield str(original.parent), original.name, True


def _by_folder(reports: Iterable[ReportState]) -> dict[str, tuple[list[str], list[str]]]:
    """Reports' files by folder: the names every report has there, and the names it has only if it is so kept."""
    folders: dict[str, tuple[list[str], list[str]]] = {}
    for report in reports:
        for folder, name, optional in _report_files(report):
            always, maybe = folders.setdefault(folder, ([], []))
            (maybe if optional else always).append(name)
    return folders


def link_reports(old: Path, new: Path, reports: Iterable[ReportState]) -> None:
    """Hard-link reports' files (downloads, catalog entry, source and its original) from release `old` into `new`.

    An original is linked where `old` has one (one listing of the folder, rather than a
    failed link for each report that has none).
    """
    for folder, (names, optional) in _by_folder(reports).items():
        (new / folder).mkdir(exist_ok=True)
        if optional:
            present = set(os.listdir(old / folder))
            names = names + [name for name in optional if name in present]
        link_files(old / folder, new / folder, names)


def refit(
    release: Path, tree: ReleaseState, before: Mapping[str, ReportState], by_iri: Mapping[str, object], dirty: set[str]
) -> list[str]:
    """Make a recycled tree's report files those of the previous release: remove what differs; the reports to link."""
    stale = [
        report for iri, report in tree.reports.items()
        if iri not in by_iri or iri in dirty or iri not in before or before[iri].files_id != report.files_id
    ]  # fmt: skip
    for folder, (names, optional) in _by_folder(stale).items():
        unlink_files(release / folder, names + optional)
    unlinked = {report.iri for report in stale}
    return [iri for iri in sorted(by_iri) if iri not in dirty and (iri not in tree.reports or iri in unlinked)]


def after_publish(build_dir: Path, release: Path, state: ReleaseState, spare: bool) -> None:
    """Answers of gone releases out of the way; after a build from nothing, a spare for the next build to recycle."""
    releases = {p.name for p in (build_dir / RELEASES).iterdir()}
    gone = (
        [p for p in (build_dir / RESPONSES).glob("*") if p.name not in releases]
        if (build_dir / RESPONSES).is_dir()
        else []
    )
    if spare:
        gone += list((build_dir / SPARE).glob("*")) if (build_dir / SPARE).is_dir() else []
    discard_later(build_dir, gone)
    if spare:
        target = build_dir / SPARE / release.name
        try:
            for sub in REPORT_FOLDERS:
                (target / sub).mkdir(parents=True, exist_ok=True)
            link_reports(release, target, state.reports.values())
            os.link(release / STATE, target / STATE)
        except OSError:
            discard_later(build_dir, [target])  # no spare: the next build links every report's files instead
