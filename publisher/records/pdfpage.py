"""Glyphs, ruling lines and lines of text as read from one page of a PDF.

Lines are joined without a space next to a Chinese character (or full-width sign), else
with one. Inside a line a space stands where the PDF has one or where the glyphs
leave a visible gap: wider than 0.15 em, or, between two Chinese characters, wider
than the line's usual gap by 0.15 em (so a line spread out to the margins gets none).
"""

from __future__ import annotations

import itertools
import re
import statistics
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

TOL = 2.0  # points: lines this close are one line; a rule covers a cell edge to within this
WHITESPACE = re.compile(r"\s+")

Objects = list[dict[str, Any]]  # what pdfplumber gives for a page's chars, lines, rects or curves


# ---------------------------------------------------------------------------
# What is read from a page: glyphs, ruling lines
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Glyph:
    """A character as the page draws it: its text, its box and its font size (points, y downwards)."""

    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    size: float

    @property
    def middle(self) -> float:
        return (self.top + self.bottom) / 2


@dataclass(frozen=True)
class Rule:
    """A ruling line: horizontal at y = `at` from x `start` to `end`, or vertical at x = `at`."""

    horizontal: bool
    at: float
    start: float
    end: float


@dataclass
class Line:
    """Glyphs side by side on one line, left to right, and their text."""

    glyphs: list[Glyph]
    page: int = 0
    text: str = ""

    @property
    def x0(self) -> float:
        return min(g.x0 for g in self.glyphs)

    @property
    def x1(self) -> float:
        return max(g.x1 for g in self.glyphs)

    @property
    def top(self) -> float:
        return min(g.top for g in self.glyphs)

    @property
    def bottom(self) -> float:
        return max(g.bottom for g in self.glyphs)

    @property
    def size(self) -> float:
        return statistics.median(g.size for g in self.glyphs)


@dataclass
class Page:
    """What is read from one page: its number (from 1), height, glyphs, ruling lines and count of images."""

    number: int
    height: float
    glyphs: list[Glyph]
    rules: list[Rule]
    images: int


def _is_white(color: object) -> bool:
    if not isinstance(color, (tuple, list)) or not all(isinstance(c, (int, float)) for c in color):
        return False
    if len(color) == 4:  # CMYK
        return all(c <= 0.01 for c in color)
    return len(color) in (1, 3) and all(c >= 0.99 for c in color)


def _straight(path: Iterable[tuple[Any, ...]]) -> Iterator[tuple[float, float, float, float]]:
    """The straight segments of a path (pdfplumber's `path` of a curve object) as (x0, top, x1, bottom)."""
    start = current = None
    for command, *points in path:
        if command == "m" and points:
            start = current = points[0]
            continue
        end = points[-1] if command in ("l", "c") and points else start if command == "h" else None
        if command != "c" and current is not None and end is not None:
            (xa, ya), (xb, yb) = current, end
            yield min(xa, xb), min(ya, yb), max(xa, xb), max(ya, yb)
        current = end


def rules_of(lines: Objects, rects: Objects, curves: Objects) -> list[Rule]:
    """The visible ruling lines: stroked lines, rectangles' edges and paths' straight parts; thin filled rectangles."""
    found: list[Rule] = []

    def add(x0: float, top: float, x1: float, bottom: float) -> None:
        if x1 - x0 >= bottom - top and bottom - top <= TOL and x1 - x0 > TOL:
            found.append(Rule(True, (top + bottom) / 2, x0, x1))
        elif x1 - x0 <= TOL and bottom - top > TOL:
            found.append(Rule(False, (x0 + x1) / 2, top, bottom))

    for obj in lines:
        if not _is_white(obj.get("stroking_color")):
            add(obj["x0"], obj["top"], obj["x1"], obj["bottom"])
    for obj in rects:
        x0, top, x1, bottom = obj["x0"], obj["top"], obj["x1"], obj["bottom"]
        if obj.get("stroke") and not _is_white(obj.get("stroking_color")):
            for edge in ((x0, top, x1, top), (x0, bottom, x1, bottom), (x0, top, x0, bottom), (x1, top, x1, bottom)):
                add(*edge)
        elif obj.get("fill") and not _is_white(obj.get("non_stroking_color")):
            add(x0, top, x1, bottom)  # a rule only if it is thin
    for obj in curves:
        if obj.get("stroke") and not _is_white(obj.get("stroking_color")):
            for segment in _straight(obj.get("path") or []):
                add(*segment)
    return _merge_rules(found)


