"""A PDF report as the publisher reads it: element tree, text rendition, page-and-XPath locations.

A PDF with a text layer is read with pdfplumber (MIT, on pdfminer.six) into the same
kind of tree as an HTML page (`htmldoc.Element`): `p` elements for paragraphs and
`table`/`tr`/`td` for tables: `PdfDocument` is a `htmldoc.SourceDocument`, as an
HTML page is (`root`, `text`, `elements`, `span`, `tables` shared; its own `locate`
and `resolve`), so `tables.read_tables` reads its tables unchanged.

The text rendition is the document's text, pages in order, page numbers ("- 3 -",
"第3页") left out: each paragraph or table row stands on its own line, the cells of a
row are separated by a tab, runs of white space become one space. How a page's glyphs
make lines of text is in `pdfpage`, how tables are rebuilt and joined across pages in
`pdftables`, how lines make paragraphs in `pdfflow`; this module reads the file and
builds the document.

Locations are the page of an element (its first page, for one that runs on) and an
XPath 1.0 expression over the tree, in one of two forms:

    page P, (//table)[T]/descendant::tr[R]/*[C]   the C-th cell of the R-th row of the T-th table
    page P, (//TAG)[N]                            the N-th TAG element (p, table, tr, td)

Tables, rows and cells are numbered in the joined tables, not page by page. `resolve`
accepts exactly what `locate` writes, for any page the element is on.

`PdfDocument.read` refuses, with a SourceError saying what to do, a file that is not
a PDF, one cut short or damaged, one that needs a password, and one without a text
layer (a scan). An encrypted PDF that opens without a password is read. Pages that
hold an image and no text are listed in `image_only_pages`.
"""

from __future__ import annotations

import io
import re
import warnings
from pathlib import Path

import pdfplumber
from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
from pdfplumber.utils.exceptions import PdfminerException

from publisher.errors import SourceError
from publisher.records.htmldoc import Element, LocationError, SourceDocument
from publisher.records.pdfflow import Paragraph, flow
from publisher.records.pdfpage import Glyph, Objects, Page, join, rules_of
from publisher.records.pdftables import Part, Table, assemble

MAGIC = b"%PDF-"
PAGE_LOCATION = re.compile(r"page (\d+), (.+)")


def is_pdf(data: bytes) -> bool:
    """Whether the bytes are a PDF: `%PDF-` within the first 1024 bytes, as PDF readers accept it."""
    return MAGIC in data[:1024]


# ---------------------------------------------------------------------------
# Reading the file
# ---------------------------------------------------------------------------


def _open_failure(path: object, exc: BaseException) -> SourceError:
    cause = exc.args[0] if isinstance(exc, PdfminerException) and exc.args else exc
    if isinstance(cause, (PDFPasswordIncorrect, PDFEncryptionError)):
        return SourceError(
            path,
            "the PDF is encrypted and cannot be opened without a password: ask the agency for an unprotected "
            "copy, or open it with its password and save an unencrypted copy",
        )
    reason = str(cause) or type(cause).__name__
    return SourceError(
        path,
        f"the PDF is damaged and cannot be read ({reason}): download it again, or open it in a PDF reader "
        "and save it as a new PDF",
    )


def _glyphs_of(chars: Objects) -> list[Glyph]:
    return [
        Glyph(c["text"], float(c["x0"]), float(c["x1"]), float(c["top"]), float(c["bottom"]), float(c["size"]))
        for c in chars
        if c.get("text")
    ]


def _load(data: bytes, path: object) -> list[Page]:
    """The glyphs, ruling lines and images of every page (SourceError if the PDF cannot be read)."""
    read: list[tuple[float, Objects, Objects, Objects, Objects, int]] = []
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # pdfminer's warnings about fonts and streams are not the user's
            with pdfplumber.open(io.BytesIO(data)) as pdf:
                for page in pdf.pages:
                    chars = page.dedupe_chars().chars
                    read.append((float(page.height), chars, page.lines, page.rects, page.curves, len(page.images)))
                    page.close()
    except Exception as exc:  # pdfminer raises many kinds on a damaged file; each means the same to the user
        raise _open_failure(path, exc) from None
    return [
        Page(number, height, _glyphs_of(chars), rules_of(lines, rects, curves), images)
        for number, (height, chars, lines, rects, curves, images) in enumerate(read, start=1)
    ]


def _check_text(pages: list[Page], path: object) -> None:
    if not pages:
        raise SourceError(path, "the PDF has no pages: download it again")
    glyphs = [g for p in pages for g in p.glyphs if g.text.strip()]
    if not glyphs:
        held = "images (a scan?) but no characters" if any(p.images for p in pages) else "no characters"
        raise SourceError(
            path,
            f"the PDF has no text layer: its {len(pages)} page(s) hold {held}. Run OCR on it first (for example "
            "ocrmypdf -l chi_sim in.pdf out.pdf) or give a text version of the report, such as its web page",
        )
    unmapped = sum(1 for g in glyphs if g.text.startswith("(cid:"))
    if unmapped * 2 > len(glyphs):
        raise SourceError(
            path,
            "the PDF's text layer does not say which characters its glyphs are (its fonts have no Unicode "
            "map): run OCR on it or give a text version of the report, such as its web page",
        )


