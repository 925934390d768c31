"""Real PDF reports read as element trees: text, tables joined across pages, locations, and what is refused.

The two PDFs of ../shared/real-reports/ are reports as their agencies published them:
洪泽区人民政府 2023 (5 pages) and 淮安市人民政府 2024 (6 pages), both in the national 2021
format, both with tables 二 and 三 running on over a page break. Every expected cell (in
tests/fixtures/real_reports.py) was typed from the pages as printed (rendered with
`pdftoppm -r 80` and, for the tables, `-r 150`, and read by eye); labels are compared
without white space, since a gap the eye sees is not always a space. Nothing is copied from the reader's output.

The damaged, scanned and encrypted PDFs are written by the tests themselves (a PDF is a
few objects and a cross-reference table; the encrypted one uses the standard security
handler, revision 2, with a user password). Two small constructed PDFs check what the
real ones do not show: a header row repeated on the next page, and a row split by the page
break with no border drawn at the break.
"""

from __future__ import annotations

import hashlib
import io
import struct
from pathlib import Path

import pdfplumber
import pytest

from publisher.errors import SourceError
from publisher.importers.layout import Layout
from publisher.importers.tables import read_tables
from publisher.records.htmldoc import Element, LocationError
from publisher.records.pdfdoc import PdfDocument, is_pdf
from tests.fixtures.real_reports import (
    HONGZE_PROACTIVE,
    HONGZE_REQUESTS,
    HONGZE_REVIEW,
    HUAIAN_PROACTIVE,
    HUAIAN_REQUESTS,
    HUAIAN_REVIEW,
    REVIEW_RESULTS,
    ROWS_2021,
    typed_figures,
)
from tests.helpers import REAL_REPORTS

HONGZE = REAL_REPORTS / "hongze-2023" / "report.pdf"
HUAIAN = REAL_REPORTS / "huaian-2024" / "report.pdf"

# The tables typed from the pages, row by row, cell by cell: tests/fixtures/real_reports.py
EXPECTED = {
    "hongze": [HONGZE_PROACTIVE, HONGZE_REQUESTS, HONGZE_REVIEW],
    "huaian": [HUAIAN_PROACTIVE, HUAIAN_REQUESTS, HUAIAN_REVIEW],
}
# The pages each table is printed on, and the row (numbered in the joined table) that starts each later page.
PAGES = {
    "hongze": [("2", "3", 9), ("3", "4", 18), ("4", None, None)],
    "huaian": [("3", "4", 9), ("4", "5", 17), ("5", None, None)],
}


@pytest.fixture(scope="module")
def hongze() -> PdfDocument:
    return PdfDocument.read(HONGZE)


@pytest.fixture(scope="module")
def huaian() -> PdfDocument:
    return PdfDocument.read(HUAIAN)


@pytest.fixture(scope="module", params=["hongze", "huaian"])
def named(request: pytest.FixtureRequest) -> tuple[str, PdfDocument]:
    return request.param, request.getfixturevalue(request.param)


def bare(text: str) -> str:
    return "".join(text.split())


def rows_of(table: Element) -> list[list[str]]:
    return [[bare(td.text()) for td in tr.elements] for tr in table.elements]


def cell(document: PdfDocument, text: str) -> Element:
    """The one table cell whose text (without white space) is `text`."""
    found = [td for td in document.elements("td") if bare(td.text()) == text]
    assert len(found) == 1, (text, len(found))
    return found[0]


# ---------------------------------------------------------------------------
# Tables
# ---------------------------------------------------------------------------


def test_every_cell_of_every_table_is_read_as_printed(named: tuple[str, PdfDocument]) -> None:
    name, document = named
    tables = document.tables()
    assert len(tables) == 3  # 二, 三, 四: each one table, however many pages it runs over
    for table, expected in zip(tables, EXPECTED[name], strict=True):
        assert rows_of(table) == [[bare(text) for text in row] for row in expected]


