"""Report and agency pages, regenerated from the named queries.

The report page is the full report of its format rebuilt table by table from the
format's named queries (publisher/sparql/queries/*.rq with a `table:` header): every
number links to the query that produced it and shows its source quote; blank
stays blank; stated totals and derived sums are shown apart; quality warnings are
listed. A table query answers in one of three shapes, told by its variables: items ×
period types (the Jilin template), a grid of rows × columns with group rows and
headings (the national formats: `row`, `column`), or prose sections (`section`).

The stated and derived totals come from the sum-check query the report's format
calls for, told by the format's data structure in the store (`sum_check_query`):
report-sum-checks for a format whose figures have a period type (the Jilin
template), national-sum-checks for a format of rows × columns, whose cells may be
blank (the national formats). A blank total is shown blank, never as 0, and is
compared with its derived value only where the rule counts a blank as 0.

The page embeds the report's schema.org/Dataset description (JSON-LD, made
from its catalog entry) for dataset search engines.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlencode

from flask import render_template, url_for
from pyoxigraph import BlankNode, NamedNode

from publisher.errors import NotFound
from publisher.rdf.iris import Iris
from publisher.rdf.namespaces import QB, vocabulary
from publisher.records.pdfdoc import PAGE_LOCATION
from publisher.sparql import namedqueries
from publisher.store.readstore import ReadStore
from publisher.web.catalog import schema_org
from publisher.web.i18n import words
from publisher.web.labels import label
from publisher.web.state import publication

REUSE_QUERY = "report-text-reuse"  # the report's prose repeated from its previous report (textreuse)
PERIOD_SUMS = "report-sum-checks"  # totals of items, one period type at a time (the Jilin template)
CELL_SUMS = "national-sum-checks"  # totals of cells of rows × columns, blank cells included


@dataclass(frozen=True)
class SumCheck:
    """One total of a sum rule: what the agency stated (None when the cell is blank) and what the parts give."""

    figure: str  # the IRI of the total's cell
    rule: str  # the labels, in the page's language: the rule's,
    row: str  # the total's row (after the group row above it, if any)
    column: str  # and the total's column (or period type)
    stated: str | None
    derived: str
    blank_as_zero: bool

    @property
    def compared(self) -> str | None:
        """The stated total as the rule reads it: a blank counts as 0 only where the rule says so."""
        if self.stated is not None:
            return self.stated
        return "0" if self.blank_as_zero else None

    @property
    def disagrees(self) -> bool:
        """Whether the stated total (as the rule reads it) differs from the derived one."""
        compared = self.compared
        return compared is not None and _number(compared) != _number(self.derived)


def _number(text: str) -> Decimal | str:
    try:
        return Decimal(text)
    except InvalidOperation:
        return text


def sum_checks(rows: list[dict[str, str]], lang: str) -> list[SumCheck]:
    """The rows of national-sum-checks as the page shows them."""
    checks = []
    for row in rows:
        group = row.get(f"row_group_{lang}")
        checks.append(
            SumCheck(
                figure=row["total"],
                rule=row[f"rule_{lang}"],
                row=f"{group} › {row[f'row_{lang}']}" if group else row[f"row_{lang}"],
                column=row[f"column_{lang}"],
                stated=None if row.get("status") == "blank" else row.get("stated"),
                derived=row["derived"],
                blank_as_zero=row.get("blank_as_zero") == "true",
            )
        )
    return checks


def sum_check_query(store: ReadStore, format_iri: str, base: str) -> namedqueries.NamedQuery:
    """The sum-check query a format calls for, told by its data structure (not by its name).

    report-sum-checks adds up figures of one period type, so it is the query of a
    format whose structure has the period-type dimension (dis:periodType: the Jilin
    template); every other format's totals are cells of rows × columns, some of them
    blank (the national formats): national-sum-checks.
    """
    dis = vocabulary(base)
    period_type = NamedNode(str(dis.periodType))
    for structure in _objects(store, NamedNode(format_iri), dis.dataStructure):
        for spec in _objects(store, structure, QB.component):
            if period_type in _objects(store, spec, QB.dimension):
                return namedqueries.get(PERIOD_SUMS)
    return namedqueries.get(CELL_SUMS)


def _objects(store: ReadStore, subject: Any, predicate: str) -> list[Any]:
    """The objects of (subject, predicate) in any graph of the store."""
    if not isinstance(subject, NamedNode | BlankNode):
        return []
    return [quad.object for quad in store.quads_for_pattern(subject, NamedNode(str(predicate)), None, None)]


@dataclass
class GridColumn:
    iri: str
    code: str
    label: str
    group: str | None


@dataclass
class GridCell:
    column: GridColumn
    status: str  # "stated", "blank", or "absent" (the report has no such figure)
    value: str = ""
    unit: str = ""
    figure: str = ""
    quote: str = ""
    location: str = ""
    derived: list[SumCheck] = field(default_factory=list)  # the sum rules whose total this cell is

    @property
    def page(self) -> int | None:
        """The page of a PDF the cell is on (its location says "page 3, (//table)[1]/…"), else None."""
        paged = PAGE_LOCATION.fullmatch(self.location)
        return int(paged.group(1)) if paged else None

    @property
    def disagreeing(self) -> list[tuple[str, str]]:
        """(rule, derived total) of each rule whose derived total differs (a blank read as the rule says)."""
        return [(check.rule, check.derived) for check in self.derived if check.disagrees]

    @property
    def derivation(self) -> str:
        """Every derived total of the cell, for its tooltip."""
        return "; ".join(f"{check.rule}: {check.derived}" for check in self.derived)


@dataclass
class GridRow:
    code: str
    label: str
    depth: int
    group: bool
    caption: bool
    cells: list[GridCell] = field(default_factory=list)


@dataclass
class Segment:
    """Rows sharing one heading: a whole table, or one part of table 二 under its caption."""

    caption: GridRow | None
    columns: list[GridColumn]
    rows: list[GridRow] = field(default_factory=list)

    @property
    def grouped(self) -> bool:
        return any(c.group for c in self.columns)

    @property
    def heading_groups(self) -> list[tuple[str | None, int, GridColumn | None]]:
        """The first heading row: a group label and its span, or a column standing alone."""
        found: list[tuple[str | None, int, GridColumn | None]] = []
        for column in self.columns:
            if column.group and found and found[-1][0] == column.group:
                found[-1] = (column.group, found[-1][1] + 1, None)
            else:
                found.append((column.group, 1, None) if column.group else (None, 1, column))
        return found


@dataclass
class Table:
    query: namedqueries.NamedQuery
    query_url: str
    columns: list[str]
    rows: list[tuple[dict[str, str], dict[str, dict[str, str]]]] = field(default_factory=list)
    kind: str = "periods"  # "periods", "grid" or "prose"
    segments: list[Segment] = field(default_factory=list)
    row_heading: str = ""
    sections: list[dict[str, str]] = field(default_factory=list)


def grid_table(
    query: namedqueries.NamedQuery,
    url: str,
    rows: list[dict[str, str]],
    lang: str,
    base: str,
    derived: dict[str, list[SumCheck]],
) -> Table:
    """A national table: rows in order, group rows kept, one segment per heading of columns."""
    table = Table(query, url, [], kind="grid")
    by_row: dict[str, GridRow] = {}
    prefix = Iris(base).definitions
    for result in rows:
        table.row_heading = table.row_heading or result.get(f"row_heading_{lang}", "")
        row = by_row.get(result["row"])
        if row is None:
            row = GridRow(
                code=result["row"].removeprefix(prefix),
                label=result[f"row_{lang}"],
                depth=int(result.get("depth", "0")),
                group=result.get("group") == "true",
                caption=result.get("caption") == "true" and result.get("group") == "true",
            )
            by_row[result["row"]] = row
        if "column" not in result:
            continue
        column = GridColumn(
            result["column"],
            result["column"].removeprefix(prefix),
            result[f"column_{lang}"],
            result.get(f"column_group_{lang}"),
        )
        if "figure" not in result:
            row.cells.append(GridCell(column, "absent"))
            continue
        amount = result.get("amount")
        row.cells.append(
            GridCell(
                column,
                "blank" if result.get("status") == "blank" else "stated",
                value=result.get("count", amount or ""),
                unit=result.get(f"unit_{lang}", "") if amount is not None else "",
                figure=result["figure"],
                quote=result.get("quote", ""),
                location=result.get("location", ""),
                derived=derived.get(result["figure"], []),
            )
        )
    segment: Segment | None = None
    for row in by_row.values():
        if row.caption or segment is None:
            segment = Segment(row if row.caption else None, [])
            table.segments.append(segment)
            if row.caption:
                continue
        if not row.group and not segment.columns:
            segment.columns = [cell.column for cell in row.cells]
        segment.rows.append(row)
    return table


@dataclass(frozen=True)
class RepeatedPassage:
    """A passage of the report's source text repeated from the previous report's: [start, end), its words."""

    start: int
    end: int
    text: str
    previous_start: int | None
    previous_end: int | None


@dataclass(frozen=True)
class TextReuse:
    """The report's text-reuse measurement as the page shows it (named query report-text-reuse)."""

    share: Decimal
    previous: str  # the previous report's IRI
    previous_year: int
    passages: list[RepeatedPassage]

    @property
    def percent(self) -> str:
        return format((self.share * 100).normalize(), "f")


