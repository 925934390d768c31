"""Release files that grow with the corpus, made from the previous release's rather than anew.

    Splice          a file made of a head, one block per report and a tail (the corpus dumps,
                    downloads/index.json, catalog/index.json, manifest.json, validation.txt):
                    blocks that did not change are copied from the previous version of the
                    file, a run of neighbours at a time; the others are written. Its `Layout`
                    (offset and length of every block, size, SHA-256) is kept for the next build.
    link_files      hard links from the previous release, with directory descriptors (no path
                    walk per file)
    discard_later   folders moved aside at once (a rename) and removed by a detached `rm -rf`,
                    so that a build does not wait for a release's tens of thousands of files to go

A release is never changed once published: every file here is written to a name that
does not exist yet (the caller unlinks a recycled one first), never over a hard link.
"""

from __future__ import annotations

import contextlib
import hashlib
import mmap
import os
import shutil
import subprocess
import threading
import uuid
from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from io import BufferedReader, BufferedWriter
from pathlib import Path
from typing import Any

from publisher.build.cachekeys import file_identity
from publisher.release.paths import TRASH

#: Bytes read and written at a time when a run of blocks is copied.
CHUNK = 4 << 20


@dataclass
class Layout:
    """Where each block of a spliced file is: (offset, length) by key; and the file's size and SHA-256."""

    blocks: dict[str, tuple[int, int]] = field(default_factory=dict)
    size: int = 0
    sha256: str = ""

    def __getstate__(self) -> dict[str, Any]:
        # pickled as the keys and one array of numbers: 10,000 blocks unpickle in 2 ms rather than 7
        spans = array("q", [number for span in self.blocks.values() for number in span])
        return {"keys": list(self.blocks), "spans": spans.tobytes(), "size": self.size, "sha256": self.sha256}

    def __setstate__(self, state: dict[str, Any]) -> None:
        if "blocks" in state:  # pickled whole
            self.__dict__.update(state)
            return
        spans = array("q")
        spans.frombytes(state["spans"])
        self.blocks = dict(zip(state["keys"], zip(spans[0::2], spans[1::2], strict=True), strict=True))
        self.size, self.sha256 = state["size"], state["sha256"]


#: A hashed file's SHA-256 states every this many bytes, kept in memory by the process that wrote it.
MIDSTATE_EVERY = 1 << 20


class _Midstates:
    """SHA-256 states of the hashed files this process wrote, at offsets, by file identity (inode, time, size).

    The next version of a file that starts with the same bytes (the blocks before the
    first changed one, copied at the same offsets) then takes up the digest where the
    state nearest before the change left it, instead of hashing the whole file again:
    a builder that stays (publisher.build.resident) hashes the corpus dumps from the changed
    report on. A process that did not write the old file hashes it all, as before.
    """

    #: Files remembered at most (a build hashes the five corpus dumps; two builds' worth are kept).
    AT_MOST = 10

    def __init__(self) -> None:
        self.by_file: dict[tuple[int, int, int], tuple[str, list[tuple[int, Any]]]] = {}
        self.lock = threading.Lock()  # the dumps are written by one thread each

    def keep(self, path: Path, sha256: str, states: list[tuple[int, Any]]) -> None:
        identity = file_identity(path)
        if identity is None:
            return
        with self.lock:
            for other in [k for k in self.by_file if k[0] == identity[0]]:  # an inode used again
                del self.by_file[other]
            self.by_file[identity] = (sha256, states)
            while len(self.by_file) > self.AT_MOST:
                del self.by_file[next(iter(self.by_file))]

    def states(self, path: Path, sha256: str) -> list[tuple[int, Any]]:
        """The states kept of the file at `path` (whose digest is `sha256`), in order of offset; [] if none."""
        identity = file_identity(path)
        with self.lock:
            found = self.by_file.get(identity) if identity is not None else None
        return found[1] if found is not None and found[0] == sha256 else []


MIDSTATES = _Midstates()


def remember_states(path: Path, sha256: str) -> bool:
    """Hash `path` once, keeping its SHA-256 states (`MIDSTATES`) as if this process had written it.

    For a builder that stays (publisher.build.resident): the first change it publishes then
    takes up the dumps' digests where the change begins, as every later one does, instead
    of hashing the whole of each dump. Kept only if the file's digest is `sha256` (the one
    its release recorded); False if it is not, or the file cannot be read.
    """
    if MIDSTATES.states(path, sha256):
        return True
    digest = hashlib.sha256()
    states: list[tuple[int, Any]] = []
    try:
        with path.open("rb") as file, mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ) as pages:
            view = memoryview(pages)
            try:
                for at in range(0, len(pages), MIDSTATE_EVERY):
                    digest.update(view[at : at + MIDSTATE_EVERY])
                    states.append((min(at + MIDSTATE_EVERY, len(pages)), digest.copy()))
            finally:
                view.release()
    except (OSError, ValueError):  # unreadable, or empty (mmap of 0 bytes)
        return False
    if digest.hexdigest() != sha256:
        return False
    MIDSTATES.keep(path, sha256, states)
    return True


