"""The resident builder (`publisher watch`): real files, real file events (watchdog), real builds and store.

A change to a record is republished by the builder that stays loaded, and what it
publishes is what a build from nothing publishes; a broken record is reported with
its file and the published release stays; the registry changing makes it load the
project again.
"""

from __future__ import annotations

import gc
import hashlib
import queue
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from publisher import synthetic
from publisher.build import indexfile, reportfindings
from publisher.build import state as buildstate
from publisher.build.cachekeys import file_identity
from publisher.build.dumpfiles import DUMPS, forget_digests, kept_digests
from publisher.build.reportfiles import STORED_LITERALS
from publisher.build.resident import ResidentBuilder, Round
from publisher.build.state import read_state
from publisher.build.summary import Clock
from publisher.cli import main
from publisher.errors import SourceError
from publisher.publication import reportfigures
from publisher.publication.downloads import read_index
from publisher.release.dumps import dump_parts
from publisher.release.paths import RELEASES, STATE, current_release
from publisher.store.readstore import open_store
from tests.builds import change_a_figure, published, rebuilt_from_nothing, settings_for
from tests.helpers import BASE

YEARS = (2014, 2015, 2016)
#: Long enough for a build of the small corpus on a loaded machine; a round normally ends in about a second.
WAIT = 120.0


@dataclass
class Watching:
    data: Path
    build_dir: Path
    builder: ResidentBuilder
    rounds: queue.Queue[Round]

    def round_of(self, path: Path) -> Round:
        """The round that the change of `path` set off (rounds set off by other events are passed over)."""
        while True:
            done = self.rounds.get(timeout=WAIT)
            if str(path) in done.changes:
                return done


@pytest.fixture(scope="module")
def watching(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Watching]:
    """Three agencies × three years, built by a resident builder running in a thread until the module ends
    (each test leaves the data valid for the next)."""
    root = tmp_path_factory.mktemp("watch")
    data = root / "data"
    synthetic.generate(data, 3, years=YEARS, seed=11, blank_rate=0.0, inconsistency_rate=0.0)
    builder = ResidentBuilder(settings_for(data, root / "build"), settle=0.05)
    rounds: queue.Queue[Round] = queue.Queue()
    stop = threading.Event()
    thread = threading.Thread(target=builder.run, args=(stop, rounds.put), daemon=True)
    thread.start()
    watching = Watching(data, root / "build", builder, rounds)
    first = rounds.get(timeout=WAIT)
    assert first.error is None and first.result is not None and not first.changes
    yield watching
    stop.set()
    thread.join(timeout=WAIT)
    assert not thread.is_alive()


def training_figure(record: Path) -> str:
    """The training figure the record's source document states (组织业务培训N人次)."""
    source = record.with_name(record.name.replace(".yaml", ".source.txt")).read_text(encoding="utf-8")
    found = re.search(r"组织业务培训(\d+)人次", source)
    assert found is not None
    return found.group(1)


def stated_values(build_dir: Path, record: Path) -> set[str]:
    """The values of the report's observations and facts as the published store holds them."""
    graph = f"{BASE}/id/report/{record.parent.name}/{record.stem}"
    rows = open_store(build_dir).query(f"SELECT ?v WHERE {{ GRAPH <{graph}> {{ ?s ?p ?v }} FILTER(isLiteral(?v)) }}")
    return {row[0].value for row in rows}  # type: ignore[union-attr]


def test_a_changed_record_is_republished_and_equals_a_build_from_nothing(watching: Watching, tmp_path: Path) -> None:
    before = current_release(watching.build_dir)
    record = sorted(watching.data.glob("reports/*/2015.yaml"))[1]
    old = training_figure(record)
    change_a_figure(record)
    new = training_figure(record)
    assert new != old
    done = watching.round_of(record)
    assert done.error is None and done.result is not None and done.result.summary is not None
    assert str(record) in done.changes
    assert done.result.summary.checked == 1 and done.result.summary.incremental
    assert current_release(watching.build_dir) != before
    values = stated_values(watching.build_dir, record)
    assert f"组织业务培训{new}人次" in values and f"组织业务培训{old}人次" not in values
    fresh = settings_for(watching.data, tmp_path / "fresh")
    assert published(current_release(watching.build_dir)) == published(rebuilt_from_nothing(fresh))
    assert "1 checked" in done.text and "published" in done.text and "发布" in done.text


def test_a_broken_record_is_reported_and_the_published_release_stays(watching: Watching) -> None:
    before = current_release(watching.build_dir)
    record = sorted(watching.data.glob("reports/*/2014.yaml"))[0]
    good = record.read_text(encoding="utf-8")
    record.write_text(good.replace("year: 2014", "year: twenty-fourteen"), encoding="utf-8")
    done = watching.round_of(record)
    assert isinstance(done.error, SourceError) and str(record) in str(done.error)
    assert "year" in str(done.error)
    assert current_release(watching.build_dir) == before
    assert "unchanged" in done.text and "保持不变" in done.text
    record.write_text(good, encoding="utf-8")
    again = watching.round_of(record)
    assert again.error is None
    assert current_release(watching.build_dir) == before  # back as it was: nothing to publish


