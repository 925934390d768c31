"""A synthetic corpus for measuring the publisher at scale: agencies, records and source texts.

Deterministic for a seed: agency N of a corpus is the same whatever the size, and
its reports are the same whatever the other agencies (each agency draws from its
own random stream, seeded with the corpus seed and its identifier).

    province government and its departments (厅, 委员会)
      └ cities: a government, its departments (局), its counties
          └ counties: a government, its departments, its townships (镇, 乡)

Every agency reports for every year of `years`, each year in the format of its era
(`ERAS`): the Jilin City template before 2019 (a prose report, `{year}.source.txt`),
the national format of 2019 for 2019 and 2020 and its 2021 revision from 2021 on
(an HTML page whose tables hold the figures, `{year}.source.html`, each figure
located by its cell, as the importer records a national report). Figures obey the
format's rules — parts add up to totals, cumulative figures carry over from the
year before and are at least the year's, requests carried to the next year are the
next year's carried over (across the 2020/2021 boundary too), documents published
or in force roll forward — except where the generator breaks one on purpose
(`inconsistency_rate`: one total of the report is off: in the Jilin template the
year's total published, in the national formats the total of administrative
reconsiderations). `blank_rate` is the share of figures the source leaves blank:
in the Jilin template written 未统计 (any figure but the total), in the national
formats an empty table cell (only a cell whose figure is 0, as real reports leave
zeros blank, so that the formats' blank-as-zero sums still hold); recorded
`blank: true`. Each report's prose has a paragraph on the year's work (`writing.Prose`),
drawn from the agency's own random stream (so that its figures are the same whatever the
prose): a third of the agencies copy last year's paragraph (text reuse, which evaluations
deduct points for), the others write it anew. The output is ordinary data: an `agencies.yaml` and
`reports/{agency}/{year}.yaml` with its source beside it, whose quotes are at the
offsets (cells at the locations) the record gives, so building it runs the real
pipeline.

Here: the eras, an agency's reports year by year, and the corpus written out. The
parts: `province` (the made-up hierarchy), `writing` (what the writers share: the
text being written, a record's opening, the stock carried from year to year),
`jilin` (the pre-2019 writer), `national` (the 2019 and 2021 writers), with the
national report's `page` and its `tables`.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from publisher.synthetic.jilin import jilin_report
from publisher.synthetic.national import national_writer
from publisher.synthetic.province import PROVINCE_CODE, Registry, SyntheticAgency, agencies, hierarchy
from publisher.synthetic.writing import CATEGORIES, CHANNELS, ReportWriter, Stock, prose_of, split, yaml_string

__all__ = [
    "CATEGORIES",
    "CHANNELS",
    "DEFAULT_YEARS",
    "ERAS",
    "PROVINCE_CODE",
    "WRITERS",
    "Registry",
    "Report",
    "ReportWriter",
    "Summary",
    "SyntheticAgency",
    "agencies",
    "format_of",
    "generate",
    "registry_yaml",
    "reports",
]

#: The format of each reporting year (first year of the era → format slug).
ERAS: tuple[tuple[int, str], ...] = ((2008, "jilin-city-2011"), (2019, "national-2019"), (2021, "national-2021"))
DEFAULT_YEARS = range(2008, 2026)

WRITERS: dict[str, ReportWriter] = {
    "jilin-city-2011": jilin_report,
    "national-2019": national_writer("national-2019"),
    "national-2021": national_writer("national-2021"),
}


def format_of(year: int) -> str:
    """The format of a reporting year's reports (the era it falls in)."""
    found = ERAS[0][1]
    for first, slug in ERAS:
        if year >= first:
            found = slug
    return found


@dataclass(frozen=True)
class Report:
    agency: str
    year: int
    format: str
    record: str
    source: str
    source_file: str  # the source's file name beside the record


def reports(
    agency: SyntheticAgency,
    parent: SyntheticAgency | None,
    years: Sequence[int],
    seed: int = 2011,
    blank_rate: float = 0.02,
    inconsistency_rate: float = 0.05,
) -> Iterator[Report]:
    """An agency's reports, year by year (the cumulative figures of a year carry over to the next)."""
    rng = random.Random(f"{seed}:{agency.id}")
    start = rng.randint(20, 400) * max(1, round(agency.size))
    stock = Stock(
        categories=dict(zip(CATEGORIES, split(rng, start, (0.05, 0.05, 0.03, 0.02, 0.85)), strict=True)),
        channels={},
        timeliness={"online-within-20-working-days": 0, "reading-points-within-30-working-days": 0},
        prose=prose_of(seed, agency.id),
    )
    stock.channels = dict(zip(CHANNELS, (start, 0), strict=True))
    for year in years:
        slug = format_of(year)
        inconsistent = rng.random() < inconsistency_rate
        record, source, source_file = WRITERS[slug](agency, parent, year, stock, rng, blank_rate, inconsistent)
        stock.reports += 1
        yield Report(agency.id, year, slug, record, source, source_file)


def registry_yaml(chosen: Sequence[SyntheticAgency], divisions: dict[str, tuple[str, str]]) -> str:
    lines = [
        "# Agency registry of a synthetic corpus (publisher.synthetic): the places are made up.",
        "divisions:",
    ]
    used = {a.division for a in chosen}
    for code in sorted(used):
        zh, en = divisions[code]
        lines.append(f'  "{code}":\n    name: {{zh: {yaml_string(zh)}, en: {yaml_string(en)}}}')
    lines.append("\nagencies:")
    for agency in chosen:
        parent = f"\n    parent: {agency.parent}" if agency.parent else ""
        lines.append(
            f"  {agency.id}:\n    name: {{zh: {yaml_string(agency.zh)}, en: {yaml_string(agency.en)}}}{parent}\n"
            f'    division: "{agency.division}"\n    kind: {agency.kind}'
        )
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class Summary:
    agencies: int
    reports: int
    directory: Path


def generate(
    target: Path,
    agency_count: int,
    *,
    years: Sequence[int] = DEFAULT_YEARS,
    seed: int = 2011,
    blank_rate: float = 0.02,
    inconsistency_rate: float = 0.05,
    progress: Callable[[int], None] | None = None,
) -> Summary:
    """Write a corpus of `agency_count` agencies × `years` into `target` (a data folder: agencies.yaml, reports/)."""
    registry = hierarchy(seed, agency_count)
    by_id = {a.id: a for a in registry.agencies}
    target.mkdir(parents=True, exist_ok=True)
    (target / "agencies.yaml").write_text(registry_yaml(registry.agencies, registry.divisions), encoding="utf-8")
    count = 0
    for agency in registry.agencies:
        folder = target / "reports" / agency.id
        folder.mkdir(parents=True, exist_ok=True)
        parent = by_id.get(agency.parent) if agency.parent else None
        for report in reports(agency, parent, years, seed, blank_rate, inconsistency_rate):
            (folder / f"{report.year}.yaml").write_text(report.record, encoding="utf-8")
            (folder / report.source_file).write_text(report.source, encoding="utf-8")
            count += 1
            if progress is not None:
                progress(count)
    return Summary(len(registry.agencies), count, target)
