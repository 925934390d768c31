"""Source documents decode from the encodings agencies use, and traditional text matches as simplified.

The text decoded is a real report's: the 2019 Pingtan page of ../shared/real-reports/ as
the text rendition reads it, written in each encoding (what that encoding can hold of
it) and read back. The traditional sentences are typed by hand.
"""

from __future__ import annotations

import codecs
from pathlib import Path

import opencc
import pytest

from publisher.errors import SourceError
from publisher.records import textdoc
from publisher.records.htmldoc import Document
from publisher.records.textdoc import (
    declared_encoding,
    decode,
    is_traditional,
    read_text,
    to_simplified,
    traditional_share,
)
from tests.helpers import REAL_REPORTS

PAGE = REAL_REPORTS / "pingtan-2019" / "page.html"


@pytest.fixture(scope="module")
def markup() -> str:
    return PAGE.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def report(markup: str) -> str:
    return Document(markup).text


@pytest.fixture(scope="module")
def traditional(report: str) -> str:
    """The report in traditional characters (OpenCC's s2t writes it; only the decoder is under test)."""
    converted: str = opencc.OpenCC("s2t").convert(report)
    return converted


def representable(text: str, encoding: str) -> str:
    """What an encoding can hold of a text: the characters it cannot encode are left out."""
    return "".join(c for c in text if c.encode(encoding, errors="ignore"))


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "gbk", "gb2312", "utf-16"])
def test_a_report_decodes_from_its_encoding(tmp_path: Path, report: str, encoding: str) -> None:
    original = representable(report, encoding)
    assert len(original) > 0.99 * len(report)  # the report's text is nearly all there in each
    path = tmp_path / "report.txt"
    path.write_bytes(original.encode(encoding))
    assert read_text(path) == original


def test_a_traditional_report_decodes_from_big5(tmp_path: Path, traditional: str) -> None:
    original = representable(traditional, "big5")
    assert "收到和處理政府信息公開申請情況" in original
    path = tmp_path / "report.txt"
    path.write_bytes(original.encode("big5"))
    assert read_text(path) == original


def test_a_page_in_gb18030_declared_as_gb2312_decodes(tmp_path: Path, markup: str) -> None:
    page = markup.replace('<meta charset="utf-8"', '<meta charset="gb2312"', 1)
    assert page != markup
    path = tmp_path / "page.html"
    path.write_bytes(page.encode("gb18030"))
    assert read_text(path) == page
    assert Document(read_text(path)).text == Document(markup).text


def test_the_pages_declaration_is_honoured_before_a_guess() -> None:
    # Big5 bytes that are also valid GB18030 (read as GB18030 they are other characters).
    page = (
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=big5"></head>'
        "<body>資訊公開申請件數</body></html>"
    )
    data = page.encode("big5")
    assert data.decode("gb18030") != page
    assert decode(data, "page.html", html=True) == page


def test_a_page_saved_as_utf8_that_kept_its_old_declaration_is_utf8(markup: str) -> None:
    page = markup.replace('<meta charset="utf-8"', '<meta charset="gbk"', 1)
    assert decode(page.encode("utf-8"), "page.html", html=True) == page


@pytest.mark.parametrize(
    ("head", "codec"),
    [
        (b'<meta charset="GB2312">', "gb18030"),
        (b"<meta charset=gbk>", "gb18030"),
        (b'<META HTTP-EQUIV="Content-Type" CONTENT="text/html; charset=big5">', "big5"),
        (b'<meta http-equiv="Content-Type" content="text/html; charset=x-gbk" />', "gb18030"),
        (b'<meta charset="utf-8" name="viewport" content="width=device-width">', "utf-8"),
        (b'<meta charset="no-such-encoding">', None),
        (b"<title>no declaration</title>", None),
    ],
)
def test_declared_encodings(head: bytes, codec: str | None) -> None:
    assert declared_encoding(b"<html><head>" + head + b"</head><body></body></html>") == codec


