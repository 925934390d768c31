"""Report formats as data: the ontology/ Turtle read, and each format's structure extracted.

Everything a format is — code lists, data structure definition, arithmetic rules —
lives in ontology/formats/*.ttl. This module parses the ontology files against the
base IRI and extracts, for each format, what turning a record into a graph needs:
which record key gives which dimension, how a code becomes an IRI, each code's unit,
which measure property a cell's number is stated with (dis:measuredBy on a column,
else dis:count) and which measures of the data structure it must also carry, and
where a section's code lives. A new format is a new Turtle file, not new Python.
The labels checking reads (each rule's, each code's preferred ones, their language
tags) are checked as the files are read (`check_labels`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.exceptions import ParserError
from rdflib.term import Node

from publisher.errors import FormatError
from publisher.rdf.iris import Iris
from publisher.rdf.namespaces import DCTERMS, QB, RDF, RDFS, SKOS, vocabulary


@dataclass(frozen=True)
class Dimension:
    """A dimension that a record gives per figure, under `record_key`."""

    record_key: str
    property: URIRef
    code_base: str
    codes: URIRef
    default: URIRef | None = None

    def code_iri(self, code: str) -> URIRef:
        return URIRef(self.code_base + code)

    def code_of(self, iri: URIRef) -> str | None:
        """The record code of a concept IRI under this dimension's code base, else None."""
        return str(iri)[len(self.code_base) :] if str(iri).startswith(self.code_base) else None


@dataclass(frozen=True)
class Format:
    iri: URIRef
    slug: str
    title_zh: str
    title_en: str
    structure: URIRef
    dimensions: tuple[Dimension, ...]
    units: Mapping[URIRef, URIRef]
    measures: tuple[URIRef, ...] = ()
    measured_by: Mapping[URIRef, URIRef] = field(default_factory=dict)
    super_properties: Mapping[URIRef, frozenset[URIRef]] = field(default_factory=dict)
    sections: URIRef | None = None

    @property
    def record_keys(self) -> frozenset[str]:
        return frozenset(d.record_key for d in self.dimensions)

    def measure_of(self, codes: Iterable[URIRef], count: URIRef) -> URIRef:
        """The measure property a cell with these codes states its number with (`count` unless a code says)."""
        declared = {self.measured_by[c] for c in codes if c in self.measured_by}
        return declared.pop() if len(declared) == 1 else count

    def measures_for(self, measure: URIRef) -> tuple[URIRef, ...]:
        """The properties a figure stated with `measure` carries: it, and the structure's measures above it."""
        above = self.super_properties.get(measure, frozenset())
        return (measure, *sorted(m for m in self.measures if m != measure and m in above))

    def unit_of(self, codes: Iterable[URIRef]) -> URIRef | None:
        """The default unit of a cell: the one unit its codes declare, else None."""
        units = {self.units[c] for c in codes if c in self.units}
        return units.pop() if len(units) == 1 else None

    def section_code(self, key: str) -> URIRef | None:
        """A section's concept: the format's section scheme, a slash and the record's section key."""
        return URIRef(f"{self.sections}/{key}") if self.sections is not None else None


def ontology_files(ontology_dir: Path) -> list[Path]:
    return sorted(ontology_dir.rglob("*.ttl"))


def parse_turtle(path: Path, iris: Iris) -> Graph:
    """One of our Turtle files, its relative IRIs resolved against {base}/."""
    graph = Graph()
    try:
        graph.parse(path, format="turtle", publicID=iris.ontology_base())
    except (ParserError, SyntaxError, ValueError) as exc:
        raise FormatError(f"{path}: not valid Turtle: {exc}") from exc
    return graph


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
        graph = parse_turtle(path, iris)
        name = iris.format(path.stem)
        if name in documents:
            raise FormatError(f"{path}: another ontology file is also named {path.stem}.ttl; names must differ.")
        documents[name] = graph
    check_labels(dict(zip(files, documents.values(), strict=True)), iris)
    return documents


