"""What the comparison pages compare: the figures of every report, in memory, made once per release.

The comparison pages (publisher.web.comparison) rank, stack and total the figures of
the reports of a region's agencies. Asking the store for them on every request costs
time that grows with the region (a province's totals read every report of the
province); so, the first time a comparison page asks after a release is published,
the figures of every report are read once, from named queries:

    figure-by-report (item, period)   one row per report stating the figure: its value (the cells added)
    outcomes-by-report                one row per report and outcome of table 三

and kept per store object (a published store never changes), beside the corpus index
(publisher.web.corpusindex) that says whose report each is, of which year, level and
region. A page then only filters and adds up tuples in memory. The parameterised
named queries a chart links to (region-ranked, region-outcomes, region-totals) are
the same patterns with the region, level and year as filters: they answer the same
numbers as the page (the tests check it).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from publisher.sparql import namedqueries
from publisher.store.readstore import ReadStore

FIGURE_QUERY, OUTCOME_QUERY = "figure-by-report", "outcomes-by-report"


@dataclass(frozen=True)
class Stated:
    """One figure of one report: the value (the sum of the cells that state it) and how many cells were added."""

    value: int
    cells: int


@dataclass(frozen=True)
class FigureTable:
    figures: Mapping[tuple[str, str], Mapping[str, Stated]]  # (item, period) → report IRI → its figure
    outcomes: Mapping[str, Mapping[str, int]]  # report IRI → outcome code → value (outcomes stated only)

    def figure(self, item: str, period: str) -> Mapping[str, Stated]:
        return self.figures.get((item, period), {})


_TABLES: dict[tuple[int, str, tuple[tuple[str, str], ...]], tuple[ReadStore, FigureTable]] = {}
_LOCK = threading.Lock()


def figure_table(store: ReadStore, base: str, figures: Sequence[tuple[str, str]]) -> FigureTable:
    """The table of `figures` ((item, period) pairs) of a store, made once per store object.

    The store is kept beside its table, so that another store given the same id() after
    this one is gone is never answered with this one's table.
    """
    key = (id(store), base, tuple(figures))
    found = _TABLES.get(key)
    if found is None or found[0] is not store:
        with _LOCK:
            found = _TABLES.get(key)
            if found is None or found[0] is not store:
                if len(_TABLES) > 4:
                    _TABLES.clear()
                found = (store, make_table(store, base, figures))
                _TABLES[key] = found
    return found[1]


def make_table(store: ReadStore, base: str, figures: Sequence[tuple[str, str]]) -> FigureTable:
    """The table, from the rows of the named queries `figure-by-report` (once per figure) and `outcomes-by-report`."""
    found: dict[tuple[str, str], dict[str, Stated]] = {}
    for item, period in figures:
        rows = namedqueries.get(FIGURE_QUERY).rows(store, base, {"item": item, "period": period})
        found[item, period] = {row["report"]: Stated(int(row["value"]), int(row["figures"])) for row in rows}
    outcomes: dict[str, dict[str, int]] = {}
    for row in namedqueries.get(OUTCOME_QUERY).rows(store, base, {}):
        outcomes.setdefault(row["report"], {})[row["outcome"]] = int(row["value"])
    return FigureTable(found, outcomes)
