"""Which format a report follows, weighed over the whole document, and why.

Three kinds of evidence, each read from the formats' layouts (nothing here names a
format):

- **era**: the reporting year. A format is for the years from its first version
  (owl:versionInfo) to the year before the format that replaces it (dct:isReplacedBy);
  a specialisation (prof:isProfileOf) has the years of the format it specialises. So a
  report of 2008–2018 is never taken for a national format, a report of 2019–2020 is
  national-2019's and one of 2021 on national-2021's (the 2019 format was first used for
  the 2019 reports, the 2021 revision for the 2021 reports; DOMAIN.md §2.1).
- **section headings**: lines of the text that are a section heading of the format
  (3 points for each section found);
- **table labels**: labels of the page's tables that the format's tables have (1 point
  each), and **text patterns**: the format's sentences found in the prose (2 points for
  each distinct pattern).

A specialisation wins over the format it specialises only when its own structure is
there: at least three of its own text patterns, about at least two kinds of figure
(the Jilin City template's categories and channels, say). A report that matches one of
its phrases is the generic format's. Its score is then its own evidence plus the
generic format's. Nothing fits, or two formats tie: a SourceError naming the file and
asking for --format.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import PROF

from publisher.errors import SourceError
from publisher.importers.layout import Layout, normalise
from publisher.importers.prose import find_figures
from publisher.importers.tables import read_tables
from publisher.rdf.namespaces import DCTERMS, OWL
from publisher.records.htmldoc import SourceDocument

__all__ = ["Detection", "Era", "FormatFacts", "detect_format", "document_year", "format_facts"]

PROF_IS_PROFILE_OF = PROF.isProfileOf
HEADING_POINTS = 3
PATTERN_POINTS = 2
LABEL_POINTS = 1
LONGEST_HEADING = 40  # characters: a longer line is prose, not a heading
DISTINCT_PATTERNS = 3  # a specialisation's own patterns needed for it to win …
DISTINCT_KINDS = 2  # … about at least this many kinds of figure (first parts of their codes)
TITLE_YEAR = re.compile(r"((?:19|20)\d{2})\s*年度?\s*(?:政府信息公开|政务公开)")


@dataclass(frozen=True)
class Era:
    """The reporting years a format is for: `first` to `last` (None: still in use)."""

    first: int
    last: int | None

    def holds(self, year: int) -> bool:
        return self.first <= year and (self.last is None or year <= self.last)

    def __str__(self) -> str:
        return f"{self.first}–{self.last}" if self.last is not None else f"{self.first}–"


@dataclass(frozen=True)
class FormatFacts:
    """What detection knows of the formats beyond their layouts: eras and specialisations."""

    eras: Mapping[str, Era]
    generic_of: Mapping[str, str]  # specialisation → the format it specialises


@dataclass(frozen=True)
class Detection:
    """The chosen format, the reasons (zh / en lines, for people), and every format's score."""

    format: str
    reasons: tuple[str, ...]
    scores: Mapping[str, int]


@dataclass(frozen=True)
class _Evidence:
    headings: tuple[str, ...]
    labels: int
    patterns: int
    kinds: int

    @property
    def points(self) -> int:
        return HEADING_POINTS * len(self.headings) + LABEL_POINTS * self.labels + PATTERN_POINTS * self.patterns


def format_facts(ontology: Graph, layouts: Mapping[str, Layout]) -> FormatFacts:
    """The formats' eras and specialisations, read from the ontology graph."""
    slug_of = {layout.format.iri: slug for slug, layout in layouts.items()}
    generic_of = {
        slug: slug_of[o]
        for slug, layout in layouts.items()
        for o in ontology.objects(layout.format.iri, PROF_IS_PROFILE_OF)
        if isinstance(o, URIRef) and o in slug_of
    }
    firsts: dict[str, int] = {}
    for slug, layout in layouts.items():
        version = ontology.value(layout.format.iri, OWL.versionInfo)
        if isinstance(version, Literal) and str(version).isdigit():
            firsts[slug] = int(str(version))
    eras: dict[str, Era] = {}
    for slug, first in firsts.items():
        after = ontology.value(layouts[slug].format.iri, DCTERMS.isReplacedBy)
        successor = slug_of.get(after) if isinstance(after, URIRef) else None
        eras[slug] = Era(first, firsts[successor] - 1 if successor in firsts else None)
    for slug, generic in generic_of.items():
        if slug not in eras and generic in eras:
            eras[slug] = eras[generic]
    return FormatFacts(eras, generic_of)


def document_year(text: str) -> int | None:
    """The reporting year the text's title names (2011年政府信息公开工作年度报告), else None."""
    match = TITLE_YEAR.search(text)
    return int(match.group(1)) if match else None


