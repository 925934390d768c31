"""The synthetic corpus across its three eras, built by the real pipeline.

Each year is written in the format of its era (the Jilin City template before 2019, the
national format of 2019 for 2019–2020, its 2021 revision after), every report builds and
is published, and the only findings are those the generator injects on purpose. The
figures the tests check against come from the generated pages themselves, read here with
a few regular expressions (and, once, with the importer), not from the generator's code.
National reports cost ~10× a Jilin report to check, so the corpora are small.
"""

from __future__ import annotations

import hashlib
import importlib.util
import re
from collections.abc import Sequence
from pathlib import Path

import pytest
from pyoxigraph import Store

from publisher import synthetic
from publisher.build.pipeline import BuildSummary, build
from publisher.build.project import Project, load_project
from publisher.graph.formats import union
from publisher.importers.layout import load_layout
from publisher.importers.record import import_report
from publisher.records.loading import load_report
from publisher.records.model import Report
from publisher.settings import Settings, load_settings
from tests.helpers import BASE

ERAS = {2017: "jilin-city-2011", 2018: "jilin-city-2011", 2019: "national-2019", 2020: "national-2019",
        2021: "national-2021", 2022: "national-2021"}  # fmt: skip
YEARS = tuple(ERAS)
SEED = 5
NATIONAL = ("national-2019", "national-2021")


def settings_for(data: Path, build_dir: Path) -> Settings:
    return load_settings({"base_iri": BASE, "data_dir": data, "build_dir": build_dir}, environ={})


def generate_and_build(
    folder: Path, agencies: int, years: Sequence[int], blank_rate: float, inconsistency_rate: float
) -> tuple[Path, BuildSummary]:
    data = folder / "data"
    synthetic.generate(
        data, agencies, years=years, seed=SEED, blank_rate=blank_rate, inconsistency_rate=inconsistency_rate
    )
    return data, build(settings_for(data, folder / "build"), processes=2)


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, BuildSummary]:
    """Two agencies (the province government and a department) × 2017–2022: no blank, nothing broken."""
    return generate_and_build(tmp_path_factory.mktemp("clean"), 2, YEARS, 0.0, 0.0)


@pytest.fixture(scope="module")
def broken(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, BuildSummary]:
    """The province government, every report with a total broken on purpose (no blank: one could hide it)."""
    return generate_and_build(tmp_path_factory.mktemp("broken"), 1, range(2018, 2022), 0.0, 1.0)


@pytest.fixture(scope="module")
def blanked(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, BuildSummary]:
    """The province government, a fifth of its figures left blank."""
    return generate_and_build(tmp_path_factory.mktemp("blanked"), 1, range(2018, 2022), 0.2, 0.0)


def project_of(data: Path) -> Project:
    return load_project(settings_for(data, Path("/nonexistent")))


def read(project: Project, record: Path) -> Report:
    return load_report(record, project.registry, {slug: f.record_keys for slug, f in project.formats.items()})


def page_of(record: Path) -> str:
    return record.with_name(record.name.replace(".yaml", ".source.html")).read_text(encoding="utf-8")


# ---------------------------------------------------------------------------
# A national page's tables, as the page states them
# ---------------------------------------------------------------------------

TABLE = re.compile(r"<table[^>]*>(.*?)</table>", re.DOTALL)
ROW = re.compile(r"<tr>(.*?)</tr>")
CELL = re.compile(r"<t[dh][^>]*>(.*?)</t[dh]>")
NUMBER = re.compile(r"(-?\d+(?:\.\d+)?)(?:元|万元)?")


def tables(page: str) -> list[dict[str, list[float]]]:
    """Each table of the page: its rows with figures, by their last label ('' for none), a blank cell as 0.

    Blank counts as 0 here because the national formats' rules say so (dis:blankAsZero).
    """
    found = []
    for table in TABLE.findall(page):
        rows: dict[str, list[float]] = {}
        for row in ROW.findall(table):
            label, numbers = "", []
            for text in CELL.findall(row):
                number = NUMBER.fullmatch(text)
                if text == "&nbsp;" or number:
                    numbers.append(float(number.group(1)) if number else 0.0)
                else:
                    label = text
            if numbers:
                assert label not in rows, label
                rows[label] = numbers
        found.append(rows)
    return found


def requests_table(page: str) -> dict[str, list[float]]:
    return tables(page)[1]


