"""The release's corpus index: the build's rows equal the named queries `coverage` and `text-reuse-shares`.

The finding pages read every agency and report from the corpus index the build writes
(publisher.publication.releaseindex, from the registry and what the build keeps of each
report); the named query `coverage` is what it stands for (publisher.web.corpusindex
runs it over the store for a release without one), and `text-reuse-shares` what its
text-reuse measurements stand for (publisher.web.workbench). Here both are read of the
same release and must be equal, row for row, in the queries' order:

- a synthetic corpus of every era the generator writes, with warnings (broken totals,
  the rules across years) and text reuse, and an agency of the registry with no report;
- the real documents the tests import and the seed.

And a rebuild that changes one report changes its row of the index, keeping every other
row as it was; and the warnings counted are the annotations the release publishes (one
per figure and value, however many rules fail on it).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import yaml
from pyoxigraph import Store
from rdflib import URIRef

from publisher.build.pipeline import build
from publisher.build.summary import BuildSummary
from publisher.publication.releaseindex import annotation_count, coverage_rows, reuse_rows
from publisher.rdf.iris import Iris
from publisher.rdf.namespaces import DQV
from publisher.release.paths import CORPUS_INDEX, STORE
from publisher.settings import Settings
from publisher.sparql import namedqueries
from publisher.validation.findings import Finding, quality_annotations
from publisher.web.corpusindex import COVERAGE_QUERY, make_index
from tests.builds import built, built_synthetic, read_reports, record_restored
from tests.fixtures import examples
from tests.helpers import BASE

SEED_AGENCY = examples.SEED_AGENCY
YEARS = tuple(range(2008, 2026))  # the Jilin City templates, the national formats of 2019 and 2021
LONELY = "lonely-test-agency"  # a registry entry with no report
PROACTIVE = re.compile(r"主动公开政府信息共(\d+)条")


def break_proactive_total(record: Path) -> None:
    """A Jilin City template record's total of proactively disclosed items changed in its record and source (same
    digits: offsets hold), so that it is no longer the sum of its parts."""
    source = record.with_name(record.name.replace(".yaml", ".source.txt"))
    old = PROACTIVE.search(source.read_text(encoding="utf-8"))
    assert old is not None
    value = int(old.group(1))
    new = value + 1 if len(str(value + 1)) == len(str(value)) else value - 1
    wanted = f"主动公开政府信息共{new}条"
    for path in (source, record):
        text = path.read_text(encoding="utf-8")
        assert old.group(0) in text
        path.write_text(text.replace(old.group(0), wanted), encoding="utf-8")
    text = record.read_text(encoding="utf-8")
    at = text.index(wanted)
    head = re.sub(rf"value: {value}\n(?=[^\n]*\n?$)", f"value: {new}\n", text[:at])  # the figure's value, above
    assert head != text[:at]
    record.write_text(head + text[at:], encoding="utf-8")


def by_query(release: Path, query: str = COVERAGE_QUERY) -> list[dict[str, str]]:
    """The rows of a named query over the release's store."""
    store = Store.read_only(str(release / STORE))
    try:
        return namedqueries.get(query).rows(store, BASE, {})
    finally:
        del store


def from_file(
    release: Path, read: Callable[[Path, str], list[dict[str, str]] | None] = coverage_rows
) -> list[dict[str, str]]:
    """The same rows as the release's corpus index holds them."""
    rows = read(release / CORPUS_INDEX, BASE)
    assert rows is not None
    return rows


def reuse_by_query(release: Path) -> list[dict[str, str]]:
    return by_query(release, "text-reuse-shares")


def reuse_from_file(release: Path) -> list[dict[str, str]]:
    return from_file(release, reuse_rows)


def add_lonely_agency(data: Path) -> None:
    """An agency of the registry's first division with no report of its own."""
    path = data / "agencies.yaml"
    registry = yaml.safe_load(path.read_text(encoding="utf-8"))
    division = sorted(registry["divisions"])[0]
    registry["agencies"][LONELY] = {
        "name": {"zh": "无报告测试机关", "en": "Agency without reports"}, "division": division, "kind": "department",
    }  # fmt: skip
    path.write_text(yaml.safe_dump(registry, allow_unicode=True), encoding="utf-8")


@pytest.fixture(scope="module")
def synthetic_corpus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Settings, BuildSummary]]:
    yield built_synthetic(tmp_path_factory.mktemp("corpus-index-synthetic"), 23, YEARS, add_lonely_agency)


