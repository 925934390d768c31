"""The corpus dumps of a release: part files of at most 64 reports of a year, linked from the previous release.

Each dump (`DUMPS`: N-Quads, Turtle, N-Triples, JSON-LD, CSV, gzipped) is a head, the
shared graphs' piece, one piece per report and a tail, each piece a gzip member; on
disk, the parts of `publisher.release.dumps` (the head and shared piece; each year's
reports by IRI, `PART_REPORTS` a part; the tail). From nothing, every part is written in
one pass over the reports. Incrementally, a part none of whose reports was rewritten is
the previous release's file, hard-linked; a part with one is spliced from the previous
one (`publisher.build.splice`): its unchanged pieces copied, the rewritten ones written.
So one changed report writes its part of the corpus instead of all of it.

A dump's size and SHA-256 (what downloads/index.json and the catalog give) are those of
its parts one after the other. The SHA-256 states after each part are kept in this
process by the parts' identities (`_CHAINS`), so the next release, whose parts before
the changed one are the same files, takes the digest up from there: a resident builder
(`publisher.build.resident`) hashes the changed part and those after it (the reports that
change most, the latest year's, come last). The dumps are written and hashed by threads
while the build goes on (`DumpsWriting`).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import mmap
import os
import threading
from collections.abc import Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from publisher.build.cachekeys import file_identity
from publisher.build.reportfiles import ReportFiles, corpus_pieces, gzip_member, read_pieces
from publisher.build.splice import Layout, Splice, link_files
from publisher.build.state import ReleaseState, read_state
from publisher.build.workerstate import WorkerState
from publisher.errors import BuildError
from publisher.publication.csvw import csv_columns, to_csv
from publisher.publication.downloads import DownloadFile
from publisher.rdf.iris import CatalogIris, Iris
from publisher.rdf.jsonld import jsonld_context
from publisher.rdf.mediatypes import media_type_of
from publisher.rdf.nquads import canonical_nquads_of, merged_ntriples
from publisher.rdf.turtle import turtle_prefixes
from publisher.release.dumps import HEAD_PART, PART_REPORTS, TAIL_PART, dump_parts, part_name, year_part
from publisher.release.paths import DUMP_PARTS

#: The corpus dumps, by kind of piece (publisher.build.reportfiles.corpus_pieces), as downloads/index.json names them.
DUMPS = {
    "nquads": "corpus.nq.gz",
    "turtle": "corpus.ttl.gz",
    "ntriples": "corpus.nt.gz",
    "jsonld": "corpus.jsonld.gz",
    "csv": "corpus.csv.gz",
}


def part_key(name: str, part: str) -> str:
    """The key of a part's `Layout` in the release state's layouts."""
    return f"{DUMP_PARTS}/{part_name(name, part)}"


def by_part(names: Sequence[str], iris: Iris) -> dict[str, list[str]]:
    """Report IRIs by the part they go in: each year's in order of IRI, `PART_REPORTS` a part; parts in order."""
    prefix = f"{iris.base}/id/report/"
    years: dict[int, list[str]] = {}
    for iri in sorted(names):
        agency, _slash, year = iri.removeprefix(prefix).partition("/")
        if not (iri.startswith(prefix) and agency and len(year) == 4 and year.isdigit()):
            raise BuildError(f"{iri} is not a report of this deployment; build again from nothing.")
        years.setdefault(int(year), []).append(iri)
    return {
        year_part(year, start // PART_REPORTS): found[start : start + PART_REPORTS]
        for year, found in sorted(years.items())
        for start in range(0, len(found), PART_REPORTS)
    }


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
) -> DumpsWriting:
    """The corpus dumps' parts written in `release` by a thread each, while the caller goes on (`DumpsWriting`:
    their index entries once done, their layouts then in `layouts`).

    Incrementally (the previous release keeps its dumps in parts), a part is linked or
    spliced from the previous release's; else every part is written, the pieces of the
    reports not rewritten read from the cache.
    """
    folder = release / DUMP_PARTS
    folder.mkdir()
    runs = by_part(names, state.project.iris)
    # incrementally when the previous release keeps its dumps in parts, every one of them still there
    kept = {key for key in old.layouts if key.startswith(f"{DUMP_PARTS}/")} if old is not None else set()
    incremental = (
        previous is not None
        and all(part_key(name, HEAD_PART) in kept for name in DUMPS.values())
        and {key.removeprefix(f"{DUMP_PARTS}/") for key in kept} <= _names_in(previous / DUMP_PARTS)
    )
    if not incremental:
        return _from_nothing(release, store, state, runs, published, old, old_corpus, layouts, now)
    assert old is not None and previous is not None
    pieces: dict[str, dict[str, bytes]] = {}
    lock = threading.Lock()

    def piece_of(iri: str, kind: str) -> bytes:
        """A report's piece of one dump, its file read once for the five threads and let go once all took theirs."""
        with lock:
            if iri not in pieces:
                pieces[iri] = read_pieces(published[iri].pieces if iri in published else _cached_pieces(old, iri))[0]
            mine = pieces[iri].pop(kind)
            if not pieces[iri]:
                del pieces[iri]
            return mine

    def write(kind: str) -> dict[str, Written]:
        assert old is not None and previous is not None
        name = DUMPS[kind]
        parts: dict[str, Layout] = {}
        linked = [part_name(name, HEAD_PART), part_name(name, TAIL_PART)]  # the previous release's, linked at once
        for part in (HEAD_PART, TAIL_PART):
            parts[part_key(name, part)] = old.layouts[part_key(name, part)]
        for part, iris in runs.items():
            key = part_key(name, part)
            before = old.layouts.get(key)
            if before is not None and list(before.blocks) == iris and not any(i in published for i in iris):
                linked.append(part_name(name, part))  # the same reports: the same file
                parts[key] = before
                continue
            source = previous / DUMP_PARTS / part_name(name, part) if before is not None else None
            splice = Splice(folder / part_name(name, part), source, before)
            try:
                splice.extend(
                    (iri, None if before is not None and iri in before.blocks and iri not in published else
                     piece_of(iri, kind))
                    for iri in iris
                )  # fmt: skip
            except BaseException:
                splice.abort()
                raise
            parts[key] = splice.close()
        link_files(previous / DUMP_PARTS, folder, linked)
        return {kind: (*chain_digest(name, dump_parts(release, name)), parts)}

    threads = ThreadPoolExecutor(len(DUMPS), thread_name_prefix="dump")
    try:
        futures = [threads.submit(write, kind) for kind in DUMPS]
    finally:
        threads.shutdown(wait=False)  # each thread ends with its dump
    return DumpsWriting(futures, str(CatalogIris(Iris(state.settings.base)).corpus), old_corpus, layouts, now)


