"""`publisher import FOLDER`: many real documents at once, agency and year told from each, one review page.

The folder holds copies of ../shared/real-reports (the five Pingtan pages, the two PDFs),
a PDF cut short (made here) and the 2021 Pingtan page under a folder saying 2020. The
registry written here knows 平潭综合实验区 only. The CLI is run for real (click's runner on
publisher.cli.main): the Pingtan records are written, the broken and the mislabelled
documents are listed with their messages, the PDFs' agencies are proposed for the
registry (not registered, not imported), and the exit code says a person is needed.
Expected table cell counts are counted by hand in the documents' HTML source.
"""

from __future__ import annotations

import json
import shutil
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from publisher.cli import main
from publisher.importers.batch import full_name, name_forms, path_year, title_agency
from tests.helpers import REAL_REPORTS

PINGTAN_YEARS = (2011, 2016, 2019, 2021, 2024)
REGISTRY = """\
divisions:
  "350128":
    name: {zh: 福建省平潭县, en: "Pingtan County, Fujian Province"}
agencies:
  pingtan:
    name: {zh: 平潭综合实验区, en: Pingtan Comprehensive Experimental Zone}
    division: "350128"
    kind: government
"""
# Cells of tables 二, 三 and 四 as counted in each page's HTML (every cell holds a number: none blank).
# 2019: 二 = 规章, 规范性文件, 行政许可, 其他对外管理服务事项, 行政处罚, 行政强制 × 3 + 收费, 采购 × 2 = 22;
#       三 = 23 rows × 7 applicant columns = 161; 四 = 15.
# 2021 and 2024: 二 = 规章, 行政规范性文件 × 3 + 许可, 处罚, 强制, 收费 × 1 = 10; 三 = 25 rows × 7 = 175; 四 = 15.
TABLES = ["主动公开政府信息情况", "收到和处理政府信息公开申请情况", "政府信息公开行政复议、行政诉讼情况"]
CELLS = {2019: [22, 161, 15], 2021: [10, 175, 15], 2024: [10, 175, 15]}
PDF_AGENCIES = {"hongze-2023/report.pdf": "淮安市洪泽区人民政府", "huaian-2024/report.pdf": "淮安市人民政府"}
#: Cells mapped per table (二, 三, 四), counted on the PDFs' pages. 洪泽 prints table 三 as 23 rows of 7
#: (161 cells: the 2019 layout's （六）其他处理 is one row); its misprinted row 2.其他法律行政止公开 (page 3)
#: and that （六） row (page 4) are left for a person to confirm: 161 − 14 = 147. 淮安 prints 25 rows (175).
PDF_CELLS = {"hongze-2023/report.pdf": [10, 147, 15], "huaian-2024/report.pdf": [10, 175, 15]}


