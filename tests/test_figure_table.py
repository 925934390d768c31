"""The release's figure table: the build's rows of each report equal the named queries' over the store.

The comparison pages read every report's figures from the figure table the build
writes (publisher.publication.reportfigures, worked out from each report's triples as
it is checked); the named queries `figure-by-report` and `outcomes-by-report` are what
it stands for (publisher.web.figuretable.make_table asks them of the store). Here both
are read of the same release and must be equal:

- a synthetic corpus of every era the generator writes (the Jilin City template, the
  national formats of 2019 and 2021), with blank cells and broken totals;
- the real documents the tests import (Pingtan's pre-2019 pages and national tables,
  洪泽 2023, 淮安 2024, with group rows and rows printed off the format) and the seed.

And a rebuild that changes one report's figure changes its row of the table, keeping
every other row as it was.
"""

from __future__ import annotations

import json
import pickle
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from pyoxigraph import Store

from publisher.build.pipeline import build
from publisher.build.summary import BuildSummary
from publisher.publication.comparedfigures import FIGURE_PAIRS, FIGURES
from publisher.publication.reportfigures import FigureTable, read_table
from publisher.release.paths import CACHE, CACHE_REPORTS, FIGURE_TABLE, STORE
from publisher.settings import Settings
from publisher.web.figuretable import make_table
from tests.builds import built, built_synthetic, read_reports, rebuilt_from_nothing, record_restored
from tests.fixtures import examples
from tests.fixtures.real_reports import HONGZE_2023, HUAIAN_2024
from tests.helpers import BASE

SEED_AGENCY = examples.SEED_AGENCY
YEARS = (2017, 2018, 2019, 2020, 2021, 2022)  # the Jilin City template, national 2019, national 2021
REFUSED = ("national-2021/request/not-disclosed", "annual")
REQUESTS = ("national-2021/request/new-requests", "annual")


def by_queries(release: Path) -> FigureTable:
    store = Store.read_only(str(release / STORE))
    try:
        return make_table(store, BASE, FIGURE_PAIRS)
    finally:
        del store


def from_file(release: Path) -> FigureTable:
    table = read_table(release / FIGURE_TABLE, BASE, FIGURE_PAIRS)
    assert table is not None
    return table


def as_data(table: FigureTable) -> tuple[dict[tuple[str, str], dict[str, tuple[int, int]]], dict[str, dict[str, int]]]:
    figures = {pair: {iri: (s.value, s.cells) for iri, s in table.figure(*pair).items()} for pair in FIGURE_PAIRS}
    return figures, {iri: dict(found) for iri, found in table.outcomes.items()}


@pytest.fixture(scope="module")
def synthetic_corpus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Settings, BuildSummary]]:
    yield built_synthetic(tmp_path_factory.mktemp("figure-table-synthetic"), 16, YEARS)


def test_the_tables_rows_are_the_named_queries_on_every_synthetic_era(
    synthetic_corpus: tuple[Path, Settings, BuildSummary],
) -> None:
    _data, settings, summary = synthetic_corpus
    reports = list(read_reports(settings).values())
    assert {r.format for r in reports} == {"jilin-city-2011", "national-2019", "national-2021"}
    assert any(f.value is None for r in reports for f in r.figures)  # blank cells
    assert summary.warnings > 0  # broken totals (the generator's inconsistencies)
    table = from_file(summary.release)
    assert as_data(table) == as_data(by_queries(summary.release))
    # not an empty agreement: every report's requests, and the national reports' refused (a group row: its rows)
    assert len(table.figure(*REQUESTS)) == len(reports)
    refused = table.figure(*REFUSED)
    assert refused and all(s.cells > 1 for s in refused.values())
    assert len(table.outcomes) == sum(r.format.startswith("national") for r in reports)


