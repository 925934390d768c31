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
from collections.abc import Sequence

from pyoxigraph import NamedNode, QuerySolutions, Store
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDFS, VOID

from publisher.catalog import CORPUS_TITLE, CatalogInfo, CatalogIris
from publisher.downloads import DownloadFile
from publisher.iris import Iris
from publisher.namespaces import DCTERMS, FOAF, RDF, XSD

FORMATS = "http://www.w3.org/ns/formats/"
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


def void_graph(
    store: Store, iris: Iris, info: CatalogInfo, dumps: Sequence[DownloadFile], examples: Sequence[URIRef]
) -> Graph:
    """The VoID description of everything in `store`."""
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
    graph.add((corpus, VOID.uriSpace, Literal(f"{iris.base}/")))
    graph.add((corpus, VOID.rootResource, ci.catalog))
    for dump in dumps:
        graph.add((corpus, VOID.dataDump, ci.download(dump.name)))
        if dump.kind in FORMAT_NAMES:
            graph.add((corpus, VOID.feature, URIRef(FORMATS + FORMAT_NAMES[dump.kind])))
    for example in examples:
        graph.add((corpus, VOID.exampleResource, example))

    stats = {
        VOID.triples: "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }",
        VOID.entities: f"""SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ GRAPH ?g {{ ?s ?p ?o }}
                          FILTER (isIRI(?s) && STRSTARTS(STR(?s), "{iris.base}/")) }}""",
        VOID.classes: "SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE { GRAPH ?g { ?s a ?c } }",
        VOID.properties: "SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }",
        VOID.distinctSubjects: "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }",
        VOID.distinctObjects: "SELECT (COUNT(DISTINCT ?o) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }",
    }
    for predicate, query in stats.items():
        graph.add((corpus, predicate, Literal(_count(store, query), datatype=XSD.integer)))

    classes = _values(
        store, "SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { GRAPH ?g { ?s a ?c } } GROUP BY ?c ORDER BY ?c"
    )
    vocabularies = {namespace_of(c) for c, _ in classes}
    predicates = _values(store, "SELECT ?p (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?p ORDER BY ?p")
    vocabularies |= {namespace_of(p) for p, _ in predicates}
    for vocabulary in sorted(vocabularies):
        graph.add((corpus, VOID.vocabulary, URIRef(vocabulary)))
    for cls, entities in classes:
        partition = URIRef(f"{doc}#class-{hashlib.sha256(cls.encode()).hexdigest()[:12]}")
        graph.add((corpus, VOID.classPartition, partition))
        graph.add((partition, VOID["class"], URIRef(cls)))
        graph.add((partition, VOID.entities, Literal(entities, datatype=XSD.integer)))
    return graph


def example_resources(store: Store, iris: Iris) -> list[URIRef]:
    """A report, its agency and one of its figures: what a newcomer should look at first."""
    query = f"""PREFIX qb: <http://purl.org/linked-data/cube#>
        PREFIX dis: <{iris.base}/def/disclosure#>
        SELECT ?report ?agency ?figure WHERE {{
          GRAPH ?report {{ ?report a dis:AnnualReport ; dis:agency ?agency . ?figure qb:dataSet ?report }}
        }} ORDER BY ?report ?figure LIMIT 1"""
    solutions = store.query(query)
    assert isinstance(solutions, QuerySolutions)
    for solution in solutions:
        return [URIRef(t.value) for t in solution if isinstance(t, NamedNode)]
    return []
