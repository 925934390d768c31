"""Spliced files: the indexes, the manifest and the validation report of a release (the corpus dumps:
publisher.build.dumpfiles).

Each is a head, one block per report and a tail (`publisher.build.splice.Splice`):
written whole after a build from nothing; incrementally, the unchanged reports' blocks
are copied from the previous release's version and only the republished reports'
written. Each file's `Layout` is kept in the release's state for the next build.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from publisher.build.dumpfiles import DUMPS
from publisher.build.reportfiles import ReportFiles, index_lines
from publisher.build.splice import Layout, Splice
from publisher.build.state import ReleaseState, ReportState
from publisher.publication.downloads import DownloadFile, read_index
from publisher.release.paths import DOWNLOADS_INDEX


def write_listing(
    path: Path,
    head: str,
    sep: bytes,
    blocks: Sequence[tuple[str, bytes | None]],
    tail: bytes,
    old: ReleaseState | None,
    previous: Path | None,
    name: str,
) -> Layout:
    """A spliced text file (blocks given as None are copied from the previous release's version)."""
    layout = old.layouts.get(name) if old is not None else None
    source = previous / name if layout is not None and previous is not None else None
    splice = Splice(path, source, layout, sep)
    try:
        splice.head(head.encode("utf-8"))
        splice.extend(blocks)
    except BaseException:
        splice.abort()
        raise
    return splice.close(tail)


def manifest_entry(report: ReportState) -> bytes:
    entry = {
        "record": report.record, "iri": report.iri, "agency": report.agency, "year": report.year,
        "format": report.format, "key": report.key, "triples": report.triples, "warnings": report.warnings,
    }  # fmt: skip
    return json.dumps(entry, ensure_ascii=False).encode("utf-8")


def old_index_entries(previous: Path, old: ReleaseState | None, iris: Sequence[str]) -> dict[str, dict[str, Any]]:
    """The previous release's downloads/index.json entries of some reports (for their files' dates)."""
    layout = old.layouts.get(DOWNLOADS_INDEX) if old is not None else None
    found: dict[str, dict[str, Any]] = {}
    if layout is None:
        return found
    with (previous / DOWNLOADS_INDEX).open("rb") as handle:
        for iri in iris:
            if iri not in layout.blocks:
                continue
            start, length = layout.blocks[iri]
            handle.seek(start)
            items = json.loads(b"[" + handle.read(length) + b"]")
            found[iri] = {item["name"]: DownloadFile(**item) for item in items}
    return found


def previous_corpus(previous: Path | None) -> dict[str, Any]:
    index = read_index(previous)
    return {name: f for name, f in index.items() if name in set(DUMPS.values())}


def write_downloads_index(
    release: Path,
    reports: Mapping[str, ReportState],
    published: Mapping[str, ReportFiles],
    corpus: Sequence[Any],
    old: ReleaseState | None,
    previous: Path | None,
) -> Layout:
    """downloads/index.json: every file by name, one JSON object a line; each report's entries a block."""
    order = sorted([(f"{r.agency}-{r.year}.", iri) for iri, r in reports.items()] + [("corpus.", "")])
    blocks = [(iri, index_lines(corpus) if iri == "" else published[iri].index_block if iri in published else None)
              for _stem, iri in order]  # fmt: skip
    return write_listing(release / DOWNLOADS_INDEX, "[\n", b",\n", blocks, b"\n]\n", old, previous, DOWNLOADS_INDEX)
