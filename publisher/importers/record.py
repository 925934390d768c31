"""One report document imported into a record for review: read, mapped, written as YAML.

`import_report` reads a source in any form (records/sources.py: a PDF, a web page —
of a saved whole page, its report's article only —, plain text, in any encoding; one
in traditional characters matched as simplified, its quotes kept as published),
refuses a page with no report and a title stating another year, tells its format
when it is not given (importers/detection.py, the reasons kept), maps
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

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path

from publisher.errors import SourceError
from publisher.importers.detection import FormatFacts, detect_format
from publisher.importers.fees import find_fees
from publisher.importers.layout import Layout, normalise
from publisher.importers.narrative import NarrativeFact, find_facts
from publisher.importers.prose import Period, QuotedFigure, find_figures, find_period, leftover_numbers
from publisher.importers.tables import Unmapped, read_tables
from publisher.records.article import Article, check_year, find_article, is_report_title
from publisher.records.htmldoc import BLOCKS, Document, SourceDocument
from publisher.records.sources import (
    HTML,
    TEXT,
    Opened,
    check_title_year,
    kind_of,
    open_source,
    read_bytes,
    simplified,
    text_title,
)
from publisher.records.textdoc import decode, is_traditional


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
    facts: list[NarrativeFact] = field(default_factory=list)  # numbers of the prose that are not figures
    format_reasons: list[str] = field(default_factory=list)  # why the format was chosen (zh / en lines)
    title: str | None = None  # the report's title as the document states it
    article: str | None = None  # a saved whole page: the XPath of the report's article (the record's source.article)
    media_type: str = TEXT  # of the source as published: text/plain, text/html or application/pdf
    traditional: bool = False  # written in traditional characters (matched as simplified; quotes as published)


def figure_key(codes: Mapping[str, str]) -> str:
    """A record key from a figure's codes: the item's code, then the last part of every other code."""
    parts = [codes["item"].replace("/", "-")] if "item" in codes else []
    parts += [codes[k].rsplit("/", 1)[-1] for k in sorted(codes) if k != "item"]
    return "-".join(parts)


def import_report(
    path: Path,
    agency: str,
    year: int,
    layouts: Mapping[str, Layout],
    format_slug: str | None = None,
    *,
    facts: FormatFacts | None = None,
) -> ImportResult:
    """Read `path` and map it onto a format (`format_slug`, or the one detection finds, with its reasons).

    `facts` (detection.format_facts) gives the formats' eras; without it detection
    weighs the document alone. SourceError, nothing mapped: a document that cannot be
    read, a page with no report, a title stating another year than `year`.
    """
    read = _read_document(path, year)
    document, text = read.matching.document, read.matching.text
    if format_slug is not None:
        reasons = [f"格式由 --format 指定 / format given: {format_slug}"]
    else:
        format_slug, reasons = _choose_format(path, read, layouts, facts or FormatFacts({}, {}), year)
    if format_slug not in layouts:
        raise SourceError(path, f"unknown format {format_slug!r}; known formats: {', '.join(sorted(layouts))}")
    layout = layouts[format_slug]

    def locate(offset: int) -> str:
        if document is None:
            return f"offset {offset}"
        inner = [e for e in document.scope.iter() if e.tag in BLOCKS and e.start <= offset < max(e.end, e.start + 1)]
        return f"offset {offset}, in {document.locate(inner[-1])}" if inner else f"offset {offset}"

    result = ImportResult(path, agency, year, format_slug, find_period(text))
    result.format_reasons, result.title, result.article = reasons, read.title, read.article
    result.media_type, result.traditional = read.original.media_type, read.matching is not read.original
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
    if result.traditional:
        _as_published(result, read)
    return result


@dataclass(frozen=True)
class _Read:
    """A source read for import: as published, and as matched (simplified when written in traditional characters)."""

    original: Opened
    matching: Opened
    title: str | None
    article: str | None
    no_report: SourceError | None  # a page with no report title: refused unless its content fits a format


def _read_document(path: Path, year: int) -> _Read:
    """The source as published and as matched; for a page, its article only; its title checked against `year`."""
    data = read_bytes(path)
    media_type = kind_of(data, path)
    article: Article | None = None
    no_report: SourceError | None = None
    if media_type == HTML:
        page = Document(decode(data, path, html=True))
        try:
            article = find_article(page, path)
        except SourceError as refusal:
            if is_report_title(page.text):
                raise  # it names a report but holds none: an attachment, an image, a link page
            no_report = refusal  # a page with no title at all: read whole, if its content is a report's
    if article is not None:
        check_year(article, year, path)
        body = next(iter(page.elements("body")), page.root)
        whole = (article.start, article.end) == page.span(body)
        scope = None if whole else article.location
        title: str | None = article.title
    else:
        scope = None
    original = open_source(data, path, scope)
    if article is None:
        title = text_title(original.text) if media_type != HTML else None
        check_title_year(title, year, path)
    matching = simplified(original, data, path, scope) if is_traditional(original.text) else original
    return _Read(original, matching, title, scope, no_report)


def _choose_format(
    path: Path, read: _Read, layouts: Mapping[str, Layout], facts: FormatFacts, year: int
) -> tuple[str, list[str]]:
    """The format detection finds (era, headings, table labels, sentences), and why; SourceError if none fits."""
    matching = read.matching
    try:
        found = detect_format(path, matching.text, matching.document, layouts, facts, year)
    except SourceError as exc:
        if read.no_report is None:
            raise
        refusal = str(read.no_report).removeprefix(f"{read.no_report.file}: ")
        detail = str(exc).removeprefix(f"{exc.file}: ")
        message = f"cannot tell the report's format from the page: {detail}. Besides, {refusal}"
        raise SourceError(path, message) from None
    return found.format, list(found.reasons)


def _as_published(result: ImportResult, read: _Read) -> None:
    """Quotes and cell texts as the source has them: a report in traditional characters was matched as simplified."""
    text, document = read.original.text, read.original.document
    matched = read.matching.text

    def quoted(quote: str, offset: int) -> str:
        return text[offset : offset + len(quote)]

    for index, figure in enumerate(result.figures):
        if figure.location is not None and document is not None:
            result.figures[index] = replace(figure, text=document.resolve(figure.location).text())
        elif figure.quote is not None and figure.offset is not None:
            result.figures[index] = replace(figure, quote=quoted(figure.quote, figure.offset))
    result.facts = [replace(fact, quote=quoted(fact.quote, fact.offset)) for fact in result.facts]
    if result.period is not None:
        result.period = replace(result.period, quote=quoted(result.period.quote, result.period.offset))
    for index, section in enumerate(result.sections):
        heading_at = matched.rfind(section.heading, 0, section.offset)
        heading = quoted(section.heading, heading_at) if heading_at >= 0 else section.heading
        result.sections[index] = replace(section, heading=heading, text=quoted(section.text, section.offset))


def _table_figures(result: ImportResult, document: SourceDocument, layout: Layout) -> list[tuple[int, int]]:
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
    """The figures the prose states (patterns of the format, then fees), then its facts; returns the spans read."""
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
    narrative = find_facts(text, layout, skip=[*table_spans, *covered], locate=locate)
    result.facts += narrative.facts
    result.unmapped += narrative.unmapped
    covered += narrative.spans
    covered += [(f.offset, f.offset + len(f.quote)) for f in narrative.facts]
    untranslated = [f.key for f in narrative.facts if f.about_en is None]
    if untranslated:
        result.notes.append(
            f"{len(untranslated)} facts have no English label (英文待补): their `about.en` repeats the Chinese; "
            f"translate it ({', '.join(untranslated[:5])}{' …' if len(untranslated) > 5 else ''})"
        )
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