def test_the_index_rows_are_the_named_query_on_every_synthetic_era(
    synthetic_corpus: tuple[Path, Settings, BuildSummary],
) -> None:
    _data, settings, summary = synthetic_corpus
    reports = list(read_reports(settings).values())
    assert len({r.format for r in reports}) >= 3  # every era
    rows = from_file(summary.release)
    assert rows == by_query(summary.release)
    # not an empty agreement: a row per report, the agency without one once, annotations counted, reuse measured
    assert sum("report" in row for row in rows) == len(reports)
    [lonely] = [row for row in rows if row["agency"] == f"{BASE}/id/agency/{LONELY}"]
    assert "report" not in lonely and lonely["level"] == "department" and lonely["warnings"] == "0"
    assert summary.warnings > 0 and any(int(row["warnings"]) > 0 for row in rows)
    measured = reuse_by_query(summary.release)
    assert measured and reuse_from_file(summary.release) == measured  # the corpus has text reuse
    assert any(int(row["passages"]) > 0 for row in measured) and len({row["share"] for row in measured}) > 1
    store = Store.read_only(str(summary.release / STORE))
    try:
        assert make_index(store, BASE, rows) == make_index(store, BASE)  # what the pages read: the same index
    finally:
        del store


def test_the_index_rows_are_the_named_query_on_the_real_documents(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    data = examples.write_real_documents_and_seed(tmp_path / "data")
    _settings, summary = built(data, tmp_path / "build")
    rows = from_file(summary.release)
    assert rows == by_query(summary.release)
    assert reuse_from_file(summary.release) == reuse_by_query(summary.release)
    assert sum("report" in row for row in rows) == len(summary.outcomes)
    assert len({row["level"] for row in rows}) > 1


def test_a_rebuild_changes_the_changed_reports_rows_and_keeps_the_others(
    synthetic_corpus: tuple[Path, Settings, BuildSummary],
) -> None:
    _data, settings, first = synthetic_corpus
    before = json.loads((first.release / CORPUS_INDEX).read_text(encoding="utf-8"))
    warned = {row[0]: row[4] for row in before["reports"]}
    record = next(
        path for path, report in read_reports(settings).items()
        if report.format == "jilin-city-2011" and warned[f"{BASE}/id/report/{report.agency}/{report.year}"] == 0
        and PROACTIVE.search(path.with_name(path.name.replace(".yaml", ".source.txt")).read_text(encoding="utf-8"))
    )  # fmt: skip
    with record_restored(record):
        break_proactive_total(record)
        changed = read_reports(settings)[record]
        summary = build(settings)
        assert summary.incremental and summary.checked == 1
        after = json.loads((summary.release / CORPUS_INDEX).read_text(encoding="utf-8"))
        assert from_file(summary.release) == by_query(summary.release)
        assert reuse_from_file(summary.release) == reuse_by_query(summary.release)
    iri = f"{BASE}/id/report/{changed.agency}/{changed.year}"
    rows_before = {row[0]: row for row in before["reports"]}
    rows_after = {row[0]: row for row in after["reports"]}
    assert rows_before.keys() == rows_after.keys()
    assert [i for i in rows_before if rows_before[i] != rows_after[i]] == [iri]
    assert rows_after[iri][4] > 0  # the total no longer adds up: a quality annotation
    assert {k: v for k, v in before.items() if k != "reports"} == {k: v for k, v in after.items() if k != "reports"}


def test_the_warnings_counted_are_the_annotations_published() -> None:
    """Two rules failing on the same figure and value are one annotation of the published graph; an error none."""
    report = f"{BASE}/id/report/{SEED_AGENCY}/2011"
    figure = f"{report}/proactive-total"

    def finding(severity: str, rule: str, value: str | None) -> Finding:
        return Finding(severity, rule, figure, value, None, "合计数不符。", "The total does not add up.", rule=rule)

    findings = [
        finding("warning", "categories-sum-to-total", "127"),
        finding("warning", "channels-sum-to-total", "127"),
        finding("warning", "channels-sum-to-total", "128"),
        finding("error", "value-is-a-count", "x"),
    ]
    graph = quality_annotations(URIRef(report), findings, Iris(BASE))
    published = set(graph.objects(URIRef(report), DQV.hasQualityAnnotation))
    assert len(published) == 2
    assert annotation_count(findings) == len(published)