def test_tables_continue_on_the_next_page(named: tuple[str, PdfDocument]) -> None:
    name, document = named
    for table, (first, last, turn) in zip(document.tables(), PAGES[name], strict=True):
        assert table.attrs.get("data-page") == first
        assert table.attrs.get("data-last-page") == last
        pages = [tr.attrs["data-page"] for tr in table.elements]
        if turn is not None:
            assert set(pages[: turn - 1]) == {first} and set(pages[turn - 1 :]) == {last}


def test_merged_cells_have_rowspan_and_colspan_as_html_would(hongze: PdfDocument, huaian: PdfDocument) -> None:
    for document, results_rows in ((hongze, "20"), (huaian, "22")):
        check = cell(document, "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）")
        assert (check.attrs.get("rowspan"), check.attrs.get("colspan")) == ("3", "3")
        assert cell(document, "申请人情况").attrs.get("colspan") == "7"
        assert cell(document, "法人或其他组织").attrs.get("colspan") == "5"
        assert cell(document, "自然人").attrs.get("rowspan") == "2"
        assert cell(document, "一、本年新收政府信息公开申请数量").attrs.get("colspan") == "3"
        # 三、本年度办理结果 runs down from （一） to （七） over the page break: one cell
        assert cell(document, "三、本年度办理结果").attrs.get("rowspan") == results_rows
        assert cell(document, "（三）不予公开").attrs.get("rowspan") == "8"
        assert cell(document, "（五）不予处理").attrs.get("rowspan") == "5"
        assert cell(document, "行政复议").attrs.get("colspan") == "5"
        assert cell(document, "行政诉讼").attrs.get("colspan") == "10"
        assert cell(document, "第二十条第（八）项").attrs.get("colspan") == "4"


def test_a_cell_split_by_the_page_break_is_one_cell(hongze: PdfDocument, huaian: PdfDocument) -> None:
    # 淮安: 「（四）无」 at the foot of page 4, 「法提供」 at the top of page 5 (both pages draw the border)
    split = cell(huaian, "（四）无法提供")
    assert split.text() == "（四）无法提供"
    assert (split.attrs["data-page"], split.attrs["data-last-page"], split.attrs["rowspan"]) == ("4", "5", "3")
    # 洪泽: the whole label on page 3; the cell goes on, without a border, beside row 3 on page 4
    merged = cell(hongze, "（四）无法提供")
    assert (merged.attrs["data-page"], merged.attrs["data-last-page"], merged.attrs["rowspan"]) == ("3", "4", "3")


def test_no_cell_of_the_reports_is_read_as_blank(named: tuple[str, PdfDocument]) -> None:
    # Neither report leaves a cell blank (a blank cell stays blank: see the constructed header table below).
    _name, document = named
    assert all(td.text() for td in document.elements("td"))


# ---------------------------------------------------------------------------
# Text rendition
# ---------------------------------------------------------------------------


def test_paragraphs_and_rows_stand_on_their_own_lines(hongze: PdfDocument, huaian: PdfDocument) -> None:
    lines = hongze.text.split("\n")
    assert lines[:2] == ["洪泽区人民政府", "2023 年政府信息公开工作年度报告"]
    for heading in ("一、总体情况", "二、主动公开政府信息情况", "六、其他需要报告的事项"):
        assert heading in lines
    assert "规章\t0\t0\t0" in lines
    assert "10\t1\t0\t0\t0\t0\t0\t0\t0\t0\t5\t0\t0\t0\t0" in lines
    assert "（六）其他处理\t0\t0\t0\t0\t0\t0\t0" in lines
    assert "72\t64\t178\t37\t351\t13\t4\t8\t1\t26\t12\t1\t1\t6\t20" in huaian.text.split("\n")
    assert (
        lines[-1] == "2023 年，区政府严格落实《政府信息公开信息处理费管理办法》，全年收取政府信息公开信息处理费 0 元。"
    )


