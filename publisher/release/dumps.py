"""The corpus dumps as a release keeps them: each a run of part files, one per year, served as one file.

    {release}/dumps/{name}.0000          the dump's head and the shared graphs (ontology, formats, registry, shapes)
    {release}/dumps/{name}.{year}-{nn}   the reports of that year, in the order of their IRIs, `PART_REPORTS` a part
    {release}/dumps/{name}.9999          the dump's tail

where `name` is the dump's download name (`corpus.nq.gz` …). Each part is a run of whole
gzip members, so the parts one after the other (in the order of their names) are the
dump: a valid gzip file, served and exported as `/download/{name}` with the size and
SHA-256 that downloads/index.json gives it. A part whose reports did not change is the
previous release's file, hard-linked: a release after one changed report writes the part
of that report (≈ 11 MB of the five dumps for 64 national reports), not the corpus again
(a gigabyte at 10,000 reports, fifteen seconds of this machine's disk for every change).
A release made before the parts (one file `downloads/{name}`) is read as it is.
"""

from __future__ import annotations

import io
import os
import re
import shutil
from pathlib import Path
from typing import Any, BinaryIO

from publisher.errors import StoreError
from publisher.release.paths import DOWNLOADS, DUMP_PARTS

#: The part before every year's (the head and shared graphs) and after them (the tail).
HEAD_PART, TAIL_PART = "0000", "9999"
#: Reports a part holds at most.
PART_REPORTS = 64
_PART = re.compile(r"\.(?:\d{4}|\d{4}-\d{2,})$")


def year_part(year: int, run: int) -> str:
    """The part of the `run`-th `PART_REPORTS` reports of `year` (from 0)."""
    return f"{year:04d}-{run:02d}"


def part_name(name: str, part: str) -> str:
    """The file name of part `part` (`year_part`, `HEAD_PART` or `TAIL_PART`) of dump `name`."""
    return f"{name}.{part}"


def dump_parts(release: Path, name: str) -> list[Path]:
    """The part files of dump `name` in `release`, in order; [] if it keeps none (a release from before parts)."""
    try:
        names = os.listdir(release / DUMP_PARTS)
    except FileNotFoundError:
        return []
    found = [n for n in names if n.startswith(f"{name}.") and _PART.fullmatch(n, len(name))]
    return [release / DUMP_PARTS / n for n in sorted(found, key=_order)]


def _order(part: str) -> tuple[int, int]:
    year, _dash, run = part.rpartition(".")[2].partition("-")
    return int(year), int(run or 0)


class Concatenation(io.RawIOBase):
    """Files read one after the other as one, seekable (what HTTP ranges need)."""

    def __init__(self, paths: list[Path]) -> None:
        super().__init__()
        self.handles: list[BinaryIO] = []
        self.starts: list[int] = []
        self.size = 0
        try:
            for path in paths:
                handle = path.open("rb")
                self.handles.append(handle)
                self.starts.append(self.size)
                self.size += os.fstat(handle.fileno()).st_size
        except OSError:
            self.close()
            raise
        self.pos = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self.pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self.pos, io.SEEK_END: self.size}[whence]
        self.pos = max(0, base + offset)
        return self.pos

    def readinto(self, target: Any) -> int:
        view = memoryview(target).cast("B")
        done = 0
        while done < len(view) and self.pos < self.size:
            index = max(i for i, start in enumerate(self.starts) if start <= self.pos)
            handle = self.handles[index]
            handle.seek(self.pos - self.starts[index])
            got = handle.readinto(view[done:])  # type: ignore[attr-defined]
            if not got:  # shorter than when it was opened: no file of a release changes, so this one is broken
                raise OSError(f"{self.handles[index].name} is shorter than it was")
            done += got
            self.pos += got
        return done

    def close(self) -> None:
        for handle in self.handles:
            handle.close()
        super().close()


def open_dump(release: Path, name: str) -> tuple[BinaryIO, int]:
    """Dump `name` of `release` opened for reading (its parts as one file, or the whole file), and its size."""
    parts = dump_parts(release, name)
    try:
        if parts:
            joined = Concatenation(parts)
            return io.BufferedReader(joined, 1 << 20), joined.size
        handle = (release / DOWNLOADS / name).open("rb")
        return handle, os.fstat(handle.fileno()).st_size
    except OSError as exc:
        raise StoreError(
            f"The corpus dump {name} of release {release.name} cannot be read ({exc}); build again "
            "(`publisher build`) to write it anew."
        ) from exc


def is_dump(release: Path, name: str) -> bool:
    """Whether `name` is a corpus dump kept in parts in `release`."""
    return bool(dump_parts(release, name))


def copy_dump(release: Path, name: str, target: Path) -> int:
    """Dump `name` of `release` written whole to `target` (a static export); the bytes written."""
    handle, size = open_dump(release, name)
    with handle, target.open("wb") as out:
        shutil.copyfileobj(handle, out, 1 << 20)
    return size
