"""An HTML page as the publisher reads it: element tree, text rendition, XPath locations.

The tree is built with the standard library's HTMLParser and the few tree-building
rules that real pages need: void elements, implied end tags (p, li, td, th, tr,
tbody), stray end tags ignored, character references decoded (&nbsp; becomes
U+00A0). Script, style and head are left out of the text.

The text rendition is the page's text with the markup removed and whitespace
normalised: runs of white space (U+00A0 and U+3000 included) become one space; each
block element (p, div, h1–h6, li, tr …) stands on its own line; the cells of a table
row are separated by a tab, and inside a cell block elements are separated by a
space (a cell that holds a table only lays out the page: its blocks keep their lines).
This is the text that Web Annotation text selectors on an HTML source refer
to (the Web Annotation model asks for the text with tags removed, entities decoded
and whitespace normalised); the publisher serves it as the source's text.

Locations are XPath 1.0 expressions of two forms, chosen to select the same element
in any browser's DOM (whether or not it inserts tbody):

    (//table)[T]/descendant::tr[R]/*[C]     the C-th cell of the R-th row of the T-th table
    (//TAG)[N]                              the N-th TAG element of the page
"""

from __future__ import annotations

import functools
import re
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser

VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track", "wbr"}
)
SKIPPED = frozenset({"script", "style", "head", "template", "noscript", "title"})
BLOCKS = frozenset(
    {
        "address", "article", "aside", "blockquote", "body", "caption", "center", "dd", "details", "dialog", "div",
        "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6",
        "header", "hr", "html", "li", "main", "nav", "ol", "p", "pre", "section", "summary", "table", "tbody",
        "tfoot", "thead", "tr", "ul",
    }
)  # fmt: skip
CELLS = frozenset({"td", "th"})
# Start tags that close an open <p> (HTML's "close a p element" rule, simplified).
CLOSES_P = BLOCKS - {"body", "html", "tbody", "tfoot", "thead", "tr", "caption"}
# End tags may not close elements across these (a stray </div> inside a cell leaves the table alone).
TABLE_SCOPE = frozenset({"table", "td", "th", "tr", "caption"})
WHITESPACE = re.compile(r"\s+")
CELL_LOCATION = re.compile(r"\(//table\)\[(\d+)\]/descendant::tr\[(\d+)\]/\*\[(\d+)\]")
ELEMENT_LOCATION = re.compile(r"\(//([a-z][a-z0-9]*)\)\[(\d+)\]")


class LocationError(ValueError):
    """An XPath location that does not select an element of the page."""


@dataclass(eq=False)
class Element:
    """An element of the page; `start`/`end` bound its text in the rendition."""

    tag: str
    attrs: dict[str, str]
    parent: Element | None = None
    children: list[Element | str] = field(default_factory=list)
    start: int = 0
    end: int = 0

    def iter(self) -> Iterator[Element]:
        """This element and every element inside it, in document order."""
        stack: list[Element] = [self]
        while stack:
            element = stack.pop()
            yield element
            stack.extend([child for child in reversed(element.children) if isinstance(child, Element)])

    @property
    def elements(self) -> list[Element]:
        return [child for child in self.children if isinstance(child, Element)]

    def ancestors(self) -> Iterator[Element]:
        node = self.parent
        while node is not None:
            yield node
            node = node.parent

    @property
    def is_cell(self) -> bool:
        """A table cell holding data: not one that lays out a page around other tables."""
        if self.tag not in CELLS:
            return False
        inner = [child for child in self.children if isinstance(child, Element)]
        return not inner or not any(e.tag == "table" for child in inner for e in child.iter())

    @property
    def in_cell(self) -> bool:
        return self.is_cell or any(a.is_cell for a in self.ancestors())

    def text(self) -> str:
        """The element's text as it stands in the rendition (normalised, without separators at its ends)."""
        writer = _Writer(cell_depth=1 if self.in_cell else 0)
        writer.walk(self, record=False)
        return writer.result()

    def span_attr(self, name: str) -> int:
        """A rowspan or colspan: a whole number from 1 to 1000, else 1."""
        value = self.attrs.get(name, "1").strip()
        return min(int(value), 1000) if value.isdigit() and int(value) > 0 else 1


