"""Report keys: a hash of what a report's graph depends on, so that a report whose key is cached is not read again.

A report's key hashes its record, its source document, its agency's registry entry and
division (`RegistryEntries`), and the digest every report shares (`shared_digest`: the
publisher's version, the base IRI, the ontology and the shapes). `StatCache` remembers
the keys with the files' sizes and modification times, so that unchanged records are
not read to know them.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path
from typing import Any

from publisher import __version__
from publisher.release.paths import CACHE_KEYS
from publisher.settings import ONTOLOGY_DIR, SHAPES_DIR, Settings


def shared_digest(settings: Settings) -> str:
    """Hash of what every report depends on: version, base IRI, ontology and shapes."""
    digest = hashlib.sha256(f"{__version__}\n{settings.base}\n".encode())
    for root in (ONTOLOGY_DIR, SHAPES_DIR):
        for path in sorted(p for p in root.rglob("*.ttl") if p.is_file()):
            digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def inputs_digest(shared: str, paths: Sequence[Path], keys: Mapping[Path, str], data_dir: Path) -> str:
    """A hash of everything a build depends on: the shared digest, each record's path and key, and the data
    folder's own files (registry, catalog description). A release keeps it in its manifest (build.is_stale)."""
    digest = hashlib.sha256(shared.encode())
    for path in paths:
        digest.update(f"{path}\0{keys[path]}\n".encode())
    for path in sorted(p for p in data_dir.glob("*") if p.is_file()):
        digest.update(str(path.relative_to(data_dir)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


_AGENCY_LINE = re.compile(r"^agency:\s*['\"]?([a-z0-9-]+)", re.MULTILINE)
_SOURCE_FILE = re.compile(r"^\s+file:\s*['\"]?([^'\"\n#]+?)['\"]?\s*(?:#.*)?$", re.MULTILINE)


class RegistryEntries:
    """The text of each agency's entry in agencies.yaml (and its division's), to hash into report keys."""

    def __init__(self, path: Path) -> None:
        text = path.read_text(encoding="utf-8") if path.exists() else ""
        self.whole = hashlib.sha256(text.encode()).hexdigest()
        self.entries: dict[str, str] = {}
        current: str | None = None
        lines: list[str] = []
        for line in text.splitlines():
            match = re.match(r"^  ['\"]?([A-Za-z0-9-]+)['\"]?:\s*$", line)
            if match or not line.startswith("   "):
                if current is not None:
                    self.entries[current] = "\n".join(lines)
                current, lines = (match.group(1), [line]) if match else (None, [])
            elif current is not None:
                lines.append(line)
        if current is not None:
            self.entries[current] = "\n".join(lines)

    def of(self, agency: str) -> str:
        entry = self.entries.get(agency)
        if entry is None:
            return self.whole  # not found as expected: depend on the whole registry
        division = re.search(r"division:\s*['\"]?(\d{6})", entry)
        parts = [entry, self.entries.get(division.group(1), self.whole) if division else self.whole]
        return "\n".join(parts)


def _key_parts(shared: str, path: Path, registry: RegistryEntries) -> tuple[str, str, str]:
    """(key, agency, source file) of a record, read without parsing its YAML."""
    data = path.read_bytes()
    digest = hashlib.sha256(shared.encode() + b"\0" + data)
    text = data.decode("utf-8", errors="replace")
    source = _SOURCE_FILE.search(text)
    source_path = str(path.parent / source.group(1).strip()) if source else ""
    if source_path:
        try:
            digest.update(b"\0" + Path(source_path).read_bytes())
        except OSError:
            digest.update(b"\0missing")
    match = _AGENCY_LINE.search(text)
    agency = match.group(1) if match else ""
    digest.update(b"\0" + registry.of(agency).encode())
    return digest.hexdigest(), agency, source_path


class StatCache:
    """Record keys remembered with the files' sizes and modification times, so unchanged files are not read."""

    def __init__(self, cache: Path) -> None:
        self.path = cache / CACHE_KEYS
        self.pending: dict[str, Any] | None = None

    @staticmethod
    def _stat(path: str) -> list[int]:
        try:
            found = os.stat(path)
        except OSError:
            return [-1, -1]
        return [found.st_mtime_ns, found.st_size]

    def keys(
        self,
        shared: str,
        paths: Sequence[Path],
        registry: RegistryEntries,
        save: bool = True,
        changed: Collection[str] | None = None,
    ) -> dict[Path, str]:
        """Each record's key; remembered on disk now, or with `save()` when `save` is false.

        `changed`: the only files that can have changed since the keys were last remembered
        (a resident builder hears every change, publisher.build.resident); the others are not stat-ed.
        """
        old = self._read()
        new: dict[str, Any] = {}
        keys: dict[Path, str] = {}
        entries: dict[str, str] = {}

        def entry(agency: str) -> str:
            if agency not in entries:
                entries[agency] = hashlib.sha256(registry.of(agency).encode()).hexdigest()
            return entries[agency]

        for path in paths:
            name = str(path)
            known = old.get(name)
            if (
                changed is not None
                and known is not None
                and name not in changed
                and known["source_path"] not in changed
                and known["source_path"].startswith(os.path.dirname(name))  # a source elsewhere may not be watched
                and known["entry"] == entry(known["agency"])
            ):
                new[name] = known
                keys[path] = known["key"]
                continue
            record = self._stat(str(path))
            if (
                known is not None
                and known["record"] == record
                and known["source"] == self._stat(known["source_path"])
                and known["entry"] == entry(known["agency"])
            ):
                new[str(path)] = known
                keys[path] = known["key"]
                continue
            key, agency, source = _key_parts(shared, path, registry)
            new[str(path)] = {
                "key": key,
                "record": record,
                "agency": agency,
                "source_path": source,
                "source": self._stat(source),
                "entry": entry(agency),
            }
            keys[path] = key
        self.pending = new if new != old else None  # None: nothing to remember anew
        if save:
            self.save()
        return keys

    def save(self) -> None:
        """Remember the keys computed last."""
        if self.pending is None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(self.pending), encoding="utf-8")
        os.replace(tmp, self.path)
        _KNOWN[str(self.path)] = (file_identity(self.path), self.pending)

    def _read(self) -> dict[str, Any]:
        known = _KNOWN.get(str(self.path))
        identity = file_identity(self.path)
        if known is not None and identity is not None and known[0] == identity:
            return known[1]
        try:
            found: dict[str, Any] = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        _KNOWN[str(self.path)] = (identity, found)
        return found


#: The keys file this process read or wrote last, with the file's identity (inode, time, size): a builder
#: that stays (publisher.build.resident) does not read back what it has just written.
_KNOWN: dict[str, tuple[tuple[int, int, int] | None, dict[str, Any]]] = {}


def file_identity(path: Path) -> tuple[int, int, int] | None:
    """(inode, modification time, size) of a file, or None if it is not there: what a file read is remembered by."""
    try:
        found = os.stat(path)
    except OSError:
        return None
    return (found.st_ino, found.st_mtime_ns, found.st_size)
