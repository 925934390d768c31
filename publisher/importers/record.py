"""One report document imported into a record for review: read, mapped, written as YAML.

`import_report` reads a source (an HTML page, or plain text), tells its format from
the document itself when it is not given (the format whose table labels, or text
patterns, the document matches best; a tie is an error asking for --format), maps
its tables cell by cell (importers/tables.py), its prose figures and statistics
period (importers/prose.py), the fees it states in prose in its own words
(importers/fees.py) and its prose sections, and collects everything it
could not map. `write_record` writes the record file: every figure with the table
cell (`at`, `text`) or the quote (`quote`, `offset`) it came from, and at its head
what is left for a person to review. Numbers of the narrative that are not figures
of the format (a record's `facts`) are left to that person: they are listed, not
written.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

from publisher.errors import SourceError
from publisher.importers.fees import find_fees
from publisher.importers.layout import Layout, normalise
from publisher.importers.prose import Period, QuotedFigure, find_figures, find_period, leftover_numbers
from publisher.importers.tables import Unmapped, read_tables
from publisher.records.htmldoc import BLOCKS, Document
from publisher.records.loading import HTML_SUFFIXES


@dataclass(frozen=True)
class ImportedFigure:
    key: str
    codes: dict[str, str]
    value: int | Decimal | None
    unit: str | None
    label: str  # the row and column, or the pattern, as a reader sees them
    group: str  # the table or part of the record it belongs to
    location: str | None = None  # a table cell: its XPath and text
    text: str | None = None
    quote: str | None = None  # a prose figure: its quote and offset
    offset: int | None = None


@dataclass(frozen=True)
class ImportedSection:
    key: str
    heading: str
    text: str
    offset: int


@dataclass
class ImportResult:
    source: Path
    agency: str
    year: int
    format: str
    period: Period | None
    figures: list[ImportedFigure] = field(default_factory=list)
    sections: list[ImportedSection] = field(default_factory=list)
    unmapped: list[Unmapped] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def figure_key(codes: Mapping[str, str]) -> str:
    """A record key from a figure's codes: the item's code, then the last part of every other code."""
    parts = [codes["item"].replace("/", "-")] if "item" in codes else []
    parts += [codes[k].rsplit("/", 1)[-1] for k in sorted(codes) if k != "item"]
    return "-".join(parts)


def import_report(
    path: Path, agency: str, year: int, layouts: Mapping[str, Layout], format_slug: str | None = None
) -> ImportResult:
    """Read `path` and map it onto a format (`format_slug`, or the one the document matches best)."""
    document, text = _read_document(path)
    layout_slug = format_slug or _choose_format(path, document, text, layouts)
    if layout_slug not in layouts:
        raise SourceError(path, f"unknown format {layout_slug!r}; known formats: {', '.join(sorted(layouts))}")
    layout = layouts[layout_slug]

    def locate(offset: int) -> str:
        if document is None:
            return f"offset {offset}"
        inner = [e for e in document.root.iter() if e.tag in BLOCKS and e.start <= offset < max(e.end, e.start + 1)]
        return f"offset {offset}, in {document.locate(inner[-1])}" if inner else f"offset {offset}"

    result = ImportResult(path, agency, year, layout_slug, find_period(text))
    covered: list[tuple[int, int]] = []
    if result.period is None:
        result.unmapped.append(Unmapped("(text)", "统计期限", "the text states no statistics period: give 'period'"))
    else:
        covered.append((result.period.offset, result.period.offset + len(result.period.quote)))
    table_spans = _table_figures(result, document, layout) if document is not None else []
    covered += _text_figures(result, text, layout, table_spans, locate)
    result.sections = _sections(text, layout)
    numbers, counts = leftover_numbers(text, covered + table_spans, locate)
    result.unmapped += numbers
    skipped = ", ".join(f"{n} {kind}" for kind, n in counts.items() if n)
    if skipped:
        result.notes.append(f"not listed: {skipped} (not figures)")
    return result


def _read_document(path: Path) -> tuple[Document | None, str]:
    """The source: an HTML page (parsed) or plain text, and the text that quotes and offsets refer to."""
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SourceError(path, "file not found") from None
    except UnicodeDecodeError as exc:
        raise SourceError(
            path, f"not UTF-8 text ({exc.reason} at byte {exc.start}); convert it to UTF-8 first"
        ) from None
    document = Document(raw) if path.suffix.lower() in HTML_SUFFIXES else None
    return document, document.text if document is not None else raw


def _choose_format(path: Path, document: Document | None, text: str, layouts: Mapping[str, Layout]) -> str:
    """The format whose table labels and text patterns the document matches best; a tie is an error."""

    def score(layout: Layout) -> int:
        tables = read_tables(document, layout).score if document is not None else 0
        return tables + len(find_figures(text, layout).figures)

    scores = sorted(((score(layout), slug) for slug, layout in layouts.items()), reverse=True)
    if not scores or scores[0][0] == 0 or (len(scores) > 1 and scores[0][0] == scores[1][0]):
        ranking = ", ".join(f"{slug} {points}" for points, slug in scores)
        raise SourceError(
            path, f"cannot tell the report's format from the document (labels matched: {ranking}); give --format"
        )
    return scores[0][1]


def _table_figures(result: ImportResult, document: Document, layout: Layout) -> list[tuple[int, int]]:
    """The figures of the page's tables, cell by cell; returns the tables' spans in the text."""
    tables = read_tables(document, layout)
    for cell in tables.figures:
        result.figures.append(
            ImportedFigure(
                key=figure_key(cell.codes),
                codes=cell.codes,
                value=cell.value,
                unit=cell.unit,
                label=f"{cell.row.label_zh} · {cell.column.label_zh}",
                group=cell.table.label_zh,
                location=cell.location,
                text=cell.text,
            )
        )
    result.unmapped += tables.unmapped
    return tables.spans


def _text_figures(
    result: ImportResult,
    text: str,
    layout: Layout,
    table_spans: list[tuple[int, int]],
    locate: Callable[[int], str],
) -> list[tuple[int, int]]:
    """The figures the prose states (patterns of the format, then fees); returns the spans they cover."""
    covered: list[tuple[int, int]] = []
    prose = find_figures(text, layout, skip=table_spans, locate=locate)
    for figure in prose.figures:
        concepts = sorted(figure.concepts, key=lambda c: (c.dimension != "item", c.dimension))
        result.figures.append(_from_text(figure, " · ".join(c.label_zh for c in concepts)))
        covered.append((figure.offset, figure.offset + len(figure.quote)))
    result.unmapped += prose.unmapped
    given = {tuple(sorted(f.codes.items())): f.offset for f in prose.figures}
    fees = find_fees(text, layout, skip=table_spans, given=given, locate=locate)
    for fee in fees.figures:
        result.figures.append(_from_text(fee, " · ".join(c.label_zh for c in fee.concepts)))
    covered += fees.spans
    result.unmapped += fees.unmapped
    prose_tables = layout.prose_tables()
    for table in layout.tables:
        stated = [c for f in prose.figures for c in f.concepts] + [c for f in fees.figures for c in f.concepts]
        if table.scheme in prose_tables and not any(c in table.rows for c in stated):
            result.notes.append(f"the text states no figure of {table.label_zh} ({table.label_en})")
    return covered


def _sections(text: str, layout: Layout) -> list[ImportedSection]:
    """The prose sections: the text between a section heading and the next one."""
    lines = []
    offset = 0
    for line in text.split("\n"):
        lines.append((offset, line))
        offset += len(line) + 1
    headings = []
    for start, line in lines:
        key = normalise(line)
        for section in layout.sections:
            if key and key in section.concept.keys:
                headings.append((start, line, section))
    found: list[ImportedSection] = []
    for index, (start, line, section) in enumerate(headings):
        if not section.prose:
            continue
        body_start = start + len(line) + 1
        body_end = headings[index + 1][0] - 1 if index + 1 < len(headings) else len(text)
        body = text[body_start:body_end] if body_start < body_end else ""
        stripped = body.strip()
        if stripped:
            found.append(ImportedSection(section.key, line.strip(), stripped, body_start + body.index(stripped)))
    return found


# ---------------------------------------------------------------------------
# Writing the record
# ---------------------------------------------------------------------------


def _scalar(value: Any) -> str:
    """One YAML scalar, quoted where YAML needs it."""
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, dt.date):
        return value.isoformat()
    dumped = yaml.safe_dump(value, allow_unicode=True, default_flow_style=True, width=1_000_000)
    return dumped.removesuffix("\n...\n").rstrip("\n")


def write_record(result: ImportResult, source_name: str, url: str | None = None, language: str = "zh") -> str:
    """The record file's text, for a person to review."""
    out: list[str] = [
        f"# {result.agency} {result.year}: imported by `publisher import` from {result.source.name}",
        "#",
        "# IMPORTED — NOT YET REVIEWED (导入所得，尚未核对). Check every figure against the source,",
        "# then delete this notice; `publisher validate` checks the record.",
        "# Each figure says where the source states it: a table cell (`at`, its XPath, and `text`,",
        '# what it reads; "" for a blank cell) or a quote (`quote`, `offset`). Blank is not zero.',
        "#",
        "# Left to you (留待核对者): `facts` — numbers of the narrative that are not figures of the",
        "# format are not imported; the numbers below are candidates.",
    ]
    if result.unmapped:
        out += ["#", f"# Not mapped ({len(result.unmapped)}), nothing guessed (未能对应，未作推测):"]
        out += [f"#   {u.location}: {u.text!r}: {u.reason}" for u in result.unmapped]
    if result.notes:
        out += ["#", *(f"# Note: {n}" for n in result.notes)]
    out += [
        "",
        f"agency: {result.agency}",
        f"year: {result.year}",
        f"format: {result.format}",
        "",
        "source:",
        f"  file: {_scalar(source_name)}",
    ]
    if url:
        out.append(f"  url: {_scalar(url)}")
    out.append(f"  language: {language}")
    out.append("")
    if result.period is not None:
        out += [
            "period:",
            f"  from: {_scalar(result.period.start)}",
            f"  to: {_scalar(result.period.end)}",
            f"  quote: {_scalar(result.period.quote)}",
            f"  offset: {result.period.offset}",
            "",
        ]
    else:
        out += ["# period: not found in the source; give from, to, quote and offset", ""]
    if result.sections:
        out.append("sections:")
        for section in result.sections:
            out.append(f"  {section.key}:")
            out.append(f"    heading: {_scalar(section.heading)}")
            out.append("    text: |-")
            out += [f"      {line}" if line else "" for line in section.text.split("\n")]
            out.append(f"    offset: {section.offset}")
        out.append("")
    out.append("figures:")
    group = None
    for figure in result.figures:
        if figure.group != group:
            group = figure.group
            out.append(f"  # {group}")
        out.append(f"  {figure.key}:  # {figure.label}")
        out += [f"    {key}: {_scalar(code)}" for key, code in sorted(figure.codes.items())]
        if figure.value is None:
            out.append("    blank: true")
        else:
            out.append(f"    value: {_scalar(figure.value)}")
        if figure.unit:
            out.append(f"    unit: {figure.unit}")
        if figure.location is not None:
            out.append(f"    at: {_scalar(figure.location)}")
            out.append(f"    text: {_scalar(figure.text or '')}")
        else:
            out.append(f"    quote: {_scalar(figure.quote)}")
            out.append(f"    offset: {figure.offset}")
    return "\n".join(out) + "\n"


def _from_text(figure: QuotedFigure, label: str) -> ImportedFigure:
    """A figure read from the text, as the record keeps it: with its quote and where the quote starts."""
    return ImportedFigure(
        key=figure_key(figure.codes),
        codes=figure.codes,
        value=figure.value,
        unit=figure.unit,
        label=label,
        group="正文 (prose)",
        quote=figure.quote,
        offset=figure.offset,
    )
