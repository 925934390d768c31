"""The store of a build from nothing, bulk-loaded in a thread while the build goes on (`bulkstore.StoreLoad`), then
compacted in one while the release-wide files are made (`bulkstore.Compaction`).

A load that fails there fails the build with the load's error, in the build's own thread,
and the release being made is discarded: the release published before stays published, as
it was.
"""

from __future__ import annotations

import threading
from pathlib import Path

import pyoxigraph as ox
import pytest

from publisher import synthetic
from publisher.build import stages
from publisher.build.bulkstore import Compaction, StoreLoad, entry_of
from publisher.build.checked import read_cache
from publisher.build.pipeline import build
from publisher.build.workerstate import WorkerState
from publisher.errors import BuildError
from publisher.rdf.iris import Iris
from publisher.release.paths import CACHE, CACHE_REPORTS, RELEASES, STATE, current_release
from tests.builds import settings_for


def files_of(release: Path) -> dict[str, bytes]:
    return {str(p.relative_to(release)): p.read_bytes() for p in sorted(release.rglob("*")) if p.is_file()}


def test_a_graph_the_load_cannot_read_fails_the_build_and_leaves_the_published_release(tmp_path: Path) -> None:
    data = tmp_path / "data"
    synthetic.generate(data, 2, years=(2021, 2022), seed=7)
    settings = settings_for(data, tmp_path / "build")
    first = build(settings)
    release = current_release(tmp_path / "build")
    assert release == first.release
    (release / STATE).unlink()  # without the state of the release before it, the next build starts from nothing
    graphs = sorted((tmp_path / "build" / CACHE).glob(f"*/{CACHE_REPORTS}/*/*.nt"))
    assert len(graphs) == 4  # 2 agencies × 2 years
    # spaces after each line's final dot: N-Triples still (the rules across years, before the load, read the
    # graph as such), but not the lines the load's N-Quads stream is made of (each line ends ` .`)
    text = graphs[0].read_bytes()
    assert text.count(b" .\n") == text.count(b"\n") > 0
    graphs[0].write_bytes(text.replace(b" .\n", b" .  \n"))
    published = files_of(release)
    with pytest.raises(BuildError, match="do not load into the store"):
        build(settings)
    assert current_release(tmp_path / "build") == release and files_of(release) == published
    assert [p.name for p in (tmp_path / "build" / RELEASES).iterdir()] == [release.name]  # the new one discarded
    graphs[0].write_bytes(text)
    again = build(settings)
    assert not again.incremental and again.release != release and current_release(tmp_path / "build") == again.release


def test_a_load_stopped_midway_ends_with_its_stop_and_lets_its_store_go(tmp_path: Path) -> None:
    """What the build does when it fails or is interrupted while the load goes on: the load stops at the stream's
    next read, rather than loading the rest, before the release's folder is discarded."""
    data = tmp_path / "data"
    synthetic.generate(data, 2, years=(2021, 2022), seed=7)
    settings = settings_for(data, tmp_path / "build")
    build(settings)
    (cache,) = (tmp_path / "build" / CACHE).iterdir()
    iris = Iris(settings.base)
    checked = [read_cache(cache, p.stem) for p in sorted(cache.glob(f"{CACHE_REPORTS}/*/*.pickle"))]
    entries = [entry_of(c, iris) for c in checked if c is not None]
    assert len(entries) == 4
    reading, go_on = threading.Event(), threading.Event()
    asked: list[str] = []

    def annotations(iri: str) -> bytes:  # the first report's read waits until the load is told to stop
        asked.append(iri)
        reading.set()
        go_on.wait(60)
        return b""

    loading = StoreLoad(tmp_path / "store", WorkerState(settings, cache), {e.iri: e for e in entries}, cache,
                        annotations)  # fmt: skip
    assert reading.wait(60)
    loading.stopping.set()
    go_on.set()
    with pytest.raises(BuildError, match="stopped"):
        loading.store()
    assert len(asked) == 1  # the other three reports never read
    loading.stop()
    assert not loading.thread.is_alive() and loading.result is None and loading.error is None


def test_a_store_compacted_in_a_thread_is_read_meanwhile_and_keeps_every_quad(tmp_path: Path) -> None:
    store = ox.Store(str(tmp_path / "store"))
    for n in range(4):  # four bulk loads: four sets of files for the compaction to merge
        store.bulk_load(
            b"".join(b'<urn:x:s%d> <urn:x:p%d> "%d" <urn:x:g%d> .\n' % (i, i % 7, i, n) for i in range(n, 20_000, 4)),
            format=ox.RdfFormat.N_QUADS,
        )
    before = sorted(map(str, store))
    assert len(before) == 20_000
    compaction = Compaction(store)
    counted, while_running = [], 0
    while compaction.thread.is_alive() or not counted:  # read while it runs (≈ 0.07 s here; once at least)
        while_running += compaction.thread.is_alive()
        (row,) = store.query("SELECT (COUNT(*) AS ?n) { GRAPH ?g { ?s ?p ?o } }")  # type: ignore[misc]
        counted.append(int(row[0].value))
    compaction.wait()
    assert while_running >= 1 and set(counted) == {20_000}
    assert sorted(map(str, store)) == before


def test_a_compaction_that_fails_raises_its_error_where_it_is_waited_for(tmp_path: Path) -> None:
    ox.Store(str(tmp_path / "store")).flush()
    compaction = Compaction(ox.Store.read_only(str(tmp_path / "store")))  # Oxigraph compacts read-write stores only
    with pytest.raises(RuntimeError, match="read-write"):
        compaction.wait()
    compaction.wait()  # raised once: waiting again finds it done


@pytest.mark.parametrize("failure", [KeyboardInterrupt, BuildError])
def test_a_build_failing_while_its_store_is_compacted_leaves_the_published_release(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failure: type[BaseException]
) -> None:
    """A failure once the store is loaded and its compaction started (here while VoID's counts are made): the
    new release is discarded — waited for the compaction first, or, interrupted (Ctrl-C), moved aside at once —
    and the published one stays as it was."""
    data = tmp_path / "data"
    synthetic.generate(data, 2, years=(2021, 2022), seed=7)
    settings = settings_for(data, tmp_path / "build")
    first = build(settings)
    (first.release / STATE).unlink()  # the next build starts from nothing: a bulk load, then a compaction
    published = files_of(first.release)

    def fails(*args: object, **kwargs: object) -> object:
        raise failure("VoID could not be counted (this test's failure).")

    monkeypatch.setattr(stages, "void_totals", fails)
    with pytest.raises(failure):
        build(settings)
    assert current_release(tmp_path / "build") == first.release and files_of(first.release) == published
    assert [p.name for p in (tmp_path / "build" / RELEASES).iterdir()] == [first.release.name]
    if failure is BuildError:  # waited for: no compaction left running
        assert not [t for t in threading.enumerate() if t.name == "store-compaction"]