def test_a_paragraph_runs_on_over_the_page_break_without_the_page_number(
    hongze: PdfDocument, huaian: PdfDocument
) -> None:
    # 洪泽 page 1 ends 「严格执行“分」, page 2 begins 「级审核、先审后发”程序」
    assert "严格执行“分级审核、先审后发”程序" in hongze.text
    # 淮安 page 2 ends 「将栏目不更」, page 3 begins 「新、政策解读不通俗易懂」
    assert "将栏目不更新、政策解读不通俗易懂" in huaian.text
    for document, pages in ((hongze, 5), (huaian, 6)):
        assert document.pages == pages
        for n in range(1, pages + 1):
            assert f"- {n} -" not in document.text
            assert f"-{n}-" not in bare(document.text)


def test_the_text_is_normalised_and_the_same_every_time(hongze: PdfDocument) -> None:
    assert PdfDocument.read(HONGZE).text == hongze.text
    assert "  " not in hongze.text and "\n\n" not in hongze.text and "\u3000" not in hongze.text
    assert all(line == line.strip(" ") for line in hongze.text.split("\n"))
    # a visible gap between digits and Chinese is written as a space, a line break inside Chinese as nothing
    period = "报告中所列数据统计期限自 2023 年 1 月 1 日起至 2023 年 12 月 31 日止。"
    assert period in hongze.text
    assert "2023 年全区受理政府信息公开申请 21 件，均在法定期限答复。" in hongze.text


def test_every_element_s_text_is_at_its_span(named: tuple[str, PdfDocument]) -> None:
    _name, document = named
    elements = [e for tag in ("p", "table", "tr", "td") for e in document.elements(tag)]
    assert len(document.elements("p")) > 10
    for element in elements:
        start, end = document.span(element)
        assert document.text[start:end] == element.text()
        if element.text():
            assert (start, end) == (element.start, element.end)


# ---------------------------------------------------------------------------
# Locations
# ---------------------------------------------------------------------------


def test_locate_then_resolve_gives_back_every_element(named: tuple[str, PdfDocument]) -> None:
    _name, document = named
    for tag in ("p", "table", "tr", "td"):
        for element in document.elements(tag):
            assert document.resolve(document.locate(element)) is element


def test_locations_name_the_page_and_the_cell_in_the_joined_table(hongze: PdfDocument, huaian: PdfDocument) -> None:
    assert hongze.locate(cell(hongze, "7730.28")) == "page 3, (//table)[1]/descendant::tr[14]/*[2]"
    assert hongze.locate(cell(hongze, "（四）无法提供")) == "page 3, (//table)[2]/descendant::tr[16]/*[1]"
    assert bare(hongze.resolve("page 4, (//table)[2]/descendant::tr[18]/*[1]").text()) == "3.补正后申请内容仍不明确"
    assert hongze.resolve("page 4, (//table)[2]/descendant::tr[18]/*[2]").text() == "0"
    assert huaian.resolve("page 5, (//table)[2]/descendant::tr[17]/*[2]").text() == "11"
    assert huaian.resolve("page 5, (//table)[3]/descendant::tr[4]/*[15]").text() == "20"
    # a cell on two pages is found from either
    split = cell(huaian, "（四）无法提供")
    assert huaian.locate(split) == "page 4, (//table)[2]/descendant::tr[16]/*[1]"
    assert huaian.resolve("page 5, (//table)[2]/descendant::tr[16]/*[1]") is split
    assert huaian.resolve("page 1, (//p)[1]").text() == "淮安市人民政府"


@pytest.mark.parametrize(
    ("location", "message"),
    [
        ("(//table)[1]/descendant::tr[1]/*[1]", "not a location in a PDF"),
        ("page 2, (//table)[9]/descendant::tr[1]/*[1]", "3 table(s), not 9"),
        ("page 2, (//table)[1]/descendant::tr[99]/*[1]", "14 row(s), not 99"),
        ("page 2, (//table)[1]/descendant::tr[2]/*[9]", "4 cell(s), not 9"),
        ("page 4, (//table)[1]/descendant::tr[1]/*[1]", "is on page 2, not on page 4"),
        ("page 5, (//table)[2]", "is on pages 3–4, not on page 5"),
        ("page 1, (//div)[1]", "TAG one of p, table, tr, td"),
        ("page 1, (//p)[999]", "<p> element(s), not 999"),
        ("somewhere", "not a location in a PDF"),
    ],
)
def test_resolve_says_why_a_location_selects_nothing(hongze: PdfDocument, location: str, message: str) -> None:
    with pytest.raises(LocationError, match=message.replace("(", r"\(").replace(")", r"\)")):
        hongze.resolve(location)


