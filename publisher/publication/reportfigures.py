"""Each report's figures for the comparison pages, worked out from its own triples; the release's table of them.

The comparison pages (publisher.web.comparison) rank and total, per report, the rows of
two named queries: `figure-by-report` (once per figure of
publisher.publication.comparedfigures.FIGURES) and `outcomes-by-report`. Over a whole
corpus they cost a minute of CPU; so the build works out each report's rows as it
checks the report, from the report's triples (N-Triples terms,
publisher.graph.reporttriples) and a few facts of the ontology, read once per process
(`FigureFacts`), and writes them for the whole release as one file, the figure table
(publisher.release.paths.FIGURE_TABLE), which the web reads instead of asking the store.

`report_figures` follows the queries' semantics exactly (tests/test_figure_table.py
holds it to them over the store, on every era's reports and on real documents):

- figure-by-report (item, period): the item and the items declared its skos:exactMatch or
  skos:closeMatch, one step either way (`?item a skos:Concept`, or no row); for each such
  matched item, the report's observations (qb:dataSet the report) with a dis:count whose
  dis:item is skos:broader* the matched item, but only the matched item's own ones when
  the report has any observation of it; of these, those whose period type (annual when
  none is stated) is the period, and, of a row with columns, those whose column is no
  dis:part of a sum dis:alongDimension dis:column. value is the sum of the counts, cells
  how many were added (a figure under two matched items counts twice, as in the query).
- outcomes-by-report: for each notation of an item directly skos:broader a national
  version's request/results (bar request/total-results), the sum of the counts of the
  report's observations whose item is skos:broader* it (each (notation, item) pair once),
  of a row with columns the total column only.
- only reports that are a dis:AnnualReport with a dis:reportYear and a dis:agency.

The figure table (figure-table.json) is JSON, one report a line, sorted by report IRI:

    {"figure-table": 1, "base": "{base IRI}",
     "figures": [["national-2021/request/new-requests", "annual"], ...],
     "outcomes": ["request/disclosed", ...],
     "reports": [
    ["{report IRI}", [[value, cells] or null, ... one per figure], [value or null, ... one per outcome]],
    ...
    ]}

A report that states none of the figures and none of the outcomes has no line. It is
written whole or not at all (a temporary file renamed).
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, SKOS, XSD

from publisher.publication.comparedfigures import FIGURE_PAIRS
from publisher.rdf.iris import Iris
from publisher.rdf.namespaces import QB, vocabulary
from publisher.rdf.ntterms import TermTriple, iri_term
from publisher.release.gcpause import collection_paused

#: The version of the figure table's format (its first key); a reader of another version does not read it.
TABLE_VERSION = 1
#: The groups of table 三's outcomes in both national versions, and the one of their rows that is no outcome.
RESULTS = ("national-2019/request/results", "national-2021/request/results")
TOTAL_RESULTS = "request/total-results"


class Stated(NamedTuple):
    """One figure of one report: the value (the sum of the cells that state it) and how many cells were added."""

    value: int
    cells: int


@dataclass(frozen=True)
class FigureTable:
    """The figures of every report of a release, as the comparison pages read them."""

    figures: Mapping[tuple[str, str], Mapping[str, Stated]]  # (item, period) → report IRI → its figure
    outcomes: Mapping[str, Mapping[str, int]]  # report IRI → outcome code → value (outcomes stated only)

    def figure(self, item: str, period: str) -> Mapping[str, Stated]:
        return self.figures.get((item, period), {})


@dataclass(frozen=True, slots=True)
class ReportFigures:
    """One report's rows: of each figure asked (item, period), (value, cells) or None; its outcomes stated."""

    figures: tuple[tuple[str, str], ...]  # the figures asked, in order
    stated: tuple[tuple[int, int] | None, ...]  # by `figures`
    outcomes: tuple[tuple[str, int], ...]  # (outcome code, value), sorted by code

    def __reduce__(self) -> tuple[Any, ...]:
        return (_report_figures, (self.figures, self.stated, self.outcomes))