def check_requests(rows: dict[str, list[float]]) -> None:
    labels = list(rows)
    new, carried = rows["一、本年新收政府信息公开申请数量"], rows["二、上年结转政府信息公开申请数量"]
    total, forward = rows["（七）总计"], rows["四、结转下年度继续办理"]
    results = [rows[label] for label in labels[labels.index("二、上年结转政府信息公开申请数量") + 1 : -2]]
    assert len(results) in (19, 21)  # the leaves of 三 (2019, 2021)
    for values in rows.values():
        assert len(values) == 7 and values[6] == sum(values[:6])  # applicants add up to the total column
    for column in range(7):
        assert new[column] + carried[column] == total[column] + forward[column]  # 一 + 二 = 三 + 四
        assert total[column] == sum(r[column] for r in results)


def review_blocks(page: str) -> list[list[float]]:
    cells = tables(page)[2][""]
    return [cells[i : i + 5] for i in range(0, 15, 5)]


# ---------------------------------------------------------------------------
# Formats, publication, findings
# ---------------------------------------------------------------------------


def test_each_year_is_written_in_the_format_of_its_era(clean: tuple[Path, BuildSummary]) -> None:
    assert [synthetic.format_of(y) for y in (2008, 2018, 2019, 2020, 2021, 2025)] == [
        "jilin-city-2011", "jilin-city-2011", "national-2019", "national-2019", "national-2021", "national-2021",
    ]  # fmt: skip
    data, summary = clean
    store = Store.read_only(str(summary.release / "store"))
    query = f"""
        PREFIX dis: <{BASE}/def/disclosure#>
        PREFIX dct: <http://purl.org/dc/terms/>
        SELECT ?agency ?year ?format WHERE {{
            ?report a dis:AnnualReport ; dis:agency ?agency ; dis:reportYear ?year ; dct:conformsTo ?format
        }}"""
    published = {
        (str(row["agency"].value).rsplit("/", 1)[1], int(row["year"].value)): str(row["format"].value)
        for row in store.query(query, use_default_graph_as_union=True)
    }
    agencies = [a.id for a in synthetic.agencies(2, seed=SEED)]
    assert published == {(a, y): f"{BASE}/def/{slug}" for a in agencies for y, slug in ERAS.items()}
    for agency in agencies:
        for year, slug in ERAS.items():
            record = (data / "reports" / agency / f"{year}.yaml").read_text(encoding="utf-8")
            assert f"\nformat: {slug}\n" in record
            suffix = "html" if slug in NATIONAL else "txt"
            assert f"\n  file: {year}.source.{suffix}\n" in record
            assert (data / "reports" / agency / f"{year}.source.{suffix}").is_file()
    page = page_of(data / "reports" / agencies[0] / "2019.yaml")
    assert "本年新制作数量" in page and "政府集中采购" in page and "国办公开办函〔2019〕60号" in page
    assert "（六）其他处理</td><td>" in page  # one row in 2019
    page = page_of(data / "reports" / agencies[0] / "2021.yaml")
    assert "现行有效件数" in page and "政府集中采购" not in page and "国办公开办函〔2021〕30号" in page
    assert "3.其他</td><td>" in page and "收取信息处理费" in page  # (六) in three rows; section 六 on fees


def test_a_corpus_true_to_the_rules_is_published_without_a_finding(clean: tuple[Path, BuildSummary]) -> None:
    data, summary = clean
    assert summary.reports == 2 * len(YEARS) == len(list(data.glob("reports/*/*.yaml")))
    assert {fmt for *_, fmt, _path in summary.refs} == {"jilin-city-2011", *NATIONAL}
    for outcome in summary.outcomes:
        assert not outcome.findings, outcome.text  # not a violation, not a warning: across years neither
    manifest = (summary.release / "manifest.json").read_text(encoding="utf-8")
    assert manifest.count('"warnings": 0') == summary.reports


