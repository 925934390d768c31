"""A report's source document in whatever form it arrives: its bytes, its kind, its text rendition.

Three kinds, told from the bytes and the name:

- a PDF: `%PDF-` at its start (`pdfdoc.is_pdf`), whatever its name; read with
  `pdfdoc.PdfDocument` (SourceError for a scan, an encrypted or a damaged file);
- an HTML page: a name ending .html/.htm (.shtml, .xhtml) or bytes that start as
  markup; read with `htmldoc.Document`, for the whole page or, with `scope`, for one
  element (the report's article in a saved whole page, `article.find_article`);
- plain text: anything else.

Text is decoded by `textdoc.decode` (byte-order mark, the page's <meta charset>, UTF-8,
GB18030/GBK, Big5). The text rendition (`Opened.text`) is what quotes and offsets of a
record refer to and what is served as the source's text; the bytes as published stay
the original, served as such.
"""

from __future__ import annotations

import codecs
import copy
import os
from dataclasses import dataclass
from pathlib import Path

from publisher.errors import SourceError
from publisher.rdf.mediatypes import FILE_BY_NAME
from publisher.records.article import is_report_title, title_year
from publisher.records.htmldoc import Document, SourceDocument
from publisher.records.pdfdoc import PdfDocument, is_pdf
from publisher.records.textdoc import HTML_START, HTML_SUFFIXES, decode, to_simplified

__all__ = [
    "FILE_SUFFIXES", "HTML", "PDF", "TEXT", "TITLE_LINES",
    "Opened", "check_title_year", "kind_of", "open_source", "read_bytes", "simplified", "text_title",
]  # fmt: skip

TEXT = FILE_BY_NAME["text"].media_type
HTML = FILE_BY_NAME["html"].media_type
PDF = FILE_BY_NAME["pdf"].media_type
#: The file name suffix of each kind of original.
FILE_SUFFIXES = {t.media_type: t.extension for t in (FILE_BY_NAME["pdf"], FILE_BY_NAME["html"], FILE_BY_NAME["text"])}
#: How many lines of a PDF or a text may come before its title.
TITLE_LINES = 12


@dataclass(frozen=True)
class Opened:
    """A source document read: its media type, its parsed document (None for plain text) and its text rendition."""

    media_type: str
    document: SourceDocument | None
    text: str


def read_bytes(path: Path) -> bytes:
    """The file's bytes; SourceError naming it when it is missing or cannot be read."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise SourceError(path, "file not found: check its path") from None
    except OSError as exc:
        raise SourceError(path, f"cannot read the file ({exc.strerror or exc}): check its path") from None


def kind_of(data: bytes, path: str | os.PathLike[str]) -> str:
    """The media type of a source: PDF by its magic bytes, HTML by its name or markup, else plain text."""
    if is_pdf(data):
        return PDF
    if Path(path).suffix.lower() in HTML_SUFFIXES:
        return HTML
    return HTML if HTML_START.match(data[:4096].removeprefix(codecs.BOM_UTF8)) else TEXT


def open_source(data: bytes, path: str | os.PathLike[str], scope: str | None = None) -> Opened:
    """Read a source's bytes into its document and text rendition; `scope`: the element of a page to read.

    SourceError names `path`: a PDF that cannot be read, bytes in no known encoding, a
    scope on a document that is not a page. LocationError: a scope that selects no element.
    """
    media_type = kind_of(data, path)
    if scope is not None and media_type != HTML:
        raise SourceError(path, f"only a web page has an article to read; this is {media_type}: leave 'article' out")
    if media_type == PDF:
        document: SourceDocument = PdfDocument(data, path)
        return Opened(media_type, document, document.text)
    text = decode(data, path, html=media_type == HTML)
    if media_type == TEXT:
        return Opened(media_type, None, text)
    page = Document(text, scope)
    return Opened(media_type, page, page.text)


def simplified(opened: Opened, data: bytes, path: str | os.PathLike[str], scope: str | None = None) -> Opened:
    """The same source with traditional characters read as simplified (textdoc.to_simplified).

    The text has the same length, each character at its place, and every element its
    location and span: what is found in it is at the same offsets, in the same cells,
    of the source as published.
    """
    if opened.media_type == TEXT:
        return Opened(TEXT, None, to_simplified(opened.text))
    if opened.media_type == HTML:
        page = Document(to_simplified(decode(data, path, html=True)), scope)
        return Opened(HTML, page, page.text)
    assert opened.document is not None
    document = copy.deepcopy(opened.document)
    text = list(opened.text)
    for element in document.root.iter():
        if any(isinstance(child, str) for child in element.children):
            # a PDF's paragraph or cell: its strings are its text in the rendition, from start to end
            element.children = [to_simplified(c) if isinstance(c, str) else c for c in element.children]
            text[element.start : element.end] = to_simplified(opened.text[element.start : element.end])
    document.text = "".join(text)
    return Opened(PDF, document, document.text)


def text_title(text: str) -> str | None:
    """The report's title at the head of a PDF's or a text's rendition: a line (or two) naming the report."""
    lines = [line.strip() for line in text.split("\n")[:TITLE_LINES]]
    for index, line in enumerate(lines):
        for candidate in (line, "".join(lines[max(0, index - 1) : index + 1])):
            if is_report_title(candidate):
                return candidate
    return None


def check_title_year(title: str | None, year: int, source: str | os.PathLike[str]) -> None:
    """Refuse a document whose title states another year than the one being imported."""
    stated = title_year(title) if title is not None else None
    if stated is not None and stated != year:
        raise SourceError(
            source,
            f"the document is titled {title!r}, the report for {stated}, not {year}: "
            f"import it as {stated}, or import the {year} report.",
        )
