"""Text reuse: the share of a report's prose repeated from the same agency's previous report, as DQV.

The measure (README "Text reuse"; the metric dis:proseRepeated in ontology/disclosure.ttl):

    prose          the report's prose sections as its record gives them (`Report.sections`,
                   their text without headings: a national report's tables are not
                   sections); a report whose record has no sections (a pre-2019 plain
                   text) is its source's text (`Report.source.text`) without the cells of
                   its tables (the figures that have a `location`)
    normalised     each character NFKC-normalised (full-width ， and half-width , alike),
                   white space dropped, and every run of digits made one "#" (a sentence
                   repeated with this year's numbers is a repeated sentence)
    repeated       a character of the normalised prose is repeated when it lies in a
                   passage of at least `MIN_PASSAGE` (25) consecutive characters of one
                   section that the previous report's normalised prose also has in one
    share          repeated characters / characters of the normalised prose, a decimal
                   between 0 and 1 rounded to four places

The previous report is the agency's report of the latest earlier year in the corpus. A
report without one, or without prose, has no measurement (not 0).

Why 25: the fixed terms and political formulas every report may use are shorter
(《中华人民共和国政府信息公开条例》 is 17 characters once normalised,
以习近平新时代中国特色社会主义思想为指导 20, and the headings are not counted), so a
formula alone never counts as repeated, while a repeated sentence of two clauses (about 25
characters in Chinese) does. Pingtan's reports of 2021 and 2024, written anew, share only
that formula with three characters after it (23): 0 at 25, 0.0164 at 20. A character is in a
common passage of ≥ 25 characters exactly when it is in a common passage of exactly 25
(every part of a common passage is common), so the measure is computed from the previous
prose's 25-character shingles, in one pass, and is exact. The repeated passages published
are the maximal runs of repeated characters, each located in the report's source text and,
where the run occurs there whole (else its first 25 characters and as far as they go on
matching), in the previous report's.
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from functools import cache

from rdflib import Graph, Literal, URIRef

from publisher.rdf.iris import Iris
from publisher.rdf.namespaces import DQV, OA, PROV, RDF, XSD, vocabulary
from publisher.records.model import Quote, Report

#: The shortest passage counted as repeated (normalised characters).
MIN_PASSAGE = 25
#: The measure's version: a change of the method changes every measurement's digest.
METHOD = f"prose-repeated/1/{MIN_PASSAGE}"
#: Characters of context around a passage's quote (as the figures' quote selectors have).
CONTEXT_CHARS = 16
_SHARE_PLACES = Decimal("0.0001")
_DROPPED = {"\u200b", "\u200c", "\u200d", "\ufeff", "\u00ad"}
_APART, _APART_PREVIOUS = "\x00", "\x01"


@dataclass(frozen=True)
class Normalised:
    """A text normalised for the measure, each of its characters located in the source text [start, end)."""

    text: str
    starts: tuple[int, ...]
    ends: tuple[int, ...]


@dataclass(frozen=True)
class Passage:
    """A maximal run of repeated characters: where it is in the report's source text and, if found, the previous's."""

    start: int
    end: int
    previous_start: int | None
    previous_end: int | None


@dataclass(frozen=True)
class TextReuse:
    """A report's prose measured against its agency's previous report."""

    share: Decimal
    characters: int  # of the normalised prose
    repeated: int  # of those, repeated
    passages: tuple[Passage, ...]


@dataclass(frozen=True)
class Prose:
    """What the measure reads of a report: its agency and year, its source's text, and its prose in that text."""

    agency: str
    year: int
    text: str
    pieces: tuple[Quote, ...]

    @classmethod
    def of(cls, report: Report) -> Prose:
        return cls(report.agency, report.year, report.source.text, tuple(prose_pieces(report)))

    def to_json(self) -> bytes:
        pieces = [[q.text, q.offset] for q in self.pieces]
        data = {"agency": self.agency, "year": self.year, "text": self.text, "pieces": pieces}
        return json.dumps(data, ensure_ascii=False).encode()

    @classmethod
    def from_json(cls, data: bytes) -> Prose:
        found = json.loads(data)
        pieces = tuple(Quote(text, offset) for text, offset in found["pieces"])
        return cls(found["agency"], found["year"], found["text"], pieces)


