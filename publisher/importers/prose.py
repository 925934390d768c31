"""Figures worded in prose, found with the format's text patterns; the period; the numbers left over.

A figure pattern (one with a `value` group, or a value it states in words, such as
未收到任何申请 = 0) gives the codes it sets; a dimension it leaves open takes the
code of the nearest marker pattern before it in the same sentence (截止2011年末 →
cumulative), else the dimension's default code (dis:defaultCode), else the figure is
reported, not guessed. Sentences end at 。！？ and line ends; clauses at commas,
enumeration commas, semicolons and colons. A figure's quote runs from the start of
its clause — of its sentence, for the sentence's first figure, so that a period
opening the sentence is quoted with it — to the end of the match.

Every other number of the text (digits, or Chinese numerals with a measure word such
as 两个 or 六部分) is reported with its offset and clause, so that a person can add it
as a fact or a figure; years, dates, list numbers and document numbers are counted
in one note instead.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from rdflib import URIRef

from publisher.importers.layout import Concept, Layout, Pattern
from publisher.importers.nonfigures import NOT_FIGURES, kind_of, non_figure_spans
from publisher.importers.tables import Unmapped

SENTENCE = re.compile(r"[^。！？!?\n]+")
CLAUSE_BREAKS = ",，、;；:："
PERIOD = re.compile(
    r"(?P<y1>\d{4})\s*年\s*(?P<m1>\d{1,2})\s*月\s*(?P<d1>\d{1,2})\s*日\s*起?\s*(?:至|到|—|－|-|~|～)\s*"
    r"(?:(?P<y2>\d{4})\s*年\s*)?(?P<m2>\d{1,2})\s*月\s*(?P<d2>\d{1,2})\s*日\s*止?"
)
# the end date alone (截至2019年12月31日): the period is the calendar year it ends
PERIOD_END = re.compile(r"截[至止]\s*(?P<y2>\d{4})\s*年\s*(?P<m2>\d{1,2})\s*月\s*(?P<d2>\d{1,2})\s*日\s*止?")
NUMBER = re.compile(
    r"\d+(?:[.,]\d+)*"
    r"|(?<![\d.零一二两三四五六七八九十百千万亿])[零一二两三四五六七八九十百千万亿]*[零一二两三四五六七八九十百千]"
    r"[零一二两三四五六七八九十百千万亿]*(?=个|项|位|部分|件|条|名|次|人|家|场|期|篇|亿元|万元|元)"
)


def codes_once(
    concepts: Sequence[Concept], seen: dict[tuple[tuple[str, str], ...], int], start: int
) -> tuple[dict[str, str], str | None]:
    """A figure's codes, and why it is not imported when the text already stated it (`seen`: codes → offset)."""
    codes = {c.dimension: c.code for c in concepts if c.dimension and c.code}
    identity = tuple(sorted(codes.items()))
    if identity in seen:
        return codes, f"the same figure is already stated at offset {seen[identity]}: not imported twice"
    seen[identity] = start
    return codes, None


@dataclass(frozen=True)
class QuotedFigure:
    """A figure found in the text: its codes, value, unit (if written), quote and where the quote starts."""

    codes: dict[str, str]
    value: int | Decimal
    unit: str | None
    quote: str
    offset: int
    concepts: tuple[Concept, ...]


@dataclass(frozen=True)
class ProseFigure(QuotedFigure):
    """A figure of the template's prose, and the sentence pattern that found it."""

    pattern: URIRef


@dataclass
class ProseResult:
    figures: list[ProseFigure] = field(default_factory=list)
    unmapped: list[Unmapped] = field(default_factory=list)


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date
    quote: str
    offset: int


def sentences(text: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in SENTENCE.finditer(text)]


def clause_start(text: str, sentence: tuple[int, int], at: int) -> int:
    """Where the clause holding position `at` starts (spaces skipped)."""
    start = sentence[0]
    for index in range(at - 1, sentence[0] - 1, -1):
        if text[index] in CLAUSE_BREAKS:
            start = index + 1
            break
    while start < at and text[start].isspace():
        start += 1
    return start


