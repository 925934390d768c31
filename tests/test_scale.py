"""Scale machinery, on small real data: the synthetic corpus, the parallel and incremental build, the answer cache.

The timings live in benchmarks/ (scripts, not tests); here only what they rely on:
the generator is deterministic and its records build and validate as the pipeline
says; checking a report with a reused context finds exactly what Validator finds;
a changed record rebuilds only its report; a new release empties the answer cache.
"""

from __future__ import annotations

import gc
import hashlib
import io
import os
import re
import shutil
import tempfile
from pathlib import Path

import pytest

from publisher import synthetic
from publisher.build.dumpfiles import DUMPS
from publisher.build.pipeline import build
from publisher.build.progress import Progress
from publisher.build.project import load_project
from publisher.build.splice import Splice
from publisher.build.workerstate import WorkerState
from publisher.errors import BuildError, PublisherError
from publisher.graph.reports import report_graph
from publisher.publication.downloads import read_index
from publisher.rdf.ntriples import sorted_ntriples
from publisher.records.fields import FAST_LOADER, LineLoader
from publisher.records.loading import load_report
from publisher.release.dumps import dump_parts
from publisher.release.paths import DUMP_PARTS, current_release
from publisher.validation.checker import ReportChecker
from publisher.web import create_app
from tests.builds import change_a_figure, published, rebuilt_from_nothing, settings_for
from tests.helpers import SEED_RECORD, make_settings

