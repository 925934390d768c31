"""Minting IRIs: every IRI the publisher creates is made here, from the base IRI.

{base}/id/agency/{agency}                   an agency (org:Organization)
{base}/id/division/{code}                   an administrative division
{base}/id/report/{agency}/{year}            a report (dis:AnnualReport); also its named graph
{base}/id/report/{agency}/{year}/{key}      a figure (qb:Observation) or narrative fact
{base}/id/report/{agency}/{year}/source     the source document the report was read from
{base}/def/disclosure#{Term}                our ontology; {base}/def/disclosure its document
{base}/def/{format}                         a report format; {base}/def/{format}/{code} its codes
{base}/def/common/{scheme}/{code}           code lists shared by every format (units, cell status, …)
{base}/graph/{name}                         named graphs of shared data (ontology, formats, agencies)
{base}/catalog, /catalog/…, /download/{name}, /void, /sparql   the catalog (`CatalogIris`)
{base}{path}.{extension}                    a document of a resource or page, in one format
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

    def definition(self, path: str) -> URIRef:
        """A term of the formats and code lists: {base}/def/{path}."""
        return URIRef(f"{self.base}/def/{path}")

    def common(self, scheme: str, code: str | None = None) -> URIRef:
        """A shared code list ({base}/def/common/{scheme}) or one of its codes."""
        return URIRef(f"{self.codes}{scheme}" + (f"/{code}" if code is not None else ""))

    def term(self, name: str) -> URIRef:
        """A term of our vocabulary: {base}/def/disclosure#{name}."""
        return URIRef(f"{self.vocabulary}{name}")

    @property
    def vocabulary(self) -> str:
        """The namespace of our vocabulary."""
        return f"{self.base}/def/disclosure#"

    @property
    def definitions(self) -> str:
        """The prefix of every term of the formats and code lists."""
        return f"{self.base}/def/"

    @property
    def shapes(self) -> str:
        """The prefix of the shapes documents' graphs ({base}/def/shapes/{stem}, as `format(f"shapes/{stem}")`)."""
        return f"{self.base}/def/shapes/"

    @property
    def codes(self) -> str:
        """The prefix of the code lists every format shares ({base}/def/common/)."""
        return f"{self.base}/def/common/"

    @property
    def agencies(self) -> str:
        """The prefix of every agency IRI."""
        return f"{self.base}/id/agency/"

    @property
    def reports(self) -> str:
        """The prefix of every report IRI (and of its figures)."""
        return f"{self.base}/id/report/"

    def page(self, path: str) -> str:
        """The address of a path of the site ("/agencies", "/queries" …)."""
        return f"{self.base}{path}"

    def document(self, path: str, extension: str) -> str:
        """The address of one format of a resource or page: {base}{path}.{extension}."""
        return f"{self.base}{path}.{extension}"

    @property
    def context(self) -> str:
        """The JSON-LD context every JSON-LD document refers to."""
        return f"{self.base}/context.jsonld"

    @staticmethod
    def fragment(node: object, name: str) -> URIRef:
        """A node described inside another's document: {node}#{name}."""
        return URIRef(f"{node}#{name}")

    def ontology_base(self) -> str:
        """The base against which the relative IRIs of ontology/*.ttl resolve."""
        return self.base + "/"

    def within(self, iri: str) -> bool:
        """Whether an IRI was minted under this deployment's base."""
        return iri.startswith(self.base + "/")

    def report_key(self, report: str) -> tuple[str, int] | None:
        """(agency, year) of a report IRI of this deployment, else None."""
        match = re.fullmatch(re.escape(self.base) + r"/id/report/([^/]+)/(\d{4})", str(report))
        return (match.group(1), int(match.group(2))) if match else None

    def figure_key(self, node: object) -> str | None:
        """The record key of a figure or fact IRI (or a fragment of one), else None."""
        match = re.fullmatch(re.escape(self.base) + r"/id/report/[^/]+/\d{4}/([a-z0-9-]+)(?:#.*)?", str(node))
        return match.group(1) if match else None


class CatalogIris:
    """IRIs the catalog mints, all under {base}/catalog, /download and /void (see the README)."""

    def __init__(self, iris: Iris) -> None:
        self.iris = iris
        self.base = iris.base

    @property
    def catalog(self) -> URIRef:
        return URIRef(f"{self.base}/catalog")

    def page(self, number: int) -> URIRef:
        return URIRef(f"{self.base}/catalog/page/{number}")

    @property
    def corpus(self) -> URIRef:
        return URIRef(f"{self.base}/catalog/corpus")

    def distribution(self, stem: str, kind: str) -> URIRef:
        return URIRef(f"{self.base}/catalog/distribution/{stem}/{kind}")

    def download(self, name: str) -> URIRef:
        return URIRef(f"{self.base}/download/{name}")

    @property
    def publisher(self) -> URIRef:
        return URIRef(f"{self.base}/catalog#publisher")

    @property
    def contact(self) -> URIRef:
        return URIRef(f"{self.base}/catalog#contact")

    def contact_of(self, agency: str) -> URIRef:
        """An agency's contact point, as the catalog gives it (its website)."""
        return URIRef(f"{self.base}/catalog/contact/{agency}")

    @property
    def service(self) -> URIRef:
        return URIRef(f"{self.base}/sparql#service")  # the sd:Service of /sparql's Service Description

    @property
    def endpoint(self) -> URIRef:
        return URIRef(f"{self.base}/sparql")

    @property
    def void(self) -> URIRef:
        return URIRef(f"{self.base}/void")

    @property
    def home(self) -> URIRef:
        return URIRef(f"{self.base}/")

    def landing_page(self, report: URIRef) -> URIRef:
        return URIRef(f"{report}.html")