#: A dump as written: its size, its SHA-256, and its parts' layouts by key.
Written = tuple[int, str, dict[str, Layout]]


def _from_nothing(
    release: Path,
    store: ox.Store,
    state: WorkerState,
    runs: Mapping[str, Sequence[str]],
    published: Mapping[str, ReportFiles],
    old: ReleaseState | None,
    old_corpus: Mapping[str, Any],
    layouts: dict[str, Layout],
    now: str,
) -> DumpsWriting:
    """Every part of every dump, in one thread reading each report's pieces once (and letting them go), then the
    five digests in a thread each."""
    folder = release / DUMP_PARTS
    heads, tails = _ends(store, state)

    def write_all() -> dict[str, Written]:
        parts: dict[str, dict[str, Layout]] = {kind: {} for kind in DUMPS}
        for kind, name in DUMPS.items():
            parts[kind][part_key(name, HEAD_PART)] = _write_part(
                folder / part_name(name, HEAD_PART), [("^", heads[kind])]
            )
            parts[kind][part_key(name, TAIL_PART)] = _write_part(
                folder / part_name(name, TAIL_PART), [("$", tails[kind])]
            )
        for part, iris in runs.items():
            writers: dict[str, Splice] = {}
            try:
                for kind, name in DUMPS.items():
                    writers[kind] = Splice(folder / part_name(name, part), None, None)
                for iri in iris:
                    pieces = read_pieces(published[iri].pieces if iri in published else _cached_pieces(old, iri))[0]
                    for kind, writer in writers.items():
                        writer.add(iri, pieces[kind])
            except BaseException:
                for writer in writers.values():
                    writer.abort()
                raise
            for kind, writer in writers.items():
                parts[kind][part_key(DUMPS[kind], part)] = writer.close()
        with ThreadPoolExecutor(len(DUMPS), thread_name_prefix="dump-digest") as digests:
            found = dict(zip(DUMPS, digests.map(lambda name: chain_digest(name, dump_parts(release, name)),
                                                DUMPS.values()), strict=True))  # fmt: skip
        return {kind: (*found[kind], parts[kind]) for kind in DUMPS}

    thread = ThreadPoolExecutor(1, thread_name_prefix="dumps")
    try:
        future = thread.submit(write_all)
    finally:
        thread.shutdown(wait=False)
    return DumpsWriting([future], str(CatalogIris(Iris(state.settings.base)).corpus), old_corpus, layouts, now)