def test_a_broken_total_is_each_report_s_finding(broken: tuple[Path, BuildSummary]) -> None:
    _data, summary = broken
    formats = {str(path): fmt for _agency, _year, fmt, path in summary.refs}
    assert summary.reports == 4 and all(o.conforms for o in summary.outcomes)  # published: warnings only
    for outcome in summary.outcomes:
        fmt, record = formats[outcome.record], Path(outcome.record)
        rules = {f.rule for f in outcome.findings}
        assert all(f.severity == "warning" for f in outcome.findings), outcome.text
        if fmt in NATIONAL:
            [finding] = outcome.findings
            assert (finding.rule, finding.figure) == (f"{fmt}/rule/review-sum-to-total", "review-reconsideration-total")
            reconsideration, *suits = review_blocks(page_of(record))
            assert reconsideration[4] != sum(reconsideration[:4])  # the page states a total that is off
            assert all(block[4] == sum(block[:4]) for block in suits)
            check_requests(requests_table(page_of(record)))  # the rest holds
        else:
            text = record.with_name(record.name.replace(".yaml", ".source.txt")).read_text(encoding="utf-8")
            year = record.stem
            stated = re.search(rf"{year}年,我.主动公开政府信息共(\d+)条,其中,(.*?)。", text)
            assert stated is not None, text
            parts = [int(n) for n in re.findall(r"(\d+)条", stated.group(2))]
            assert len(parts) == 5 and int(stated.group(1)) != sum(parts)
            assert "jilin-city-2011/rule/categories-sum-to-total" in rules
            assert rules <= {f"jilin-city-2011/rule/{r}" for r in ("categories-sum-to-total", "channels-sum-to-total",
                                                                   "timeliness-within-total")}  # fmt: skip


def test_blank_cells_are_empty_cells_of_zero(blanked: tuple[Path, BuildSummary]) -> None:
    data, summary = blanked
    assert summary.reports == 4 and all(not o.findings for o in summary.outcomes)
    project = project_of(data)
    blanks = cells = 0
    for record in sorted(data.glob("reports/*/*.yaml")):
        report = read(project, record)
        if report.format not in NATIONAL:
            assert all(f.quote.text.endswith("未统计") for f in report.figures if f.blank)
            continue
        located = [f for f in report.figures if f.location is not None]
        cells += len(located)
        for figure in located:
            if figure.blank:  # as national records have it: blank: true, the cell's location, its text ""
                blanks += 1
                assert figure.quote.text == "" and figure.unit is None
        page = page_of(record)
        check_requests(requests_table(page))  # a blank cell counts as 0 and the sums still hold
        assert all(block[4] == sum(block[:4]) for block in review_blocks(page))
    assert 0.15 < blanks / cells < 0.25
    store = Store.read_only(str(summary.release / "store"))
    query = f"SELECT (COUNT(*) AS ?n) WHERE {{ ?cell a <{BASE}/def/disclosure#BlankCell> }}"
    [row] = list(store.query(query, use_default_graph_as_union=True))
    stated_blank = sum(r.read_text(encoding="utf-8").count("blank: true") for r in data.glob("reports/*/*.yaml"))
    assert int(row["n"].value) == stated_blank


# ---------------------------------------------------------------------------
# The rules, as the pages state the figures
# ---------------------------------------------------------------------------


def test_the_pages_obey_the_rules_within_a_report_and_across_years(clean: tuple[Path, BuildSummary]) -> None:
    data, _summary = clean
    carried_in_2021 = documents_changed = 0
    for agency in sorted((data / "reports").iterdir()):
        pages = {year: page_of(agency / f"{year}.yaml") for year in YEARS if ERAS[year] in NATIONAL}
        for year, page in pages.items():
            check_requests(requests_table(page))
            assert all(block[4] == sum(block[:4]) for block in review_blocks(page))
            if year - 1 in pages:  # carry-over: this year's 二 is last year's 四, from 2020 to 2021 too
                before = requests_table(pages[year - 1])["四、结转下年度继续办理"]
                assert requests_table(page)["二、上年结转政府信息公开申请数量"] == before
        carried_in_2021 += int(sum(requests_table(pages[2021])["二、上年结转政府信息公开申请数量"]))
        for first, second in ((2019, 2020), (2021, 2022)):
            earlier, later = tables(pages[first])[0], tables(pages[second])[0]
            for name in ("规章", "规范性文件") if first == 2019 else ("规章", "行政规范性文件"):
                made, published, total = later[name]  # 2019: 对外公开总数量 rolls forward with 本年新公开数量
                if first == 2021:  # 2021: 现行有效件数 = last year's + 本年制发件数 − 本年废止件数
                    issued, repealed, total = later[name]
                    assert total == earlier[name][2] + issued - repealed
                    documents_changed += int(issued + repealed)
                else:
                    assert total == earlier[name][2] + published and published <= made
    assert carried_in_2021 > 0 and documents_changed > 0  # the checks across years were not vacuous