class _TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Element("#document", {})
        self.stack: list[Element] = [self.root]

    @property
    def current(self) -> Element:
        return self.stack[-1]

    def _close_to(self, tags: frozenset[str], boundary: frozenset[str]) -> None:
        """Close the innermost open element among `tags` (and what is inside it), not crossing `boundary`."""
        for index in range(len(self.stack) - 1, 0, -1):
            tag = self.stack[index].tag
            if tag in tags:
                del self.stack[index:]
                return
            if tag in boundary:
                return

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in CELLS:
            self._close_to(CELLS, frozenset({"tr", "table"}))
        elif tag == "tr":
            self._close_to(frozenset({"tr"}), frozenset({"table", "tbody", "thead", "tfoot"}))
        elif tag in ("tbody", "thead", "tfoot"):
            self._close_to(frozenset({"tbody", "thead", "tfoot"}), frozenset({"table"}))
        elif tag == "li":
            self._close_to(frozenset({"li"}), frozenset({"ul", "ol"}) | TABLE_SCOPE)
        if tag in CLOSES_P:
            self._close_to(frozenset({"p"}), TABLE_SCOPE | {"div", "li", "body"})
        element = Element(tag, {k: v or "" for k, v in attrs}, self.current)
        self.current.children.append(element)
        if tag not in VOID:
            self.stack.append(element)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in VOID and self.current.tag == tag:
            self.stack.pop()

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            return
        boundary = frozenset({"table"}) if tag in CELLS | {"tr", "tbody", "thead", "tfoot"} else TABLE_SCOPE
        if tag == "table":
            boundary = frozenset()
        for index in range(len(self.stack) - 1, 0, -1):
            if self.stack[index].tag == tag:
                del self.stack[index:]
                return
            if self.stack[index].tag in boundary:
                return

    def handle_data(self, data: str) -> None:
        children = self.current.children
        if children and isinstance(children[-1], str):
            children[-1] += data
        else:
            children.append(data)


class _Writer:
    """Writes the text rendition, recording where each element's text lies in it."""

    def __init__(self, cell_depth: int = 0) -> None:
        self.parts: list[str] = []
        self.length = 0
        self.pending = ""  # the separator owed before the next text: "", " ", "\t" or "\n"
        self.cell_depth = cell_depth

    def separate(self, kind: str) -> None:
        if self.cell_depth and kind == "\n":
            kind = " "
        rank = {"": 0, " ": 1, "\t": 2, "\n": 3}
        if rank[kind] > rank[self.pending]:
            self.pending = kind

    def write(self, text: str) -> None:
        text = WHITESPACE.sub(" ", text)
        if not text:
            return
        if text.startswith(" "):
            self.separate(" ")
            text = text[1:]
        trailing = text.endswith(" ")
        text = text.rstrip(" ")
        if text:
            if self.pending and self.length and not (self.pending == " " and self.parts[-1][-1] in "\t\n"):
                self._emit(self.pending)
            self.pending = ""
            self._emit(text)
        if trailing:
            self.separate(" ")

    def force(self, separator: str) -> None:
        """Write a separator now, even between empty cells (so that a blank cell keeps its place)."""
        if self.pending == "\n" and self.length:
            self._emit("\n")
        self.pending = ""
        if separator != "\n":
            self._emit(separator)

    def _emit(self, text: str) -> None:
        self.parts.append(text)
        self.length += len(text)

    def walk(self, element: Element, record: bool = True) -> None:
        if element.tag in SKIPPED:
            return
        is_cell = element.is_cell
        if element.tag in BLOCKS:
            self.separate("\n")
        if record:
            element.start = self.length
        if is_cell:
            self.cell_depth += 1
        cells = 0
        for child in element.children:
            if isinstance(child, str):
                self.write(child)
            elif child.tag == "br":
                self.separate("\n")
            else:
                if element.tag == "tr" and child.tag in CELLS and child.is_cell:
                    cells += 1
                    if cells > 1:
                        self.force("\t")
                    elif self.pending == "\n" and self.length:
                        self.force("\n")  # a row's first cell starts its line, even when it is blank
                self.walk(child, record)
        if is_cell:
            self.cell_depth -= 1
        if record:
            element.end = self.length
        if element.tag in BLOCKS:
            self.separate("\n")

    def result(self) -> str:
        return "".join(self.parts)


