"""The record model: what one report record and the agency registry hold, once read and checked.

A record file holds one report (agency, year, format, source, period, figures,
facts, prose sections); `agencies.yaml` holds the agency registry. `loading.py`
reads both into these types; what depends on a format's code lists and rules is
left to SHACL (publisher.validation).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path

from publisher.rdf.mediatypes import FILE_BY_NAME
from publisher.records.htmldoc import SourceDocument

# ---------------------------------------------------------------------------
# What a record holds
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Labels:
    zh: str
    en: str


@dataclass(frozen=True)
class Quote:
    """An exact quote of the source text starting at `offset` (Unicode characters)."""

    text: str
    offset: int

    @property
    def end(self) -> int:
        return self.offset + len(self.text)


@dataclass(frozen=True)
class Figure:
    """One figure (or blank cell) the report states: its dimension codes, value and where the source has it.

    `value` is None for a blank cell; a whole number is an int, an amount with decimals a
    Decimal. `location` is where the table cell is, for a figure read from a table: its
    XPath in a page, its page and XPath in a PDF ("page 3, (//table)[2]/…"); its `quote`
    is then the cell's text, at the offset of that text in the source's text rendition.
    """

    key: str
    codes: Mapping[str, str]
    value: int | Decimal | None
    quote: Quote
    line: int
    unit: str | None = None
    location: str | None = None

    @property
    def blank(self) -> bool:
        return self.value is None


@dataclass(frozen=True)
class Fact:
    """A number the narrative mentions that is not a figure of the format.

    `codes` names, when the narrative restates a figure of a table, the dimension codes
    of the cell it restates (empty otherwise).
    """

    key: str
    about: Labels
    value: Decimal
    unit: str
    qualifier: str
    quote: Quote
    line: int
    codes: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Section:
    """A section of the report written as prose: its key in the format's section scheme, its text."""

    key: str
    heading: str | None
    text: Quote
    line: int


@dataclass(frozen=True)
class Source:
    """A source document: its text rendition and, for a page or a PDF, the parsed document.

    `text` is what quotes and offsets refer to and what is served as the source's text:
    plain text as it is, a page's or a PDF's text rendition, or — for a saved whole page
    read for its `article` (the article element's XPath location) — the article's text.
    `media_type` is the original's (text/plain, text/html, application/pdf), kept and
    served as published.
    """

    path: Path
    url: str | None
    language: str
    text: str
    document: SourceDocument | None = None
    media_type: str = FILE_BY_NAME["text"].media_type
    article: str | None = None


@dataclass(frozen=True)
class Report:
    path: Path
    agency: str
    year: int
    format: str
    source: Source
    period_from: dt.date
    period_to: dt.date
    period_quote: Quote
    figures: tuple[Figure, ...]
    facts: tuple[Fact, ...]
    sections: tuple[Section, ...] = ()

    def without_document(self) -> Report:
        """The report with its source's text but not its parsed document (what the build's cache keeps).

        The document (a page's or a PDF's element tree) is what reading a record resolves its
        cells' locations in; what reads a checked report later reads the source's text only,
        and the tree is nine tenths of a national report pickled.
        """
        if self.source.document is None:
            return self
        return replace(self, source=replace(self.source, document=None))

    def line_of(self, key: str) -> int | None:
        lines = {entry.key: entry.line for entry in self.figures} | {entry.key: entry.line for entry in self.facts}
        return lines.get(key)


@dataclass(frozen=True)
class Division:
    code: str
    name: Labels


@dataclass(frozen=True)
class Agency:
    id: str
    name: Labels
    division: str
    kind: str
    parent: str | None
    website: str | None


@dataclass(frozen=True)
class Registry:
    path: Path
    agencies: Mapping[str, Agency]
    divisions: Mapping[str, Division]
