"""Spliced files of a resident builder: copied by the kernel while unchanged, their digest taken up midway.

Whatever was copied and wherever the first change is, a spliced file's SHA-256 is the
SHA-256 of its bytes (hashlib over the whole file, in the test); a file that is its
old version again gets the old digest; the digest is taken up from the state kept
nearest before the change when the same process wrote the old version.
"""

from __future__ import annotations

import hashlib
import random
from pathlib import Path

import pytest

from publisher.build.splice import MIDSTATE_EVERY, MIDSTATES, Layout, Splice, remember_states

#: Blocks of a few hundred bytes to a few kilobytes, so that the file spans many digest states.
BLOCKS = {f"k{i:04}": random.Random(i).randbytes(200 + i % 7 * 700) for i in range(3000)}


def splice(target: Path, old: Path | None, layout: Layout | None, order: list[str], new: dict[str, bytes]) -> Layout:
    writer = Splice(target, old, layout, hashed=True)
    for key in order:
        writer.add(key, new.get(key) if old is not None else new.get(key, BLOCKS[key]))
    return writer.close()


@pytest.fixture()
def first(tmp_path: Path) -> tuple[Path, Layout]:
    path = tmp_path / "v0"
    return path, splice(path, None, None, list(BLOCKS), {})


def test_the_first_version_keeps_its_digest_states(first: tuple[Path, Layout]) -> None:
    path, layout = first
    assert layout.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    states = MIDSTATES.states(path, layout.sha256)
    assert len(states) >= layout.size // MIDSTATE_EVERY
    offset, state = states[len(states) // 2]
    assert state.hexdigest() == hashlib.sha256(path.read_bytes()[:offset]).hexdigest()


@pytest.mark.parametrize("where", [0, 1, 1500, 2998, 2999])
def test_a_changed_block_anywhere_gives_the_digest_of_the_new_bytes(
    first: tuple[Path, Layout], tmp_path: Path, where: int
) -> None:
    path, layout = first
    key = list(BLOCKS)[where]
    target = tmp_path / "v1"
    again = splice(target, path, layout, list(BLOCKS), {key: b"changed " + BLOCKS[key][:50]})
    expected = b"".join(b"changed " + BLOCKS[k][:50] if k == key else BLOCKS[k] for k in BLOCKS)
    assert target.read_bytes() == expected
    assert again.sha256 == hashlib.sha256(expected).hexdigest() and again.size == len(expected)
    third = tmp_path / "v2"  # and from that version on, with its own states
    last = splice(third, target, again, list(BLOCKS), {list(BLOCKS)[100]: b"x"})
    assert last.sha256 == hashlib.sha256(third.read_bytes()).hexdigest()


def test_the_same_blocks_again_are_the_old_file_and_its_digest(first: tuple[Path, Layout], tmp_path: Path) -> None:
    path, layout = first
    target = tmp_path / "same"
    again = splice(target, path, layout, list(BLOCKS), {})
    assert target.read_bytes() == path.read_bytes() and again.sha256 == layout.sha256
    assert MIDSTATES.states(target, again.sha256)  # the next version can take up from this one's states


def test_blocks_removed_at_the_end_or_moved_are_hashed_as_written(first: tuple[Path, Layout], tmp_path: Path) -> None:
    path, layout = first
    keys = list(BLOCKS)
    for name, order in {"shorter": keys[:-40], "moved": [*keys[:10], *keys[11:], keys[10]]}.items():
        target = tmp_path / name
        again = splice(target, path, layout, order, {})
        assert target.read_bytes() == b"".join(BLOCKS[k] for k in order)
        assert again.sha256 == hashlib.sha256(target.read_bytes()).hexdigest()


def test_without_states_of_the_old_file_the_whole_file_is_hashed(first: tuple[Path, Layout], tmp_path: Path) -> None:
    path, layout = first
    MIDSTATES.by_file.clear()  # as in a process that did not write the old file
    target = tmp_path / "v1"
    key = list(BLOCKS)[2000]
    again = splice(target, path, layout, list(BLOCKS), {key: b"other"})
    assert again.sha256 == hashlib.sha256(target.read_bytes()).hexdigest()


def test_states_remembered_from_the_file_serve_a_later_change(first: tuple[Path, Layout], tmp_path: Path) -> None:
    path, layout = first
    MIDSTATES.by_file.clear()  # a builder that started after the file was written
    assert not remember_states(path, "0" * 64)  # not the digest its release recorded: nothing kept
    assert not MIDSTATES.states(path, layout.sha256)
    assert remember_states(path, layout.sha256)
    states = MIDSTATES.states(path, layout.sha256)
    assert [offset for offset, _ in states][:2] == [MIDSTATE_EVERY, 2 * MIDSTATE_EVERY]
    offset, state = states[1]
    assert state.hexdigest() == hashlib.sha256(path.read_bytes()[:offset]).hexdigest()
    target = tmp_path / "v1"
    key = list(BLOCKS)[2900]  # past the first states: the digest is taken up from one of them
    again = splice(target, path, layout, list(BLOCKS), {key: b"other"})
    assert again.sha256 == hashlib.sha256(target.read_bytes()).hexdigest()
    # and it was taken up from them: with the states made wrong, so is the digest
    MIDSTATES.keep(path, layout.sha256, [(o, hashlib.sha256(b"not the file")) for o, _ in states])
    wrong = splice(tmp_path / "v2", path, layout, list(BLOCKS), {key: b"other"})
    assert wrong.sha256 != again.sha256