def check_labels(documents: Mapping[Path, Graph], iris: Iris) -> None:
    """The labels checking reads, as it reads them; else a FormatError naming the file, the term and what to write.

    A rule's findings quote its `rdfs:label`, one @zh and one @en, and the constraints
    that find them match those two labels: a rule without them finds nothing, silently,
    and one with two of a language finds everything twice; a format's rule that is not
    typed as a kind of dis:Rule is not looked at by any constraint. A cell's name in a
    message is its codes' `skos:prefLabel`: two of a language (against SKOS's S14) make
    each finding twice. Labels are counted as the merged ontology has them (the same label
    in two files is one).
    """
    dis = vocabulary(iris.base)
    graphs = list(documents.values())
    for path, graph in documents.items():
        check_language_tags(path, graph)

    def where(subject: Node, predicate: URIRef) -> str:
        """The files that say `predicate` of `subject`; failing that, those that say anything of it, or name it."""
        for pattern in ((subject, predicate, None), (subject, None, None), (None, None, subject)):
            found = [str(path) for path, graph in documents.items() if pattern in graph]
            if found:
                return ", ".join(found)
        return "ontology/"

    def named(subject: Node) -> str:
        """A term as its author finds it: a blank node by the format whose dis:rule it is."""
        if isinstance(subject, URIRef):
            return str(subject)
        owners = sorted(str(s) for graph in graphs for s in graph.subjects(dis.rule, subject))
        return f"a rule without an IRI of {', '.join(owners)}" if owners else "a term without an IRI"

    def languages(subject: Node, predicate: URIRef) -> list[str]:
        labels = {value for graph in graphs for value in graph.objects(subject, predicate)}
        return sorted(label.language or "no language tag" for label in labels if isinstance(label, Literal))

    rule_classes: set[Node] = {dis.Rule}
    waiting: list[Node] = [dis.Rule]
    while waiting:  # dis:Rule and every class under it, whichever file says so
        broader = waiting.pop()
        narrower = {s for graph in graphs for s in graph.subjects(RDFS.subClassOf, broader)} - rule_classes
        rule_classes |= narrower
        waiting += narrower
    typed = {s for graph in graphs for c in rule_classes for s in graph.subjects(RDF.type, c)}
    for rule in sorted({o for graph in graphs for o in graph.objects(None, dis.rule)} - typed, key=str):
        raise FormatError(
            f"{where(rule, RDF.type)}: {named(rule)} is a format's dis:rule but not typed as a rule; type it with "
            "dis:SumRule, dis:RestatementRule or another subclass of dis:Rule (no constraint looks at it otherwise)."
        )
    for rule in sorted(typed, key=str):
        tags = languages(rule, RDFS.label)
        if tags.count("zh") != 1 or tags.count("en") != 1:
            raise FormatError(
                f"{where(rule, RDFS.label)}: {named(rule)} has rdfs:label {tags or 'none'}; give the rule exactly "
                "one @zh and one @en (its findings quote them, and a rule without them finds nothing)."
            )
    for concept in sorted({s for graph in graphs for s in graph.subjects(SKOS.prefLabel, None)}, key=str):
        tags = languages(concept, SKOS.prefLabel)
        twice = sorted({tag for tag in tags if tags.count(tag) > 1})
        if twice:
            raise FormatError(
                f"{where(concept, SKOS.prefLabel)}: {named(concept)} has more than one skos:prefLabel "
                f"@{', @'.join(twice)}; keep one per language (the others as skos:altLabel): a finding would be "
                "given once for each."
            )


def check_language_tags(path: Path, graph: Graph) -> None:
    """Every language tag of a file in lower case: checking compares them as written (`lang(?label) = "zh"`), and
    Oxigraph writes them in lower case where rdflib keeps them as they are, so a tag in capitals would give the
    build and the reference checker (pySHACL) different findings."""
    for subject, _predicate, value in graph:
        if isinstance(value, Literal) and value.language and value.language != value.language.lower():
            raise FormatError(
                f"{path}: {subject} has a text tagged @{value.language} ({str(value)[:40]}); write language "
                f"tags in lower case (@{value.language.lower()}): checking compares them as written."
            )


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
    prefix = iris.definitions
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
            default = ontology.value(spec, dis.defaultCode)
            dimensions.append(
                Dimension(str(key), prop, str(base), codes, default if isinstance(default, URIRef) else None)
            )
        units = {
            concept: unit
            for concept, unit in ontology.subject_objects(dis.defaultUnit)
            if isinstance(concept, URIRef) and isinstance(unit, URIRef)
        }
        measured_by = {
            concept: measure
            for concept, measure in ontology.subject_objects(dis.measuredBy)
            if isinstance(concept, URIRef) and isinstance(measure, URIRef)
        }
        measures = tuple(
            sorted(m for m in ontology.objects(structure, QB.component / QB.measure) if isinstance(m, URIRef))
        )
        if not measures:
            raise FormatError(
                f"Format {slug}: its structure {structure} has no measure; see ontology/formats/{slug}.ttl."
            )
        properties = {dis.count, dis.amount, *measured_by.values(), *measures}
        supers = {
            prop: frozenset(s for s in ontology.transitive_objects(prop, RDFS.subPropertyOf) if isinstance(s, URIRef))
            for prop in properties
        }
        sections = ontology.value(iri, dis.sections)
        formats[slug] = Format(
            iri=iri,
            slug=slug,
            title_zh=_title(ontology, iri, "zh"),
            title_en=_title(ontology, iri, "en"),
            structure=structure,
            dimensions=tuple(sorted(dimensions, key=lambda d: d.record_key)),
            units=units,
            measures=measures,
            measured_by=measured_by,
            super_properties=supers,
            sections=sections if isinstance(sections, URIRef) else None,
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