# ---------------------------------------------------------------------------
# The document
# ---------------------------------------------------------------------------


class PdfDocument(SourceDocument):
    """A PDF report: its elements, its text rendition, and page-and-XPath locations of its elements."""

    def __init__(self, data: bytes, source: object = "(PDF)") -> None:
        """Read a PDF from its bytes; `source` names it in errors (SourceError if it cannot be read)."""
        if not is_pdf(data):
            raise SourceError(
                source,
                "not a PDF (it does not begin with %PDF-): give the report as a PDF with a text layer, "
                "or as its saved web page (HTML)",
            )
        if b"%%EOF" not in data[-2048:]:
            raise SourceError(
                source,
                "the PDF is cut short (it has no %%EOF mark at its end): download it again, or open it in a "
                "PDF reader and save it as a new PDF",
            )
        pages = _load(data, source)
        _check_text(pages, source)
        self.source = str(source)
        self.pages = len(pages)
        self.image_only_pages = [p.number for p in pages if p.images and not any(g.text.strip() for g in p.glyphs)]
        self.root = self.scope = Element("#document", {})
        self._build(flow(pages))
        self.text = self._render()
        self._index()

    @classmethod
    def read(cls, path: Path) -> PdfDocument:
        """Read the PDF at `path` (SourceError if it is missing, not a PDF, damaged, encrypted or a scan)."""
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise SourceError(path, "file not found") from None
        except OSError as exc:
            raise SourceError(path, f"cannot read the file ({exc.strerror or exc}): check its path") from None
        return cls(data, path)

    def _build(self, blocks: list[Paragraph | Table]) -> None:
        for block in blocks:
            if isinstance(block, Paragraph):
                text = ""
                for line in block.lines:
                    text = join(text, line.text)
                pages = (block.lines[0].page, block.lines[-1].page)
                children: list[Element | str] = [text]
                self.root.children.append(Element("p", _page_attrs(*pages), self.root, children))
            else:
                self.root.children.append(self._table(block.parts))

    def _table(self, parts: list[Part]) -> Element:
        table = Element("table", _page_attrs(parts[0].page, parts[-1].page), self.root)
        for row in assemble(parts):
            first = row[0][0]
            tr = Element("tr", _page_attrs(first.page, max(b.last_page for b, _, _ in row)), table)
            table.children.append(tr)
            for box, rowspan, colspan in row:
                attrs = _page_attrs(box.page, box.last_page)
                if rowspan > 1:
                    attrs["rowspan"] = str(rowspan)
                if colspan > 1:
                    attrs["colspan"] = str(colspan)
                text: list[Element | str] = [box.text] if box.text else []
                tr.children.append(Element("td", attrs, tr, text))
        return table

    def _render(self) -> str:
        """The text rendition, recording each element's start and end in it."""
        out: list[str] = []
        length = 0

        def emit(text: str) -> None:
            nonlocal length
            out.append(text)
            length += len(text)

        for index, block in enumerate(self.root.elements):
            if index:
                emit("\n")
            block.start = length
            if block.tag == "p":
                emit(str(block.children[0]))
            for r, tr in enumerate(block.elements):
                if r:
                    emit("\n")
                tr.start = length
                for c, td in enumerate(tr.elements):
                    if c:
                        emit("\t")
                    td.start = length
                    emit("".join(str(child) for child in td.children))
                    td.end = length
                tr.end = length
            block.end = length
        self.root.end = length
        return "".join(out)

    def locate(self, element: Element) -> str:
        """The location of an element: its page and its XPath (see the module docstring for the forms)."""
        page = element.attrs.get("data-page")
        if page is None or not any(e is element for e in self.elements(element.tag)):
            raise LocationError(f"<{element.tag}> is not an element of {self.source} that has a location")
        return f"page {page}, {self.xpath_of(element)}"

    def resolve(self, location: str) -> Element:
        """The element a location selects, or LocationError saying why there is none."""
        paged = PAGE_LOCATION.fullmatch(location.strip())
        if paged is None:
            raise LocationError(
                f"{location!r} is not a location in a PDF: write 'page P, (//table)[T]/descendant::tr[R]/*[C]' "
                "for a table cell or 'page P, (//TAG)[N]' for a paragraph (p), table, row (tr) or cell (td)"
            )
        page, path = int(paged.group(1)), paged.group(2)
        element = self._select(path, location)
        first = int(element.attrs["data-page"])
        last = int(element.attrs.get("data-last-page", first))
        if not first <= page <= last:
            where = f"page {first}" if first == last else f"pages {first}–{last}"
            raise LocationError(f"{path} is on {where}, not on page {page} (the document has {self.pages} page(s))")
        return element

    def _select(self, path: str, location: str) -> Element:
        found = self.select(path, tags=("p", "table", "tr", "td"))
        if found is None:
            raise LocationError(
                f"{location!r}: after the page write (//table)[T]/descendant::tr[R]/*[C] for a table cell "
                "or (//TAG)[N] with TAG one of p, table, tr, td"
            )
        return found


def _page_attrs(first: int, last: int) -> dict[str, str]:
    attrs = {"data-page": str(first)}
    if last != first:
        attrs["data-last-page"] = str(last)
    return attrs