def test_the_importer_reads_each_page_into_its_record(clean: tuple[Path, BuildSummary]) -> None:
    data, _summary = clean
    project = project_of(data)
    ontology = union(project.ontology.values())
    layouts = {slug: load_layout(ontology, fmt, project.iris) for slug, fmt in project.formats.items()}
    agency = synthetic.agencies(2, seed=SEED)[1].id
    for year in (2020, 2021):
        record = data / "reports" / agency / f"{year}.yaml"
        imported = import_report(record.with_name(f"{year}.source.html"), agency, year, layouts)
        assert imported.format == ERAS[year]  # told from the page
        report = read(project, record)
        assert len(report.figures) > 190
        assert {
            tuple(sorted(f.codes.items())): (f.value, f.location, f.text, f.quote, f.offset) for f in imported.figures
        } == {
            tuple(sorted(f.codes.items())): (
                f.value, f.location, f.quote.text if f.location else None,
                None if f.location else f.quote.text, None if f.location else f.quote.offset,
            )
            for f in report.figures
        }  # fmt: skip
        assert [(s.key, s.heading, s.text, s.offset) for s in imported.sections] == [
            (s.key, s.heading, s.text.text, s.text.offset) for s in report.sections
        ]


# ---------------------------------------------------------------------------
# Determinism, the Jilin years as they were, the benchmark's edit
# ---------------------------------------------------------------------------


def tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_generation_is_deterministic_and_an_agency_does_not_depend_on_the_corpus_size(tmp_path: Path) -> None:
    for name in ("one", "two"):
        synthetic.generate(tmp_path / name, 3, years=YEARS, seed=SEED, blank_rate=0.1, inconsistency_rate=0.3)
    assert tree(tmp_path / "one") == tree(tmp_path / "two")
    synthetic.generate(tmp_path / "bigger", 6, years=YEARS, seed=SEED, blank_rate=0.1, inconsistency_rate=0.3)
    bigger = tree(tmp_path / "bigger")
    assert all(bigger[name] == data for name, data in tree(tmp_path / "one").items() if name.startswith("reports/"))
    synthetic.generate(tmp_path / "other", 3, years=YEARS, seed=SEED + 1, blank_rate=0.1, inconsistency_rate=0.3)
    assert tree(tmp_path / "other") != tree(tmp_path / "one")


def test_the_years_before_2019_are_written_as_before_the_national_eras(tmp_path: Path) -> None:
    """The digest of a corpus of 2016–2018 as the generator wrote it when every year was a Jilin year.

    Since the text-reuse paragraph (writing.Prose) the sources' prose, and so the offsets, differ: the
    digest was taken again then; the figures' values are the same as before it (compared, every record's
    value and blank lines, over 30 agencies × 2008–2025, against the generator of the commit before)."""
    synthetic.generate(tmp_path, 3, years=range(2016, 2023), seed=7, blank_rate=0.05, inconsistency_rate=0.25)
    digest = hashlib.sha256()
    for path in sorted(tmp_path.rglob("*")):
        if path.is_file() and (path.name == "agencies.yaml" or int(path.name[:4]) < 2019):
            digest.update(str(path.relative_to(tmp_path)).encode() + b"\0" + path.read_bytes() + b"\0")
    assert digest.hexdigest() == "ec6b9b2ad519308e3ba7b22be20ef71be471c87ca67591fa19933983f638cd07"


def test_the_benchmark_s_one_record_change_works_on_a_national_record(tmp_path: Path) -> None:
    path = Path(__file__).parent.parent / "benchmarks" / "scale.py"
    spec = importlib.util.spec_from_file_location("scale_benchmark", path)
    assert spec is not None and spec.loader is not None
    benchmark = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(benchmark)
    data = tmp_path / "data"
    synthetic.generate(data, 3, years=range(2019, 2023), seed=SEED)  # no 2015: a year of the middle
    before = tree(data)
    record = benchmark.change_one_record(data)
    assert record.parent.name == sorted(a.id for a in synthetic.agencies(3, seed=SEED))[1]  # the middle folder
    source = record.with_name(f"{record.stem}.source.html")
    changed = {name for name, content in tree(data).items() if before[name] != content}
    assert changed == {str(record.relative_to(data)), str(source.relative_to(data))}
    was = re.search(r"组织业务培训(\d+)人次", before[str(source.relative_to(data))].decode("utf-8"))
    assert was is not None
    report = read(project_of(data), record)  # every quote still at its offset
    [trained] = [f for f in report.facts if f.key == "staff-trained"]
    assert abs(int(trained.value) - int(was.group(1))) == 1 and len(str(trained.value)) == len(was.group(1))
    assert trained.quote.text == f"组织业务培训{trained.value}人次"
