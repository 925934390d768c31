"""What both report writers share: the text being written, a record's opening, the stock carried from year to year."""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from publisher.synthetic.province import SyntheticAgency

#: What an agency publishes proactively, by category and by channel (the Jilin template counts them, the stock too).
CATEGORIES = ("normative-documents", "plans", "public-funds", "organisation", "work-news-and-other")
CHANNELS = ("website-column", "press-conference")


@dataclass
class Text:
    """A source text being written, and the quotes of the figures it states."""

    parts: list[str] = field(default_factory=list)
    length: int = 0

    def add(self, text: str) -> int:
        """Append text; return the offset (in characters) where it starts."""
        offset = self.length
        self.parts.append(text)
        self.length += len(text)
        return offset

    @property
    def text(self) -> str:
        return "".join(self.parts)


def yaml_string(value: str) -> str:
    """`value` as a quoted YAML string."""
    return json.dumps(value, ensure_ascii=False)


def record_head(
    title: str, agency: SyntheticAgency, year: int, slug: str, source_file: str, period_quote: str, period_offset: int
) -> str:
    """A record's opening: what it reports, its source, and its period with the quote that states it."""
    return (
        f"# {title} (synthetic: publisher.synthetic)\n"
        f"agency: {agency.id}\nyear: {year}\nformat: {slug}\n\n"
        f"source:\n  file: {source_file}\n  language: zh\n\n"
        f"period:\n  from: {year}-01-01\n  to: {year}-12-31\n"
        f"  quote: {yaml_string(period_quote)}\n  offset: {period_offset}\n\n"
    )


@dataclass
class Stock:
    """What an agency has published so far (the cumulative figures), carried from year to year."""

    categories: dict[str, int]
    channels: dict[str, int]
    timeliness: dict[str, int]
    reports: int = 0  # the agency's reports written before this one
    # the national formats' stocks, set by the first report of the era that states them
    carried: dict[str, int] | None = None  # requests carried over to next year, by applicant
    published: dict[str, int] | None = None  # rules and normative documents published in total (2019)
    in_force: dict[str, int] | None = None  # rules and normative documents in force (2021)
    matters: dict[str, int] | None = None  # items of the catalogue of matters (2019)


def split(rng: random.Random, total: int, weights: Sequence[float]) -> list[int]:
    """`total` split into len(weights) non-negative parts that add up to it."""
    shares = [w * rng.uniform(0.5, 1.5) for w in weights]
    scale = sum(shares)
    parts = [int(total * s / scale) for s in shares]
    parts[-1] += total - sum(parts)
    return parts


#: A format's writer: (agency, parent, year, stock, rng, blank_rate, inconsistent) → (record, source, source file name).
ReportWriter = Callable[
    [SyntheticAgency, "SyntheticAgency | None", int, Stock, random.Random, float, bool], tuple[str, str, str]
]