def detect_format(
    path: Path,
    text: str,
    document: SourceDocument | None,
    layouts: Mapping[str, Layout],
    facts: FormatFacts,
    year: int | None = None,
) -> Detection:
    """The format `text` (and its parsed page, if any) follows, with the reasons; SourceError if none or a tie."""
    year = year if year is not None else document_year(text)
    reasons: list[str] = []
    if year is None:
        reasons.append(
            "年度：文中未见报告年度，不按时期排除格式 / year: the text names none; no format ruled out by era"
        )
    lines = _heading_lines(text)
    evidence = {slug: _evidence(layout, text, document, lines) for slug, layout in layouts.items()}
    scores: dict[str, int] = {}
    for slug in sorted(layouts):
        era = facts.eras.get(slug)
        if year is not None and era is not None and not era.holds(year):
            scores[slug] = 0
            reasons.append(
                f"{slug}：适用于{era}年度的报告，不适用于{year}年度 / {slug}: for reports of {era}, not of {year}"
            )
            continue
        own = evidence[slug]
        generic = facts.generic_of.get(slug)
        if generic is not None:
            if own.patterns < DISTINCT_PATTERNS or own.kinds < DISTINCT_KINDS:
                scores[slug] = 0
                reasons.append(
                    f"{slug}：本模板特有的表述只见{own.patterns}种（涉及{own.kinds}类数字），其结构不在文中，"
                    f"按{generic}处理 / {slug}: only {own.patterns} of its own sentence patterns "
                    f"({own.kinds} kinds of figure); its structure is not there, so the report is {generic}'s"
                )
                continue
            scores[slug] = own.points + evidence[generic].points
        else:
            scores[slug] = own.points
        reasons.append(_weighed(slug, own, scores[slug], generic))
    ranking = sorted(scores.items(), key=lambda pair: (-pair[1], pair[0]))
    if year is not None:
        eligible = [slug for slug in sorted(layouts) if (era := facts.eras.get(slug)) is None or era.holds(year)]
        eras = ", ".join(f"{slug} {facts.eras[slug]}" for slug in eligible if slug in facts.eras)
        reasons.insert(
            0, f"年度{year}：可用格式 {', '.join(eligible) or '无'} / year {year}: formats of its era: {eras}"
        )
    summary = ", ".join(f"{slug} {points}" for slug, points in ranking)
    if not ranking or ranking[0][1] == 0:
        raise SourceError(path, f"cannot tell the report's format from the document (scores: {summary}); give --format")
    if len(ranking) > 1 and ranking[0][1] == ranking[1][1]:
        raise SourceError(
            path,
            f"two formats fit the document equally well ({ranking[0][0]} and {ranking[1][0]}; scores: {summary}); "
            "give --format",
        )
    chosen = ranking[0][0]
    reasons.append(f"选定 {chosen}（得分 {summary}）/ chose {chosen} (scores: {summary})")
    return Detection(chosen, tuple(reasons), dict(scores))


def _heading_lines(text: str) -> list[str]:
    """The normalised keys of the text's short lines (the ones that may be headings)."""
    return [key for line in text.split("\n") if 0 < len(line.strip()) <= LONGEST_HEADING if (key := normalise(line))]


def _evidence(layout: Layout, text: str, document: SourceDocument | None, lines: list[str]) -> _Evidence:
    headings = []
    for section in layout.sections:
        keys = {k for k in section.concept.keys if len(k) >= 2}
        if any(line in keys or any(len(k) >= 6 and k in line for k in keys) for line in lines):
            headings.append(section.concept.label_zh)
    labels = read_tables(document, layout).score if document is not None else 0
    figures = find_figures(text, layout).figures
    patterns = {f.pattern for f in figures}
    kinds = {s for f in figures for c in f.concepts if c.dimension == "item" for s in _schemes_of(layout, c.iri)}
    return _Evidence(tuple(headings), labels, len(patterns), len(kinds))


def _schemes_of(layout: Layout, iri: URIRef) -> set[str]:
    """The kind of a figure: its code's path up to the last part (category/…, channel/…)."""
    concept = layout.concepts.get(iri)
    if concept is None or concept.code is None:
        return set()
    return {concept.code.split("/", 1)[0]}


def _weighed(slug: str, own: _Evidence, points: int, generic: str | None) -> str:
    headings = "、".join(own.headings) or "无"
    also = f"，另加{generic}的得分 / plus {generic}'s score" if generic else ""
    return (
        f"{slug}：章节标题{len(own.headings)}个（{headings}），表格标签{own.labels}个，文字表述{own.patterns}种，"
        f"得分{points}{also} / {slug}: {len(own.headings)} section headings, {own.labels} table labels, "
        f"{own.patterns} sentence patterns; {points} points"
    )
