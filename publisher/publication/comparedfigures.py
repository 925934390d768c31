"""The figures the comparison pages compare, and the outcomes of requests they stack.

Both the build, which works out every report's figures once (publisher.publication.reportfigures,
written as the release's figure table), and the web, whose comparison pages read that table
(publisher.web.comparison, publisher.web.figuretable), read them from here.

    FIGURES     each an item code (under /def/) and a period type, as the named query
                `figure-by-report` takes them; each follows its item's matches across the formats' eras
    OUTCOMES    the outcomes of table 三 (the notations both national versions give them), in the table's order
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ComparedFigure:
    """A figure a page can rank, total or draw over years: its key in a URL, item code, period type, and words.

    The comparison pages offer FIGURES; an agency page (publisher.web.workbench) offers its own series.
    """

    key: str
    item: str  # an item code under /def/, e.g. national-2021/request/not-disclosed
    period: str  # a period type code: annual or cumulative
    words: str  # the key of its label in publisher.web.i18n


#: The figures offered, the first by default.
FIGURES = (
    ComparedFigure("requests", "national-2021/request/new-requests", "annual", "series_requests"),
    ComparedFigure("refused", "national-2021/request/not-disclosed", "annual", "figure_refused"),
    ComparedFigure("answered", "national-2021/request/total-results", "annual", "figure_answered"),
    ComparedFigure("proactive", "pre-2019/proactive/total", "annual", "series_proactive"),
)

#: The (item, period) of each figure offered, in their order: what the figure table holds for every report.
FIGURE_PAIRS: tuple[tuple[str, str], ...] = tuple((f.item, f.period) for f in FIGURES)

#: The outcomes of table 三 (the notations both national versions give them), in the table's order.
OUTCOMES = (
    "request/disclosed",
    "request/partly-disclosed",
    "request/not-disclosed",
    "request/unable-to-provide",
    "request/not-processed",
    "request/other-handling",
)
