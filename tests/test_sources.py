"""Every form a report arrives in — saved whole pages, PDFs, other encodings, traditional characters — imported, served.

The seven documents of ../shared/real-reports/ (five saved whole pages of one agency,
two PDFs) import with the format of their era and the reasons for it; a page is read
for its article only (the site's ICP licence number and 网站标识码 around it are never
candidates); a wrong year is refused naming the file; a GB18030 copy of a page and a
traditional-character copy map the same cells. Then one page and one PDF go the whole
way: record written, built by the real build, served by a live server as the article's
text and as the document as published. Expected words are typed from the documents.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import opencc
import pytest
from pyoxigraph import NamedNode

from publisher.build.project import load_project
from publisher.errors import SourceError
from publisher.graph.formats import union
from publisher.importers.detection import FormatFacts, format_facts
from publisher.importers.record import ImportResult, import_report
from publisher.importers.recordfile import write_record
from publisher.rdf.namespaces import DCTERMS
from publisher.records.htmldoc import Document
from publisher.records.loading import load_report
from publisher.records.textdoc import to_simplified
from tests.fixtures import examples
from tests.fixtures.real_reports import HONGZE, HUAIAN, PINGTAN, REGISTRY
from tests.helpers import REAL_REPORTS, LiveServer, make_settings, start_live_server
from tests.http import fetch

DOCUMENTS = {  # folder → (file, agency, year, format)
    "pingtan-2011": ("page.html", PINGTAN, 2011, "pre-2019"),
    "pingtan-2016": ("page.html", PINGTAN, 2016, "pre-2019"),
    "pingtan-2019": ("page.html", PINGTAN, 2019, "national-2019"),
    "pingtan-2021": ("page.html", PINGTAN, 2021, "national-2021"),
    "pingtan-2024": ("page.html", PINGTAN, 2024, "national-2021"),
    "hongze-2023": ("report.pdf", HONGZE, 2023, "national-2021"),
    "huaian-2024": ("report.pdf", HUAIAN, 2024, "national-2021"),
}
PAGES = [name for name in DOCUMENTS if name.startswith("pingtan")]
# The article element of each page, by its class in the page's HTML source.
ARTICLE_CLASS = {
    "pingtan-2011": "article_content article_content_01 font_family_cn",
    "pingtan-2016": "TRS_Editor",
    "pingtan-2019": "TRS_Editor",
    "pingtan-2021": "article_content article_content_01 font_family_cn",
    "pingtan-2024": "TRS_Editor",
}
# The site's footer: 闽ICP备09032658号 and 网站标识码：3590000001 (in every page, outside the article).
CHROME_NUMBERS = ("09032658", "3590000001")
# The first words of each report, typed from the page source and from the PDF's first page.
FIRST_WORDS = {
    "pingtan-2011": "本报告主要根据《中华人民共和国政府信息公开条例》",
    "pingtan-2024": "本报告根据《中华人民共和国政府信息公开条例》（国务院令第711号）",
    "hongze-2023": "本报告由淮安市洪泽区人民政府办公室根据《中华人民共和",
}


def path_of(name: str) -> Path:
    return REAL_REPORTS / name / DOCUMENTS[name][0]


@cache
def facts() -> FormatFacts:
    return format_facts(union(examples.project().ontology.values()), examples.layouts())


def import_one(path: Path, agency: str, year: int) -> ImportResult:
    return import_report(path, agency, year, examples.layouts(), facts=facts())


@pytest.fixture(scope="module")
def imported() -> dict[str, ImportResult]:
    return {name: import_one(path_of(name), agency, year) for name, (_f, agency, year, _fmt) in DOCUMENTS.items()}


def cells(result: ImportResult) -> dict[str, tuple[object, str | None, str | None]]:
    return {f.key: (f.value, f.location, f.text) for f in result.figures if f.location is not None}


# ---------------------------------------------------------------------------
# Import: every document, its era's format and why, the article only
# ---------------------------------------------------------------------------


def test_every_document_is_one_of_the_seven() -> None:
    assert len(DOCUMENTS) == 7 and all(path_of(name).is_file() for name in DOCUMENTS)


@pytest.mark.parametrize("name", list(DOCUMENTS))
def test_each_document_imports_with_the_format_of_its_era_and_says_why(
    imported: dict[str, ImportResult], name: str
) -> None:
    _file, _agency, year, fmt = DOCUMENTS[name]
    result = imported[name]
    assert result.format == fmt
    assert result.format_reasons and any(f"year {year}: formats of its era" in r for r in result.format_reasons)
    assert any(f"chose {fmt}" in r for r in result.format_reasons)
    assert result.media_type == ("application/pdf" if name.endswith(("2023", "huaian-2024")) else "text/html")
    assert result.title is not None and str(year) in result.title and "政府信息公开工作年度报告" in result.title
    assert [f for f in result.figures if f.location is not None], "the tables give cells"


@pytest.mark.parametrize("name", PAGES)
def test_a_page_is_read_for_its_article_and_its_chrome_numbers_are_never_candidates(
    imported: dict[str, ImportResult], name: str
) -> None:
    result = imported[name]
    page = Document(path_of(name).read_text(encoding="utf-8"))
    assert result.article is not None
    assert page.resolve(result.article).attrs.get("class") == ARTICLE_CLASS[name]
    assert all(number in page.text for number in CHROME_NUMBERS)  # the whole page has them …
    listed = " ".join(u.text for u in result.unmapped)
    assert not any(number in listed for number in CHROME_NUMBERS)  # … the import does not list them
    article = Document(path_of(name).read_text(encoding="utf-8"), result.article).text
    assert not any(number in article for number in CHROME_NUMBERS)
    assert all(f.offset is None or f.quote == article[f.offset : f.offset + len(f.quote or "")] for f in result.figures)


def test_a_pdf_s_cells_are_located_by_page_and_cell(imported: dict[str, ImportResult]) -> None:
    located = [f.location for f in imported["hongze-2023"].figures if f.location is not None]
    assert located and all(loc.startswith("page ") and "(//table)[" in loc for loc in located)
    assert imported["hongze-2023"].article is None


@pytest.mark.parametrize(
    "name, year",
    [pytest.param("pingtan-2019", 2020, id="page"), pytest.param("hongze-2023", 2024, id="pdf")],
)
def test_a_document_of_another_year_is_refused_naming_the_file(name: str, year: int) -> None:
    _file, agency, stated, _fmt = DOCUMENTS[name]
    with pytest.raises(SourceError, match=f"{path_of(name)}.*report for {stated}, not {year}"):
        import_one(path_of(name), agency, year)


def test_bytes_in_no_known_encoding_are_refused_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "report.txt"
    path.write_bytes(b"\xff\x80\xff\x80 2021\x80\xff\x80\xfe" * 40)
    with pytest.raises(SourceError, match=f"{path}.*save it as UTF-8"):
        import_one(path, PINGTAN, 2021)


# ---------------------------------------------------------------------------
# Other encodings and traditional characters
# ---------------------------------------------------------------------------


def test_a_gb18030_copy_of_a_page_imports_the_same_figures(imported: dict[str, ImportResult], tmp_path: Path) -> None:
    markup = path_of("pingtan-2021").read_text(encoding="utf-8").replace('charset="utf-8"', 'charset="gb18030"')
    copy = tmp_path / "page.html"
    copy.write_bytes(markup.encode("gb18030"))
    assert not _is_utf8(copy.read_bytes())
    again = import_one(copy, PINGTAN, 2021)

    def seen(result: ImportResult) -> list[tuple[object, ...]]:
        return [(f.key, f.value, f.location, f.text, f.quote, f.offset) for f in result.figures]

    assert seen(again) == seen(imported["pingtan-2021"]) and again.article == imported["pingtan-2021"].article


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def test_a_traditional_copy_maps_the_same_cells_with_its_own_words(
    imported: dict[str, ImportResult], tmp_path: Path
) -> None:
    """The page converted with OpenCC s2t: the same cells and values; quotes and cell texts as the copy has them."""
    markup = opencc.OpenCC("s2t").convert(path_of("pingtan-2021").read_text(encoding="utf-8"))
    assert "政府信息公開工作年度報告" in markup
    copy = tmp_path / "page.html"
    copy.write_text(markup, encoding="utf-8")
    result = import_one(copy, PINGTAN, 2021)
    simple = imported["pingtan-2021"]
    assert result.traditional and not simple.traditional and result.format == "national-2021"
    assert {k: v for k, (v, _l, _t) in cells(result).items()} == {k: v for k, (v, _l, _t) in cells(simple).items()}
    page = Document(markup)
    for _value, location, text in cells(result).values():
        assert location is not None and page.resolve(location).text() == text
    article = Document(markup, result.article).text
    quotes = [(f.quote, f.offset) for f in result.figures if f.quote is not None and f.offset is not None]
    quotes += [(f.quote, f.offset) for f in result.facts] + [(s.text, s.offset) for s in result.sections]
    assert result.period is not None and simple.period is not None
    quotes.append((result.period.quote, result.period.offset))
    assert all(article[offset : offset + len(quote)] == quote for quote, offset in quotes)
    assert result.period.quote != simple.period.quote and to_simplified(result.period.quote) == simple.period.quote
    assert (result.period.start, result.period.end) == (simple.period.start, simple.period.end)
    assert [s.key for s in result.sections] == [s.key for s in simple.sections] and result.sections
    assert all(s.text != t.text for s, t in zip(result.sections, simple.sections, strict=True))


# ---------------------------------------------------------------------------
# End to end: a page and a PDF written as records, built, served
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def served(imported: dict[str, ImportResult], tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    data = tmp_path_factory.mktemp("forms") / "data"
    (data / "reports").mkdir(parents=True)
    (data / "agencies.yaml").write_text(REGISTRY, encoding="utf-8")
    for name in ("pingtan-2024", "hongze-2023"):
        file, agency, year, _fmt = DOCUMENTS[name]
        folder = data / "reports" / agency
        folder.mkdir(exist_ok=True)
        source = folder / f"{year}.source{Path(file).suffix}"
        shutil.copyfile(path_of(name), source)
        (folder / f"{year}.yaml").write_text(write_record(imported[name], source.name), encoding="utf-8")
    server = start_live_server(tmp_path_factory.mktemp("forms-build"), data)
    yield server
    server.close()


def source_url(server: LiveServer, name: str, suffix: str = "") -> str:
    _file, agency, year, _fmt = DOCUMENTS[name]
    return f"{server.url}/id/report/{agency}/{year}/source{suffix}"


@pytest.mark.parametrize("name", ["pingtan-2024", "hongze-2023"])
def test_the_source_is_served_as_the_text_quotes_refer_to(served: LiveServer, name: str) -> None:
    answer = fetch(source_url(served, name), headers={"Accept": "text/plain"})
    assert answer.status == 200 and answer.media_type == "text/plain"
    assert FIRST_WORDS[name] in answer.text[:200]
    assert not any(number in answer.text for number in CHROME_NUMBERS)
    assert fetch(source_url(served, name, ".txt")).body == answer.body


def test_the_pdf_is_served_as_published(served: LiveServer) -> None:
    original = path_of("hongze-2023").read_bytes()
    asked = fetch(source_url(served, "hongze-2023"), headers={"Accept": "application/pdf"})
    assert asked.status == 200 and asked.media_type == "application/pdf" and asked.body == original
    by_suffix = fetch(source_url(served, "hongze-2023", ".pdf"))
    assert by_suffix.status == 200 and by_suffix.body == original
    links = fetch(source_url(served, "hongze-2023"), headers={"Accept": "text/turtle"}).header("Link") or ""
    assert 'type="application/pdf"' in links and 'type="text/plain"' in links


def test_the_page_is_served_as_published_by_its_suffix_sandboxed(served: LiveServer) -> None:
    answer = fetch(source_url(served, "pingtan-2024", ".html"))
    assert answer.status == 200 and answer.media_type == "text/html"
    assert answer.body == path_of("pingtan-2024").read_bytes()
    assert answer.header("Content-Security-Policy") == "sandbox"
    assert fetch(source_url(served, "pingtan-2024"), headers={"Accept": "application/pdf"}).status == 406
    described = fetch(source_url(served, "pingtan-2024"), headers={"Accept": "text/html"})  # a browser: as before
    assert described.status == 200 and described.media_type == "text/html" and described.body != answer.body
    assert described.header("Content-Location") is None  # source.html is the page as published, not this


def test_the_graph_says_what_each_original_is(served: LiveServer) -> None:
    store = served.app.extensions["publication"].store
    for name, expected in (("pingtan-2024", "text/html"), ("hongze-2023", "application/pdf")):
        subject = NamedNode(source_url(served, name))
        found = {q.object.value for q in store.quads_for_pattern(subject, NamedNode(str(DCTERMS.format)), None)}
        assert found == {expected}, name


def test_a_record_s_article_that_is_no_element_of_the_page_is_refused(
    imported: dict[str, ImportResult], tmp_path: Path
) -> None:
    (tmp_path / "agencies.yaml").write_text(REGISTRY, encoding="utf-8")
    folder = tmp_path / "reports" / PINGTAN
    folder.mkdir(parents=True)
    shutil.copyfile(path_of("pingtan-2024"), folder / "2024.source.html")
    result = imported["pingtan-2024"]
    assert result.article is not None
    record = folder / "2024.yaml"
    record.write_text(
        write_record(result, "2024.source.html").replace(result.article, "(//div)[9999]", 1), encoding="utf-8"
    )
    project = load_project(make_settings(data_dir=tmp_path))
    with pytest.raises(SourceError, match=r"2024\.yaml:\d+: field 'source\.article': the page has \d+ <div>"):
        load_report(record, project.registry, {s: f.record_keys for s, f in project.formats.items()})
