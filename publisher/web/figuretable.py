"""What the comparison pages compare: the figures of every report, in memory, read once per release.

The comparison pages (publisher.web.comparison) rank, stack and total the figures of
the reports of a region's agencies. Asking the store for them on every request costs
time that grows with the region (a province's totals read every report of the
province); so the first time a comparison page asks after a release is published, the
figures of every report are read once, and kept per store object (a published store
never changes), beside the corpus index (publisher.web.corpusindex) that says whose
report each is, of which year, level and region. A page then only filters and adds up
tuples in memory.

They are read from the release's figure table (publisher.release.paths.FIGURE_TABLE),
which the build writes from each report's own triples
(publisher.publication.reportfigures): a few tens of milliseconds for ten thousand
reports. A release without one (built before it was written) is read from the named
queries the table stands for:

    figure-by-report (item, period)   one row per report stating the figure: its value (the cells added)
    outcomes-by-report                one row per report and outcome of table 三

which take a minute of CPU over ten thousand reports. The parameterised named queries a
chart links to (region-ranked, region-outcomes, region-totals) are the same patterns
with the region, level and year as filters: they answer the same numbers as the page
(the tests check it).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path

from publisher.publication.reportfigures import FigureTable, Stated, read_table
from publisher.release.paths import FIGURE_TABLE
from publisher.sparql import namedqueries
from publisher.store.readstore import ReadStore

__all__ = ["FIGURE_QUERY", "OUTCOME_QUERY", "FigureTable", "Stated", "figure_table", "make_table"]

FIGURE_QUERY, OUTCOME_QUERY = "figure-by-report", "outcomes-by-report"


_TABLES: dict[tuple[int, str, tuple[tuple[str, str], ...]], tuple[ReadStore, FigureTable]] = {}
_LOCK = threading.Lock()


def figure_table(
    store: ReadStore, base: str, figures: Sequence[tuple[str, str]], release: Path | None = None
) -> FigureTable:
    """The table of `figures` ((item, period) pairs) of a store, made once per store object: read from the
    figure table of `release` (the store's release folder) when it has one, else from the named queries.

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
                table = read_table(release / FIGURE_TABLE, base, figures) if release is not None else None
                found = (store, table if table is not None else make_table(store, base, figures))
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
