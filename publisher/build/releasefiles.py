"""Spliced files: the corpus dumps, the indexes, the manifest and the validation report of a release.

Each is a head, one block per report and a tail (`publisher.build.splice.Splice`):
written whole after a build from nothing; incrementally, the unchanged reports' blocks
are copied from the previous release's version and only the republished reports'
written. Each file's `Layout` is kept in the release's state for the next build.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from publisher.build.reportfiles import ReportFiles, corpus_pieces, gzip_member, index_lines, read_pieces
from publisher.build.splice import Layout, Splice, remember_states
from publisher.build.state import ReleaseState, ReportState, read_state
from publisher.build.workerstate import WorkerState
from publisher.publication.csvw import csv_columns, to_csv
from publisher.publication.downloads import DownloadFile, read_index
from publisher.rdf.iris import CatalogIris, Iris
from publisher.rdf.jsonld import jsonld_context
from publisher.rdf.mediatypes import media_type_of
from publisher.rdf.nquads import canonical_nquads_of, merged_ntriples
from publisher.rdf.turtle import turtle_prefixes
from publisher.release.paths import DOWNLOADS, DOWNLOADS_INDEX

#: The corpus dumps, by kind of piece (publisher.build.reportfiles.corpus_pieces), in the release's downloads/.
DUMPS = {
    "nquads": "corpus.nq.gz",
    "turtle": "corpus.ttl.gz",
    "ntriples": "corpus.nt.gz",
    "jsonld": "corpus.jsonld.gz",
    "csv": "corpus.csv.gz",
}


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
        for key, data in blocks:
            splice.add(key, data)
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


def _dump_ends(state: WorkerState, base: str) -> tuple[dict[str, bytes], dict[str, bytes]]:
    """The gzip members that open and close each corpus dump."""
    project = state.project
    dims = sorted({d.record_key for fmt in project.formats.values() for d in fmt.dimensions})
    prefixes = turtle_prefixes(base)
    context = json.dumps(jsonld_context(base), ensure_ascii=False, sort_keys=True)
    heads = {
        "nquads": b"",
        "ntriples": b"",
        "turtle": "".join(f"@prefix {p}: <{ns}> .\n" for p, ns in prefixes.items()).encode(),
        "jsonld": ('{\n"@context": ' + context + ',\n"@graph": [\n').encode(),
        "csv": to_csv([], csv_columns(dims)),
    }
    tails = {"nquads": b"", "ntriples": b"", "turtle": b"", "jsonld": b"\n]\n}\n", "csv": b""}

    def member(data: bytes) -> bytes:
        return gzip_member(data) if data else b""

    return {k: member(v) for k, v in heads.items()}, {k: member(v) for k, v in tails.items()}


def write_dumps(
    release: Path,
    store: ox.Store,
    state: WorkerState,
    names: Sequence[str],
    published: Mapping[str, ReportFiles],
    old: ReleaseState | None,
    previous: Path | None,
    old_corpus: Mapping[str, Any],
    layouts: dict[str, Layout],
    now: str,
) -> list[Any]:
    """The corpus dumps: a head, the shared graphs' piece, each report's cached piece and a tail, as gzip members.

    From nothing, every piece is written; incrementally, only the republished reports'
    pieces, the rest copied from the previous release's dumps in runs (one thread per dump).
    """
    folder = release / DOWNLOADS
    incremental = (
        old is not None
        and previous is not None
        and all(f"{DOWNLOADS}/{name}" in old.layouts for name in DUMPS.values())
    )
    if incremental:
        assert old is not None and previous is not None
        pieces = {iri: read_pieces(published[iri].pieces)[0] for iri in names if iri in published}

        def splice(kind: str) -> Layout:
            name = DUMPS[kind]
            assert old is not None and previous is not None
            writer = Splice(folder / name, previous / DOWNLOADS / name, old.layouts[f"{DOWNLOADS}/{name}"], hashed=True)
            try:
                for key in ("^", ""):
                    writer.add(key)
                for iri in names:
                    writer.add(iri, pieces[iri][kind] if iri in pieces else None)
                writer.add("$")
            except BaseException:
                writer.abort()
                raise
            return writer.close()

        with ThreadPoolExecutor(len(DUMPS)) as threads:
            written = dict(zip(DUMPS, threads.map(splice, DUMPS), strict=True))
    else:
        written = _dumps_from_nothing(folder, store, state, names, published)
    corpus = str(CatalogIris(Iris(state.settings.base)).corpus)
    files = []
    for kind, name in DUMPS.items():
        layout = written[kind]
        layouts[f"{DOWNLOADS}/{name}"] = layout
        before = old_corpus.get(name)
        files.append(
            DownloadFile(
                name, kind, media_type_of(name[: -len(".gz")]), True, layout.size, layout.sha256,
                before.issued if before else now,
                before.modified if before and before.sha256 == layout.sha256 else now, corpus,
            )
        )  # fmt: skip
    return files


def remember_dumps(release: Path) -> int:
    """The SHA-256 states of a release's corpus dumps kept in this process (`publisher.build.splice.remember_states`).

    What a resident builder does once it has started, so that its first change is spliced
    as fast as the later ones. The number of dumps whose states are now known.
    """
    state = read_state(release)
    if state is None:
        return 0
    layouts = [(release / DOWNLOADS / name, state.layouts.get(f"{DOWNLOADS}/{name}")) for name in DUMPS.values()]
    return sum(remember_states(path, layout.sha256) for path, layout in layouts if layout is not None)


def _dumps_from_nothing(
    folder: Path, store: ox.Store, state: WorkerState, names: Sequence[str], published: Mapping[str, ReportFiles]
) -> dict[str, Layout]:
    iris = state.project.iris
    graphs = [g for g in store.named_graphs() if isinstance(g, ox.NamedNode) and iris.report_key(g.value) is None]
    shared_quads = canonical_nquads_of(store, sorted(graphs, key=str))
    shared = corpus_pieces(merged_ntriples(shared_quads), "", iris.base, b"", True)
    shared["nquads"] = gzip_member(shared_quads)
    heads, tails = _dump_ends(state, iris.base)
    writers = {kind: Splice(folder / name, None, None, hashed=True) for kind, name in DUMPS.items()}
    try:
        for kind, writer in writers.items():
            writer.add("^", heads[kind])
            writer.add("", shared[kind])
        for iri in names:
            pieces = read_pieces(published[iri].pieces)[0]
            for kind, writer in writers.items():
                writer.add(iri, pieces[kind])
        for kind, writer in writers.items():
            writer.add("$", tails[kind])
        return {kind: writer.close() for kind, writer in writers.items()}
    except BaseException:
        for writer in writers.values():
            writer.abort()
        raise