def cluster(values: Iterable[float], tol: float = TOL) -> list[float]:
    """Values grouped where neighbours lie within `tol` of each other, each group by its mean."""
    groups: list[list[float]] = []
    for value in sorted(values):
        if groups and value - groups[-1][-1] <= tol:
            groups[-1].append(value)
        else:
            groups.append([value])
    return [sum(g) / len(g) for g in groups]


def nearest(values: Sequence[float], value: float) -> int:
    """The index of the value nearest to `value`."""
    return min(range(len(values)), key=lambda i: abs(values[i] - value))


def _merge_rules(rules: list[Rule]) -> list[Rule]:
    """Collinear rules that overlap or touch, merged into one."""
    merged: list[Rule] = []
    for horizontal in (True, False):
        same = [r for r in rules if r.horizontal is horizontal]
        positions = cluster(r.at for r in same)
        by_line: dict[int, list[Rule]] = {}
        for rule in same:
            by_line.setdefault(nearest(positions, rule.at), []).append(rule)
        for index, group in sorted(by_line.items()):
            group.sort(key=lambda r: r.start)
            start, end = group[0].start, group[0].end
            for rule in group[1:]:
                if rule.start <= end + TOL:
                    end = max(end, rule.end)
                else:
                    merged.append(Rule(horizontal, positions[index], start, end))
                    start, end = rule.start, rule.end
            merged.append(Rule(horizontal, positions[index], start, end))
    return merged


def covered(rules: Iterable[Rule], at: float, low: float, high: float) -> bool:
    """Whether one of the rules runs along `at` from `low` to `high`."""
    return any(abs(r.at - at) <= TOL and r.start <= low + TOL and r.end >= high - TOL for r in rules)


# ---------------------------------------------------------------------------
# Text: lines of glyphs, their text, joining pieces of text
# ---------------------------------------------------------------------------


def _wide(ch: str) -> bool:
    """A Chinese character or a full-width sign: no space is written next to it at a line break."""
    return unicodedata.east_asian_width(ch) in ("W", "F")


def join(first: str, second: str) -> str:
    """Two pieces of text that a line or page break separated, joined."""
    if not first or not second:
        return first or second
    if _wide(first[-1]) or _wide(second[0]) or first[-1] in "-/":
        return first + second
    return f"{first} {second}"


def lines_of(glyphs: Iterable[Glyph]) -> list[Line]:
    """Glyphs grouped into lines (a glyph whose middle lies within a line's height is on it), top to bottom."""
    lines: list[Line] = []
    for glyph in sorted(glyphs, key=lambda g: (g.middle, g.x0)):
        line = lines[-1] if lines else None
        if line is not None and line.top - 0.5 <= glyph.middle <= line.bottom + 0.5:
            line.glyphs.append(glyph)
        else:
            lines.append(Line([glyph]))
    for line in lines:
        line.glyphs.sort(key=lambda g: g.x0)
        line.text = _line_text(line.glyphs)
    lines.sort(key=lambda line: line.top)
    return [line for line in lines if line.text]


def _line_text(glyphs: list[Glyph]) -> str:
    """A line's text: a space where the PDF has one or where the glyphs leave a visible gap (module docstring)."""
    shown = [g for g in glyphs if g.text.strip()]
    pairs = list(itertools.pairwise(shown))
    spread = [max(b.x0 - a.x1, 0.0) for a, b in pairs if _wide(a.text[-1]) and _wide(b.text[0])]
    usual = statistics.median(spread) if spread else 0.0
    out: list[str] = []
    space = False
    previous: Glyph | None = None
    for glyph in glyphs:
        if not glyph.text.strip():
            space = previous is not None
            continue
        if previous is not None:
            gap = glyph.x0 - previous.x1
            both_wide = _wide(previous.text[-1]) and _wide(glyph.text[0])
            threshold = (usual if both_wide else 0.0) + 0.15 * max(previous.size, glyph.size)
            if space or gap > threshold:
                out.append(" ")
        out.append(glyph.text)
        previous, space = glyph, False
    return WHITESPACE.sub(" ", "".join(out)).strip()


def text_of(glyphs: Iterable[Glyph]) -> str:
    """The text of the glyphs: their lines, top to bottom, joined."""
    text = ""
    for line in lines_of(glyphs):
        text = join(text, line.text)
    return text