def test_a_registry_change_reloads_the_project(watching: Watching) -> None:
    registry = watching.data / "agencies.yaml"
    text = registry.read_text(encoding="utf-8")
    head, agencies = text.split("\nagencies:\n", 1)
    name = re.search(r'name: \{zh: "([^"]+)"', agencies)
    assert name is not None
    renamed = name.group(1) + "（更名）"
    agencies = agencies.replace(name.group(0), f'name: {{zh: "{renamed}"', 1)
    registry.write_text(f"{head}\nagencies:\n{agencies}", encoding="utf-8")
    done = watching.round_of(registry)
    assert done.error is None and done.result is not None
    assert bool(open_store(watching.build_dir).query(f"ASK {{ GRAPH ?g {{ ?s ?p '{renamed}'@zh }} }}"))


def test_once_warm_the_builder_knows_the_digest_states_of_the_published_dumps(watching: Watching) -> None:
    """A builder started on a release it did not write (states forgotten as in such a process) learns them while it
    warms up, so its first change hashes each dump from the changed part on."""
    forget_digests()
    watching.builder._warm()
    release = current_release(watching.build_dir)
    index = read_index(release)
    for name in DUMPS.values():
        parts = dump_parts(release, name)
        kept = kept_digests(name)
        assert [identity for identity, _digest in kept] == [file_identity(part) for part in parts]
        so_far = hashlib.sha256()
        for part, (_identity, digest) in zip(parts, kept, strict=True):
            so_far.update(part.read_bytes())
            assert digest == so_far.hexdigest()
        assert kept[-1][1] == index[name].sha256


def test_once_warm_the_builder_holds_every_reports_rows_as_the_next_build_reuses_them(watching: Watching) -> None:
    """The release-wide files' rows (corpus index, figure table) and the outcomes, made while warming up of the
    very state objects the next build starts from: its first change makes only the changed report's again."""
    indexfile._ROWS.clear()
    reportfigures._LINES.clear()
    reportfindings._OUTCOMES.clear()
    watching.builder._warm()
    state = read_state(current_release(watching.build_dir))
    assert state is not None and len(state.reports) > 1
    assert {iri: row[0] for iri, row in indexfile._ROWS.items()} == state.reports
    assert all(indexfile._ROWS[iri][0] is report for iri, report in state.reports.items())
    assert all(
        reportfigures._LINES[iri][0] is r.figures for iri, r in state.reports.items() if iri in reportfigures._LINES
    )
    assert set(reportfindings._OUTCOMES) == set(state.reports)


def test_once_warm_the_builder_has_written_a_reports_files_once_and_nothing_of_the_builds(watching: Watching) -> None:
    """Its largest report's files written into a scratch folder while warming up: what the first report a process
    writes costs once (here: the typed literals it learns as the store keeps them) is not the first change's,
    and the build folder (cache, releases) is left as it was."""

    def files() -> dict[str, tuple[int, int]]:
        found = sorted(p for p in watching.build_dir.rglob("*") if p.is_file())
        return {str(p): (p.stat().st_mtime_ns, p.stat().st_size) for p in found}

    before = files()
    STORED_LITERALS.known.clear()
    watching.builder._warm()
    assert STORED_LITERALS.known  # its typed literals (counts, dates, offsets) as the store gives them back
    assert files() == before


def test_once_warm_the_builder_has_read_the_state_of_each_release_the_next_build_may_recycle(
    watching: Watching,
) -> None:
    record = sorted(watching.data.glob("reports/*/2016.yaml"))[1]
    change_a_figure(record)  # a release after the one published: whether or not the tests before it made one
    assert watching.round_of(record).error is None
    buildstate._KNOWN.clear()
    watching.builder._warm()
    releases = sorted(p for p in (watching.build_dir / RELEASES).iterdir() if (p / STATE).is_file())
    assert len(releases) == 2  # the published one and the one before: the next build recycles the latter
    assert {str(p / STATE) for p in releases} <= set(buildstate._KNOWN)


def test_a_resident_build_runs_with_the_garbage_collector_paused_throughout(
    watching: Watching, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The builder pauses the collector for a whole build (a collection midway walks the millions of objects it
    holds: 0.2 s each at 10,000 reports) and collects after it; reading a release's state in the build (not
    remembered yet: a builder just started) no longer enables it again midway."""
    seen: list[tuple[str, bool]] = []
    lap = Clock.lap

    def observed(clock: Clock, name: str) -> None:
        seen.append((name, gc.isenabled()))
        lap(clock, name)

    monkeypatch.setattr(Clock, "lap", observed)
    buildstate._KNOWN.clear()  # as in a builder just started: the published release's state read from its file
    record = sorted(watching.data.glob("reports/*/2016.yaml"))[2]
    change_a_figure(record)
    done = watching.round_of(record)
    assert done.error is None and done.result is not None
    assert [name for name, _enabled in seen][-2:] == ["publish", "tidy"]
    assert [name for name, enabled in seen if enabled] == []
    assert gc.isenabled()  # once the build is done


def test_the_watch_command_names_what_it_watches() -> None:
    result = CliRunner().invoke(main, ["watch", "--help"])
    assert result.exit_code == 0 and "--settle" in result.output and "record" in result.output