def test_an_element_of_another_document_has_no_location(hongze: PdfDocument) -> None:
    with pytest.raises(LocationError):
        hongze.locate(Element("td", {"data-page": "1"}))


# ---------------------------------------------------------------------------
# The national 2021 format read from the PDFs' tables by tables.read_tables, unchanged
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def national_2021() -> Layout:
    # Imported here, not at the top: tests/fixtures moves with the package's reorganisation, and the
    # other tests of this file do not need it.
    from tests.fixtures import examples

    return examples.layouts()["national-2021"]


def test_read_tables_maps_every_cell_of_the_huaian_pdf(huaian: PdfDocument, national_2021: Layout) -> None:
    result = read_tables(huaian, national_2021)
    assert result.unmapped == []
    mapped = {(f.codes["item"], f.codes["column"]): f.value for f in result.figures}
    assert mapped == typed_figures(HUAIAN_PROACTIVE, HUAIAN_REQUESTS, list(ROWS_2021), HUAIAN_REVIEW[-1])
    fees = next(f for f in result.figures if f.codes["item"] == "proactive/administrative-fees")
    assert (fees.unit, fees.location) == ("ten-thousand-yuan", "page 4, (//table)[1]/descendant::tr[14]/*[2]")
    needs_creation = [f for f in result.figures if f.codes["item"] == "request/unable-to-provide/needs-creation"]
    assert {f.location.split(",")[0] for f in needs_creation} == {"page 5"}


def test_read_tables_maps_the_hongze_pdf_and_lists_what_the_document_prints_off_format(
    hongze: PdfDocument, national_2021: Layout
) -> None:
    result = read_tables(hongze, national_2021)
    mapped = {(f.codes["item"], f.codes["column"]): f.value for f in result.figures}
    # 2.其他法律行政止公开 (sic) is no row of the format; nor is （六）其他处理 with figures (2021 has three rows)
    rows: list[str | None] = [*ROWS_2021[:20], None, "total-results", "carried-forward"]
    rows[5] = None
    assert mapped == typed_figures(HONGZE_PROACTIVE, HONGZE_REQUESTS, rows, HONGZE_REVIEW[-1])
    unmapped = {(u.location, bare(u.text)) for u in result.unmapped}
    assert ("page 3, (//table)[2]/descendant::tr[9]/*[1]", "2.其他法律行政止公开") in unmapped
    assert {("page 4, (//table)[2]/descendant::tr[24]/*[" + str(c) + "]", "0") for c in range(2, 9)} <= unmapped
    assert len([u for u in result.unmapped if u.location != "(page)"]) == 15  # the two rows' label and 14 zeros


def test_hongze_table_4_totals_are_read_as_printed_though_they_do_not_add_up(
    hongze: PdfDocument, national_2021: Layout
) -> None:
    figures = {(f.codes["item"], f.codes["column"]): f.value for f in read_tables(hongze, national_2021).figures}
    for block, parts, total in (("reconsideration", 11, 0), ("litigation-after-reconsideration", 5, 0)):
        results = [figures[f"review/{block}", f"review-result/{r}"] for r in REVIEW_RESULTS[:4]]
        assert (sum(results), figures[f"review/{block}", "review-result/total"]) == (parts, total)  # type: ignore[arg-type]


# ---------------------------------------------------------------------------
# PDFs written by the tests: a PDF is numbered objects, a cross-reference table and a trailer
# ---------------------------------------------------------------------------

HELVETICA = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"


def stream(data: bytes, entries: bytes = b"") -> bytes:
    return b"<< /Length %d %s>>\nstream\n%s\nendstream" % (len(data), entries, data)


def write_pdf(objects: list[bytes], trailer: bytes = b"") -> bytes:
    """A PDF of `objects` (object 1 is the catalog), with its cross-reference table."""
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R %s>>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, trailer, xref)
    return bytes(out)


