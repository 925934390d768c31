"""Scale machinery, on small real data: the synthetic corpus, the parallel and incremental build, the answer cache.

The timings live in benchmarks/ (scripts, not tests); here only what they rely on:
the generator is deterministic and its records build and validate as the pipeline
says; checking a report with a reused context finds exactly what Validator finds;
a changed record rebuilds only its report; a new release empties the answer cache.
"""

from __future__ import annotations

import io
import os
import re
import shutil
from pathlib import Path

import pytest

from publisher import synthetic
from publisher.build import load_project
from publisher.checking import ReportChecker
from publisher.graph import report_graph
from publisher.pipeline import build
from publisher.progress import Progress
from publisher.records import load_report
from publisher.settings import Settings, load_settings
from publisher.store import current_release
from publisher.web import create_app
from tests.conftest import BASE, SEED_RECORD, make_settings

YEARS = (2010, 2011, 2012)


def settings_for(data: Path, build_dir: Path) -> Settings:
    return load_settings({"base_iri": BASE, "data_dir": data, "build_dir": build_dir}, environ={})


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
        warned += bool(found.warnings)
    assert warned >= 1
    seed = load_project(make_settings())
    checker = ReportChecker(seed.validator, seed.ontology, seed.formats, seed.agencies, seed.iris)
    report = load_report(SEED_RECORD, seed.registry, {s: f.record_keys for s, f in seed.formats.items()})
    graph = report_graph(report, seed.registry, seed.formats[report.format], seed.iris)
    assert checker.check(graph, report.format, report).findings == seed.validator.validate(graph, report).findings


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
    record = sorted(data.glob("reports/*/2011.yaml"))[1]
    source = record.with_name("2011.source.txt")
    old = re.search(r"组织业务培训(\d+)人次", source.read_text(encoding="utf-8"))
    assert old is not None
    value = old.group(1)
    new = str(int(value) + 1) if len(str(int(value) + 1)) == len(value) else str(int(value) - 1)
    source.write_text(source.read_text(encoding="utf-8").replace(old.group(0), f"组织业务培训{new}人次"), "utf-8")
    text = record.read_text(encoding="utf-8").replace(f"组织业务培训{value}人次", f"组织业务培训{new}人次")
    record.write_text(text.replace(f"value: {value}\n    unit: person", f"value: {new}\n    unit: person"), "utf-8")
    changed = build(settings)
    assert changed.checked == 1 and changed.incremental and changed.republished == 1
    release = current_release(tmp_path / "build")
    agency = record.parent.name
    assert f"组织业务培训{new}人次".encode() in (release / "downloads" / f"{agency}-2011.ttl").read_bytes()
    other = sorted(data.glob("reports/*/2012.yaml"))[0].parent.name
    before, after = (r / "downloads" / f"{other}-2012.ttl" for r in (first.release, release))
    if before.exists():  # the first release is pruned after two more builds
        assert os.stat(before).st_ino == os.stat(after).st_ino  # carried over, not rewritten


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
