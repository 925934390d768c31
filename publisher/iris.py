"""Minting IRIs: every IRI the publisher creates is made here, from the base IRI.

{base}/id/agency/{agency}                   an agency (org:Organization)
{base}/id/division/{code}                   an administrative division
{base}/id/report/{agency}/{year}            a report (dis:AnnualReport); also its named graph
{base}/id/report/{agency}/{year}/{key}      a figure (qb:Observation) or narrative fact
{base}/id/report/{agency}/{year}/source     the source document the report was read from
{base}/def/disclosure#{Term}                our ontology; {base}/def/disclosure its document
{base}/def/{format}                         a report format; {base}/def/{format}/{code} its codes
{base}/graph/{name}                         named graphs of shared data (ontology, formats, agencies)
"""

from __future__ import annotations

import re

from rdflib import URIRef

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
RESERVED_KEYS = frozenset({"source"})


class Iris:
    """The IRIs of one deployment, all under `base` (given without a trailing slash)."""

    def __init__(self, base: str) -> None:
        self.base = base.rstrip("/")

    def agency(self, agency: str) -> URIRef:
        return URIRef(f"{self.base}/id/agency/{agency}")

    def division(self, code: str) -> URIRef:
        return URIRef(f"{self.base}/id/division/{code}")

    def report(self, agency: str, year: int) -> URIRef:
        return URIRef(f"{self.base}/id/report/{agency}/{year}")

    def figure(self, agency: str, year: int, key: str) -> URIRef:
        return URIRef(f"{self.base}/id/report/{agency}/{year}/{key}")

    def source(self, agency: str, year: int) -> URIRef:
        return URIRef(f"{self.base}/id/report/{agency}/{year}/source")

    def format(self, slug: str) -> URIRef:
        return URIRef(f"{self.base}/def/{slug}")

    def graph(self, name: str) -> URIRef:
        return URIRef(f"{self.base}/graph/{name}")

    def ontology_base(self) -> str:
        """The base against which the relative IRIs of ontology/*.ttl resolve."""
        return self.base + "/"

    def report_key(self, report: str) -> tuple[str, int] | None:
        """(agency, year) of a report IRI of this deployment, else None."""
        match = re.fullmatch(re.escape(self.base) + r"/id/report/([^/]+)/(\d{4})", str(report))
        return (match.group(1), int(match.group(2))) if match else None

    def figure_key(self, node: object) -> str | None:
        """The record key of a figure or fact IRI (or a fragment of one), else None."""
        match = re.fullmatch(re.escape(self.base) + r"/id/report/[^/]+/\d{4}/([a-z0-9-]+)(?:#.*)?", str(node))
        return match.group(1) if match else None