def pages_pdf(contents: list[bytes], resources: bytes, extra: list[bytes], height: int = 200) -> bytes:
    """A PDF of pages with the given content streams; `extra` objects follow them (numbered from 3 + 2n)."""
    n = len(contents)
    kids = b" ".join(b"%d 0 R" % (3 + 2 * i) for i in range(n))
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, n)]
    for i, content in enumerate(contents):
        page = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 %d] /Resources %s /Contents %d 0 R >>"
        objects += [page % (height, resources, 4 + 2 * i), stream(content)]
    return write_pdf(objects + extra)


def text_pdf(text: bytes = b"Hello PDF") -> bytes:
    font = b"<< /Font << /F1 5 0 R >> >>"
    return pages_pdf([b"BT /F1 12 Tf 20 100 Td (%s) Tj ET" % text], font, [HELVETICA])


def scanned_pdf() -> bytes:
    """One page showing a 2×2 grey image and no text: what a scanner writes."""
    image = b"/Type /XObject /Subtype /Image /Width 2 /Height 2 /ColorSpace /DeviceGray /BitsPerComponent 8 "
    resources = b"<< /XObject << /Im0 5 0 R >> >>"
    return pages_pdf([b"q 280 0 0 180 10 10 cm /Im0 Do Q"], resources, [stream(b"\x00\xff\xff\x00", image)])


PADDING = bytes.fromhex("28BF4E5E4E758A4164004E56FFFA01082E2E00B6D0683E802F0CA9FE6453697A")


def rc4(key: bytes, data: bytes) -> bytes:
    s = list(range(256))
    j = 0
    for i in range(256):
        j = (j + s[i] + key[i % len(key)]) % 256
        s[i], s[j] = s[j], s[i]
    i = j = 0
    out = bytearray()
    for byte in data:
        i = (i + 1) % 256
        j = (j + s[i]) % 256
        s[i], s[j] = s[j], s[i]
        out.append(byte ^ s[(s[i] + s[j]) % 256])
    return bytes(out)


def encrypted_pdf(user: bytes, owner: bytes = b"owner") -> bytes:
    """`text_pdf` encrypted with the standard security handler, revision 2 (ISO 32000-1 §7.6.3, algorithms 2–4)."""
    ident = hashlib.md5(b"publisher test").digest()
    o = rc4(hashlib.md5((owner + PADDING)[:32]).digest()[:5], (user + PADDING)[:32])
    permissions = -4
    key = hashlib.md5((user + PADDING)[:32] + o + struct.pack("<i", permissions) + ident).digest()[:5]
    u = rc4(key, PADDING)
    content_key = hashlib.md5(key + struct.pack("<i", 4)[:3] + b"\x00\x00").digest()[:10]  # object 4, generation 0
    font = b"<< /Font << /F1 5 0 R >> >>"
    page = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 200] /Resources %s /Contents 4 0 R >>" % font
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        page,
        stream(rc4(content_key, b"BT /F1 12 Tf 20 100 Td (Hello PDF) Tj ET")),
        HELVETICA,
        b"<< /Filter /Standard /V 1 /R 2 /O <%s> /U <%s> /P %d >>" % (o.hex().encode(), u.hex().encode(), permissions),
    ]
    ids = b"/ID [<%s> <%s>] " % (ident.hex().encode(), ident.hex().encode())
    return write_pdf(objects, b"/Encrypt 6 0 R " + ids)


# ---------------------------------------------------------------------------
# What the reader refuses, and that it writes nothing
# ---------------------------------------------------------------------------


def refused(path: Path, data: bytes) -> str:
    path.write_bytes(data)
    before = sorted(path.parent.iterdir())
    with pytest.raises(SourceError) as caught:
        PdfDocument.read(path)
    assert sorted(path.parent.iterdir()) == before  # nothing written beside it
    assert str(path) in str(caught.value)
    return str(caught.value)


