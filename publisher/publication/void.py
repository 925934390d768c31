"""The VoID description of the corpus: counted from the release's store at build time.

The described dataset is the corpus ({base}/catalog/corpus, also a dcat:Dataset in
the catalog): every named graph of the store, exactly what the N-Quads dump holds.
Its statistics (triples, entities, classes, properties, vocabularies, class
partitions) are counted on the store before the catalog is written, and it links
the SPARQL endpoint ({base}/sparql, whose Service Description is served at that
address), the dumps, and example resources.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pyoxigraph import NamedNode, QuerySolutions, Store
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDFS, VOID

from publisher.publication.catalog import CORPUS_TITLE, CatalogInfo
from publisher.publication.downloads import DownloadFile
from publisher.rdf.iris import CatalogIris, Iris
from publisher.rdf.namespaces import DCTERMS, FOAF, FORMATS, QB, RDF, XSD

FORMAT_NAMES = {"nquads": "N-Quads", "turtle": "Turtle", "ntriples": "N-Triples", "jsonld": "JSON-LD"}


def _count(store: Store, query: str) -> int:
    solutions = store.query(query, use_default_graph_as_union=True)
    assert isinstance(solutions, QuerySolutions)
    for solution in solutions:
        value = solution[0]
        return int(value.value) if value is not None else 0
    return 0


def _values(store: Store, query: str) -> list[tuple[str, int]]:
    solutions = store.query(query, use_default_graph_as_union=True)
    assert isinstance(solutions, QuerySolutions)
    return [(str(s[0].value), int(s[1].value)) for s in solutions if s[0] is not None and s[1] is not None]


def namespace_of(iri: str) -> str:
    cut = max(iri.rfind("#"), iri.rfind("/"))
    return iri[: cut + 1]


@dataclass(frozen=True)
class VoidStats:
    """The statistics VoID states, when the caller has counted them (see VoidStats.count)."""

    triples: int
    entities: int
    classes: int
    properties: int
    subjects: int
    objects: int
    class_entities: tuple[tuple[str, int], ...]
    predicates: tuple[str, ...]

    @classmethod
    def count(
        cls, store: Store, iris: Iris, shared: Sequence[NamedNode], reports: Sequence[Mapping[str, Any]]
    ) -> VoidStats:
        """Counted by SPARQL on the `shared` graphs and summed with the reports' own counts.

        For graphs that share no subject with one another (each report's graph), so
        that subjects, entities and class partitions add up; distinct objects do not,
        and are counted by SPARQL over the whole store.
        """
        options: dict[str, Any] = {"named_graphs": list(shared)}

        def one(query: str) -> int:
            for solution in _solutions(store.query(query, **options)):
                value = solution[0]
                return int(value.value) if value is not None else 0
            return 0

        entities = one(
            f"""SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ GRAPH ?g {{ ?s ?p ?o }}
                FILTER (isIRI(?s) && STRSTARTS(STR(?s), "{CatalogIris(iris).home}")) }}"""
        )
        subjects = one("SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")
        classes: dict[str, int] = {}
        for solution in _solutions(
            store.query("SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { GRAPH ?g { ?s a ?c } } GROUP BY ?c", **options)
        ):
            if solution[0] is not None and solution[1] is not None:
                classes[str(solution[0].value)] = int(solution[1].value)
        predicates = {
            str(s[0].value)
            for s in _solutions(store.query("SELECT DISTINCT ?p WHERE { GRAPH ?g { ?s ?p ?o } }", **options))
            if s[0] is not None
        }
        for report in reports:
            subjects += int(report["subjects"])
            entities += int(report["entities"])
            for name, number in report["classes"].items():
                classes[name] = classes.get(name, 0) + int(number)
            predicates.update(report["predicates"])
        objects = _count(store, "SELECT (COUNT(DISTINCT ?o) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")
        return cls(
            triples=len(store),
            entities=entities,
            classes=len(classes),
            properties=len(predicates),
            subjects=subjects,
            objects=objects,
            class_entities=tuple(sorted(classes.items())),
            predicates=tuple(sorted(predicates)),
        )


def _solutions(result: object) -> list[Any]:
    assert isinstance(result, QuerySolutions)
    return list(result)


def void_graph(
    store: Store,
    iris: Iris,
    info: CatalogInfo,
    dumps: Sequence[DownloadFile],
    examples: Sequence[URIRef],
    stats: VoidStats | None = None,
) -> Graph:
    """The VoID description of everything in `store` (its statistics counted here unless `stats` gives them)."""
    ci = CatalogIris(iris)
    graph = Graph()
    doc, corpus = ci.void, ci.corpus
    graph.add((doc, RDF.type, VOID.DatasetDescription))
    graph.add((doc, DCTERMS.title, Literal("语料库的 VoID 描述", lang="zh")))
    graph.add((doc, DCTERMS.title, Literal("VoID description of the corpus", lang="en")))
    graph.add((doc, FOAF.primaryTopic, corpus))
    graph.add((doc, RDFS.seeAlso, ci.endpoint))  # the Service Description is served at the endpoint
    graph.add((doc, RDFS.seeAlso, ci.catalog))

    graph.add((corpus, RDF.type, VOID.Dataset))
    graph.add((corpus, DCTERMS.title, Literal(CORPUS_TITLE[0], lang="zh")))
    graph.add((corpus, DCTERMS.title, Literal(CORPUS_TITLE[1], lang="en")))
    graph.add((corpus, DCTERMS.publisher, ci.publisher))
    graph.add((corpus, DCTERMS.license, info.licence_iri))
    if dumps:
        graph.add((corpus, DCTERMS.modified, Literal(max(d.modified for d in dumps), datatype=XSD.dateTime)))
    graph.add((corpus, VOID.sparqlEndpoint, ci.endpoint))
    graph.add((corpus, VOID.uriSpace, Literal(str(ci.home))))  # {base}/: every IRI minted here starts with it
    graph.add((corpus, VOID.rootResource, ci.catalog))
    for dump in dumps:
        graph.add((corpus, VOID.dataDump, ci.download(dump.name)))
        if dump.kind in FORMAT_NAMES:
            graph.add((corpus, VOID.feature, FORMATS[FORMAT_NAMES[dump.kind]]))
    for example in examples:
        graph.add((corpus, VOID.exampleResource, example))

    if stats is None:
        stats = _counted(store, iris)
    for predicate, number in (
        (VOID.triples, stats.triples),
        (VOID.entities, stats.entities),
        (VOID.classes, stats.classes),
        (VOID.properties, stats.properties),
        (VOID.distinctSubjects, stats.subjects),
        (VOID.distinctObjects, stats.objects),
    ):
        graph.add((corpus, predicate, Literal(number, datatype=XSD.integer)))
    classes = list(stats.class_entities)
    vocabularies = {namespace_of(c) for c, _ in classes} | {namespace_of(p) for p in stats.predicates}
    for vocabulary in sorted(vocabularies):
        graph.add((corpus, VOID.vocabulary, URIRef(vocabulary)))
    for cls, entities in classes:
        partition = Iris.fragment(doc, f"class-{hashlib.sha256(cls.encode()).hexdigest()[:12]}")
        graph.add((corpus, VOID.classPartition, partition))
        graph.add((partition, VOID["class"], URIRef(cls)))
        graph.add((partition, VOID.entities, Literal(entities, datatype=XSD.integer)))
    return graph


def _counted(store: Store, iris: Iris) -> VoidStats:
    """Every statistic by SPARQL over the whole store."""
    stats = {
        "triples": "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }",
        "entities": f"""SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ GRAPH ?g {{ ?s ?p ?o }}
                          FILTER (isIRI(?s) && STRSTARTS(STR(?s), "{CatalogIris(iris).home}")) }}""",
        "classes": "SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE { GRAPH ?g { ?s a ?c } }",
        "properties": "SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }",
        "subjects": "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }",
        "objects": "SELECT (COUNT(DISTINCT ?o) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }",
    }
    counts = {name: _count(store, query) for name, query in stats.items()}
    classes = _values(
        store, "SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { GRAPH ?g { ?s a ?c } } GROUP BY ?c ORDER BY ?c"
    )
    predicates = _values(store, "SELECT ?p (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?p ORDER BY ?p")
    return VoidStats(class_entities=tuple(classes), predicates=tuple(p for p, _ in predicates), **counts)


def example_resources(store: Store, iris: Iris, report: str | None = None) -> list[URIRef]:
    """A report, its agency and one of its figures: what a newcomer should look at first.

    The first report by IRI, unless `report` names one (a caller that knows the reports
    saves sorting every figure of the store).
    """
    graph = f"<{report}>" if report else "?report"
    query = f"""PREFIX qb: <{QB}>
        PREFIX dis: <{iris.vocabulary}>
        SELECT ?report ?agency ?figure WHERE {{
          GRAPH {graph} {{ ?report a dis:AnnualReport ; dis:agency ?agency . ?figure qb:dataSet ?report }}
        }} ORDER BY ?report ?figure LIMIT 1"""
    solutions = store.query(query)
    assert isinstance(solutions, QuerySolutions)
    for solution in solutions:
        return [URIRef(t.value) for t in solution if isinstance(t, NamedNode)]
    return []