class SourceDocument:
    """What every kind of source document offers: an element tree, a text rendition, locations of its elements.

    Subclasses (`Document` for HTML, `pdfdoc.PdfDocument` for PDF) build `root` and
    `text` (recording each element's `start`/`end` in it), call `_index`, and say how
    an element is located (`locate`) and found again (`resolve`). `scope` is the element
    whose text the rendition is (the whole document unless a page is read for its article
    only): `tables` are those inside it, `span` refuses an element outside it, while
    `elements`, `locate` and `resolve` stay document-wide.
    """

    root: Element
    text: str
    scope: Element

    def _index(self) -> None:
        self._by_tag: dict[str, list[Element]] = {}
        for element in self.root.iter():
            self._by_tag.setdefault(element.tag, []).append(element)

    @functools.cached_property
    def _rows(self) -> dict[int, list[Element]]:
        """The rows of each table (by its number), once looked up (made when first needed: a document
        pickled before there was this has none)."""
        return {}

    def rows(self, t: int) -> list[Element]:
        """Every row of the t-th table of the document (1-based), those of tables nested in it included."""
        rows = self._rows.get(t)
        if rows is None:
            rows = self._rows[t] = [e for e in self._by_tag["table"][t - 1].iter() if e.tag == "tr"]
        return rows

    def elements(self, tag: str) -> list[Element]:
        """Every `tag` element of the document, in document order."""
        return list(self._by_tag.get(tag, []))

    def tables(self) -> list[Element]:
        """The tables whose text is in the rendition (inside `scope`)."""
        return [t for t in self.elements("table") if self.in_scope(t)]

    def in_scope(self, element: Element) -> bool:
        """Whether the element's text is part of the rendition."""
        return element is self.scope or any(a is self.scope for a in element.ancestors())

    def span(self, element: Element, text: str | None = None) -> tuple[int, int]:
        """Where the element's text (Element.text, or `text` when the caller has it already) starts and ends."""
        if not self.in_scope(element):
            raise LocationError(f"<{element.tag}> lies outside the text the document is read for")
        if text is None:
            text = element.text()
        if not text:
            return element.start, element.start
        found = self.text.find(text, element.start, max(element.end, element.start + len(text)))
        if found < 0:  # pragma: no cover - the rendition is written from the same tree
            raise LocationError(f"the text of <{element.tag}> is not where the rendition has it")
        return found, found + len(text)

    def cell_text(self, element: Element) -> tuple[str, int | None]:
        """`element.text()`, and where it starts in the rendition if that is known without searching (else None:
        `span` finds it, or says why it cannot)."""
        return element.text(), None

    #: How messages name the document ("the page", "the document").
    noun = "the document"

    def xpath_of(self, element: Element) -> str:
        """The XPath of an element, in one of the two forms (a table cell, or the N-th TAG element)."""
        if element.tag in CELLS and element.parent is not None and element.parent.tag == "tr":
            table = next((a for a in element.ancestors() if a.tag == "table"), None)
            if table is not None:
                row = element.parent
                t = next(i for i, e in enumerate(self._by_tag["table"], start=1) if e is table)
                rows = self.rows(t)
                r = next(i for i, e in enumerate(rows, start=1) if e is row)
                c = next(i for i, e in enumerate(row.elements, start=1) if e is element)
                return f"(//table)[{t}]/descendant::tr[{r}]/*[{c}]"
        n = next(i for i, e in enumerate(self.elements(element.tag), start=1) if e is element)
        return f"(//{element.tag})[{n}]"

    def select(self, path: str, tags: Collection[str] | None = None) -> Element | None:
        """The element an XPath of the two forms selects (a TAG among `tags`, if given).

        None for a path of neither form; LocationError, saying why, for one that selects nothing.
        """
        cell = CELL_LOCATION.fullmatch(path)
        if cell:
            t, r, c = (int(g) for g in cell.groups())
            tables = self._by_tag.get("table", [])
            if not 1 <= t <= len(tables):
                raise LocationError(f"{self.noun} has {len(tables)} table(s), not {t}")
            rows = self.rows(t)
            if not 1 <= r <= len(rows):
                raise LocationError(f"table {t} has {len(rows)} row(s), not {r}")
            children = rows[r - 1].elements
            if not 1 <= c <= len(children):
                raise LocationError(f"row {r} of table {t} has {len(children)} cell(s), not {c}")
            return children[c - 1]
        plain = ELEMENT_LOCATION.fullmatch(path)
        if plain and (tags is None or plain.group(1) in tags):
            tag, n = plain.group(1), int(plain.group(2))
            found = self._by_tag.get(tag, [])
            if not 1 <= n <= len(found):
                raise LocationError(f"{self.noun} has {len(found)} <{tag}> element(s), not {n}")
            return found[n - 1]
        return None

    def locate(self, element: Element) -> str:  # pragma: no cover - every subclass has its own
        """The location of an element, as records write it."""
        raise NotImplementedError

    def resolve(self, location: str) -> Element:  # pragma: no cover - every subclass has its own
        """The element a location selects, or LocationError saying why there is none."""
        raise NotImplementedError