def prose_pieces(report: Report) -> list[Quote]:
    """The report's prose as pieces of its source text: its sections, or its text without its tables' cells."""
    if report.sections:
        return [section.text for section in report.sections]
    text = report.source.text
    cells = sorted((f.quote.offset, f.quote.end) for f in report.figures if f.location is not None)
    pieces: list[Quote] = []
    at = 0
    for start, end in cells:
        if start > at:
            pieces.append(Quote(text[at:start], at))
        at = max(at, end)
    if at < len(text):
        pieces.append(Quote(text[at:], at))
    return pieces


@cache
def _nfkc(ch: str) -> str:
    """A character NFKC-normalised (remembered: a report's text uses a few hundred distinct characters)."""
    return unicodedata.normalize("NFKC", ch)


def normalise(pieces: Sequence[Quote], between: str = "") -> Normalised:
    """The pieces normalised (NFKC, no white space, a run of digits as one "#"), each character located;
    `between` (a control character, not counted) between two pieces, so that no passage runs across."""
    chars: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    for piece in pieces:
        if between and chars and chars[-1] != between:
            chars.append(between)
            starts.append(piece.offset)
            ends.append(piece.offset)
        for index, ch in enumerate(piece.text):
            at = piece.offset + index
            for out in _nfkc(ch):
                if out.isspace() or out in _DROPPED or unicodedata.category(out) == "Cc":
                    continue
                if out.isdigit():
                    if chars and chars[-1] == "#" and ends[-1] == at:
                        ends[-1] = at + 1
                        continue
                    out = "#"
                chars.append(out)
                starts.append(at)
                ends.append(at + 1)
    return Normalised("".join(chars), tuple(starts), tuple(ends))


def repeated_runs(current: str, previous: str, n: int = MIN_PASSAGE) -> list[tuple[int, int]]:
    """The maximal runs [a, b) of `current` whose characters lie in a passage of ≥ n characters `previous` has."""
    shingles = {previous[i : i + n] for i in range(len(previous) - n + 1)}
    runs: list[tuple[int, int]] = []
    for i in range(len(current) - n + 1):
        if current[i : i + n] in shingles:
            if runs and i <= runs[-1][1]:
                runs[-1] = (runs[-1][0], i + n)
            else:
                runs.append((i, i + n))
    return runs


def measure(report: Report | Prose, previous: Report | Prose) -> TextReuse | None:
    """The report's prose measured against `previous` (the agency's previous report); None without prose."""
    mine = report.pieces if isinstance(report, Prose) else prose_pieces(report)
    theirs = previous.pieces if isinstance(previous, Prose) else prose_pieces(previous)
    return measure_pieces(mine, theirs)


def measure_pieces(current: Sequence[Quote], previous: Sequence[Quote]) -> TextReuse | None:
    """Prose (pieces of a source text) measured against the previous report's; None when it has no prose."""
    # the pieces kept apart by characters no text has (and either side's not the other's): a passage is in one piece
    mine, theirs = normalise(current, _APART), normalise(previous, _APART_PREVIOUS)
    characters = len(mine.text) - mine.text.count(_APART)
    if not characters:
        return None
    passages: list[Passage] = []
    repeated = 0
    for a, b in repeated_runs(mine.text, theirs.text):
        repeated += b - a
        run = mine.text[a:b]
        found = theirs.text.find(run)
        length = b - a
        if found < 0:
            found = theirs.text.find(run[:MIN_PASSAGE])
            length = MIN_PASSAGE
            while found + length < len(theirs.text) and length < b - a and theirs.text[found + length] == run[length]:
                length += 1
        previous_at = (theirs.starts[found], theirs.ends[found + length - 1]) if found >= 0 else (None, None)
        passages.append(Passage(mine.starts[a], mine.ends[b - 1], *previous_at))
    share = (Decimal(repeated) / Decimal(characters)).quantize(_SHARE_PLACES, rounding=ROUND_HALF_EVEN)
    return TextReuse(share, characters, repeated, tuple(passages))