YEARS = (2010, 2011, 2012)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three agencies × three years; one report in four has a total that does not add up."""
    target = tmp_path_factory.mktemp("synthetic") / "data"
    synthetic.generate(target, 3, years=YEARS, seed=7, blank_rate=0.05, inconsistency_rate=0.25)
    return target


def tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


# ---------------------------------------------------------------------------
# The generator
# ---------------------------------------------------------------------------


def test_the_generator_is_deterministic_and_an_agency_does_not_depend_on_the_corpus_size(
    corpus: Path, tmp_path: Path
) -> None:
    again = tmp_path / "again"
    synthetic.generate(again, 3, years=YEARS, seed=7, blank_rate=0.05, inconsistency_rate=0.25)
    assert tree(again) == tree(corpus)
    bigger = tmp_path / "bigger"
    synthetic.generate(bigger, 5, years=YEARS, seed=7, blank_rate=0.05, inconsistency_rate=0.25)
    first = synthetic.agencies(3, seed=7)[2].id
    for year in YEARS:
        for suffix in ("yaml", "source.txt"):
            name = f"reports/{first}/{year}.{suffix}"
            assert (bigger / name).read_bytes() == (corpus / name).read_bytes()
    other = tmp_path / "other"
    synthetic.generate(other, 3, years=YEARS, seed=8)
    assert tree(other) != tree(corpus)


def test_the_hierarchy_runs_from_the_province_to_townships() -> None:
    agencies = synthetic.agencies(400, seed=7)
    by_id = {a.id: a for a in agencies}
    assert agencies[0].parent is None and agencies[0].kind == "government"
    assert all(a.parent in by_id for a in agencies[1:])
    assert any(a.id.endswith(("-town", "-township")) and a.kind == "government" for a in agencies)
    assert any("-county-" in a.id and a.kind == "department" for a in agencies)
    assert len({a.id for a in agencies}) == len(agencies)


def test_generated_quotes_are_at_their_offsets_and_figures_obey_the_rules_unless_broken(corpus: Path) -> None:
    project = load_project(settings_for(corpus, Path("/nonexistent")))
    keys = {slug: fmt.record_keys for slug, fmt in project.formats.items()}
    broken = 0
    for record in sorted(corpus.glob("reports/*/*.yaml")):
        report = load_report(record, project.registry, keys)  # checks every quote at its offset
        values = {f.key: f.value for f in report.figures}
        total = values[f"proactive-total-{report.year}"]
        parts = [values[f"proactive-{c}-{report.year}"] for c in synthetic.CATEGORIES]
        if None not in parts:
            broken += total != sum(p for p in parts if p is not None)
        cumulative = values["proactive-total-cumulative"]
        assert cumulative is not None and total is not None and cumulative >= sum(p or 0 for p in parts)
    assert broken >= 1  # the inconsistency rate shows


# ---------------------------------------------------------------------------
# Checking with a reused context
# ---------------------------------------------------------------------------


def test_the_report_checker_finds_what_the_validator_finds(corpus: Path) -> None:
    project = load_project(settings_for(corpus, Path("/nonexistent")))
    checker = ReportChecker(project.validator, project.ontology, project.formats, project.agencies, project.iris)
    keys = {slug: fmt.record_keys for slug, fmt in project.formats.items()}
    warned = 0
    for record in sorted(corpus.glob("reports/*/*.yaml")):
        report = load_report(record, project.registry, keys)
        graph = report_graph(report, project.registry, project.formats[report.format], project.iris)
        expected = project.validator.validate(graph, report, str(record))
        found = checker.check(graph, report.format, report, str(record))
        assert found.findings == expected.findings, record
        given = checker.check(graph, report.format, report, str(record), ntriples=sorted_ntriples(graph))
        assert given.findings == expected.findings, record  # as the build calls it
        warned += bool(found.warnings)
    assert warned >= 1
    seed = load_project(make_settings())
    checker = ReportChecker(seed.validator, seed.ontology, seed.formats, seed.agencies, seed.iris)
    report = load_report(SEED_RECORD, seed.registry, {s: f.record_keys for s, f in seed.formats.items()})
    graph = report_graph(report, seed.registry, seed.formats[report.format], seed.iris)
    assert checker.check(graph, report.format, report).findings == seed.validator.validate(graph, report).findings


def test_the_report_checker_finds_what_the_validator_finds_in_national_reports(tmp_path: Path) -> None:
    """Synthetic reports of the national formats (larger than their context: checked as the build's workers check
    them, the context taken into the report's graph), some with totals that do not add up."""
    data = tmp_path / "data"
    synthetic.generate(data, 1, years=(2019, 2020, 2021), seed=7, blank_rate=0.05, inconsistency_rate=0.9)
    project = load_project(settings_for(data, Path("/nonexistent")))
    checker = ReportChecker(project.validator, project.ontology, project.formats, project.agencies, project.iris)
    keys = {slug: fmt.record_keys for slug, fmt in project.formats.items()}
    formats, warned = set(), 0
    for record in sorted(data.glob("reports/*/*.yaml")):
        report = load_report(record, project.registry, keys)
        graph = report_graph(report, project.registry, project.formats[report.format], project.iris)
        expected = project.validator.validate(graph, report, str(record))
        ntriples = sorted_ntriples(graph)
        assert len(graph) > len(checker.context(report.format).triples)  # so `spare` takes the context in
        found = checker.check(graph, report.format, report, str(record), ntriples=ntriples, spare=True)
        assert found.findings == expected.findings, record
        formats.add(report.format)
        warned += bool(found.warnings)
    assert formats >= {"national-2019", "national-2021"} and warned >= 1


def test_only_a_pools_worker_leaves_what_it_loaded_out_of_garbage_collections(corpus: Path, tmp_path: Path) -> None:
    """A pool's worker freezes (gc.freeze) what it has loaded after a batch that loaded something new; the build's
    own process and a resident builder, whose objects do not all live for ever, never do."""
    state = WorkerState(settings_for(corpus, tmp_path / "build"), tmp_path / "cache")
    _ = state.project, state.checker
    frozen = gc.get_freeze_count()
    state.settle()
    assert gc.get_freeze_count() == frozen  # not a pool's worker
    state.settles = True
    try:
        state.settle()
        settled = gc.get_freeze_count()
        assert settled > frozen
        # Nothing new loaded: nothing unfrozen, collected or frozen again. Counted by the full collections made
        # (automatic ones held off meanwhile); the freeze count itself may only fall, when a frozen object of this
        # test process (a server thread's, say) is freed, never rise.
        gc.disable()
        try:
            collections = gc.get_stats()[2]["collections"]
            state.settle()
            assert gc.get_stats()[2]["collections"] == collections
        finally:
            gc.enable()
        assert gc.get_freeze_count() <= settled
        state.checker.context("jilin-city-2011")  # a format's context made: settled again
        state.settle()
        assert gc.get_freeze_count() > settled
    finally:
        gc.unfreeze()


# ---------------------------------------------------------------------------
# The build: parallel, cached, incremental
# ---------------------------------------------------------------------------


def test_the_synthetic_corpus_builds_validates_and_publishes_its_warnings(corpus: Path, tmp_path: Path) -> None:
    stream = io.StringIO()
    summary = build(settings_for(corpus, tmp_path / "build"), Progress(enabled=True, stream=stream), processes=2)
    assert summary.reports == 3 * len(YEARS) and summary.checked == summary.reports and not summary.incremental
    assert all(o.conforms for o in summary.outcomes)
    assert summary.warnings >= 1
    assert re.search(r"checking .*9/9", stream.getvalue())  # the progress bar, when asked for
    manifest = (summary.release / "manifest.json").read_text(encoding="utf-8")
    assert '"warnings": 1' in manifest or '"warnings": 2' in manifest


def test_a_changed_record_rebuilds_only_its_report(corpus: Path, tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(corpus, data)
    settings = settings_for(data, tmp_path / "build")
    first = build(settings)
    again = build(settings)
    assert again.checked == 0 and again.incremental and again.republished == 0
    assert again.release == first.release  # nothing changed: nothing published again
    record = sorted(data.glob("reports/*/2011.yaml"))[1]
    new = change_a_figure(record).removeprefix("组织业务培训").removesuffix("人次")
    changed = build(settings)
    # republished: the changed report, and its agency's 2012 report, whose text reuse is measured against it (the
    # repeated passages name their places in the 2011 source)
    assert changed.checked == 1 and changed.incremental and changed.republished == 2
    release = current_release(tmp_path / "build")
    agency = record.parent.name
    assert f"组织业务培训{new}人次".encode() in (release / "downloads" / f"{agency}-2011.ttl").read_bytes()
    other = sorted(data.glob("reports/*/2012.yaml"))[0].parent.name
    before, after = (r / "downloads" / f"{other}-2012.ttl" for r in (first.release, release))
    if before.exists():  # the first release is pruned after two more builds
        assert os.stat(before).st_ino == os.stat(after).st_ino  # carried over, not rewritten
    # the corpus dumps: the parts of the two rewritten reports' years written, every other year's the same file
    for name in DUMPS.values():
        parts = {p.name: p for p in dump_parts(release, name)}
        old_parts = {p.name: p for p in dump_parts(first.release, name)}
        years = {p.stem for p in data.glob("reports/*/*.yaml")}  # fewer than 64 agencies: one part a year
        assert set(parts) == set(old_parts) == {f"{name}.{y}-00" for y in years} | {f"{name}.0000", f"{name}.9999"}
        rewritten = {n for n in parts if os.stat(parts[n]).st_ino != os.stat(old_parts[n]).st_ino}
        assert rewritten == {f"{name}.2011-00", f"{name}.2012-00"}
        whole = b"".join(parts[n].read_bytes() for n in sorted(parts))
        entry = read_index(release)[name]  # its digest taken up after the parts before 2011, kept by this process
        assert entry.sha256 == hashlib.sha256(whole).hexdigest() and entry.size == len(whole)


def files_of(release: Path) -> dict[str, tuple[int, int, bytes]]:
    return {str(p.relative_to(release)): (p.stat().st_ino, p.stat().st_size, p.read_bytes()) for p in release.rglob("*")
            if p.is_file()}  # fmt: skip


def test_incremental_releases_publish_what_a_build_from_nothing_publishes(corpus: Path, tmp_path: Path) -> None:
    """Changed, removed and added back: each incremental release (store checkpoint, recycled folder, spliced
    dumps and indexes, VoID counts updated) equals a build from nothing, and never touches the release before it."""
    data = tmp_path / "data"
    shutil.copytree(corpus, data)
    settings = settings_for(data, tmp_path / "build")
    fresh = settings_for(data, tmp_path / "fresh")
    build(settings)
    records = sorted(data.glob("reports/*/*.yaml"))
    gone = records[4]
    kept = {p: p.read_bytes() for p in (gone, gone.with_name(gone.name.replace(".yaml", ".source.txt")))}

    def remove() -> None:
        for path in kept:
            path.unlink()

    def restore() -> None:
        for path, content in kept.items():
            path.write_bytes(content)

    steps = [lambda: change_a_figure(records[1]), remove, restore]  # recycling the spare, then each older release
    for step in steps:
        before = current_release(tmp_path / "build")
        published_before = files_of(before)
        step()
        summary = build(settings)
        assert summary.incremental and summary.release != before
        assert files_of(before) == published_before  # the previous release is as it was
        assert published(summary.release) == published(rebuilt_from_nothing(fresh))
    assert (tmp_path / "build" / "releases").is_dir() and len(list((tmp_path / "build" / "releases").iterdir())) == 2


def test_records_moved_with_their_folder_are_republished_under_their_new_names(corpus: Path, tmp_path: Path) -> None:
    """The same records in another folder: every report's record named anew (manifest, validation report), the
    release as a build from nothing of the new folder publishes."""
    shutil.copytree(corpus, tmp_path / "data")
    build(settings_for(tmp_path / "data", tmp_path / "build"))
    (tmp_path / "data").rename(tmp_path / "moved")
    settings = settings_for(tmp_path / "moved", tmp_path / "build")
    summary = build(settings)
    assert summary.incremental
    manifest = (summary.release / "manifest.json").read_text(encoding="utf-8")
    assert str(tmp_path / "moved") in manifest and str(tmp_path / "data") not in manifest
    assert published(summary.release) == published(
        rebuilt_from_nothing(settings_for(tmp_path / "moved", tmp_path / "fresh"))
    )


def test_a_release_missing_a_dump_part_is_followed_by_whole_dumps_and_one_unreadable_fails_cleanly(
    corpus: Path, tmp_path: Path
) -> None:
    """A part of the published release's dumps gone (someone tidied by hand): the next build writes every part
    from the cache, as a build from nothing does. A part that cannot be read: the build fails naming the dump,
    and the published release stays as it was."""
    data = tmp_path / "data"
    shutil.copytree(corpus, data)
    settings = settings_for(data, tmp_path / "build")
    build(settings)
    records = sorted(data.glob("reports/*/2011.yaml"))
    release = current_release(tmp_path / "build")
    dump_parts(release, "corpus.ttl.gz")[1].unlink()  # the first year's part
    change_a_figure(records[0])
    summary = build(settings)
    assert summary.incremental and summary.release != release
    assert published(summary.release) == published(rebuilt_from_nothing(settings_for(data, tmp_path / "fresh")))
    # the published release's part of 2011 in N-Quads cannot be read (a folder where the file was): the next
    # build, which splices that part, fails naming the dump
    before = current_release(tmp_path / "build")
    part = before / DUMP_PARTS / "corpus.nq.gz.2011-00"
    part.unlink()
    part.mkdir()
    published_before = files_of(before)
    change_a_figure(records[0])
    with pytest.raises(BuildError, match=r"corpus\.nq\.gz\.2011-00, could not be read .*release is unchanged"):
        build(settings)
    assert current_release(tmp_path / "build") == before and files_of(before) == published_before


def test_a_failed_incremental_build_leaves_the_published_release_as_it_was(corpus: Path, tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(corpus, data)
    settings = settings_for(data, tmp_path / "build")
    build(settings)
    change_a_figure(sorted(data.glob("reports/*/2011.yaml"))[0])
    build(settings)  # now a spare and an older release exist to recycle
    release = current_release(tmp_path / "build")
    before = files_of(release)
    record = sorted(data.glob("reports/*/2012.yaml"))[0]
    good = record.read_text(encoding="utf-8")
    record.write_text(good.replace("year: 2012", "year: twenty-twelve"), encoding="utf-8")
    with pytest.raises(PublisherError):
        build(settings)
    assert current_release(tmp_path / "build") == release and files_of(release) == before
    record.write_text(good, encoding="utf-8")
    change_a_figure(record)
    summary = build(settings)
    assert published(summary.release) == published(rebuilt_from_nothing(settings_for(data, tmp_path / "fresh")))


def test_a_spliced_file_is_its_blocks_whichever_were_copied() -> None:
    blocks = {f"k{i}": f"block {i} ".encode() * (i % 5 + 1) for i in range(40)}
    folder = Path(tempfile.mkdtemp())
    try:
        first = Splice(folder / "a", None, None, b",\n")
        first.head(b"[")
        for key, data in blocks.items():
            first.add(key, data)
        layout = first.close(b"]")
        assert (folder / "a").read_bytes() == b"[" + b",\n".join(blocks.values()) + b"]"
        order = [k for k in blocks if k not in ("k3", "k20")] + ["k3"]  # two gone, one moved to the end
        changed = {"k0": b"new first", "k11": b"new eleventh", "k39": b"new last", "k40": b"added"}
        second = Splice(folder / "b", folder / "a", layout, b",\n")
        second.head(b"[")
        for key in [*order, "k40"]:
            second.add(key, changed.get(key))
        again = second.close(b"]")
        expected = b"[" + b",\n".join(changed.get(k, blocks.get(k, b"")) for k in [*order, "k40"]) + b"]"
        assert (folder / "b").read_bytes() == expected
        assert again.size == len(expected)
        for key, (offset, length) in again.blocks.items():
            assert expected[offset : offset + length] == changed.get(key, blocks.get(key))
    finally:
        shutil.rmtree(folder)


def test_the_c_yaml_loader_reads_records_as_pyyaml_does(corpus: Path) -> None:
    assert FAST_LOADER is not None, "PyYAML without libyaml: records are read by the slower parser"

    def lines(value: object) -> object:
        if isinstance(value, dict):
            return (
                getattr(value, "line", None),
                getattr(value, "lines", None),
                {k: lines(v) for k, v in value.items()},
            )
        if isinstance(value, list):
            return [lines(v) for v in value]
        return value

    paths = [*sorted(corpus.glob("reports/*/*.yaml")), SEED_RECORD, corpus / "agencies.yaml"]
    paths += sorted(Path(__file__).parent.glob("fixtures/national/**/*.yaml"))
    for path in paths:
        text = path.read_text(encoding="utf-8")
        fast, slow = FAST_LOADER(text), LineLoader(text)
        try:
            assert lines(fast.get_single_data()) == lines(slow.get_single_data()), path
        finally:
            fast.dispose()
            slow.dispose()


# ---------------------------------------------------------------------------
# The answer cache
# ---------------------------------------------------------------------------


def test_answers_are_cached_until_a_new_release(corpus: Path, tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(corpus, data)
    settings = settings_for(data, tmp_path / "build")
    build(settings)
    app = create_app(settings)
    try:
        client = app.test_client()
        cache = app.extensions["response_cache"]
        agency = sorted((data / "reports").iterdir())[0].name
        path = f"/id/report/{agency}/2011"
        first = client.get(path, headers={"Accept": "text/turtle"})
        assert first.status_code == 200 and (cache.hits, cache.misses) == (0, 1)
        second = client.get(path, headers={"Accept": "text/turtle"})
        assert second.data == first.data and cache.hits == 1
        assert (
            client.get(path, headers={"Accept": "text/turtle", "If-None-Match": first.headers["ETag"]}).status_code
            == 304
        )
        assert client.get(path, headers={"Accept": "application/ld+json"}).status_code == 200 and cache.misses == 2
        record = data / "reports" / agency / "2011.yaml"
        record.write_text(record.read_text(encoding="utf-8").replace("language: zh", "language: zh-Hans"), "utf-8")
        build(settings)
        third = client.get(path, headers={"Accept": "text/turtle"})
        assert third.status_code == 200 and b"zh-Hans" in third.data and cache.misses == 3
    finally:
        app.extensions["query_service"].close()


def test_answers_are_shared_on_disk_by_the_server_processes(corpus: Path, tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(corpus, data)
    settings = settings_for(data, tmp_path / "build")
    build(settings)
    apps = [create_app(settings), create_app(settings)]  # two server processes' apps on one release
    try:
        one, two = (app.test_client() for app in apps)
        caches = [app.extensions["response_cache"] for app in apps]
        agency = sorted((data / "reports").iterdir())[0].name
        page = one.get(f"/id/report/{agency}/2011", headers={"Accept": "text/html"})
        assert page.status_code == 200 and caches[0].misses == 1
        again = two.get(f"/id/report/{agency}/2011", headers={"Accept": "text/html"})
        assert again.data == page.data and (caches[1].hits, caches[1].misses) == (1, 0)
        assert again.headers["ETag"] == page.headers["ETag"]
        assert again.headers["Access-Control-Allow-Origin"] == "*"
        head = two.head(f"/id/report/{agency}/2011", headers={"Accept": "text/html"})
        assert head.status_code == 200 and head.data == b"" and caches[1].hits == 2
        query = "/sparql?query=" + "ASK%20%7B%20%3Fs%20%3Fp%20%3Fo%20%7D"
        assert one.get(query, headers={"Accept": "application/sparql-results+json"}).status_code == 200
        two.get(query, headers={"Accept": "application/sparql-results+json"})
        assert caches[1].misses == 1  # SPARQL answers stay in memory: their URLs are anyone's to invent
    finally:
        for app in apps:
            app.extensions["query_service"].close()