def find_figures(
    text: str, layout: Layout, skip: Sequence[tuple[int, int]] = (), locate: Callable[[int], str] | None = None
) -> ProseResult:
    """The figures the format's text patterns find in `text` (outside the spans in `skip`)."""
    result = ProseResult()
    keys = {d.record_key for d in layout.dimensions}
    seen: dict[tuple[tuple[str, str], ...], int] = {}
    where = locate or (lambda offset: f"offset {offset}")
    for sentence in sentences(text):
        if any(a <= sentence[0] < b for a, b in skip):
            continue
        matches: list[tuple[re.Match[str], Pattern]] = []
        markers: list[tuple[re.Match[str], Pattern]] = []
        for pattern in layout.patterns:
            for match in pattern.regex.finditer(text, sentence[0], sentence[1]):
                (matches if pattern.states_figure else markers).append((match, pattern))
        matches.sort(key=lambda pair: (pair[0].start(), str(pair[1].iri)))
        for index, (match, pattern) in enumerate(matches):
            start = sentence[0] if index == 0 else clause_start(text, sentence, match.start())
            while start < match.start() and text[start].isspace():
                start += 1
            quote = text[start : match.end()]
            options: dict[str, list[Concept]] = {}
            for concept in pattern.codes:
                if concept.dimension is not None:
                    options.setdefault(concept.dimension, []).append(concept)
            problem = None
            for key in sorted(keys - set(options)):
                before = [
                    (m.start(), c)
                    for m, p in markers
                    if m.start() < match.start()
                    for c in p.codes
                    if c.dimension == key
                ]
                if before:
                    options[key] = [max(before, key=lambda pair: pair[0])[1]]
                elif key in layout.defaults:
                    options[key] = [layout.defaults[key]]
                else:
                    problem = f"the sentence does not say its {key}, and the format gives no default"
            if problem:
                result.unmapped.append(Unmapped(where(start), quote, problem))
                continue
            value = _value(match, pattern.value)
            unit_label = match.groupdict().get("unit")
            unit = layout.units[unit_label].code if unit_label and unit_label in layout.units else None
            for combination in itertools.product(*(options[k] for k in sorted(options))):
                codes, again = codes_once(combination, seen, start)
                if again:
                    result.unmapped.append(Unmapped(where(start), quote, again))
                    continue
                result.figures.append(ProseFigure(codes, value, unit, quote, start, combination, pattern.iri))
    return result


def _value(match: re.Match[str], stated: Decimal | None) -> int | Decimal:
    raw = match.groupdict().get("value")
    if raw is not None:
        return number_value(raw)
    assert stated is not None
    return int(stated) if stated == stated.to_integral_value() else stated


def number_value(raw: str) -> int | Decimal:
    """A number as written: whole (int) unless it is written with a decimal point."""
    number = Decimal(raw)
    return int(number) if number == number.to_integral_value() and "." not in raw else number


def find_period(text: str) -> Period | None:
    """The statistics period the text states, with its quote, else None.

    The phrasings: 统计期限自2019年1月1日起至2019年12月31日止, 统计期限从2019年1月1日到12月31日止
    (an end date without its year is in the start's year), 统计期限为2021年1月1日至12月31日, and, when
    no sentence about statistics gives both ends, the end date alone (数据截至2019年12月31日): the
    period is then the calendar year up to that date.
    """
    for sentence in sentences(text):
        if "统计" not in text[sentence[0] : sentence[1]]:
            continue
        match = PERIOD.search(text, sentence[0], sentence[1])
        if match is None:
            continue
        try:
            start = dt.date(int(match["y1"]), int(match["m1"]), int(match["d1"]))
            end = dt.date(int(match["y2"] or match["y1"]), int(match["m2"]), int(match["d2"]))
        except ValueError:
            continue
        if end < start:
            continue
        begin = clause_start(text, sentence, match.start())
        return Period(start, end, text[begin : match.end()], begin)
    for sentence in sentences(text):
        words = text[sentence[0] : sentence[1]]
        if "统计" not in words and "数据" not in words:
            continue
        match = PERIOD_END.search(text, sentence[0], sentence[1])
        if match is None:
            continue
        try:
            end = dt.date(int(match["y2"]), int(match["m2"]), int(match["d2"]))
        except ValueError:
            continue
        begin = clause_start(text, sentence, match.start())
        return Period(dt.date(end.year, 1, 1), end, text[begin : match.end()], begin)
    return None


def leftover_numbers(
    text: str, covered: Sequence[tuple[int, int]], locate: Callable[[int], str] | None = None
) -> tuple[list[Unmapped], dict[str, int]]:
    """Numbers of the text outside `covered` spans: reported one by one, save years and the like (counted)."""
    where = locate or (lambda offset: f"offset {offset}")
    excluded = non_figure_spans(text)
    counts = dict.fromkeys(NOT_FIGURES, 0)
    unmapped = []
    for match in NUMBER.finditer(text):
        start, end = match.span()
        if any(a <= start and end <= b for a, b in covered):
            continue
        kind = kind_of(start, end, excluded)
        if kind is not None:
            counts[kind] += 1
            continue
        sentence = next(((a, b) for a, b in sentences(text) if a <= start < b), (start, end))
        begin = clause_start(text, sentence, start)
        stop = min([sentence[1], *(i for i in range(end, sentence[1]) if text[i] in CLAUSE_BREAKS)])
        clause = text[begin:stop]
        reason = "a number the importer did not map: add it as a fact, or a figure, if it is one"
        unmapped.append(Unmapped(where(start), clause if len(clause) <= 60 else clause[:57] + "…", reason))
    return unmapped, counts