def text_reuse(rows: list[dict[str, str]], iris: Iris) -> TextReuse | None:
    """The rows of report-text-reuse as one measurement (None: the report has no previous report)."""
    if not rows:
        return None
    first = rows[0]
    key = iris.report_key(first["previous"])
    passages = [
        RepeatedPassage(
            int(row["start"]), int(row["end"]), row["exact"],
            int(row["previousStart"]) if "previousStart" in row else None,
            int(row["previousEnd"]) if "previousEnd" in row else None,
        )
        for row in rows
        if "start" in row
    ]  # fmt: skip
    return TextReuse(Decimal(first["share"]), first["previous"], key[1] if key else 0, passages)


def query_url(name: str, params: dict[str, str], lang: str) -> str:
    return url_for("queries.run", name=name) + "?" + urlencode(params | {"lang": lang})


def render_report(agency: str, year: int, lang: str, alternates: Sequence[Any]) -> str:
    pub = publication()
    store, base = pub.store, pub.iris.base
    params = {"agency": agency, "year": str(year)}
    published = namedqueries.get("agency-reports").rows(store, base, {"agency": agency})
    meta = next((r for r in published if r["year"] == str(year)), None)
    if meta is None:
        raise NotFound(f"No report of {agency} for {year} is published.")
    format_slug = meta["format"].removeprefix(pub.iris.definitions)
    tables = []
    sums_query = sum_check_query(store, meta["format"], base)
    sums = sums_query.rows(store, base, params)
    checks = sum_checks(sums, lang) if sums_query.name == CELL_SUMS else []
    derived: dict[str, list[SumCheck]] = {}
    for check in checks:
        derived.setdefault(check.figure, []).append(check)
    for query in namedqueries.tables_of(format_slug):
        names, rows = query.results(store, base, params)
        if "section" in names:
            tables.append(Table(query, query_url(query.name, params, lang), [], kind="prose", sections=rows))
            continue
        if "column" in names:
            tables.append(grid_table(query, query_url(query.name, params, lang), rows, lang, base, derived))
            continue
        columns: list[str] = []
        grid: dict[str, tuple[dict[str, str], dict[str, dict[str, str]]]] = {}
        for row in rows:
            if row["period"] not in columns:
                columns.append(row["period"])
            grid.setdefault(row["item"], (row, {}))[1][row["period"]] = row
        order = ["annual", "cumulative"]
        columns.sort(key=lambda c: order.index(c) if c in order else len(order))
        tables.append(Table(query, query_url(query.name, params, lang), columns, list(grid.values())))
    agency_iri = pub.iris.agency(agency)
    report_iri = pub.iris.report(agency, year)
    return render_template(
        "report.html",
        lang=lang,
        w=words(lang),
        alternates=alternates,
        report=meta,
        report_iri=str(report_iri),
        agency=agency,
        agency_label=label(store, NamedNode(str(agency_iri)), lang),
        agency_href=str(agency_iri)[len(base) :],
        format_label=label(store, NamedNode(meta["format"]), lang),
        format_href=meta["format"][len(base) :],
        source_href=str(pub.iris.source(agency, year))[len(base) :],
        tables=tables,
        sums_kind="cells" if sums_query.name == CELL_SUMS else "periods",
        sums=sums if sums_query.name == PERIOD_SUMS else [],
        checks=checks,
        disagreeing=sum(1 for check in checks if check.disagrees),
        sums_query=sums_query.name,
        sums_url=query_url(sums_query.name, params, lang),
        warnings=namedqueries.get("report-quality").rows(store, base, params),
        warnings_url=query_url("report-quality", params, lang),
        facts=namedqueries.get("report-facts").rows(store, base, params),
        facts_url=query_url("report-facts", params, lang),
        reuse=text_reuse(namedqueries.get(REUSE_QUERY).rows(store, base, params), pub.iris),
        reuse_url=query_url(REUSE_QUERY, params, lang),
        base=base,
        schema_org=schema_org(agency, year),
    )


def render_agency(agency: str, lang: str, alternates: Sequence[Any]) -> str:
    pub = publication()
    store, base = pub.store, pub.iris.base
    agency_iri = NamedNode(str(pub.iris.agency(agency)))
    name = label(store, agency_iri, lang)
    if name is None:
        raise NotFound(f"No agency {agency} is registered.")
    reports = namedqueries.get("agency-reports").rows(store, base, {"agency": agency})
    return render_template(
        "agency.html",
        lang=lang,
        w=words(lang),
        alternates=alternates,
        agency=agency,
        name=name,
        reports=reports,
        base=base,
        query_url=query_url("agency-reports", {"agency": agency}, lang),
    )