def test_an_xml_declaration_names_the_encoding() -> None:
    assert declared_encoding(b'<?xml version="1.0" encoding="GBK"?>\n<html><head></head></html>') == "gb18030"


def test_a_page_is_told_from_its_first_tag(tmp_path: Path) -> None:
    page = '<!DOCTYPE html><html><head><meta charset="big5"></head><body>資訊公開申請件數</body></html>'
    path = tmp_path / "report.txt"  # no .html suffix: the doctype says it is a page
    path.write_bytes(page.encode("big5"))
    assert read_text(path) == page


def test_undecodable_bytes_are_refused_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "broken.txt"
    path.write_bytes(b"\x80\xff\xfe\x81" * 50)
    with pytest.raises(SourceError) as caught:
        read_text(path)
    assert caught.value.file == str(path)
    assert str(path) in str(caught.value)
    assert "save it as UTF-8" in str(caught.value)


def test_a_bom_over_bytes_of_another_encoding_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "mixed.txt"
    path.write_bytes(codecs.BOM_UTF8 + "本机关全年共收到政府信息公开申请".encode("gbk"))
    with pytest.raises(SourceError) as caught:
        read_text(path)
    assert str(path) in str(caught.value)
    assert "UTF-8 byte-order mark but is not valid UTF-8" in str(caught.value)


def test_a_missing_file_is_a_source_error(tmp_path: Path) -> None:
    with pytest.raises(SourceError) as caught:
        read_text(tmp_path / "absent.txt")
    assert "absent.txt" in str(caught.value)


def test_traditional_converts_to_simplified_character_for_character() -> None:
    original = "本機關全年共收到政府信息公開申請"
    converted = to_simplified(original)
    assert converted == "本机关全年共收到政府信息公开申请"
    assert len(converted) == len(original)
    start = converted.index("信息公开申请")
    assert original[start : start + len("信息公开申请")] == "信息公開申請"


def test_offsets_in_the_converted_report_select_the_same_passage(traditional: str) -> None:
    converted = to_simplified(traditional)
    assert len(converted) == len(traditional)
    for simplified, in_original in [
        ("收到和处理政府信息公开申请情况", "收到和處理政府信息公開申請情況"),
        ("本年新收政府信息公开申请数量\t23", "本年新收政府信息公開申請數量\t23"),
        ("存在的主要问题及改进情况", "存在的主要問題及改進情況"),
    ]:
        start = converted.index(simplified)
        assert traditional[start : start + len(simplified)] == in_original


def test_conversion_keeps_everything_but_chinese_characters() -> None:
    original = "第二十條第（一）項\t規章\t0\n行政規範性文件 69件，ＡＢＣ abc 123 「引號」"
    converted = to_simplified(original)
    assert converted == "第二十条第（一）项\t规章\t0\n行政规范性文件 69件，ＡＢＣ abc 123 「引号」"


def test_phrases_choose_the_simplified_character() -> None:
    # 幹部 → 干部, 乾燥 → 干燥, but the emperor 乾隆 keeps 乾: OpenCC's phrase dictionary decides.
    assert to_simplified("幹部 乾燥 乾隆") == "干部 干燥 乾隆"


def test_a_run_whose_conversion_changes_length_is_converted_per_character(monkeypatch: pytest.MonkeyPatch) -> None:
    class Lengthening:
        def convert(self, text: str) -> str:
            singles = {"公": "公", "開": "开", "申": "申", "請": "请"}
            return singles[text] if len(text) == 1 else text + "書"  # a phrase conversion that adds a character

    monkeypatch.setattr(textdoc, "_converter", Lengthening)
    assert to_simplified("公開申請。") == "公开申请。"


def test_traditional_text_is_told_from_simplified(report: str, traditional: str) -> None:
    assert is_traditional(traditional)
    assert not is_traditional(report)
    assert traditional_share(report) == 0.0
    assert traditional_share("abc 123") == 0.0
    assert is_traditional("本機關全年共收到政府信息公開申請")
    assert not is_traditional("本机关全年共收到政府信息公开申请")