@dataclass
class DumpsWriting:
    """The corpus dumps as their threads write and hash them (`write_dumps`); the build goes on meanwhile with
    what does not need their digests, then `files()` waits for them."""

    futures: list[Future[dict[str, Written]]]  # each gives some of the dumps (incrementally one, from nothing all)
    corpus: str  # the corpus dataset's IRI
    old_corpus: Mapping[str, Any]
    layouts: dict[str, Layout]
    now: str

    def files(self) -> list[DownloadFile]:
        """The dumps' index entries, once written (what a thread raised, raised here); their parts' layouts put
        in `layouts`."""
        written: dict[str, Written] = {}
        for future in self.futures:
            try:
                written.update(future.result())
            except OSError as exc:  # a full disk, a folder not writable, a previous release's part unreadable
                self.wait()
                raise BuildError(
                    f"A part of the corpus dumps, {exc.filename or '?'}, could not be read or written "
                    f"({exc.strerror or exc}); the published release is unchanged. Free space or fix permissions "
                    "under the build folder (or remove that part of the published release) and build again."
                ) from exc
        found = []
        for kind, name in DUMPS.items():
            size, sha256, parts = written[kind]
            self.layouts.update(parts)
            before = self.old_corpus.get(name)
            found.append(
                DownloadFile(
                    name, kind, media_type_of(name[: -len(".gz")]), True, size, sha256,
                    before.issued if before else self.now,
                    before.modified if before and before.sha256 == sha256 else self.now, self.corpus,
                )
            )  # fmt: skip
        return found

    def wait(self) -> None:
        """Every thread ended, whatever it raised (a build that fails: nothing writes its release any more)."""
        for future in self.futures:
            with contextlib.suppress(BaseException):
                future.result()


def _names_in(folder: Path) -> set[str]:
    try:
        return set(os.listdir(folder))
    except OSError:
        return set()


def _cached_pieces(old: ReleaseState | None, iri: str) -> str:
    report = old.reports.get(iri) if old is not None else None
    if report is None:
        raise BuildError(f"The build cache has no corpus pieces of {iri}; delete the build folder and build again.")
    return report.pieces


def _write_part(path: Path, blocks: Sequence[tuple[str, bytes]]) -> Layout:
    splice = Splice(path, None, None)
    try:
        for key, data in blocks:
            splice.add(key, data)
    except BaseException:
        splice.abort()
        raise
    return splice.close()


def _ends(store: ox.Store, state: WorkerState) -> tuple[dict[str, bytes], dict[str, bytes]]:
    """Each dump's head part (its opening member and the shared graphs' piece) and its tail, as gzip members."""
    iris = state.project.iris
    graphs = [g for g in store.named_graphs() if isinstance(g, ox.NamedNode) and iris.report_key(g.value) is None]
    shared_quads = canonical_nquads_of(store, sorted(graphs, key=str))
    shared = corpus_pieces(merged_ntriples(shared_quads), "", iris.base, b"", True)
    shared["nquads"] = gzip_member(shared_quads)
    dims = sorted({d.record_key for fmt in state.project.formats.values() for d in fmt.dimensions})
    context = json.dumps(jsonld_context(iris.base), ensure_ascii=False, sort_keys=True)
    opening = {
        "nquads": b"",
        "ntriples": b"",
        "turtle": "".join(f"@prefix {p}: <{ns}> .\n" for p, ns in turtle_prefixes(iris.base).items()).encode(),
        "jsonld": ('{\n"@context": ' + context + ',\n"@graph": [\n').encode(),
        "csv": to_csv([], csv_columns(dims)),
    }
    closing = {"nquads": b"", "ntriples": b"", "turtle": b"", "jsonld": b"\n]\n}\n", "csv": b""}

    def member(data: bytes) -> bytes:
        return gzip_member(data) if data else b""

    heads = {kind: member(opening[kind]) + shared[kind] for kind in DUMPS}
    return heads, {kind: member(closing[kind]) for kind in DUMPS}