def measurement_digest(key: str, previous_key: str | None) -> str:
    """What a report's measurement depends on: its record's key, its previous report's, and the method."""
    return hashlib.sha256(f"{METHOD}\0{key}\0{previous_key or ''}".encode()).hexdigest()[:24]


def reuse_graph(report: Prose, previous: Prose, reuse: TextReuse, iris: Iris) -> Graph:
    """The measurement as DQV: the share computed on the report, its repeated passages as quality annotations.

    Each passage is a quality annotation of the measurement (dis:repeatedPassage) whose target is
    the passage in the report's source (Web Annotation quote and position selectors, as the
    figures' provenance has them) and whose body is where the previous report's source has it.
    """
    dis = vocabulary(iris.base)
    graph = Graph(bind_namespaces="none")  # serialised as N-Triples: no prefixes to bind
    subject = iris.report(report.agency, report.year)
    before = iris.report(previous.agency, previous.year)
    node = Iris.fragment(subject, "text-reuse")
    graph.add((subject, DQV.hasQualityMeasurement, node))
    graph.add((node, RDF.type, DQV.QualityMeasurement))
    graph.add((node, DQV.computedOn, subject))
    graph.add((node, DQV.isMeasurementOf, dis.proseRepeated))
    graph.add((node, DQV.value, Literal(reuse.share, datatype=XSD.decimal)))
    graph.add((node, dis.comparedWith, before))
    graph.add((node, PROV.used, before))
    text, previous_text = report.text, previous.text
    source, previous_source = iris.source(report.agency, report.year), iris.source(previous.agency, previous.year)
    for number, passage in enumerate(reuse.passages, 1):
        note = Iris.fragment(subject, f"text-reuse-{number}")
        graph.add((node, dis.repeatedPassage, note))  # not the report's warnings: no dqv:hasQualityAnnotation
        graph.add((note, RDF.type, DQV.QualityAnnotation))
        graph.add((note, OA.motivatedBy, DQV.qualityAssessment))
        target = Iris.fragment(subject, f"text-reuse-{number}-target")
        graph.add((note, OA.hasTarget, target))
        _select(graph, target, source, text, passage.start, passage.end)
        if passage.previous_start is not None and passage.previous_end is not None:
            body = Iris.fragment(subject, f"text-reuse-{number}-body")
            graph.add((note, OA.hasBody, body))
            _select(graph, body, previous_source, previous_text, passage.previous_start, passage.previous_end)
    return graph


def _select(graph: Graph, target: URIRef, source: URIRef, text: str, start: int, end: int) -> None:
    """target: a specific resource of `source`, the text [start, end) selected by quote and by position."""
    by_quote, by_position = URIRef(f"{target}-quote"), URIRef(f"{target}-position")
    graph.add((target, RDF.type, OA.SpecificResource))
    graph.add((target, OA.hasSource, source))
    graph.add((target, OA.hasSelector, by_quote))
    graph.add((target, OA.hasSelector, by_position))
    graph.add((by_quote, RDF.type, OA.TextQuoteSelector))
    graph.add((by_quote, OA.exact, Literal(text[start:end])))
    graph.add((by_quote, OA.prefix, Literal(text[max(0, start - CONTEXT_CHARS) : start])))
    graph.add((by_quote, OA.suffix, Literal(text[end : end + CONTEXT_CHARS])))
    graph.add((by_position, RDF.type, OA.TextPositionSelector))
    graph.add((by_position, OA.start, Literal(start, datatype=XSD.integer)))
    graph.add((by_position, OA.end, Literal(end, datatype=XSD.integer)))
