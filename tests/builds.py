"""Helpers for tests that build and rebuild a corpus: settings, one figure changed, what a release publishes.

Used by the scale and resident-builder tests, which compare an incremental build with one from nothing.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import re
import shutil
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from pyoxigraph import Store

from publisher import synthetic
from publisher.build.dumpfiles import DUMPS
from publisher.build.pipeline import build
from publisher.build.project import load_project
from publisher.build.summary import BuildSummary
from publisher.rdf.nquads import canonical_nquads
from publisher.records.loading import find_records, load_report
from publisher.records.model import Report
from publisher.release.dumps import open_dump
from publisher.release.paths import DUMP_PARTS, MANIFEST, STATE
from publisher.settings import Settings, load_settings
from tests.helpers import BASE


def settings_for(data: Path, build_dir: Path) -> Settings:
    return load_settings({"base_iri": BASE, "data_dir": data, "build_dir": build_dir}, environ={})


def built_synthetic(
    folder: Path, seed: int, years: Sequence[int], add: Callable[[Path], None] | None = None
) -> tuple[Path, Settings, BuildSummary]:
    """A synthetic corpus of 4 agencies over `years` (blank cells, broken totals) in `folder`/data, `add` then
    given the data folder to add to it, built from nothing into `folder`/build."""
    data = folder / "data"
    synthetic.generate(data, 4, years=years, seed=seed, blank_rate=0.1, inconsistency_rate=0.3)
    if add is not None:
        add(data)
    settings, summary = built(data, folder / "build")
    return data, settings, summary


def built(data: Path, build_dir: Path) -> tuple[Settings, BuildSummary]:
    """A data folder built from nothing into `build_dir`: its settings and the build's summary."""
    settings = settings_for(data, build_dir)
    return settings, build(settings)


def read_reports(settings: Settings) -> dict[Path, Report]:
    """Every record of the settings' data folder, read as the build reads it."""
    project = load_project(settings)
    keys = {slug: fmt.record_keys for slug, fmt in project.formats.items()}
    return {path: load_report(path, project.registry, keys) for path in find_records(Path(settings.data_dir))}


def change_a_figure(record: Path) -> str:
    """One figure of a synthetic record changed, with its sentence in the source (same digits: offsets hold)."""
    source = record.with_name(record.name.replace(".yaml", ".source.txt"))
    old = re.search(r"组织业务培训(\d+)人次", source.read_text(encoding="utf-8"))
    assert old is not None
    value = old.group(1)
    new = str(int(value) + 1) if len(str(int(value) + 1)) == len(value) else str(int(value) - 1)
    source.write_text(source.read_text(encoding="utf-8").replace(old.group(0), f"组织业务培训{new}人次"), "utf-8")
    text = record.read_text(encoding="utf-8").replace(f"组织业务培训{value}人次", f"组织业务培训{new}人次")
    record.write_text(text.replace(f"value: {value}\n    unit: person", f"value: {new}\n    unit: person"), "utf-8")
    return f"组织业务培训{new}人次"


@contextlib.contextmanager
def record_restored(record: Path) -> Iterator[Path]:
    """A synthetic record and its source text (given), put back as they were after the block (a corpus that other
    tests of the module share)."""
    source = record.with_name(record.name.replace(".yaml", ".source.txt"))
    kept = record.read_bytes(), source.read_bytes()
    try:
        yield source
    finally:
        record.write_bytes(kept[0])
        source.write_bytes(kept[1])


TIMESTAMP = re.compile(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:Z|[+-]\d\d:\d\d)")


def published(release: Path) -> dict[str, object]:
    """What a release publishes, comparable between builds: every file's bytes with the build's dates masked,
    the corpus dumps as served (their parts one after the other) uncompressed, the store's quads canonical,
    the indexes as data without dates."""
    found: dict[str, object] = {}
    for name in DUMPS.values():
        handle, _size = open_dump(release, name)
        with handle:
            found[f"download/{name}"] = TIMESTAMP.sub(b"<date>", gzip.decompress(handle.read()))
    for path in sorted(release.rglob("*")):
        name = str(path.relative_to(release))
        if not path.is_file() or name.startswith(("store/", f"{DUMP_PARTS}/")) or name == STATE:
            continue
        data = path.read_bytes()
        if name.endswith(".gz"):
            data = gzip.decompress(data)
        if name in ("downloads/index.json", "catalog/index.json"):
            entries = json.loads(data)
            found[name] = [{k: v for k, v in e.items() if k not in ("issued", "modified")} for e in entries]
            continue
        if name == MANIFEST:
            found[name] = json.loads(data)["reports"]
            continue
        found[name] = TIMESTAMP.sub(b"<date>", data)
    found["quads"] = canonical_nquads(Store.read_only(str(release / "store")))
    return found


def rebuilt_from_nothing(settings: Settings) -> Path:
    """The same data built into a fresh release (sharing only the checked records' cache)."""
    build_dir = Path(settings.build_dir)
    for name in ("current", "releases", "spare", "responses"):
        path = build_dir / name
        if path.is_symlink():
            path.unlink()
        elif path.exists():
            shutil.rmtree(path)
    summary = build(settings)
    assert not summary.incremental
    return summary.release