_PAIRS: dict[tuple[tuple[str, str], ...], tuple[tuple[str, str], ...]] = {FIGURE_PAIRS: FIGURE_PAIRS}


def _report_figures(
    figures: tuple[tuple[str, str], ...], stated: tuple[tuple[int, int] | None, ...], outcomes: tuple[tuple[str, int]]
) -> ReportFigures:
    """A ReportFigures unpickled, its figures and outcome codes the same objects as every other's in this process
    (so that a state holding ten thousand of them pickles each once)."""
    figures = _PAIRS.setdefault(figures, figures)
    return ReportFigures(figures, stated, tuple((sys.intern(o), v) for o, v in outcomes))


class FigureFacts:
    """What the queries read of the ontology (the shared graphs), as N-Triples terms: read once per process."""

    def __init__(self, graphs: Iterable[Graph], base: str) -> None:
        iris = Iris(base)
        dis = vocabulary(iris.base)
        self.iris = iris
        concepts: set[str] = set()
        matches: dict[str, set[str]] = {}
        broader: dict[str, set[str]] = {}
        notations: dict[str, list[Literal]] = {}
        along: set[str] = set()
        parts: dict[str, set[str]] = {}
        for graph in graphs:
            for s in graph.subjects(RDF.type, SKOS.Concept):
                concepts.add(_term(s))
            for p in (SKOS.exactMatch, SKOS.closeMatch):
                for s, o in graph.subject_objects(p):
                    matches.setdefault(_term(s), set()).add(_term(o))
                    matches.setdefault(_term(o), set()).add(_term(s))
            for s, o in graph.subject_objects(SKOS.broader):
                broader.setdefault(_term(s), set()).add(_term(o))
            for s, o in graph.subject_objects(SKOS.notation):
                if isinstance(o, Literal):
                    notations.setdefault(_term(s), []).append(o)
            for s in graph.subjects(dis.alongDimension, dis.column):
                along.add(_term(s))
            for s, o in graph.subject_objects(dis.part):
                parts.setdefault(_term(s), set()).add(_term(o))
        self.concepts = frozenset(concepts)
        self.matches = {k: frozenset(v) for k, v in matches.items()}
        self.broader = {k: tuple(sorted(v)) for k, v in broader.items()}
        self.summed_columns = frozenset(c for s in along for c in parts.get(s, ()))
        self._ancestors: dict[str, frozenset[str]] = {}
        results = {iri_term(str(iris.definition(code))) for code in RESULTS}
        outcome_items: dict[str, set[str]] = {}  # outcome item → its notations
        for item, broader_items in self.broader.items():
            if results.intersection(broader_items):
                for notation in notations.get(item, ()):
                    plain = notation.language is None and notation.datatype in (None, XSD.string)
                    if not (plain and str(notation) == TOTAL_RESULTS):
                        outcome_items.setdefault(item, set()).add(str(notation))
        # (notation, figure item) once each, the figure item skos:broader* the outcome item (itself included)
        by_item: dict[str, set[str]] = {item: set(codes) for item, codes in outcome_items.items()}
        for node in self.broader:
            for above in self.ancestors(node):
                if above in outcome_items and above != node:
                    by_item.setdefault(node, set()).update(outcome_items[above])
        self.outcomes_of = {item: tuple(sorted(codes)) for item, codes in by_item.items()}
        self.annual = iri_term(str(iris.common("period-type", "annual")))
        self.predicates = {
            _term(RDF.type): _TYPE, _term(QB.dataSet): _DATASET, _term(dis.item): _ITEM, _term(dis.count): _COUNT,
            _term(dis.periodType): _PERIOD, _term(dis.column): _COLUMN, _term(dis.reportYear): _YEAR,
            _term(dis.agency): _AGENCY,
        }  # fmt: skip
        self.annual_report = _term(dis.AnnualReport)

    def ancestors(self, item: str) -> frozenset[str]:
        """The items `item` is skos:broader* (itself included)."""
        found = self._ancestors.get(item)
        if found is None:
            seen = {item}
            todo = [item]
            while todo:
                for above in self.broader.get(todo.pop(), ()):
                    if above not in seen:
                        seen.add(above)
                        todo.append(above)
            found = self._ancestors[item] = frozenset(seen)
        return found

    def item(self, code: str) -> str:
        return iri_term(str(self.iris.definition(code)))

    def period(self, code: str) -> str:
        return iri_term(str(self.iris.common("period-type", code)))