class Splice:
    """Writes `path` as head, blocks joined by `sep`, tail; a block given as None is copied from `old`.

    Copied blocks that were neighbours in `old` (in the same order) are copied in one
    run, separators included, so a file of 10,000 blocks with one changed is three
    writes. `hashed`: compute the SHA-256 of what is written. While the new file is the
    same as the old one (blocks copied at the offsets they had), it is copied by the
    kernel (copy_file_range) and hashed only once it differs, from the nearest
    SHA-256 state kept of the old file (`_Midstates`) when there is one.
    """

    def __init__(
        self, path: Path, old: Path | None, layout: Layout | None, sep: bytes = b"", hashed: bool = False
    ) -> None:
        self.path = path
        self.sep = sep
        self.old_layout = layout or Layout()
        self.out: BufferedWriter = path.open("wb")
        self.old = old if old is not None and layout is not None else None
        self.src: BufferedReader | None = self.old.open("rb") if self.old is not None else None
        self.src_map: mmap.mmap | None = None  # the old file's pages, for hashing what is copied from it
        self.digest: Any = hashlib.sha256() if hashed else None
        self.states: list[tuple[int, Any]] = []  # SHA-256 states of what is written, every MIDSTATE_EVERY bytes
        self.layout = Layout()
        self.pos = 0
        self.hashed_to = 0  # the digest covers the bytes before this offset
        self.same = self.src is not None  # so far, the new file is the old one's first `pos` bytes
        self.count = 0
        self.run: list[tuple[str, int, int]] = []  # (key, old offset, length) of the pending copied run

    def put(self, data: bytes | memoryview) -> None:
        if data:
            if self.same:
                self._differs()
            self.out.write(data)
            self._hash(data)
            self.pos += len(data)

    def _hash(self, data: bytes | memoryview) -> None:
        if self.digest is None:
            return
        start = self.hashed_to
        self.digest.update(data)
        self.hashed_to += len(data)
        mark = (start // MIDSTATE_EVERY + 1) * MIDSTATE_EVERY
        if self.hashed_to >= mark:
            self.states.append((self.hashed_to, self.digest.copy()))

    def _differs(self) -> None:
        """What is written from now on is not the old file's: the digest caught up with the copied bytes."""
        self.same = False
        if self.digest is None or self.pos == 0:
            return
        assert self.old is not None and self.src is not None
        self.states = [s for s in MIDSTATES.states(self.old, self.old_layout.sha256) if s[0] <= self.pos]
        if self.states:  # the same bytes hashed the same up to there: taken up from the nearest state
            self.hashed_to, self.digest = self.states[-1][0], self.states[-1][1].copy()
        self._hash_old(self.hashed_to, self.pos - self.hashed_to)

    def _hash_old(self, first: int, length: int) -> None:
        """The old file's bytes [first, first + length) added to the digest, read from its pages (no copy)."""
        if self.digest is None or length == 0:
            return
        assert self.src is not None
        if self.src_map is None:
            self.src_map = mmap.mmap(self.src.fileno(), 0, access=mmap.ACCESS_READ)
        if first + length > len(self.src_map):
            raise OSError(f"{self.path}: the previous version is shorter than its layout says")
        view = memoryview(self.src_map)
        try:
            for at in range(first, first + length, CHUNK):
                self._hash(view[at : min(at + CHUNK, first + length)])
        finally:
            view.release()

    def head(self, data: bytes) -> None:
        self.put(data)

    def add(self, key: str, data: bytes | None = None) -> None:
        """The next block: `data`, or (None) the block of the same key in the old file."""
        if data is None:
            start, length = self.old_layout.blocks[key]
            if self.run:
                _key, last, size = self.run[-1]
                if start == last + size + len(self.sep):
                    self.run.append((key, start, length))
                    self.count += 1
                    return
            self._flush()
            if self.count:
                self.put(self.sep)
            self.run = [(key, start, length)]
        else:
            self._flush()
            if self.count:
                self.put(self.sep)
            self.layout.blocks[key] = (self.pos, len(data))
            self.put(data)
        self.count += 1

    def _flush(self) -> None:
        if not self.run:
            return
        assert self.src is not None, "a block to copy, but no old file"
        first = self.run[0][1]
        _key, last, size = self.run[-1]
        for key, start, length in self.run:
            self.layout.blocks[key] = (self.pos + start - first, length)
        self.run = []
        left = last + size - first
        if self.same and first == self.pos and _copy_range(self.src, self.out, first, left):
            self.pos += left  # the same bytes at the same offset: the kernel copies them, hashed later if need be
            return
        if self.same:
            self._differs()
        if _copy_range(self.src, self.out, first, left):
            self._hash_old(first, left)
            self.pos += left
            return
        self.src.seek(first)
        buffer = bytearray(min(CHUNK, left))
        view = memoryview(buffer)
        while left:
            got = self.src.readinto(view[: min(CHUNK, left)])
            if not got:
                raise OSError(f"{self.path}: the previous version is shorter than its layout says")
            self.put(view[:got])
            left -= got

    def close(self, tail: bytes = b"") -> Layout:
        """Write the tail and close; the layout of what was written."""
        whole = self.old_layout.sha256 if self.old is not None else ""  # the old file's digest
        try:
            self._flush()
            self.put(tail)
            if self.same and not (self.pos == self.old_layout.size and whole):
                self._differs()
        finally:
            self._close_files()
        self.layout.size = self.pos
        if self.digest is None:
            self.layout.sha256 = ""
        elif self.same:  # the old file again, byte for byte
            assert self.old is not None
            self.layout.sha256 = whole
            MIDSTATES.keep(self.path, whole, MIDSTATES.states(self.old, whole))
        else:
            self.layout.sha256 = self.digest.hexdigest()
            MIDSTATES.keep(self.path, self.layout.sha256, self.states)
        return self.layout

    def abort(self) -> None:
        self._close_files()

    def _close_files(self) -> None:
        self.out.close()
        if self.src_map is not None:
            self.src_map.close()
        if self.src is not None:
            self.src.close()


def _copy_range(src: BufferedReader, out: BufferedWriter, offset: int, length: int) -> bool:
    """`length` bytes of `src` from `offset` appended to `out` by the kernel; False where it cannot."""
    copy = getattr(os, "copy_file_range", None)
    if copy is None:
        return False
    out.flush()
    done = 0
    try:
        while done < length:
            got = copy(src.fileno(), out.fileno(), length - done, offset + done)
            if got == 0:
                raise OSError(f"{out.name}: the previous version is shorter than its layout says")
            done += got
    except OSError:
        if done:
            raise
        return False  # not on this file system: copied through this process instead
    return True


def link_files(old: Path, new: Path, names: Iterable[str]) -> None:
    """Hard-link each name of folder `old` into folder `new` (which exists)."""
    source = os.open(old, os.O_RDONLY | os.O_DIRECTORY)
    try:
        target = os.open(new, os.O_RDONLY | os.O_DIRECTORY)
        try:
            for name in names:
                os.link(name, name, src_dir_fd=source, dst_dir_fd=target)
        finally:
            os.close(target)
    finally:
        os.close(source)


def unlink_files(folder: Path, names: Iterable[str]) -> None:
    """Remove each name of `folder` that is there."""
    try:
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    except FileNotFoundError:
        return
    try:
        for name in names:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(name, dir_fd=fd)
    finally:
        os.close(fd)


def discard_later(build_dir: Path, paths: Sequence[Path]) -> None:
    """Move `paths` out of the way now (a rename each) and remove them in a detached process.

    What cannot be moved (another file system) is removed here and now. Anything a
    detached removal left behind (the machine stopped) goes with the next call.
    """
    trash = build_dir / TRASH
    moved: list[str] = []
    for path in paths:
        if not path.exists() and not path.is_symlink():
            continue
        trash.mkdir(exist_ok=True)
        target = trash / f"{path.name}-{uuid.uuid4().hex[:12]}"
        try:
            os.replace(path, target)
        except OSError:
            shutil.rmtree(path, ignore_errors=True)
            continue
        moved.append(str(target))
    if not trash.is_dir():
        return
    leftovers = [str(p) for p in trash.iterdir() if str(p) not in moved]
    everything = moved + leftovers
    if not everything:
        return
    rm = shutil.which("rm")
    if rm is None:
        for name in everything:
            shutil.rmtree(name, ignore_errors=True)
        return
    # `sh` backgrounds `rm` and returns at once; `rm` goes on alone (its parent is gone, nothing waits for it).
    subprocess.run(
        ["sh", "-c", '"$0" -rf -- "$@" >/dev/null 2>&1 &', rm, *everything],
        check=False,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
