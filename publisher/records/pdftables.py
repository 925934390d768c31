"""Tables of a PDF rebuilt from the ruling lines of each page, and joined across pages.

Tables are rebuilt from the ruling lines of each page (stroked lines and rectangle
borders; a filled rectangle only when it is thin enough to be a rule; white lines and
shading are ignored). The lines that touch one another make one table; its cells are
the regions no line separates, so a merged cell comes out with `rowspan`/`colspan`
attributes as in HTML. A table that ends a page and one that starts the next page
with the same left and right edges are one table, its rows joined; a band of header
rows repeated at the top of the next page is dropped. A cell at the top of the
continuation is the rest of the cell above it (one cell, its text joined) when the
border between them is drawn on neither page; when it is blank and covers more than
one row (the rest of a merged cell); or when both hold words (not numbers), it does
not begin with an enumerator such as （五） or 3., and one of the two covers more than
one row (a merged label cell whose text the page break split). Tables drawn without
ruling lines are not rebuilt: their lines come out as paragraphs.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from dataclasses import dataclass, field

from publisher.records.pdfpage import TOL, Glyph, Page, Rule, cluster, covered, join, nearest, text_of

CHINESE_DIGITS = "一二三四五六七八九十"
ENUMERATOR = re.compile(rf"\s*(?:[{CHINESE_DIGITS}]+\s*[、.．]|[(（]\s*[{CHINESE_DIGITS}\d]+\s*[)）]|\d+\s*[.、．)）])")
NUMERIC = re.compile(r"[+\-−]?\d[\d,，]*(?:[.．]\d+)?\s*(?:%|％|万元|亿元|元|件|个|条|项)?")


# ---------------------------------------------------------------------------
# Tables as drawn on one page
# ---------------------------------------------------------------------------


@dataclass(eq=False)
class Box:
    """A cell: the rows [r0, r1) and columns [c0, c1) of its table's grid that it covers, and its text."""

    r0: int
    r1: int
    c0: int
    c1: int
    x0: float
    x1: float
    page: int
    glyphs: list[Glyph] = field(default_factory=list)
    text: str = ""
    last_page: int = 0
    seen_rows: int = 1  # how many of its page's visible rows it covers


@dataclass(eq=False)
class Part:
    """A table as one page draws it: its grid (xs, ys), its rules and its cells (grid rows local to the page)."""

    page: int
    xs: list[float]
    ys: list[float]
    rules: list[Rule]
    boxes: list[Box]

    @property
    def top(self) -> float:
        return self.ys[0]

    @property
    def rows(self) -> int:
        return len(self.ys) - 1

    def contains(self, glyph: Glyph) -> bool:
        x = (glyph.x0 + glyph.x1) / 2
        return self.xs[0] - 1 <= x <= self.xs[-1] + 1 and self.ys[0] - 1 <= glyph.middle <= self.ys[-1] + 1

    def starts(self) -> list[int]:
        """The grid rows where a cell starts: the rows a reader sees."""
        return sorted({b.r0 for b in self.boxes})


class _Sets:
    """Union-find over 0..n-1."""

    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, i: int, j: int) -> None:
        self.parent[self.find(i)] = self.find(j)


def _touch(a: Rule, b: Rule) -> bool:
    if a.horizontal == b.horizontal:
        return abs(a.at - b.at) <= TOL and a.start <= b.end + TOL and b.start <= a.end + TOL
    return a.start - TOL <= b.at <= a.end + TOL and b.start - TOL <= a.at <= b.end + TOL


def parts_of(page: Page) -> list[Part]:
    """The tables the page draws: each set of ruling lines that touch one another, with cells and text."""
    rules = page.rules
    sets = _Sets(len(rules))
    for i, a in enumerate(rules):
        for j in range(i + 1, len(rules)):
            if _touch(a, rules[j]):
                sets.union(i, j)
    groups: dict[int, list[Rule]] = {}
    for i, rule in enumerate(rules):
        groups.setdefault(sets.find(i), []).append(rule)
    parts = [p for g in groups.values() if (p := _part(page.number, g)) is not None]
    parts.sort(key=lambda p: p.top)
    for glyph in page.glyphs:
        part = next((p for p in parts if p.contains(glyph)), None)
        if part is not None:
            row = min(max(bisect_right(part.ys, glyph.middle) - 1, 0), part.rows - 1)
            col = min(max(bisect_right(part.xs, (glyph.x0 + glyph.x1) / 2) - 1, 0), len(part.xs) - 2)
            box = next(b for b in part.boxes if b.r0 <= row < b.r1 and b.c0 <= col < b.c1)
            box.glyphs.append(glyph)
    for part in parts:
        for box in part.boxes:
            box.text = text_of(box.glyphs)
    return parts


