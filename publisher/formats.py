"""Report formats as data: the ontology/ Turtle read, and each format's structure extracted.

Everything a format is — code lists, data structure definition, arithmetic rules —
lives in ontology/formats/*.ttl. This module parses the ontology files against the
base IRI and extracts, for each format, what turning a record into a graph needs:
which record key gives which dimension, how a code becomes an IRI, and each item's
unit. A new format is a new Turtle file, not new Python.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.exceptions import ParserError
from rdflib.term import Node

from publisher.errors import FormatError
from publisher.iris import Iris
from publisher.namespaces import DCTERMS, QB, RDF, vocabulary


@dataclass(frozen=True)
class Dimension:
    """A dimension that a record gives per figure, under `record_key`."""

    record_key: str
    property: URIRef
    code_base: str
    codes: URIRef

    def code_iri(self, code: str) -> URIRef:
        return URIRef(self.code_base + code)


@dataclass(frozen=True)
class Format:
    iri: URIRef
    slug: str
    title_zh: str
    title_en: str
    structure: URIRef
    dimensions: tuple[Dimension, ...]
    units: Mapping[URIRef, URIRef]

    @property
    def record_keys(self) -> frozenset[str]:
        return frozenset(d.record_key for d in self.dimensions)


def ontology_files(ontology_dir: Path) -> list[Path]:
    return sorted(ontology_dir.rglob("*.ttl"))


def load_ontology_documents(ontology_dir: Path, iris: Iris) -> dict[URIRef, Graph]:
    """Each Turtle file under ontology/, parsed with the deployment's base IRI.

    Keyed by the file's document IRI, {base}/def/{stem}, which is also its named
    graph in the store.
    """
    files = ontology_files(ontology_dir)
    if not files:
        raise FormatError(f"No Turtle files under {ontology_dir}; the ontology and formats belong there.")
    documents: dict[URIRef, Graph] = {}
    for path in files:
        graph = Graph()
        try:
            graph.parse(path, format="turtle", publicID=iris.ontology_base())
        except (ParserError, SyntaxError, ValueError) as exc:
            raise FormatError(f"{path}: not valid Turtle: {exc}") from exc
        name = iris.format(path.stem)
        if name in documents:
            raise FormatError(f"{path}: another ontology file is also named {path.stem}.ttl; names must differ.")
        documents[name] = graph
    return documents


def union(graphs: Iterable[Graph]) -> Graph:
    merged = Graph()
    for graph in graphs:
        for prefix, namespace in graph.namespaces():
            merged.bind(prefix, namespace, override=False)
        for triple in graph:
            merged.add(triple)
    return merged


def load_formats(ontology: Graph, iris: Iris) -> dict[str, Format]:
    """Every dis:ReportFormat in the ontology graph, keyed by slug."""
    dis = vocabulary(iris.base)
    formats: dict[str, Format] = {}
    prefix = f"{iris.base}/def/"
    for iri in sorted(ontology.subjects(RDF.type, dis.ReportFormat), key=str):
        if not isinstance(iri, URIRef) or not str(iri).startswith(prefix):
            raise FormatError(f"Format {iri} is not under {prefix}; write it as <def/SLUG>.")
        slug = str(iri)[len(prefix) :]
        structure = _one(ontology, iri, dis.dataStructure, slug)
        assert isinstance(structure, URIRef)
        dimensions = []
        for spec in ontology.objects(structure, QB.component):
            key = ontology.value(spec, dis.recordKey)
            if key is None:
                continue  # agency and year come from the report itself
            prop, codes, base = (
                _one(ontology, spec, QB.dimension, slug),
                _one(ontology, spec, dis.codes, slug),
                _one(ontology, spec, dis.codeBase, slug),
            )
            assert isinstance(prop, URIRef) and isinstance(codes, URIRef)
            dimensions.append(Dimension(str(key), prop, str(base), codes))
        units = {
            concept: unit
            for concept, unit in ontology.subject_objects(dis.defaultUnit)
            if isinstance(concept, URIRef) and isinstance(unit, URIRef)
        }
        formats[slug] = Format(
            iri=iri,
            slug=slug,
            title_zh=_title(ontology, iri, "zh"),
            title_en=_title(ontology, iri, "en"),
            structure=structure,
            dimensions=tuple(sorted(dimensions, key=lambda d: d.record_key)),
            units=units,
        )
    return formats


def _one(graph: Graph, subject: Node, predicate: URIRef, slug: str) -> Node:
    values = list(graph.objects(subject, predicate))
    if len(values) != 1:
        raise FormatError(
            f"Format {slug}: {subject} needs exactly one {predicate}, has {len(values)}; "
            f"see ontology/formats/{slug}.ttl."
        )
    return values[0]


def _title(graph: Graph, iri: URIRef, lang: str) -> str:
    for title in graph.objects(iri, DCTERMS.title):
        if isinstance(title, Literal) and title.language == lang:
            return str(title)
    raise FormatError(f"Format {iri} has no dct:title in @{lang}; every label exists in zh and en.")