# ---------------------------------------------------------------------------
# The dumps' digests
# ---------------------------------------------------------------------------

#: Bytes hashed at a time.
CHUNK = 4 << 20
#: By dump name: each part's identity (inode, time, size) and the SHA-256 state after it, in order.
_CHAINS: dict[str, list[tuple[tuple[int, int, int] | None, Any]]] = {}
_CHAINS_LOCK = threading.Lock()


def chain_digest(name: str, parts: Sequence[Path]) -> tuple[int, str]:
    """Size and SHA-256 of `parts` one after the other, taken up after the parts this process hashed last time.

    The parts before the first that is not the same file as last time (a hard link of
    it is) are not read again: the digest goes on from the state kept after them.
    """
    identities = [file_identity(part) for part in parts]
    with _CHAINS_LOCK:
        known = list(_CHAINS.get(name, []))
    same = _same_start(known, identities)
    digest = known[same - 1][1].copy() if same else hashlib.sha256()
    chain = known[:same]
    for part, identity in zip(parts[same:], identities[same:], strict=True):
        _hash_file(digest, part)
        chain.append((identity, digest.copy()))
    with _CHAINS_LOCK:
        _CHAINS[name] = chain
    return sum(identity[2] for identity in identities if identity is not None), digest.hexdigest()


def _same_start(known: Sequence[tuple[tuple[int, int, int] | None, Any]], identities: Sequence[Any]) -> int:
    """How many of the parts, from the first, are the same files as those the kept states were taken after."""
    same, most = 0, min(len(known), len(identities))
    while same < most and identities[same] is not None and known[same][0] == identities[same]:
        same += 1
    return same


def keep_digests_of(release: Path | None) -> None:
    """Keep only the SHA-256 states (`chain_digest`) taken after parts of `release` (the published one): what a
    failed build does with those it took of its own release's parts, deleted with it (a file written later
    could be given one's inode, time and size again)."""
    published: dict[str, list[tuple[int, int, int] | None]] = {}
    with contextlib.suppress(OSError):  # the release unreadable: nothing is kept (the build's own error is raised)
        for name in DUMPS.values():
            published[name] = [file_identity(part) for part in dump_parts(release, name)] if release else []
    with _CHAINS_LOCK:
        for name, known in list(_CHAINS.items()):
            same = _same_start(known, published.get(name, []))
            if same:
                _CHAINS[name] = known[:same]
            else:
                del _CHAINS[name]


def _hash_file(digest: Any, path: Path) -> None:
    with path.open("rb") as handle:
        size = os.fstat(handle.fileno()).st_size
        if size == 0:
            return
        with mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as pages:
            view = memoryview(pages)
            try:
                for at in range(0, size, CHUNK):
                    digest.update(view[at : at + CHUNK])
            finally:
                view.release()


def remember_dumps(release: Path) -> int:
    """The SHA-256 states of a release's corpus dumps kept in this process (`chain_digest`), if they are the
    digests its state records: what a resident builder does once started, so that its first change hashes
    from the changed part on. The number of dumps whose states are now known."""
    state = read_state(release)
    if state is None:
        return 0
    known = {f.name: f.sha256 for f in state.corpus}
    found = 0
    for name in DUMPS.values():
        parts = dump_parts(release, name)
        if parts and name in known:
            _size, sha256 = chain_digest(name, parts)
            if sha256 != known[name]:
                with _CHAINS_LOCK:
                    _CHAINS.pop(name, None)
                continue
            found += 1
    return found


def kept_digests(name: str) -> list[tuple[tuple[int, int, int] | None, str]]:
    """The parts of dump `name` this process keeps SHA-256 states after: (identity, digest so far) of each."""
    with _CHAINS_LOCK:
        return [(identity, state.hexdigest()) for identity, state in _CHAINS.get(name, [])]


def forget_digests() -> None:
    """Forget the SHA-256 states kept (a test that measures a process that did not write the dumps)."""
    with _CHAINS_LOCK:
        _CHAINS.clear()