def test_a_pdf_written_here_is_read(tmp_path: Path) -> None:
    path = tmp_path / "hello.pdf"
    path.write_bytes(text_pdf())
    document = PdfDocument.read(path)
    assert document.text == "Hello PDF"
    assert [p.text() for p in document.elements("p")] == ["Hello PDF"]


def test_a_scan_without_a_text_layer_is_refused_with_ocr_advice(tmp_path: Path) -> None:
    message = refused(tmp_path / "scan.pdf", scanned_pdf())
    assert "no text layer" in message and "OCR" in message and "text version" in message


def test_a_page_that_is_only_an_image_is_listed(tmp_path: Path) -> None:
    path = tmp_path / "half-scanned.pdf"
    image = b"/Type /XObject /Subtype /Image /Width 2 /Height 2 /ColorSpace /DeviceGray /BitsPerComponent 8 "
    resources = b"<< /Font << /F1 7 0 R >> /XObject << /Im0 8 0 R >> >>"
    contents = [b"BT /F1 12 Tf 20 100 Td (Page one) Tj ET", b"q 280 0 0 180 10 10 cm /Im0 Do Q"]
    path.write_bytes(pages_pdf(contents, resources, [HELVETICA, stream(b"\x00\xff\xff\x00", image)]))
    document = PdfDocument.read(path)
    assert (document.text, document.pages, document.image_only_pages) == ("Page one", 2, [2])


def test_an_encrypted_pdf_is_refused_and_asks_for_an_unprotected_copy(tmp_path: Path) -> None:
    data = encrypted_pdf(user=b"secret")
    # a real encrypted PDF: it opens with its password
    with pdfplumber.open(io.BytesIO(data), password="secret") as pdf:
        assert pdf.pages[0].extract_text() == "Hello PDF"
    message = refused(tmp_path / "locked.pdf", data)
    assert "encrypted" in message and "password" in message and "unprotected copy" in message


def test_a_pdf_encrypted_without_a_user_password_is_read(tmp_path: Path) -> None:
    path = tmp_path / "owner-only.pdf"
    path.write_bytes(encrypted_pdf(user=b""))
    assert PdfDocument.read(path).text == "Hello PDF"


