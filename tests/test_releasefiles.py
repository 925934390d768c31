"""Spliced files and the corpus dumps' digests, as a resident builder makes them.

Whatever was copied, a spliced file is its blocks in the order given. A dump's SHA-256 is
that of its parts one after the other (hashlib over the joined bytes, in the test), also
when it is taken up from the states this process kept after the parts that are the same
files as last time; and it is taken up from them (with the states made wrong, so is the
digest). A build that fails keeps only the states taken after the published release's parts.
"""

from __future__ import annotations

import hashlib
import os
import random
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from publisher.build import dumpfiles, stages
from publisher.build.cachekeys import file_identity
from publisher.build.dumpfiles import DUMPS, by_part, chain_digest, forget_digests, keep_digests_of, kept_digests
from publisher.build.pipeline import build
from publisher.build.splice import Layout, Splice
from publisher.errors import BuildError
from publisher.rdf.iris import Iris
from publisher.release.dumps import Concatenation, dump_parts, open_dump, part_name
from publisher.release.paths import DOWNLOADS, DUMP_PARTS
from tests.builds import built_synthetic, change_a_figure, read_reports

#: Blocks of a few hundred bytes to a few kilobytes.
BLOCKS = {f"k{i:04}": random.Random(i).randbytes(200 + i % 7 * 700) for i in range(3000)}


def splice(target: Path, old: Path | None, layout: Layout | None, order: list[str], new: dict[str, bytes]) -> Layout:
    writer = Splice(target, old, layout)
    for key in order:
        writer.add(key, new.get(key) if old is not None else new.get(key, BLOCKS[key]))
    return writer.close()


@pytest.fixture()
def first(tmp_path: Path) -> tuple[Path, Layout]:
    path = tmp_path / "v0"
    return path, splice(path, None, None, list(BLOCKS), {})


@pytest.mark.parametrize("where", [0, 1, 1500, 2999])
def test_a_changed_block_anywhere_gives_the_new_bytes(first: tuple[Path, Layout], tmp_path: Path, where: int) -> None:
    path, layout = first
    key = list(BLOCKS)[where]
    target = tmp_path / "v1"
    again = splice(target, path, layout, list(BLOCKS), {key: b"changed " + BLOCKS[key][:50]})
    expected = b"".join(b"changed " + BLOCKS[k][:50] if k == key else BLOCKS[k] for k in BLOCKS)
    assert target.read_bytes() == expected and again.size == len(expected)
    for k, (offset, length) in again.blocks.items():
        assert expected[offset : offset + length] == (b"changed " + BLOCKS[k][:50] if k == key else BLOCKS[k])


def test_blocks_removed_at_the_end_or_moved_are_written_as_ordered(first: tuple[Path, Layout], tmp_path: Path) -> None:
    path, layout = first
    keys = list(BLOCKS)
    for name, order in {"same": keys, "shorter": keys[:-40], "moved": [*keys[:10], *keys[11:], keys[10]]}.items():
        target = tmp_path / name
        splice(target, path, layout, order, {})
        assert target.read_bytes() == b"".join(BLOCKS[k] for k in order)


@pytest.fixture()
def parts(tmp_path: Path) -> Iterator[list[Path]]:
    """A dump of five parts of different sizes (one empty), as a release keeps it."""
    forget_digests()
    folder = tmp_path / "release" / DUMP_PARTS
    folder.mkdir(parents=True)
    found = []
    for part, size in [("0000", 300), ("2019-00", 5 << 20), ("2020-00", 0), ("2021-00", 3 << 20), ("9999", 7)]:
        path = folder / part_name("corpus.nq.gz", part)
        path.write_bytes(random.Random(part).randbytes(size))
        found.append(path)
    yield found
    forget_digests()


def test_a_dumps_digest_is_that_of_its_parts_joined(parts: list[Path]) -> None:
    joined = b"".join(p.read_bytes() for p in parts)
    assert chain_digest("corpus.nq.gz", parts) == (len(joined), hashlib.sha256(joined).hexdigest())
    assert [d for _i, d in kept_digests("corpus.nq.gz")][1] == hashlib.sha256(joined[: 300 + (5 << 20)]).hexdigest()


def test_a_failed_builds_states_of_its_own_parts_are_forgotten(parts: list[Path], tmp_path: Path) -> None:
    published = parts[0].parent.parent  # the release the fixture's parts are in
    chain_digest("corpus.nq.gz", parts)
    failed = tmp_path / "failed" / DUMP_PARTS  # a build's release: its first two parts linked, the rest its own
    failed.mkdir(parents=True)
    for n, part in enumerate(parts):
        if n < 2:
            os.link(part, failed / part.name)
        else:
            (failed / part.name).write_bytes(b"written by the build that failed " + part.name.encode())
    chain_digest("corpus.nq.gz", sorted(failed.iterdir(), key=parts_order(parts)))
    assert len(kept_digests("corpus.nq.gz")) == 5
    keep_digests_of(published)
    head = b"".join(p.read_bytes() for p in parts[:2])
    assert [d for _i, d in kept_digests("corpus.nq.gz")] == [
        hashlib.sha256(head[:300]).hexdigest(),
        hashlib.sha256(head).hexdigest(),
    ]
    keep_digests_of(None)  # nothing published: nothing kept
    assert kept_digests("corpus.nq.gz") == []


