"""A national report's HTML page: its blocks, its tables of cells, and the text rendition its record quotes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from publisher.synthetic.writing import Text


@dataclass
class Cell:
    """A table cell of the page: the figure it states and how the page writes it."""

    item: str
    column: str
    value: int | str  # an amount of money as its decimal text
    unit: str | None = None
    suffix: str = ""  # written after the number: 元, 万元
    span: str = ""  # the cell's attributes (a colspan)
    blank: bool = False
    broken: bool = False  # the total broken on purpose: never left blank

    @property
    def key(self) -> str:
        return f"{self.item.replace('/', '-')}-{self.column.split('/', 1)[1]}"

    @property
    def text(self) -> str:
        return "" if self.blank else f"{self.value}{self.suffix}"


@dataclass
class Row:
    """A table row: its label cells (tag, attributes, text), then its figures' cells."""

    labels: tuple[tuple[str, str, str], ...]
    cells: tuple[Cell, ...] = ()


def heading_row(*labels: tuple[str, str]) -> Row:
    return Row(tuple(("th", attrs, text) for text, attrs in labels))


class Page:
    """An HTML page being written, with its text rendition (what a record's quotes and offsets refer to).

    Written so that the rendition is plain to follow (publisher.records.htmldoc): each block
    on its own line, a table row on one line with its cells separated by tabs, no white space
    in any text; a blank cell is &nbsp;, which reads as "".
    """

    def __init__(self, title: str) -> None:
        self.html = [
            '<!DOCTYPE html>\n<html lang="zh-CN">\n<head>\n<meta charset="utf-8">\n'
            f"<title>{escape(title, quote=False)}</title>\n</head>\n<body>\n"
        ]
        self.text = Text()
        self.tables = 0

    def block(self, tag: str, *pieces: str) -> list[int]:
        """A block of text given in pieces; the offset of each piece in the rendition."""
        if self.text.length:
            self.text.add("\n")
        offsets = [self.text.add(piece) for piece in pieces]
        self.html.append(f"<{tag}>{escape(''.join(pieces), quote=False)}</{tag}>\n")
        return offsets

    def table(self, rows: Sequence[Row]) -> list[tuple[Cell, str]]:
        """A table; each of its figures' cells with the cell's location (XPath) in the page."""
        self.tables += 1
        located: list[tuple[Cell, str]] = []
        self.html.append('<table border="1" cellspacing="0">\n')
        for number, row in enumerate(rows, start=1):
            parts = [f"<{tag}{attrs}>{escape(text, quote=False)}</{tag}>" for tag, attrs, text in row.labels]
            for cell in row.cells:
                parts.append(f"<td{cell.span}>{escape(cell.text, quote=False) or '&nbsp;'}</td>")
                located.append((cell, f"(//table)[{self.tables}]/descendant::tr[{number}]/*[{len(parts)}]"))
            self.html.append(f"<tr>{''.join(parts)}</tr>\n")
            if self.text.length:
                self.text.add("\n")
            self.text.add("\t".join([text for _tag, _attrs, text in row.labels] + [c.text for c in row.cells]))
        self.html.append("</table>\n")
        return located

    @property
    def source(self) -> str:
        return "".join(self.html) + "</body>\n</html>\n"