#: The predicates read of a report: the first five kept per subject (in this order), the others of the report only.
_DATASET, _ITEM, _COUNT, _PERIOD, _COLUMN, _TYPE, _YEAR, _AGENCY = range(8)


def _term(node: URIRef | Any) -> str:
    return iri_term(str(node))


_FACTS: dict[tuple[int, ...], tuple[Sequence[Graph], str, FigureFacts]] = {}


def facts_for(graphs: Sequence[Graph], base: str) -> FigureFacts:
    """The facts of these graphs (the same graph objects: read once per process)."""
    key = tuple(id(g) for g in graphs)
    found = _FACTS.get(key)
    if found is None or found[1] != base or any(a is not b for a, b in zip(found[0], graphs, strict=True)):
        if len(_FACTS) > 2:
            _FACTS.clear()
        found = _FACTS[key] = (tuple(graphs), base, FigureFacts(graphs, base))
    return found[2]


def report_figures(
    triples: Iterable[TermTriple],
    report: str,
    facts: FigureFacts,
    figures: tuple[tuple[str, str], ...] = FIGURE_PAIRS,
) -> ReportFigures:
    """The rows the named queries give for the report `report` (its IRI; `triples`: its graph's), as they are
    defined in the module's docstring."""
    subject = iri_term(report)
    codes = facts.predicates
    own: dict[str, list[list[str]]] = {}  # subject → [datasets, items, counts, periods, columns]
    annual = year = agency = False
    for s, p, o in [t for t in triples if t[1] in codes]:  # the few predicates read, picked out first (faster)
        code = codes[p]
        if s == subject:
            if code == _TYPE:
                annual = annual or o == facts.annual_report
            elif code == _YEAR:
                year = True
            elif code == _AGENCY:
                agency = True
        if code >= _TYPE:
            continue
        found = own.get(s)
        if found is None:
            found = own[s] = [[], [], [], [], []]
        found[code].append(o)
    if not (annual and year and agency):
        return ReportFigures(figures, (None,) * len(figures), ())
    cells = [found for found in own.values() if subject in found[0]]
    items_stated = {item for found in cells for item in found[1]}
    summed = facts.summed_columns
    # each (figure item, count, its period types) of an observation with a count, a summed column left out
    solutions: list[tuple[str, int, list[str]]] = []
    for _datasets, items, counts, periods, columns in cells:
        if not counts:
            continue
        kept = sum(1 for column in columns if column not in summed) if columns else 1
        for item in items:
            for count in counts:
                value = int(count[1 : count.rindex('"')])
                solutions.extend([(item, value, periods)] * kept)
    stated: list[tuple[int, int] | None] = []
    for item_code, period_code in figures:
        item, period = facts.item(item_code), facts.period(period_code)
        if item not in facts.concepts:
            stated.append(None)
            continue
        matched = {item, *facts.matches.get(item, ())}
        total = added = 0
        for figure_item, value, periods in solutions:
            above = facts.ancestors(figure_item)
            under = sum(1 for m in matched if m in above and (figure_item == m or m not in items_stated))
            times = under * sum(1 for p in (periods or (facts.annual,)) if p == period)
            total += times * value
            added += times
        stated.append((total, added) if added else None)
    outcomes: dict[str, int] = {}
    for figure_item, value, _periods in solutions:
        for outcome in facts.outcomes_of.get(figure_item, ()):
            outcomes[outcome] = outcomes.get(outcome, 0) + value
    return ReportFigures(figures, tuple(stated), tuple(sorted(outcomes.items())))


