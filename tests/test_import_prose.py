"""The seed's text imports to its hand-checked record: every figure, its codes, value, quote and offset.

The expected record is data/reports/jilin-city-science-technology-bureau/2011.yaml, checked
by hand against the source; the importer reads only the source text (2011.source.txt)
and the format's text patterns (ontology/formats/jilin-city-2011.ttl). Figure keys are
not compared: the hand-made ones (proactive-total-2011 …) are a person's choice; the
importer's are made from the codes (category-all-annual …).

The record's `facts` (numbers of the narrative that are not figures of the format) are
imported too (tests/test_numbers.py holds each of the seed's hand-checked facts equal to
an imported one); what is left unmapped is listed with its offset and a reason, and no
hand-checked fact is among it.
"""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from publisher.cli import main
from publisher.importers.record import ImportResult, import_report
from publisher.importers.recordfile import write_record
from publisher.records.loading import load_registry, load_report
from tests.fixtures import examples
from tests.helpers import DATA, SEED_RECORD, SEED_SOURCE

AGENCY = "jilin-city-science-technology-bureau"
RECORD = yaml.safe_load(SEED_RECORD.read_text(encoding="utf-8"))


def figure_tuples(figures: dict[str, dict[str, object]]) -> Counter[tuple[object, ...]]:
    return Counter((f["item"], f["period"], f["value"], f["quote"], f["offset"]) for f in figures.values())


@pytest.fixture(scope="module")
def imported() -> ImportResult:
    return import_report(SEED_SOURCE, AGENCY, 2011, examples.layouts())


def test_the_format_is_told_from_the_text(imported: ImportResult) -> None:
    assert imported.format == RECORD["format"] == "jilin-city-2011"


def test_every_figure_equals_the_hand_checked_record(imported: ImportResult) -> None:
    found = Counter((f.codes["item"], f.codes["period"], f.value, f.quote, f.offset) for f in imported.figures)
    assert found == figure_tuples(RECORD["figures"])
    assert len(imported.figures) == len(RECORD["figures"]) == 25


def test_the_period_equals_the_hand_checked_record(imported: ImportResult) -> None:
    assert imported.period is not None
    period = RECORD["period"]
    assert (imported.period.start, imported.period.end) == (period["from"], period["to"])
    assert (imported.period.quote, imported.period.offset) == (period["quote"], period["offset"])


def test_the_facts_are_imported_and_nothing_of_them_is_left_unmapped(imported: ImportResult) -> None:
    listed = [int(u.location.split()[1].rstrip(",")) for u in imported.unmapped]
    for key, fact in RECORD["facts"].items():
        start, end = fact["offset"], fact["offset"] + len(fact["quote"])
        assert any(f.offset < end and start < f.offset + len(f.quote) for f in imported.facts), key
        assert not any(start <= offset < end for offset in listed), f"fact {key} ({fact['quote']}) is left unmapped"
    assert all(u.reason for u in imported.unmapped)
    assert any("years" in note for note in imported.notes)


def test_the_written_record_loads_and_equals_the_hand_checked_one(imported: ImportResult, tmp_path: Path) -> None:
    shutil.copy(SEED_SOURCE, tmp_path / "2011.source.txt")
    record = tmp_path / "2011.yaml"
    record.write_text(write_record(imported, "2011.source.txt", RECORD["source"]["url"]), encoding="utf-8")
    project = examples.project()
    registry = load_registry(DATA / "agencies.yaml")
    report = load_report(record, registry, {s: f.record_keys for s, f in project.formats.items()})
    written = yaml.safe_load(record.read_text(encoding="utf-8"))
    assert figure_tuples(written["figures"]) == figure_tuples(RECORD["figures"])
    assert written["period"] == RECORD["period"]
    assert written["source"]["url"] == RECORD["source"]["url"]
    assert len(report.figures) == 25
    assert len(report.facts) == len(imported.facts) >= len(RECORD["facts"])


def test_the_import_command_writes_a_record_that_validates(tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "record"
    result = runner.invoke(
        main,
        ["import", str(SEED_SOURCE), "--agency", AGENCY, "--year", "2011", "--to", str(out), "--data", str(DATA)],
    )
    assert result.exit_code == 0, result.output
    assert "25 figure(s)" in result.stdout and "Review it before building" in result.stdout
    written = yaml.safe_load((out / "2011.yaml").read_text(encoding="utf-8"))
    assert any("3.785亿元" in fact["quote"] for fact in written["facts"].values())  # 贷款金额达到3.785亿元: a fact
    assert (out / "2011.source.txt").read_bytes() == SEED_SOURCE.read_bytes()
    again = runner.invoke(
        main,
        ["import", str(SEED_SOURCE), "--agency", AGENCY, "--year", "2011", "--to", str(out), "--data", str(DATA)],
    )
    assert again.exit_code == 2 and "already exists" in again.stderr
    validated = runner.invoke(main, ["validate", "--data", str(DATA), str(out / "2011.yaml")])
    assert validated.exit_code == 0, validated.output


def test_the_import_command_refuses_an_unregistered_agency(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main, ["import", str(SEED_SOURCE), "--agency", "no-such-agency", "--year", "2011", "--data", str(DATA)]
    )
    assert result.exit_code == 2 and "unknown agency 'no-such-agency'" in result.stderr


@pytest.mark.parametrize(
    "old, new, expected",
    [
        # full-width commas instead of the seed's half-width ones: the same clauses, the same quotes
        pytest.param(
            ",其中,规范性文件类信息21条", "，其中，规范性文件类信息21条", ("category/normative-documents", "annual", 21)
        ),
        # 截至 for 截止: still cumulative
        pytest.param("截止2011年末,我局主动公开", "截至2011年末,我局主动公开", ("category/all", "cumulative", 2006)),
    ],
)
def test_variants_of_the_wording(tmp_path: Path, old: str, new: str, expected: tuple[str, str, int]) -> None:
    text = SEED_SOURCE.read_text(encoding="utf-8")
    assert text.count(old) == 1
    source = tmp_path / "2011.source.txt"
    source.write_text(text.replace(old, new), encoding="utf-8")
    result = import_report(source, AGENCY, 2011, examples.layouts(), "jilin-city-2011")
    found = {(f.codes["item"], f.codes["period"], f.value) for f in result.figures}
    assert expected in found
    assert len(result.figures) == 25
