"""The record file an import writes for a person to review: YAML with what is left to check at its head.

Every figure with the table cell (`at`, `text`) or the quote (`quote`, `offset`) it came
from; the narrative's facts with their unit, qualifier and the cell they restate; and at
the head, what could not be mapped, each with its reason.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import yaml

from publisher.importers.narrative import NO_EN, NarrativeFact
from publisher.importers.record import ImportedFigure, ImportedSection, ImportResult

HEAD = [
    "#",
    "# IMPORTED — NOT YET REVIEWED (导入所得，尚未核对). Check every figure against the source,",
    "# then delete this notice; `publisher validate` checks the record.",
    "# Each figure says where the source states it: a table cell (`at`, its XPath, and `text`,",
    '# what it reads; "" for a blank cell) or a quote (`quote`, `offset`). Blank is not zero.',
    "#",
    "# `facts` are the numbers of the narrative that are not figures of the format (叙述中的数字):",
    "# check each one's `about` (zh as the text says it; en to translate where it repeats the zh),",
    "# unit and qualifier; `restates` names the table cell a fact restates, which the shapes",
    "# compare with it. Numbers listed as not mapped below are left to you, each with its reason.",
]


def write_record(result: ImportResult, source_name: str, url: str | None = None, language: str = "zh") -> str:
    """The record file's text, for a person to review."""
    out = [f"# {result.agency} {result.year}: imported by `publisher import` from {result.source.name}", *HEAD]
    out += _review_lines(result)
    out += ["", f"agency: {result.agency}", f"year: {result.year}", f"format: {result.format}", ""]
    out += _source_lines(result, source_name, url, language)
    out += _period_lines(result)
    out += _section_lines(result.sections)
    out += _figure_lines(result.figures)
    out += _fact_lines(result.facts)
    return "\n".join(out) + "\n"


def _one_line(text: str) -> str:
    """Text for a YAML comment: one line, whatever the document's line breaks."""
    return " ".join(text.split())


def _review_lines(result: ImportResult) -> list[str]:
    """What could not be mapped and the notes, as comments at the head of the record."""
    out: list[str] = []
    if result.unmapped:
        out += ["#", f"# Not mapped ({len(result.unmapped)}), nothing guessed (未能对应，未作推测):"]
        out += [f"#   {u.location}: {u.text!r}: {_one_line(u.reason)}" for u in result.unmapped]
    if result.notes:
        out += ["#", *(f"# Note: {_one_line(n)}" for n in result.notes)]
    return out


def _source_lines(result: ImportResult, source_name: str, url: str | None, language: str) -> list[str]:
    out = ["source:", f"  file: {_scalar(source_name)}"]
    if url:
        out.append(f"  url: {_scalar(url)}")
    if result.article is not None:
        out.append(f"  article: {_scalar(result.article)}")
    return [*out, f"  language: {language}", ""]


def _period_lines(result: ImportResult) -> list[str]:
    if result.period is None:
        return ["# period: not found in the source; give from, to, quote and offset", ""]
    period = result.period
    return [
        "period:",
        f"  from: {_scalar(period.start)}",
        f"  to: {_scalar(period.end)}",
        f"  quote: {_scalar(period.quote)}",
        f"  offset: {period.offset}",
        "",
    ]


def _section_lines(sections: list[ImportedSection]) -> list[str]:
    if not sections:
        return []
    out = ["sections:"]
    for section in sections:
        out.append(f"  {section.key}:")
        out.append(f"    heading: {_scalar(section.heading)}")
        out.append("    text: |-")
        out += [f"      {line}" if line else "" for line in section.text.split("\n")]
        out.append(f"    offset: {section.offset}")
    return [*out, ""]


def _figure_lines(figures: list[ImportedFigure]) -> list[str]:
    """The figures, grouped by table, each with its codes, value (or blank) and where the source states it."""
    out = ["figures:"]
    group = None
    for figure in figures:
        if figure.group != group:
            group = figure.group
            out.append(f"  # {group}")
        out.append(f"  {figure.key}:  # {figure.label}")
        out += [f"    {key}: {_scalar(code)}" for key, code in sorted(figure.codes.items())]
        out.append("    blank: true" if figure.value is None else f"    value: {_scalar(figure.value)}")
        if figure.unit:
            out.append(f"    unit: {figure.unit}")
        if figure.location is not None:
            out.append(f"    at: {_scalar(figure.location)}")
            out.append(f"    text: {_scalar(figure.text or '')}")
        else:
            out.append(f"    quote: {_scalar(figure.quote)}")
            out.append(f"    offset: {figure.offset}")
    return out


def _fact_lines(facts: list[NarrativeFact]) -> list[str]:
    """The record's `facts`: each with what it is about (zh, en), value, unit, qualifier, quote and offset."""
    if not facts:
        return []
    out = ["", "# Numbers of the narrative that are not figures of the format (叙述中的数字).", "facts:"]
    for fact in facts:
        english = fact.about_en if fact.about_en is not None else f"{fact.about_zh} {NO_EN}"
        out.append(f"  {fact.key}:")
        out.append(f"    about: {{zh: {_scalar(fact.about_zh)}, en: {_scalar(english)}}}")
        out.append(f"    value: {_scalar(fact.value)}")
        out.append(f"    unit: {fact.unit}")
        out.append(f"    qualifier: {fact.qualifier}")
        out.append(f"    quote: {_scalar(fact.quote)}")
        out.append(f"    offset: {fact.offset}")
        if fact.restates:
            codes = ", ".join(f"{key}: {_scalar(code)}" for key, code in sorted(fact.restates.items()))
            out.append(f"    restates: {{{codes}}}")
    return out


def _scalar(value: Any) -> str:
    """One YAML scalar, quoted where YAML needs it."""
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, dt.date):
        return value.isoformat()
    dumped = yaml.safe_dump(value, allow_unicode=True, default_flow_style=True, width=1_000_000)
    return dumped.removesuffix("\n...\n").rstrip("\n")