def ntriples_terms(ntriples: bytes) -> list[TermTriple]:
    """The triples of sorted N-Triples as made by publisher.rdf.ntterms (a line: `S P O .`, IRIs without spaces)."""
    found: list[TermTriple] = []
    for line in ntriples.decode("utf-8").splitlines():
        if not line or line.startswith("#"):
            continue
        s, p, rest = line.split(" ", 2)
        found.append((s, p, rest.removesuffix(" .")))
    return found


# ---------------------------------------------------------------------------
# The release's figure table
# ---------------------------------------------------------------------------


#: The line of each report in the table this process wrote last: (its figures, the outcome codes, the line). A
#: resident builder's next table encodes only the reports whose figures are other objects (those it rewrote).
_LINES: dict[str, tuple[ReportFigures, list[str], str]] = {}


def write_table(path: Path, base: str, reports: Iterable[tuple[str, ReportFigures]]) -> None:
    """The figure table of these reports ((IRI, its figures), each of FIGURE_PAIRS), written whole or not at all."""
    rows = sorted(reports)
    for _iri, found in rows:
        if found.figures != FIGURE_PAIRS:
            raise ValueError("a report's figures were worked out for other figures than FIGURE_PAIRS")
    codes = sorted({o for _iri, found in rows for o, _v in found.outcomes})
    head = {
        "figure-table": TABLE_VERSION,
        "base": Iris(base).base,
        "figures": [list(pair) for pair in FIGURE_PAIRS],
        "outcomes": codes,
    }
    global _LINES
    known, kept = _LINES, {}
    encode = json.JSONEncoder(ensure_ascii=False).encode
    lines = []
    for iri, found in rows:
        if not found.outcomes and not any(found.stated):
            continue
        line = known.get(iri)
        if line is None or line[0] is not found or line[1] != codes:
            by_code = dict(found.outcomes)
            figures = [list(s) if s is not None else None for s in found.stated]
            line = (found, codes, encode([iri, figures, [by_code.get(o) for o in codes]]))
        kept[iri] = line
        lines.append(line[2])
    _LINES = kept
    text = json.dumps(head, ensure_ascii=False)[:-1] + ', "reports": [\n' + ",\n".join(lines) + "\n]}\n"
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def read_table(path: Path, base: str, figures: Sequence[tuple[str, str]]) -> FigureTable | None:
    """The figure table of a release, of `figures`; None when there is none, or it is of another version or base
    IRI, or lacks one of the figures (the named queries answer then)."""
    with collection_paused():
        return _read_table(path, base, figures)


def _read_table(path: Path, base: str, figures: Sequence[tuple[str, str]]) -> FigureTable | None:
    try:
        data = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("figure-table") != TABLE_VERSION or data.get("base") != Iris(base).base:
        return None
    columns = {(item, period): n for n, (item, period) in enumerate(data["figures"])}
    if any(pair not in columns for pair in figures):
        return None
    found: dict[tuple[str, str], dict[str, Stated]] = {pair: {} for pair in figures}
    wanted = [(found[pair], columns[pair]) for pair in figures]
    codes = data["outcomes"]
    outcomes: dict[str, dict[str, int]] = {}
    for iri, stated, values in data["reports"]:
        for into, n in wanted:
            cell = stated[n]
            if cell is not None:
                into[iri] = Stated(cell[0], cell[1])
        by_code = {code: v for code, v in zip(codes, values, strict=True) if v is not None}
        if by_code:
            outcomes[iri] = by_code
    return FigureTable(found, outcomes)
