"""Text reuse: the measure on hand-made and real texts, its DQV in the built graph, rebuilds, the pages in Chromium.

The measure (publisher.validation.textreuse): the share of a report's normalised prose
lying in passages of at least 25 characters that the agency's previous report also has.
Every expected share below is counted by hand in the comments (the strings' lengths are
asserted too, so a miscount fails loudly).
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from pyoxigraph import Store

from publisher import synthetic
from publisher.build.bulkstore import Entry
from publisher.build.pipeline import build
from publisher.build.project import load_project
from publisher.build.textreuse import previous_reports
from publisher.records.loading import load_report
from publisher.records.model import Quote, Report
from publisher.validation.textreuse import MIN_PASSAGE, measure, measure_pieces, normalise
from tests.builds import settings_for
from tests.fixtures import examples
from tests.fixtures.real_reports import PINGTAN, REGISTRY
from tests.helpers import (
    BASE,
    REAL_REPORTS,
    LiveServer,
    make_settings,
    open_page,
    read_csv,
    start_live_server,
)
from tests.http import fetch

# 27 and 26 characters, no 25-character passage in common
COPIED = "本机关认真贯彻落实条例要求不断加强组织领导完善工作机制"
FRESH = "今年重点推进乡村振兴领域信息公开及时回应社会关切问题"


def test_the_hand_made_strings_are_as_long_as_the_comments_say() -> None:
    assert (len(COPIED), len(FRESH), MIN_PASSAGE) == (27, 26, 25)


def test_a_report_that_repeats_its_previous_prose_whole_repeats_all_of_it() -> None:
    reuse = measure_pieces([Quote(COPIED, 0)], [Quote(COPIED, 0)])
    assert reuse is not None
    assert (reuse.share, reuse.characters, reuse.repeated) == (Decimal("1.0000"), 27, 27)


def test_a_copied_passage_then_a_fresh_one_counts_the_copied_characters_only() -> None:
    # previous: COPIED + "。" (28); current: COPIED + FRESH (53). The 27 characters of COPIED are repeated;
    # no 25-character window reaching into FRESH is in the previous text: 27 / 53 = 0.50943… → 0.5094
    reuse = measure_pieces([Quote(COPIED + FRESH, 0)], [Quote(COPIED + "。", 0)])
    assert reuse is not None
    assert (reuse.share, reuse.characters, reuse.repeated) == (Decimal("0.5094"), 53, 27)
    assert [(p.start, p.end, p.previous_start, p.previous_end) for p in reuse.passages] == [(0, 27, 0, 27)]


def test_a_passage_shorter_than_25_characters_is_not_counted_and_one_of_25_is() -> None:
    # COPIED[:24] + FRESH: 50 characters, the copied passage is 24 < 25 → 0
    short = measure_pieces([Quote(COPIED[:24] + FRESH, 0)], [Quote(COPIED, 0)])
    # COPIED[:25] + FRESH: 51 characters, 25 of them repeated → 25 / 51 = 0.49019… → 0.4902
    exact = measure_pieces([Quote(COPIED[:25] + FRESH, 0)], [Quote(COPIED, 0)])
    assert short is not None and exact is not None
    assert (short.share, short.repeated, short.passages) == (Decimal("0.0000"), 0, ())
    assert (exact.share, exact.characters, exact.repeated) == (Decimal("0.4902"), 51, 25)


def test_white_space_punctuation_widths_and_the_year_s_numbers_do_not_make_prose_new() -> None:
    previous = "2021年，本局共收到政府信息公开申请12件，全部按时予以答复。"
    current = "2022年, 本局共收到政府信息公开申请 345 件,\n全部按时予以答复。"
    # both normalise to "#年,本局共收到政府信息公开申请#件,全部按时予以答复。": # 年 , 本 局 共 收 到 政 府
    # (10) 信 息 公 开 申 请 # 件 , 全 (20) 部 按 时 予 以 答 复 。 (28 characters), all repeated
    assert normalise([Quote(current, 0)]).text == "#年,本局共收到政府信息公开申请#件,全部按时予以答复。"
    assert len("#年,本局共收到政府信息公开申请#件,全部按时予以答复。") == 28
    reuse = measure_pieces([Quote(current, 0)], [Quote(previous, 0)])
    assert reuse is not None
    assert (reuse.share, reuse.characters) == (Decimal("1.0000"), 28)
    # the passage is located in the source text as it is: from its first character to its last
    assert [(p.start, p.end) for p in reuse.passages] == [(0, len(current))]


def test_passages_are_located_at_the_offsets_of_the_sections_in_the_source() -> None:
    # the sections sit at offsets 10 and 50 of the source; the previous report's at 5
    reuse = measure_pieces([Quote(COPIED, 10), Quote(FRESH, 50)], [Quote(COPIED, 5)])
    assert reuse is not None
    assert reuse.share == Decimal("0.5094")  # 27 / 53, as above
    assert [(p.start, p.end, p.previous_start, p.previous_end) for p in reuse.passages] == [(10, 37, 5, 32)]


def test_prose_that_is_all_white_space_is_not_measured() -> None:
    assert measure_pieces([Quote(" \n\u3000", 0)], [Quote(COPIED, 0)]) is None


def test_the_previous_report_is_the_agency_s_latest_earlier_one_and_the_first_has_none() -> None:
    def entry(agency: str, year: int) -> Entry:
        return Entry(
            f"{BASE}/id/report/{agency}/{year}", "r.yaml", agency, year, "national-2021", f"{agency}{year}", []
        )

    entries = [entry("a", 2019), entry("a", 2022), entry("a", 2021), entry("b", 2022)]
    found = previous_reports({e.iri: e for e in entries})
    assert found == {
        f"{BASE}/id/report/a/2021": f"{BASE}/id/report/a/2019",
        f"{BASE}/id/report/a/2022": f"{BASE}/id/report/a/2021",
    }


# ---------------------------------------------------------------------------
# Real documents: Pingtan's pages of 2021 and 2024 (national 2021 format)
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pingtan(tmp_path_factory: pytest.TempPathFactory) -> dict[int, Report]:
    data = tmp_path_factory.mktemp("pingtan")
    (data / "agencies.yaml").write_text(REGISTRY, encoding="utf-8")
    project = load_project(make_settings(data_dir=data))
    keys = {slug: f.record_keys for slug, f in project.formats.items()}
    found = {}
    for year in (2021, 2024):
        record = examples.write_imported(data, PINGTAN, year, REAL_REPORTS / f"pingtan-{year}" / "page.html")
        found[year] = load_report(record, project.registry, keys)
    return found


FORMULA = "以习近平新时代中国特色社会主义思想为指导"  # typed from both pages' overview; 20 characters


def test_pingtan_2024_written_anew_shares_only_a_formula_with_2021_and_repeats_nothing(
    pingtan: dict[int, Report],
) -> None:
    assert len(FORMULA) == 20
    assert all(FORMULA in pingtan[year].source.text for year in (2021, 2024))
    reuse = measure(pingtan[2024], pingtan[2021])
    assert reuse is not None
    assert (reuse.share, reuse.passages) == (Decimal("0.0000"), ())


def test_the_measure_reads_the_prose_sections_of_a_real_page_and_not_its_tables(pingtan: dict[int, Report]) -> None:
    """Measured against itself, each section of 25 characters or more is one passage, whole; the tables are not prose;
    the section shorter than that (六、其他需要报告的事项, 17 characters) never counts."""
    report = pingtan[2024]
    reuse = measure(report, report)
    assert reuse is not None and reuse.share < Decimal(1)
    text = report.source.text
    long_enough = [s.text for s in report.sections if len(s.text.text.split()) and len(s.text.text) >= MIN_PASSAGE]
    assert [text[p.start : p.end] for p in reuse.passages] == [q.text.strip() for q in long_enough]
    assert [s.key for s in report.sections if len(s.text.text) < MIN_PASSAGE] == ["other-matters"]
    cells = [(f.quote.offset, f.quote.end) for f in report.figures if f.location is not None]
    assert cells and not any(p.start < end and start < p.end for p in reuse.passages for start, end in cells)


# ---------------------------------------------------------------------------
# Built: DQV in the store and the files; a rebuild that changes year N re-measures N+1
# ---------------------------------------------------------------------------

SEED = 2011
YEARS = (2019, 2020, 2021, 2022)
AGENCIES = 12


def measured(store: Store) -> dict[tuple[str, int], Decimal]:
    rows = store.query(
        """PREFIX dis: <http://example.org/def/disclosure#>
        PREFIX dqv: <http://www.w3.org/ns/dqv#>
        SELECT ?report ?share ?computed ?metric ?previous WHERE { GRAPH ?report {
          ?report dqv:hasQualityMeasurement ?m . ?m a dqv:QualityMeasurement ; dqv:computedOn ?computed ;
          dqv:isMeasurementOf ?metric ; dqv:value ?share ; dis:comparedWith ?previous } }""".replace(
            "http://example.org", BASE
        )
    )
    found = {}
    for row in rows:  # type: ignore[union-attr]
        report = row["report"].value
        assert row["computed"].value == report and row["metric"].value == f"{BASE}/def/disclosure#proseRepeated"
        agency, year = report.rsplit("/", 2)[1:]
        assert row["previous"].value == f"{BASE}/id/report/{agency}/{int(year) - 1}"
        found[(agency, int(year))] = Decimal(row["share"].value)
    return found


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = tmp_path_factory.mktemp("reuse-data")
    synthetic.generate(data, AGENCIES, years=YEARS, seed=SEED, blank_rate=0.0, inconsistency_rate=0.0)
    return data


def test_every_report_with_a_previous_one_is_measured_as_dqv_and_the_first_year_is_not(
    corpus: Path, tmp_path: Path
) -> None:
    settings = settings_for(corpus, tmp_path / "build")
    summary = build(settings)
    store = Store.read_only(str(summary.release / "store"))
    shares = measured(store)
    agencies = {p.name for p in (corpus / "reports").iterdir()}
    assert set(shares) == {(a, y) for a in agencies for y in YEARS[1:]}  # 2019 has no previous report: none
    assert all(Decimal(0) <= s <= Decimal(1) for s in shares.values())
    # the corpus has both: agencies copying most of last year's prose, and agencies writing anew
    assert any(s >= Decimal("0.5") for s in shares.values()) and any(s < Decimal("0.5") for s in shares.values())
    # each passage points into the report's source by position, and its quote is the source's text there
    agency, year = next(k for k, s in shares.items() if s > Decimal("0.5"))
    source = (corpus / "reports" / agency / f"{year}.source.html").read_text(encoding="utf-8")
    passages = fetch_passages(store, agency, year)
    assert passages
    report_text = load_text(settings, agency, year)
    for start, end, exact in passages:
        assert report_text[start:end] == exact and exact.replace(" ", "")[:5] in source
    # the report's published files say the same as the store
    turtle = [p for p in (summary.release / "downloads").rglob(f"*{agency}*{year}*.ttl")]
    assert turtle and all("proseRepeated" in p.read_text(encoding="utf-8") for p in turtle)


def load_text(settings: Any, agency: str, year: int) -> str:
    project = load_project(settings)
    record = Path(settings.data_dir) / "reports" / agency / f"{year}.yaml"
    return load_report(record, project.registry, {s: f.record_keys for s, f in project.formats.items()}).source.text


def fetch_passages(store: Store, agency: str, year: int) -> list[tuple[int, int, str]]:
    report = f"{BASE}/id/report/{agency}/{year}"
    rows = store.query(
        f"""PREFIX dis: <{BASE}/def/disclosure#>
        PREFIX dqv: <http://www.w3.org/ns/dqv#>
        PREFIX oa: <http://www.w3.org/ns/oa#>
        SELECT ?start ?end ?exact WHERE {{ GRAPH <{report}> {{
          <{report}> dqv:hasQualityMeasurement ?m . ?m dis:repeatedPassage ?p . ?p a dqv:QualityAnnotation ;
          oa:hasTarget ?t . ?t oa:hasSource <{BASE}/id/report/{agency}/{year}/source> ; oa:hasSelector ?pos , ?q .
          ?pos oa:start ?start ; oa:end ?end . ?q oa:exact ?exact }} }}"""
    )
    return [(int(r["start"].value), int(r["end"].value), r["exact"].value) for r in rows]  # type: ignore[union-attr]


def test_changing_year_n_s_prose_re_measures_year_n_plus_1_in_an_incremental_build(
    corpus: Path, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    shutil.copytree(corpus, data)
    settings = settings_for(data, tmp_path / "build")
    first = build(settings)
    before = measured(Store.read_only(str(first.release / "store")))
    # an agency whose 2021 report repeats much of 2020's: its 2020 prose rewritten (every section's words
    # reversed, the same length so that every offset holds) makes 2021 repeat less
    agency = next(a for (a, y), s in sorted(before.items()) if y == 2021 and s > Decimal("0.5"))
    record = data / "reports" / agency / "2020.yaml"
    source = record.with_name("2020.source.html")
    overview = _overview(record)
    text = source.read_text(encoding="utf-8")
    assert text.count(overview) == 1
    source.write_text(text.replace(overview, overview[::-1]), encoding="utf-8")
    record.write_text(record.read_text(encoding="utf-8").replace(json.dumps(overview, ensure_ascii=False)[1:-1],
                      json.dumps(overview[::-1], ensure_ascii=False)[1:-1]), encoding="utf-8")  # fmt: skip
    second = build(settings)
    assert second.incremental
    after = measured(Store.read_only(str(second.release / "store")))
    assert after[(agency, 2021)] < before[(agency, 2021)]
    assert {k: v for k, v in after.items() if k[0] != agency} == {k: v for k, v in before.items() if k[0] != agency}


def _overview(record: Path) -> str:
    """The last piece of the overview section's text in a synthetic national record: the year's work paragraph."""
    text = record.read_text(encoding="utf-8")
    start = text.index("\n  overview:\n")
    line = next(line for line in text[start:].splitlines() if line.strip().startswith("text:"))
    overview = json.loads(line.split("text:", 1)[1].strip())
    return str(overview).split("政府信息公开工作取得新进展。", 1)[1]


# ---------------------------------------------------------------------------
# Shown: the report page and the coverage (zh, en), their numbers equal to the CSV and the named query
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def served(corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    server = start_live_server(tmp_path_factory.mktemp("reuse-build"), corpus, response_cache_mb=0)
    yield server
    server.close()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_reports_of_2022_repeating_half_are_two_clicks_from_home_and_equal_their_csv_and_query(
    served: LiveServer, browser: Any, lang: str
) -> None:
    page = open_page(browser, f"{served.url}/?lang={lang}", lang)
    try:
        page.locator(f"main a[href='/coverage?lang={lang}']").first.click()
        page.wait_for_load_state()
        page.locator("p.reuse-years a", has_text="2022").click()
        page.wait_for_load_state()
        assert "year=2022" in page.url and "reuse_min=50" in page.url
        rows = page.eval_on_selector_all(
            "table.reuse tbody tr[data-agency]", "trs => trs.map(tr => [tr.dataset.agency, tr.dataset.share])"
        )
        shown = page.locator("table.reuse td.share").all_inner_texts()
        bins = page.eval_on_selector_all(
            "svg#reuse-chart g.bar",
            "gs => gs.map(b => [b.querySelector('desc.x_label').textContent,"
            " b.querySelector('desc.value').textContent])",
        )
        table = page.eval_on_selector_all(
            "table.reuse-bins tbody tr", "trs => trs.map(tr => [tr.cells[0].textContent, tr.cells[1].textContent])"
        )
        matrix = page.eval_on_selector_all(
            "table.coverage tbody tr[data-agency]", "trs => trs.map(t => t.dataset.agency)"
        )
        heading = page.locator("#text-reuse h2").inner_text()
        csv_href = page.locator("a.reuse-csv").get_attribute("href")
    finally:
        page.close()
    assert ("2022" in heading) and ("50" in heading)
    assert rows and all(Decimal(share) >= Decimal("0.5") for _, share in rows)
    assert [Decimal(s) for _, s in rows] == sorted((Decimal(s) for _, s in rows), reverse=True)
    assert shown == [f"{(Decimal(s) * 100).normalize():f} %" for _, s in rows]
    assert set(matrix) <= {agency for agency, _ in rows}
    csv_rows = read_csv(served.url + csv_href)
    assert [(r["agency"], Decimal(r["share"])) for r in csv_rows] == [(a, Decimal(s)) for a, s in rows]
    answer = json.loads(fetch(f"{served.url}/queries/text-reuse?year=2022&min=50&format=json").body)
    named = [
        (b["agency"]["value"].rsplit("/", 1)[1], Decimal(b["share"]["value"])) for b in answer["results"]["bindings"]
    ]
    assert named == [(a, Decimal(s)) for a, s in rows]
    # the histogram counts the same reports, by bins of 10 %: 50–60 … 90–100 (100 % in the last)
    expected = {f"{start}–{start + 10} %": 0 for start in (50, 60, 70, 80, 90)}
    for _, share in rows:
        start = min(int(Decimal(share) * 10) * 10, 90)
        expected[f"{start}–{start + 10} %"] += 1
    assert {label: int(float(value)) for label, value in bins if float(value)} == {
        k: v for k, v in expected.items() if v
    }
    assert {label: int(count) for label, count in table} == expected


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_report_page_shows_its_share_its_previous_report_and_the_repeated_passages(
    served: LiveServer, browser: Any, lang: str
) -> None:
    answer = json.loads(fetch(f"{served.url}/queries/text-reuse?year=2022&min=50&format=json").body)
    first = answer["results"]["bindings"][0]
    agency = first["agency"]["value"].rsplit("/", 1)[1]
    page = open_page(browser, f"{served.url}/id/report/{agency}/2022?lang={lang}", lang)
    try:
        share = page.locator("#text-reuse .reuse-share").get_attribute("data-share")
        previous = page.locator("#text-reuse a.previous").get_attribute("href")
        passages = page.locator("#text-reuse table.reuse-passages tbody tr").count()
        words = page.locator("#text-reuse h2").inner_text()
    finally:
        page.close()
    assert Decimal(share or "") == Decimal(first["share"]["value"])
    assert previous == f"/id/report/{agency}/2021?lang={lang}"
    assert passages == int(first["passages"]["value"]) > 0
    assert words == ("与上一份报告重复的文字" if lang == "zh" else "Prose repeated from the previous report")
    # the first year has no previous report: no measurement, said so
    page = open_page(browser, f"{served.url}/id/report/{agency}/2019?lang={lang}", lang)
    try:
        none = page.locator("#text-reuse .reuse-none").inner_text()
    finally:
        page.close()
    assert none == ("没有上一份报告，不计量。" if lang == "zh" else "No previous report: not measured.")


def test_every_coverage_cell_with_a_measurement_shows_its_share(served: LiveServer) -> None:
    html = fetch(f"{served.url}/coverage?lang=en").text
    shares = json.loads(fetch(f"{served.url}/queries/text-reuse-shares?format=json").body)["results"]["bindings"]
    assert shares
    for b in shares[:5]:
        assert f'data-share="{b["share"]["value"]}"' in html