def test_a_build_that_fails_after_its_dumps_were_hashed_keeps_the_published_ones_states(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    forget_digests()
    try:
        _data, settings, first = built_synthetic(tmp_path, 11, (2017, 2018))
        record = next(path for path, report in read_reports(settings).items() if report.year == 2017)
        change_a_figure(record)

        def fails(*args: object, **kwargs: object) -> object:
            raise BuildError("The catalog could not be written (this test's failure).")

        monkeypatch.setattr(stages, "write_catalog_files", fails)  # after the dumps, before the switch
        with pytest.raises(BuildError, match="this test's failure"):
            build(settings)
        for name in DUMPS.values():
            published = [file_identity(part) for part in dump_parts(first.release, name)]
            kept = [identity for identity, _digest in kept_digests(name)]
            assert kept and kept == published[: len(kept)], name
    finally:
        forget_digests()  # not left to the tests after this one


def parts_order(parts: list[Path]) -> Callable[[Path], int]:
    """Order another release's parts as `parts` are ordered (by name)."""
    names = [p.name for p in parts]
    return lambda path: names.index(path.name)


def test_a_changed_part_is_hashed_from_the_state_kept_before_it(parts: list[Path]) -> None:
    chain_digest("corpus.nq.gz", parts)
    changed = parts[3].with_name(parts[3].name + ".new")  # a new file (a new inode) in place of 2021's
    changed.write_bytes(b"the 2021 reports, one of them changed")
    os.replace(changed, parts[3])
    joined = b"".join(p.read_bytes() for p in parts)
    assert chain_digest("corpus.nq.gz", parts) == (len(joined), hashlib.sha256(joined).hexdigest())
    # taken up from the kept states: made wrong, they make the digest wrong (the parts before 2021 not read again)
    kept = dumpfiles._CHAINS["corpus.nq.gz"]
    dumpfiles._CHAINS["corpus.nq.gz"] = [(identity, hashlib.sha256(b"not the part")) for identity, _s in kept]
    parts[4].unlink()
    parts[4].write_bytes(b"another tail")
    assert chain_digest("corpus.nq.gz", parts)[1] != hashlib.sha256(b"".join(p.read_bytes() for p in parts)).hexdigest()


def test_without_kept_states_every_part_is_hashed(parts: list[Path]) -> None:
    chain_digest("corpus.nq.gz", parts)
    dumpfiles._CHAINS["corpus.nq.gz"] = [(None, hashlib.sha256(b"unknown")) for _ in parts]  # no identity matches
    joined = b"".join(p.read_bytes() for p in parts)
    assert chain_digest("corpus.nq.gz", parts)[1] == hashlib.sha256(joined).hexdigest()


def test_a_dump_reads_as_its_parts_joined_from_any_offset(parts: list[Path]) -> None:
    release = parts[0].parent.parent
    assert dump_parts(release, "corpus.nq.gz") == parts and dump_parts(release, "corpus.nt.gz") == []
    joined = b"".join(p.read_bytes() for p in parts)
    handle, size = open_dump(release, "corpus.nq.gz")
    with handle:
        assert size == len(joined) and handle.read() == joined
    with Concatenation(parts) as reader:
        for at in (0, 299, 300, 301, 300 + (5 << 20) - 1, len(joined) - 3):  # across each boundary
            reader.seek(at)
            assert reader.read(10) == joined[at : at + 10]
        reader.seek(0, os.SEEK_END)
        assert reader.read(5) == b""


def test_a_release_from_before_the_parts_serves_its_whole_dump(tmp_path: Path) -> None:
    (tmp_path / DOWNLOADS).mkdir()
    (tmp_path / DOWNLOADS / "corpus.nq.gz").write_bytes(b"a whole dump")
    handle, size = open_dump(tmp_path, "corpus.nq.gz")
    with handle:
        assert (handle.read(), size) == (b"a whole dump", 12)


def test_a_years_reports_go_in_parts_of_64_in_order_of_iri() -> None:
    iris = Iris("http://example.org")
    names = [str(iris.report(f"agency-{i:03d}", 2021)) for i in range(130)] + [str(iris.report("b", 2019))]
    parts = by_part(list(reversed(names)), iris)
    assert list(parts) == ["2019-00", "2021-00", "2021-01", "2021-02"]
    assert parts["2021-00"] == names[:64] and parts["2021-01"] == names[64:128] and parts["2021-02"] == names[128:130]
    with pytest.raises(BuildError):
        by_part(["http://example.org/id/agency/b"], iris)


def test_parts_are_read_in_the_order_of_their_year_and_run(tmp_path: Path) -> None:
    (tmp_path / DUMP_PARTS).mkdir()
    order = ["0000", "2019-00", "2019-09", "2019-10", "2020-00", "9999"]
    for part in reversed(order):
        (tmp_path / DUMP_PARTS / part_name("corpus.ttl.gz", part)).write_bytes(part.encode())
    (tmp_path / DUMP_PARTS / "corpus.ttl.gz.2019-00.tmp").write_bytes(b"not a part")
    assert [p.name.removeprefix("corpus.ttl.gz.") for p in dump_parts(tmp_path, "corpus.ttl.gz")] == order


def test_blocks_given_at_once_are_spliced_as_one_by_one(first: tuple[Path, Layout], tmp_path: Path) -> None:
    path, layout = first
    keys = list(BLOCKS)
    order = [*keys[:10], *keys[11:2000], keys[10], *keys[2001:]]  # one moved, one gone
    new = {keys[5]: b"fifth, changed", keys[2500]: b"another"}
    one_by_one = splice(tmp_path / "add", path, layout, order, new)
    writer = Splice(tmp_path / "extend", path, layout)
    writer.extend((key, new.get(key)) for key in order)
    at_once = writer.close()
    assert (tmp_path / "extend").read_bytes() == (tmp_path / "add").read_bytes()
    assert at_once.blocks == one_by_one.blocks and at_once.size == one_by_one.size
    assert (tmp_path / "extend").read_bytes() == b"".join(new.get(k, BLOCKS[k]) for k in order)