def test_the_tables_rows_are_the_named_queries_on_the_real_documents(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    data = examples.write_real_documents_and_seed(tmp_path / "data")
    settings, summary = built(data, tmp_path / "build")
    table = from_file(summary.release)
    assert as_data(table) == as_data(by_queries(summary.release))
    # typed from the documents (tests/test_comparison.py): 洪泽 2023 refused 1 + 1 + 1, 淮安 2024 178; the seed's 0
    refused = table.figure(*REFUSED)
    hongze = f"{BASE}/id/report/{HONGZE_2023.agency}/2023"
    huaian = f"{BASE}/id/report/{HUAIAN_2024.agency}/2024"
    assert (refused[hongze].value, refused[huaian].value) == (3, 178)
    assert table.figure(*REQUESTS)[f"{BASE}/id/report/{SEED_AGENCY}/2011"].value == 0
    assert table.outcomes[huaian]["request/disclosed"] == 1362
    assert "request/other-handling" not in table.outcomes[hongze]  # printed off the format: no figure

    # A cache of checked reports made before their rows were kept: the build works them out from the cached graphs.
    written = (summary.release / FIGURE_TABLE).read_bytes()
    stripped = 0
    for path in (tmp_path / "build" / CACHE).glob(f"*/{CACHE_REPORTS}/*/*.pickle"):
        checked = pickle.loads(path.read_bytes())
        assert checked.figures is not None
        checked.figures = None
        path.write_bytes(pickle.dumps(checked))
        stripped += 1
    assert stripped == len(summary.outcomes)
    again = rebuilt_from_nothing(settings)
    assert (again / FIGURE_TABLE).read_bytes() == written


RECEIVED = re.compile(r"收到政府信息公开申请(\d+)件")


def change_requests_received(record: Path) -> int:
    """A Jilin City template record's requests received changed in its record and source (same digits: offsets
    hold); the new number."""
    source = record.with_name(record.name.replace(".yaml", ".source.txt"))
    old = RECEIVED.search(source.read_text(encoding="utf-8"))
    assert old is not None
    value = int(old.group(1))
    new = value + 1 if len(str(value + 1)) == len(str(value)) else value - 1
    for path in (source, record):
        text = path.read_text(encoding="utf-8")
        assert old.group(0) in text
        path.write_text(text.replace(old.group(0), f"收到政府信息公开申请{new}件"), encoding="utf-8")
    text = record.read_text(encoding="utf-8")
    at = text.index(f"收到政府信息公开申请{new}件")
    head, tail = text[:at], text[at:]
    head = re.sub(rf"value: {value}\n(?=[^\n]*\n?$)", f"value: {new}\n", head)  # the figure's value, just above
    record.write_text(head + tail, encoding="utf-8")
    return new


def test_a_rebuild_changes_the_changed_reports_rows_and_keeps_the_others(
    synthetic_corpus: tuple[Path, Settings, BuildSummary],
) -> None:
    _data, settings, first = synthetic_corpus
    before = json.loads((first.release / FIGURE_TABLE).read_text(encoding="utf-8"))
    record = next(
        path for path, report in read_reports(settings).items()
        if report.format == "jilin-city-2011"
        and RECEIVED.search(path.with_name(path.name.replace(".yaml", ".source.txt")).read_text(encoding="utf-8"))
    )  # fmt: skip
    with record_restored(record):
        new = change_requests_received(record)
        changed = read_reports(settings)[record]
        assert [f.value for f in changed.figures if f.quote.text.endswith(f"{new}件")] == [new]
        summary = build(settings)
        assert summary.incremental and summary.checked == 1
        after = json.loads((summary.release / FIGURE_TABLE).read_text(encoding="utf-8"))
        table = from_file(summary.release)
        assert as_data(table) == as_data(by_queries(summary.release))
    iri = f"{BASE}/id/report/{changed.agency}/{changed.year}"
    requests = FIGURES[0]
    assert (requests.item, requests.period) == REQUESTS
    assert table.figure(*REQUESTS)[iri].value == new
    rows_before = {row[0]: row for row in before["reports"]}
    rows_after = {row[0]: row for row in after["reports"]}
    assert rows_before.keys() == rows_after.keys()
    assert [i for i in rows_before if rows_before[i] != rows_after[i]] == [iri]
    assert {k: v for k, v in before.items() if k != "reports"} == {k: v for k, v in after.items() if k != "reports"}
