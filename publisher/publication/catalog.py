"""The DCAT-AP 3 catalog: its own description, its IRIs, and reading it back in pages.

Where the dataset description lives. A report's IRI is a dcat:Dataset in its own
named graph, which holds the data and what is intrinsic to it (title, agency as
publisher, division, period, format). The catalog is a *description of the
publication*: distributions with the size, checksum and date of each file served,
landing page, keywords, themes. It cannot live in the report's graph (a file can't
contain its own checksum, and the report's downloads are that graph), so it lives in
the release, beside the store:

    {release}/catalog/catalog.nt            the catalog, its publisher, the SPARQL service,
                                            and the cited concepts (licence, themes, types)
    {release}/catalog/datasets/{name}.nt    one dataset with its distributions
    {release}/catalog/void.nt               the VoID description (publisher.publication.void)
    {release}/catalog/schemaorg/{name}.json schema.org/Dataset of a report, for its page
    {release}/catalog/index.json            the datasets in catalog order
    {release}/catalog/about.json            the catalog's own description, for its HTML page

publisher.publication.dcat (the datasets), .cataloggraph (the catalog node, void.nt, about.json)
and .schemaorg make these files at build time; PublishedCatalog reads them.

Consistency: the catalog copies the report graph's own statements (title, publisher,
spatial, temporal and its dates, conformsTo) instead of recomputing them, and states
the record's language (`dct:language "zh"` in the report graph) as the EU language
IRI DCAT-AP requires. Nothing else in the catalog is said in the report's graph,
so the two never disagree. The catalog's own description (title, publisher, licence,
themes) comes from data/catalog.yaml when present, else from CATALOG_DEFAULTS.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from pyoxigraph import Literal as OxLiteral
from pyoxigraph import NamedNode, RdfFormat, Triple, parse
from rdflib import URIRef

from publisher.errors import SourceError
from publisher.publication.downloads import CORPUS, ORIGINAL_KINDS
from publisher.rdf.catalogterms import (
    COUNTRIES,
    HYDRA,
    LICENCES,
    PUBLISHER_TYPES,
    THEMES,
)
from publisher.rdf.iris import CatalogIris, Iris
from publisher.rdf.namespaces import DCAT, RDF, XSD
from publisher.records.fields import load_yaml
from publisher.release.paths import (
    CATALOG,
    CATALOG_ABOUT,
    CATALOG_DATASETS,
    CATALOG_GRAPH,
    CATALOG_INDEX,
    CATALOG_SCHEMAORG,
    CATALOG_VOID,
)

CORPUS_TITLE = ("政府信息公开工作年度报告全集", "All government information disclosure annual reports (corpus)")

#: Distribution kinds: (file-type table entry, zh label, en label), in catalog order.
KINDS: dict[str, tuple[str, str, str]] = {
    "turtle": ("turtle", "Turtle", "Turtle"),
    "jsonld": ("jsonld", "JSON-LD", "JSON-LD"),
    "ntriples": ("ntriples", "N-Triples", "N-Triples"),
    "nquads": ("nquads", "N-Quads（全部命名图）", "N-Quads (every named graph)"),
    "csv": ("csv", "CSV（每个表格单元一行）", "CSV (one row per table cell)"),
    "source": ("text", "原文", "source document"),
    ORIGINAL_KINDS["pdf"]: ("pdf", "原文（PDF，按发布原样）", "source document as published (PDF)"),
    ORIGINAL_KINDS["html"]: ("html", "原文（网页，按发布原样）", "source document as published (web page)"),
}


# ---------------------------------------------------------------------------
# The catalog's own description
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class CatalogInfo:
    title: tuple[str, str]
    description: tuple[str, str]
    publisher_name: tuple[str, str]
    publisher_type: str
    publisher_homepage: str | None
    publisher_email: str | None
    licence: str
    themes: tuple[str, ...]
    spatial: tuple[str, ...]

    @property
    def licence_iri(self) -> URIRef:
        return LICENCES[self.licence].iri


CATALOG_DEFAULTS = CatalogInfo(
    title=("政府信息公开工作年度报告关联数据目录", "Catalog of government information disclosure annual reports"),
    description=(
        "中国各级行政机关政府信息公开工作年度报告中的全部数字，以关联开放数据发布："
        "每个数字一个 RDF 数据立方体观测，附陈述它的原文引文；"
        "每份报告一个数据集，提供 Turtle、JSON-LD、N-Triples、CSV 和原文下载，并可通过 SPARQL 查询。",
        "Every figure of Chinese government agencies' information disclosure annual reports, published as linked "
        "open data: one RDF Data Cube observation per figure, with the quote of the source that states it; one "
        "dataset per report, downloadable as Turtle, JSON-LD, N-Triples, CSV and the source text, and queryable "
        "with SPARQL.",
    ),
    publisher_name=("政府信息公开年度报告关联数据项目", "Disclosure annual reports linked data project"),
    publisher_type="NonProfitOrganisation",
    publisher_homepage=None,
    publisher_email=None,
    licence="CC_BY_4_0",
    themes=("GOVE",),
    spatial=("CHN",),
)


def load_catalog_info(data_dir: Path) -> CatalogInfo:
    """data/catalog.yaml over CATALOG_DEFAULTS; SourceError names a wrong field."""
    path = data_dir / "catalog.yaml"
    if not path.exists():
        return CATALOG_DEFAULTS
    data = load_yaml(path)
    known = {"title", "description", "publisher", "licence", "themes", "spatial"}
    for key in data:
        if key not in known:
            raise SourceError(
                path, f"unknown field '{key}'; expected one of {', '.join(sorted(known))}", data.lines[key]
            )
    values: dict[str, Any] = {}

    def pair(mapping: Mapping[str, Any], key: str, where: str) -> tuple[str, str] | None:
        value = mapping.get(key)
        if value is None:
            return None
        if not isinstance(value, Mapping) or not all(isinstance(value.get(k), str) for k in ("zh", "en")):
            raise SourceError(path, f"field '{where}': expected {{zh: …, en: …}}")
        return str(value["zh"]), str(value["en"])

    for key in ("title", "description"):
        if (found := pair(data, key, key)) is not None:
            values[key] = found
    publisher = data.get("publisher") or {}
    if not isinstance(publisher, Mapping):
        raise SourceError(path, "field 'publisher': expected name, type, homepage, email")
    if (name := pair(publisher, "name", "publisher.name")) is not None:
        values["publisher_name"] = name
    for key, attr in (("type", "publisher_type"), ("homepage", "publisher_homepage"), ("email", "publisher_email")):
        if publisher.get(key) is not None:
            values[attr] = str(publisher[key])
    if values.get("publisher_type", CATALOG_DEFAULTS.publisher_type) not in PUBLISHER_TYPES:
        raise SourceError(path, f"field 'publisher.type': expected one of {', '.join(PUBLISHER_TYPES)}")
    if "licence" in data:
        if data["licence"] not in LICENCES:
            raise SourceError(path, f"field 'licence': expected one of {', '.join(LICENCES)}", data.lines["licence"])
        values["licence"] = data["licence"]
    for key, table in (("themes", THEMES), ("spatial", COUNTRIES)):
        if key in data:
            codes = data[key]
            if not isinstance(codes, list) or not codes or any(c not in table for c in codes):
                raise SourceError(path, f"field '{key}': expected a list of {', '.join(table)}", data.lines[key])
            values[key] = tuple(codes)
    return CatalogInfo(**{**CATALOG_DEFAULTS.__dict__, **values})


# ---------------------------------------------------------------------------
# Reading the catalog of a release (the web app and the export)
# ---------------------------------------------------------------------------


class PublishedCatalog:
    """The catalog files of one release, read once."""

    def __init__(self, release: Path, base: str) -> None:
        self.release = release
        self.directory = release / CATALOG
        self.iris = CatalogIris(Iris(base))
        self.index: list[dict[str, Any]] = json.loads((release / CATALOG_INDEX).read_text(encoding="utf-8"))
        self.by_name = {entry["name"]: entry for entry in self.index}
        self._header = self._read(release / CATALOG_GRAPH)
        self.void = self._read(release / CATALOG_VOID)

    @staticmethod
    def _read(path: Path) -> list[Triple]:
        return list(parse(path=str(path), format=RdfFormat.N_TRIPLES))

    def info(self) -> dict[str, Any]:
        """The catalog's own description (title, publisher, licence, dates), for pages."""
        about: dict[str, Any] = json.loads((self.release / CATALOG_ABOUT).read_text(encoding="utf-8"))
        return about

    def dataset(self, name: str) -> list[Triple]:
        return self._read(self.release / CATALOG_DATASETS / f"{name}.nt")

    def page_count(self, size: int) -> int:
        return max(1, -(-len(self.index) // size))

    def page(self, number: int, size: int) -> list[Triple]:
        """Page `number` (from 1): the catalog with that page's datasets, and the Hydra view linking the others."""
        entries = self.index[(number - 1) * size : number * size]
        triples: dict[Triple, None] = dict.fromkeys(self._header)
        cat = NamedNode(str(self.iris.catalog))
        for entry in entries:
            triples[Triple(cat, NamedNode(str(DCAT.dataset)), NamedNode(entry["iri"]))] = None
            triples.update(dict.fromkeys(self.dataset(entry["name"])))
        last = self.page_count(size)
        view = NamedNode(str(self.iris.page(number)))

        def add(s: NamedNode, p: URIRef, o: NamedNode | OxLiteral) -> None:
            triples[Triple(s, NamedNode(str(p)), o)] = None

        add(cat, RDF.type, NamedNode(str(HYDRA.Collection)))
        add(cat, HYDRA.totalItems, OxLiteral(str(len(self.index)), datatype=NamedNode(str(XSD.integer))))
        add(cat, HYDRA.view, view)
        add(view, RDF.type, NamedNode(str(HYDRA.PartialCollectionView)))
        add(view, HYDRA.first, NamedNode(str(self.iris.page(1))))
        add(view, HYDRA.last, NamedNode(str(self.iris.page(last))))
        if number > 1:
            add(view, HYDRA.previous, NamedNode(str(self.iris.page(number - 1))))
        if number < last:
            add(view, HYDRA.next, NamedNode(str(self.iris.page(number + 1))))
        return list(triples)

    def distribution(self, stem: str, kind: str) -> list[Triple]:
        """A distribution's own triples and its checksum's."""
        if stem not in self.by_name:
            return []
        iri = str(self.iris.distribution(stem, kind))
        return [t for t in self.dataset(stem) if _subject(t) in (iri, str(Iris.fragment(iri, "checksum")))]

    def contact(self, agency: str) -> list[Triple]:
        """An agency's contact point, from the first of its datasets."""
        iri = str(self.iris.contact_of(agency))
        for entry in self.index:
            if entry["agency"] == agency:
                return [t for t in self.dataset(entry["name"]) if _subject(t) == iri]
        return []

    def corpus(self) -> list[Triple]:
        """The corpus dataset's description: DCAT and VoID."""
        iri = str(self.iris.corpus)
        found = [t for t in self.dataset(CORPUS) if _subject(t) in (iri, str(Iris.fragment(iri, "period")))]
        return found + [t for t in self.void if _subject(t) == iri]

    def schema_org(self, stem: str) -> str | None:
        path = self.release / CATALOG_SCHEMAORG / f"{stem}.json"
        return path.read_text(encoding="utf-8") if path.is_file() else None


def _subject(triple: Triple) -> str:
    return str(getattr(triple.subject, "value", triple.subject))


@lru_cache(maxsize=4)
def published_catalog(release: Path, base: str) -> PublishedCatalog:
    """The catalog of a release (releases never change once published, so this caches)."""
    return PublishedCatalog(release, base)
