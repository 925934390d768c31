"""Report and agency pages, regenerated from the named queries.

The report page is the full report of its format rebuilt table by table from the
format's named queries (publisher/queries/*.rq with a `table:` header): every
number links to the query that produced it and shows its source quote; blank
stays blank; stated totals and derived sums are shown apart; quality warnings are
listed. The page embeds the report's schema.org/Dataset description (JSON-LD, made
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
class Table:
    query: namedqueries.NamedQuery
    query_url: str
    columns: list[str]
    rows: list[tuple[dict[str, str], dict[str, dict[str, str]]]] = field(default_factory=list)


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
    for query in namedqueries.tables_of(format_slug):
        rows = query.rows(store, base, params)
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
