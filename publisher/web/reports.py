"""Report and agency pages, regenerated from the named queries.

The report page is the full report of its format rebuilt table by table from the
format's named queries (publisher/queries/*.rq with a `table:` header): every
number links to the query that produced it and shows its source quote; blank
stays blank; stated totals and derived sums are shown apart; quality warnings are
listed. A table query answers in one of three shapes, told by its variables: items ×
period types (the Jilin template), a grid of rows × columns with group rows and
headings (the national formats: `row`, `column`), or prose sections (`section`).
The page embeds the report's schema.org/Dataset description (JSON-LD, made
from its catalog entry) for dataset search engines.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from flask import render_template, url_for
from pyoxigraph import NamedNode

from publisher import namedqueries
from publisher.errors import NotFound
from publisher.web import catalog, publication
from publisher.web.i18n import words
from publisher.web.labels import label


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
    derived: list[tuple[str, str]] = field(default_factory=list)  # (rule, derived total)

    @property
    def disagreeing(self) -> list[tuple[str, str]]:
        """The derived totals that differ from the stated one (a blank counting as 0 where a rule derives it)."""
        stated = self.value or "0"
        return [(rule, total) for rule, total in self.derived if total != stated]

    @property
    def derivation(self) -> str:
        """Every derived total of the cell, for its tooltip."""
        return "; ".join(f"{rule}: {total}" for rule, total in self.derived)


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
    derived: dict[str, list[tuple[str, str]]],
) -> Table:
    """A national table: rows in order, group rows kept, one segment per heading of columns."""
    table = Table(query, url, [], kind="grid")
    by_row: dict[str, GridRow] = {}
    prefix = f"{base}/def/"
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
    format_slug = meta["format"].rsplit("/def/", 1)[1]
    tables = []
    derived: dict[str, list[tuple[str, str]]] = {}
    for check in namedqueries.get("national-sum-checks").rows(store, base, params):
        derived.setdefault(check["total"], []).append((check[f"rule_{lang}"], check["derived"]))
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
        agency_href=f"/id/agency/{agency}",
        format_label=label(store, NamedNode(meta["format"]), lang),
        format_href=meta["format"][len(base) :],
        source_href=f"/id/report/{agency}/{year}/source",
        tables=tables,
        sums=namedqueries.get("report-sum-checks").rows(store, base, params),
        sums_url=query_url("report-sum-checks", params, lang),
        warnings=namedqueries.get("report-quality").rows(store, base, params),
        warnings_url=query_url("report-quality", params, lang),
        facts=namedqueries.get("report-facts").rows(store, base, params),
        facts_url=query_url("report-facts", params, lang),
        base=base,
        schema_org=catalog.schema_org(agency, year),
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