def test_a_truncated_pdf_is_refused(tmp_path: Path) -> None:
    data = HONGZE.read_bytes()
    message = refused(tmp_path / "half.pdf", data[: len(data) // 2])
    assert "cut short" in message and "download it again" in message


def test_a_damaged_pdf_is_refused(tmp_path: Path) -> None:
    message = refused(tmp_path / "damaged.pdf", b"%PDF-1.7\n" + bytes(range(256)) * 8 + b"\n%%EOF\n")
    assert "damaged" in message and "download it again" in message


@pytest.mark.parametrize(
    "data", ["<!DOCTYPE html><html><body>2023年报告</body></html>".encode(), b"", b"PK\x03\x04 a Word file", b"%PD"]
)
def test_a_file_that_is_not_a_pdf_is_refused(tmp_path: Path, data: bytes) -> None:
    message = refused(tmp_path / "report.pdf", data)
    assert "not a PDF" in message and "%PDF-" in message
    assert not is_pdf(data)


def test_a_missing_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="file not found"):
        PdfDocument.read(tmp_path / "absent.pdf")
    assert list(tmp_path.iterdir()) == []


def test_a_pdf_is_told_by_its_first_bytes() -> None:
    assert is_pdf(HONGZE.read_bytes()) and is_pdf(HUAIAN.read_bytes())
    assert is_pdf(b"\xef\xbb\xbf%PDF-1.4\n")  # bytes before the header, as readers accept
    assert not is_pdf(b" " * 1024 + b"%PDF-1.4")


# ---------------------------------------------------------------------------
# Constructed tables: what the real PDFs do not show
# ---------------------------------------------------------------------------


def table_page(rows: list[tuple[str, str]], top: bool, bottom: bool, above: str = "", below: str = "") -> bytes:
    """A page with a 2-column table of `rows` (20 pt high each) from y=170 down, its top or bottom border left out."""
    ys = [170 - 20 * i for i in range(len(rows) + 1)]
    ops = [b"0.5 w"]
    for i, y in enumerate(ys):
        if (i > 0 or top) and (i < len(rows) or bottom):
            ops.append(b"20 %d m 220 %d l S" % (y, y))
    ops += [b"%d %d m %d %d l S" % (x, ys[0], x, ys[-1]) for x in (20, 120, 220)]
    for y, row in zip(ys, rows, strict=False):
        cells = zip((20, 120), row, strict=True)
        ops += [b"BT /F1 9 Tf %d %d Td (%s) Tj ET" % (x + 4, y - 14, t.encode()) for x, t in cells if t]
    if above:
        ops.append(b"BT /F1 9 Tf 20 185 Td (%s) Tj ET" % above.encode())
    if below:
        ops.append(b"BT /F1 9 Tf 20 %d Td (%s) Tj ET" % (ys[-1] - 15, below.encode()))
    return b"\n".join(ops)


def two_page_table(tmp_path: Path, first: bytes, second: bytes) -> PdfDocument:
    path = tmp_path / "table.pdf"
    font = b"<< /Font << /F1 7 0 R >> >>"
    path.write_bytes(pages_pdf([first, second], font, [HELVETICA]))
    return PdfDocument.read(path)


def test_a_header_row_repeated_on_the_next_page_is_dropped(tmp_path: Path) -> None:
    header = ("Item", "Count")
    first = table_page([header, ("Alpha", "1"), ("Beta", "2"), ("Gamma", "")], True, True, above="Figures")
    second = table_page([header, ("Delta", "4"), ("Epsilon", "5")], True, True, below="End")
    document = two_page_table(tmp_path, first, second)
    (table,) = document.tables()
    expected = [["Item", "Count"], ["Alpha", "1"], ["Beta", "2"], ["Gamma", ""], ["Delta", "4"], ["Epsilon", "5"]]
    assert rows_of(table) == expected
    assert document.text == "Figures\nItem\tCount\nAlpha\t1\nBeta\t2\nGamma\t\nDelta\t4\nEpsilon\t5\nEnd"
    assert document.locate(table.elements[4].elements[1]) == "page 2, (//table)[1]/descendant::tr[5]/*[2]"
    assert document.resolve("page 1, (//table)[1]/descendant::tr[4]/*[2]").text() == ""  # blank stays blank


def test_a_row_split_by_the_page_break_with_no_border_there_is_one_row(tmp_path: Path) -> None:
    first = table_page([("Item", "Count"), ("Alpha", "1"), ("Beta part", "2")], True, False, above="Figures")
    second = table_page([("two", ""), ("Delta", "4")], False, True, below="End")
    document = two_page_table(tmp_path, first, second)
    (table,) = document.tables()
    assert [[td.text() for td in tr.elements] for tr in table.elements] == [
        ["Item", "Count"], ["Alpha", "1"], ["Beta part two", "2"], ["Delta", "4"]
    ]  # fmt: skip
    joined = table.elements[2].elements[0]
    assert (joined.attrs["data-page"], joined.attrs["data-last-page"]) == ("1", "2")
    assert "rowspan" not in joined.attrs


def test_borders_drawn_as_one_path_make_a_table_too(tmp_path: Path) -> None:
    # The frame is one open path (m l l l), which pdfplumber gives as a curve, not as lines or a rectangle.
    frame = b"0.5 w 20 130 m 20 170 l 220 170 l 220 130 l S 20 130 m 220 130 l S 20 150 m 220 150 l S"
    ops = [frame, b"120 170 m 120 130 l S"]
    for x, y, text in ((24, 156, b"Item"), (124, 156, b"Count"), (24, 136, b"Alpha"), (124, 136, b"7")):
        ops.append(b"BT /F1 9 Tf %d %d Td (%s) Tj ET" % (x, y, text))
    path = tmp_path / "path.pdf"
    path.write_bytes(pages_pdf([b"\n".join(ops)], b"<< /Font << /F1 5 0 R >> >>", [HELVETICA]))
    (table,) = PdfDocument.read(path).tables()
    assert rows_of(table) == [["Item", "Count"], ["Alpha", "7"]]