class Run:
    def __init__(self, result: Result, out: Path, documents: Path) -> None:
        self.result = result
        self.out = out
        self.documents = documents
        self.review = json.loads((out / "review.json").read_text(encoding="utf-8"))
        self.by_file: dict[str, dict[str, Any]] = {d["file"]: d for d in self.review["documents"]}


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Run:
    root = tmp_path_factory.mktemp("batch")
    documents = root / "documents"
    for year in PINGTAN_YEARS:
        (documents / f"pingtan-{year}").mkdir(parents=True)
        shutil.copyfile(REAL_REPORTS / f"pingtan-{year}" / "page.html", documents / f"pingtan-{year}" / "page.html")
    for name in PDF_AGENCIES:
        (documents / name).parent.mkdir()
        shutil.copyfile(REAL_REPORTS / name, documents / name)
    (documents / "broken-2023").mkdir()
    whole = (REAL_REPORTS / "hongze-2023" / "report.pdf").read_bytes()
    (documents / "broken-2023" / "report.pdf").write_bytes(whole[: len(whole) // 2])
    (documents / "wrong-2020").mkdir()
    shutil.copyfile(REAL_REPORTS / "pingtan-2021" / "page.html", documents / "wrong-2020" / "page.html")
    data = root / "data"
    data.mkdir()
    (data / "agencies.yaml").write_text(REGISTRY, encoding="utf-8")
    out = root / "out"
    result = CliRunner().invoke(main, ["import", str(documents), "--data", str(data), "--out", str(out)])
    return Run(result, out, documents)


def test_the_exit_code_says_a_person_is_needed(run: Run) -> None:
    assert run.result.exit_code == 1, run.result.output
    assert run.review["summary"]["documents"] == 9
    assert run.review["summary"]["by_status"]["imported"] == 5
    assert "FAILED broken-2023/report.pdf" in run.result.stdout
    assert f"Review: {run.out / 'review.html'}" in run.result.stdout


def test_every_pingtan_record_is_written_beside_a_copy_of_its_page(run: Run) -> None:
    for year in PINGTAN_YEARS:
        record = run.out / "pingtan" / f"{year}.yaml"
        assert record.is_file(), record
        assert f"year: {year}" in record.read_text(encoding="utf-8")
        copy = run.out / "pingtan" / f"{year}.source.html"
        assert copy.read_bytes() == (REAL_REPORTS / f"pingtan-{year}" / "page.html").read_bytes()
        document = run.by_file[f"pingtan-{year}/page.html"]
        assert document["status"] == "imported" and document["record"] == f"pingtan/{year}.yaml"
        assert document["findings"] == [] and document["error"] is None


def test_the_agency_and_year_are_told_from_the_title(run: Run) -> None:
    for year in PINGTAN_YEARS:
        document = run.by_file[f"pingtan-{year}/page.html"]
        assert document["agency"]["id"] == "pingtan"
        assert document["agency"]["how_en"] == "the title names 平潭综合实验区: the registry's 平潭综合实验区"
        assert document["year"] == {"value": year, "how_zh": "标题", "how_en": "the title"}


@pytest.mark.parametrize("year", sorted(CELLS))
def test_the_national_tables_cells_are_counted(run: Run, year: int) -> None:
    document = run.by_file[f"pingtan-{year}/page.html"]
    assert document["format"] == ("national-2019" if year == 2019 else "national-2021")
    expected = [{"table": t, "cells": n, "blank_cells": 0} for t, n in zip(TABLES, CELLS[year], strict=True)]
    assert document["tables"] == expected
    assert document["counts"]["table_cells"] == sum(CELLS[year]) and document["counts"]["blank_cells"] == 0
    assert document["counts"]["not_mapped"] == len(document["not_mapped"])
    facts, restatements = document["counts"]["facts"], document["counts"]["restatements"]
    assert isinstance(facts, int) and isinstance(restatements, int) and 0 <= restatements <= facts
    assert all(u["reason"] for u in document["not_mapped"])


def test_the_broken_pdf_is_listed_with_its_message(run: Run) -> None:
    document = run.by_file["broken-2023/report.pdf"]
    assert document["status"] == "failed" and document["record"] is None
    assert "report.pdf" in document["error"] and "cut short" in document["error"]


def test_a_page_of_another_year_than_its_folder_is_not_imported(run: Run) -> None:
    document = run.by_file["wrong-2020/page.html"]
    assert document["status"] == "failed" and document["record"] is None
    assert "says 2021 but the path wrong-2020/page.html says 2020" in document["error"]
    assert not (run.out / "pingtan" / "2020.yaml").exists()


def test_the_pdfs_agencies_are_proposed_not_registered(run: Run) -> None:
    proposed = {p["name_zh"]: p for p in run.review["proposed_agencies"]}
    assert set(proposed) == set(PDF_AGENCIES.values())
    for name, zh in PDF_AGENCIES.items():
        document = run.by_file[name]
        entry = proposed[zh]
        assert document["proposed_agency"]["id"] == entry["id"] and entry["id"].startswith("agency-")
        assert document["record"] is None and not (run.out / entry["id"]).exists()
        assert entry["kind"] == "government" and "TODO" in entry["yaml"]
    written = (run.out / "proposed-agencies.yaml").read_text(encoding="utf-8")
    assert "淮安市洪泽区人民政府" in written and "PROPOSED" in written


def test_the_pdfs_are_read_for_review_with_their_format(run: Run) -> None:
    for name in PDF_AGENCIES:
        document = run.by_file[name]
        assert document["status"] == "needs-agency" and document["error"] is None
        assert document["media_type"] == "application/pdf"
        assert document["format"] == "national-2021" and document["format_reasons"]
        assert [t["cells"] for t in document["tables"]] == PDF_CELLS[name]


class Headings(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.headings: list[str] = []
        self.header_cells = 0
        self.lang: str | None = None
        self._in: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "html":
            self.lang = dict(attrs).get("lang")
        if tag in ("h1", "h2", "h3"):
            self._in = tag
            self.headings.append("")
        if tag == "th":
            self.header_cells += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == self._in:
            self._in = None

    def handle_data(self, data: str) -> None:
        if self._in:
            self.headings[-1] += data


def test_the_review_page_is_html_in_zh_and_en(run: Run) -> None:
    page = (run.out / "review.html").read_text(encoding="utf-8")
    parser = Headings()
    parser.feed(page)
    parser.close()
    assert parser.lang == "zh-CN"
    headings = " ".join(parser.headings)
    for zh, en in (("导入核对", "Import review"), ("汇总", "Summary"), ("建议新增的机关", "Proposed registry entries")):
        assert zh in headings and en in headings
    assert '格式 <span lang="en">/ Format</span>' in page
    assert parser.header_cells >= 13 + 9 * 9  # the summary's column headings, and each document's row headings
    assert 'href="../documents/pingtan-2019/page.html"' in page and 'href="pingtan/2019.yaml"' in page


def test_an_unknown_agency_given_is_a_usage_error(run: Run) -> None:
    result = CliRunner().invoke(
        main, ["import", str(run.documents / "pingtan-2019"), "--agency", "nobody", "--out", str(run.out / "x")]
    )
    assert result.exit_code == 2 and "unknown agency 'nobody'" in result.stderr


@pytest.mark.parametrize(
    "title, opening, name",
    [
        pytest.param("某某县人民政府2020年政府信息公开工作年度报告", "", "某某县人民政府", id="name-before-year"),
        pytest.param("2020年某某县政府信息公开工作年度报告", "", "某某县", id="name-after-year"),
        pytest.param("关于某某市二〇二〇年度政府信息公开工作年度报告", "", "某某市", id="chinese-year"),
        pytest.param(
            "甲区人民政府2023 年政府信息公开工作年度报告",
            "本报告由乙市甲区人民政府办公室编制",
            "乙市甲区人民政府",
            id="full",
        ),
    ],
)
def test_the_agency_name_is_read_from_the_title(title: str, opening: str, name: str) -> None:
    short = title_agency(title)
    assert short is not None and full_name(short, opening) == name


def test_short_forms_and_path_years() -> None:
    assert name_forms("某某市人民政府") == {"某某市人民政府", "某某市政府", "某某市"}
    assert name_forms("某某实验区管理委员会") == {"某某实验区管理委员会", "某某实验区"}
    assert path_year(Path("pingtan-2019/page.html")) == 2019 and path_year(Path("page.html")) is None