def _part(page: int, rules: list[Rule]) -> Part | None:
    """A table's grid and cells from its ruling lines: the regions that no line separates are its cells."""
    hs = [r for r in rules if r.horizontal]
    vs = [r for r in rules if not r.horizontal]
    if len(hs) < 2 or len(vs) < 2:
        return None
    xs = cluster([v.at for v in vs] + [min(h.start for h in hs), max(h.end for h in hs)])
    ys = cluster([h.at for h in hs] + [min(v.start for v in vs), max(v.end for v in vs)])
    rows, cols = len(ys) - 1, len(xs) - 1
    if rows < 1 or cols < 1:
        return None
    sets = _Sets(rows * cols)
    for i in range(rows):
        for j in range(cols):
            if j + 1 < cols and not covered(vs, xs[j + 1], ys[i], ys[i + 1]):
                sets.union(i * cols + j, i * cols + j + 1)
            if i + 1 < rows and not covered(hs, ys[i + 1], xs[j], xs[j + 1]):
                sets.union(i * cols + j, (i + 1) * cols + j)
    regions: dict[int, list[tuple[int, int]]] = {}
    for i in range(rows):
        for j in range(cols):
            regions.setdefault(sets.find(i * cols + j), []).append((i, j))
    boxes = []
    for cells in regions.values():
        r0, r1 = min(i for i, _ in cells), max(i for i, _ in cells) + 1
        c0, c1 = min(j for _, j in cells), max(j for _, j in cells) + 1
        boxes.append(Box(r0, r1, c0, c1, xs[c0], xs[c1], page, last_page=page))
    return Part(page, xs, ys, rules, boxes)


# ---------------------------------------------------------------------------
# Tables joined across pages
# ---------------------------------------------------------------------------


def _band(part: Part) -> int:
    """The rows of the part's first band: up to the first row boundary that no cell crosses."""
    for n in range(1, part.rows + 1):
        if not any(b.r0 < n < b.r1 for b in part.boxes):
            return n
    return part.rows


def _band_key(part: Part, columns: list[float], n: int) -> list[tuple[int, int, int, int, str]]:
    inside = [b for b in part.boxes if b.r1 <= n]
    return sorted((b.r0, b.r1, nearest(columns, b.x0), nearest(columns, b.x1), b.text) for b in inside)


def _drop_repeated_header(first: Part, part: Part, columns: list[float]) -> int:
    """Drop the band of header rows that `part` repeats from the table's first part; the first row left."""
    n = _band(first)
    key = _band_key(first, columns, n)
    if n >= part.rows or not any(text for *_, text in key):
        return 0
    if any(b.r0 < n < b.r1 for b in part.boxes) or _band_key(part, columns, n) != key:
        return 0
    part.boxes = [b for b in part.boxes if b.r0 >= n]
    return n


def _continues(above: Part, lower: Part, top: int, a: Box, b: Box) -> bool:
    """Whether cell `b` at the top of the next page is the rest of cell `a` (the rules in the module docstring)."""
    if not covered(above.rules, above.ys[-1], a.x0, a.x1) and not covered(lower.rules, lower.ys[top], b.x0, b.x1):
        return True
    if not b.text:
        return bool(a.text) and b.seen_rows > 1
    words = a.text and not NUMERIC.fullmatch(_fold(a.text)) and not NUMERIC.fullmatch(_fold(b.text))
    return bool(words) and not ENUMERATOR.match(b.text) and (a.seen_rows > 1 or b.seen_rows > 1)


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip()


@dataclass
class Table:
    """A table joined across pages: the parts of it that one page after another draws."""

    parts: list[Part]


def assemble(parts: list[Part]) -> list[list[tuple[Box, int, int]]]:
    """The rows of a table joined from its parts: each cell with its rowspan and colspan."""
    columns = cluster(x for p in parts for x in p.xs)
    offset = 0
    placed: list[Box] = []
    previous: Part | None = None
    previous_bottom: list[Box] = []
    for index, part in enumerate(parts):
        top = _drop_repeated_header(parts[0], part, columns) if index else 0
        starts = part.starts()
        for box in part.boxes:
            box.c0, box.c1 = nearest(columns, box.x0), nearest(columns, box.x1)
            box.seen_rows = sum(1 for s in starts if box.r0 <= s < box.r1)
        bottom = [b for b in part.boxes if b.r1 == part.rows]
        for box in part.boxes:
            above = None
            if previous is not None and box.r0 == top:
                match = (a for a in previous_bottom if (a.c0, a.c1) == (box.c0, box.c1))
                above = next((a for a in match if _continues(previous, part, top, a, box)), None)
            if above is not None:
                above.r1 = box.r1 + offset
                above.text = join(above.text, box.text)
                above.last_page = box.page
                if box in bottom:
                    bottom[bottom.index(box)] = above
            else:
                box.r0, box.r1 = box.r0 + offset, box.r1 + offset
                placed.append(box)
        offset += part.rows
        previous, previous_bottom = part, bottom
    return _spans(placed)


def _spans(boxes: list[Box]) -> list[list[tuple[Box, int, int]]]:
    """Boxes on the grid of rows and columns where a cell starts, with their rowspans and colspans."""
    rows = sorted({b.r0 for b in boxes})
    cols = sorted({b.c0 for b in boxes})
    out: list[list[tuple[Box, int, int]]] = [[] for _ in rows]
    for box in sorted(boxes, key=lambda b: (b.r0, b.c0)):
        rowspan = sum(1 for r in rows if box.r0 <= r < box.r1)
        colspan = sum(1 for c in cols if box.c0 <= c < box.c1)
        out[rows.index(box.r0)].append((box, max(rowspan, 1), max(colspan, 1)))
    return out
