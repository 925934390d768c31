"""The flow of a PDF: its paragraphs and tables in reading order, pages in order, joined across pages.

Lines of text outside the tables are joined into a paragraph (also across a page
break) when the earlier line reaches the right margin and the next is not indented,
of the same size and close below. Page numbers ("- 3 -", "第3页") are left out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from publisher.records.pdfpage import TOL, Line, Page, lines_of
from publisher.records.pdftables import Part, Table, parts_of

PAGE_NUMBER = re.compile(r"[-—–－\s]*(?:第\s*)?\d{1,4}(?:\s*页)?(?:\s*/\s*(?:共\s*)?\d{1,4}\s*页?)?[-—–－\s]*")


@dataclass
class Paragraph:
    """A paragraph: its lines of text, on one page or running on to the next."""

    lines: list[Line]


@dataclass
class _Margins:
    left: float
    right: float


def _is_furniture(line: Line, page: Page, items: list[Line | Part]) -> bool:
    """A page number: a line of its own first or last on the page, in the top or bottom margin."""
    if not PAGE_NUMBER.fullmatch(line.text):
        return False
    edge = line is items[0] or line is items[-1]
    return edge and (line.bottom < page.height * 0.12 or line.top > page.height * 0.88)


def _same_paragraph(previous: Line, line: Line, margins: _Margins, new_page: bool) -> bool:
    size = max(previous.size, line.size)
    if abs(previous.size - line.size) > 1.0 or line.x0 > margins.left + 0.5 * size:
        return False
    if previous.x1 < margins.right - 1.5 * size:
        return False
    return new_page or 0 <= line.top - previous.bottom <= 1.2 * size


def flow(pages: list[Page]) -> list[Paragraph | Table]:
    """The document's paragraphs and tables in reading order, tables and paragraphs joined across pages."""
    laid_out: list[list[Line | Part]] = []
    for page in pages:
        parts = parts_of(page)
        lines = lines_of(g for g in page.glyphs if not any(p.contains(g) for p in parts))
        for line in lines:
            line.page = page.number
        items: list[Line | Part] = sorted([*lines, *parts], key=lambda item: item.top)
        laid_out.append([i for i in items if not (isinstance(i, Line) and _is_furniture(i, page, items))])
    body = [i for items in laid_out for i in items if isinstance(i, Line)]
    margins = _Margins(min((i.x0 for i in body), default=0.0), max((i.x1 for i in body), default=0.0))
    blocks: list[Paragraph | Table] = []
    last: Line | Part | None = None  # the last item of the previous page
    for items in laid_out:
        for index, item in enumerate(items):
            block = blocks[-1] if blocks else None
            new_page = index == 0 and last is not None
            if isinstance(item, Part):
                if new_page and isinstance(block, Table) and _joins(block.parts[-1], item, last):
                    block.parts.append(item)
                else:
                    blocks.append(Table([item]))
                continue
            follows = isinstance(block, Paragraph) and (index > 0 or block.lines[-1] is last)
            if isinstance(block, Paragraph) and follows and _same_paragraph(block.lines[-1], item, margins, new_page):
                block.lines.append(item)
            else:
                blocks.append(Paragraph([item]))
        last = items[-1] if items else None
    return blocks


def _joins(previous: Part, part: Part, last: Line | Part | None) -> bool:
    """Whether `part`, first on its page, continues the table `previous` that ended the page before."""
    return (
        previous is last
        and part.page == previous.page + 1
        and abs(previous.xs[0] - part.xs[0]) <= 3 * TOL
        and abs(previous.xs[-1] - part.xs[-1]) <= 3 * TOL
    )