class Document(SourceDocument):
    """A parsed HTML page: its elements, its text rendition, and locations of its elements.

    With `scope` (a location `locate` writes, such as the article `article.find_article`
    finds), the rendition is that element's text only, as `Element.text` gives it; the
    locations of elements stay those of the whole page, as a browser sees it.
    """

    def __init__(self, markup: str, scope: str | None = None) -> None:
        builder = _TreeBuilder()
        builder.feed(markup)
        builder.close()
        self.root = builder.root
        self._index()
        self.scope = self.root if scope is None else self.resolve(scope)
        writer = _Writer(cell_depth=1 if self.scope.in_cell else 0)
        writer.walk(self.scope)
        self.text = writer.result()

    noun = "the page"

    def cell_text(self, element: Element) -> tuple[str, int | None]:
        """`element.text()` and where it starts, read from the rendition for a cell holding data that it holds.

        Such a cell's text was written into the rendition as `Element.text` writes it (with no
        row inside it, no separator is forced), except that the separator owed before
        it may have been written at its start; no text written starts with white space.
        Any other element (one outside the scope, or in a part left out of the text) is
        written again on its own.
        """
        if not element.is_cell or any(e.tag == "tr" for e in element.iter()):
            return super().cell_text(element)
        node: Element | None = element
        while node is not None and node is not self.scope:
            if node.tag in SKIPPED:
                return super().cell_text(element)
            node = node.parent
        if node is None or self.scope.tag in SKIPPED:
            return super().cell_text(element)
        written = self.text[element.start : element.end]
        found = written.lstrip(" \t\n")
        return found, element.start + len(written) - len(found)

    def locate(self, element: Element) -> str:
        """The XPath location of an element (see the module docstring for the two forms)."""
        return self.xpath_of(element)

    def resolve(self, location: str) -> Element:
        """The element a location selects, or LocationError saying why there is none."""
        found = self.select(location.strip())
        if found is None:
            raise LocationError(
                f"{location!r} is not a location the publisher writes: use (//table)[T]/descendant::tr[R]/*[C] "
                "for a table cell or (//TAG)[N] for another element"
            )
        return found


def table_rows(table: Element) -> list[Element]:
    """The rows of a table, without those of tables nested in its cells."""
    rows: list[Element] = []

    def visit(node: Element) -> None:
        for child in node.elements:
            if child.tag == "tr":
                rows.append(child)
            elif child.tag in ("thead", "tbody", "tfoot"):
                visit(child)

    visit(table)
    return rows
