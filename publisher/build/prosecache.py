"""The prose of each checked report, kept in the cache beside it for the text-reuse measure (a small JSON file).

Written by the worker that checks the record (publisher.build.checked), when the report is in
memory, so that measuring a report against its previous one (publisher.build.textreuse) reads
two small files rather than unpickling two checked reports.
"""

from __future__ import annotations

import os
from pathlib import Path

from publisher.records.model import Report
from publisher.release.paths import CACHE_PROSE
from publisher.validation.textreuse import Prose


def prose_file(cache: Path, key: str) -> Path:
    return cache / CACHE_PROSE / key[:2] / f"{key}.json"


def write_prose(cache: Path, key: str, report: Report) -> None:
    """Keep the prose of a checked report (written whole or not at all)."""
    path = prose_file(cache, key)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_bytes(Prose.of(report).to_json())
    os.replace(tmp, path)


def read_prose(cache: Path, key: str) -> Prose | None:
    """The kept prose of a report, or None (not there, or unreadable)."""
    try:
        return Prose.from_json(prose_file(cache, key).read_bytes())
    except (OSError, ValueError, KeyError, TypeError):
        return None
