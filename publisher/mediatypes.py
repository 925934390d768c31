"""One table, many readers: file extension ↔ media type ↔ oxigraph format.

Content negotiation, download names, URL suffixes and the command line's
--format all read the tables below.
"""

from __future__ import annotations

from dataclasses import dataclass

from pyoxigraph import QueryResultsFormat, RdfFormat


@dataclass(frozen=True)
class RdfType:
    name: str
    extension: str
    media_type: str
    oxigraph: RdfFormat
    rdflib: str


@dataclass(frozen=True)
class ResultsType:
    name: str
    extension: str
    media_type: str
    oxigraph: QueryResultsFormat


RDF_TYPES: tuple[RdfType, ...] = (
    RdfType("turtle", "ttl", "text/turtle", RdfFormat.TURTLE, "turtle"),
    RdfType("jsonld", "jsonld", "application/ld+json", RdfFormat.JSON_LD, "json-ld"),
    RdfType("ntriples", "nt", "application/n-triples", RdfFormat.N_TRIPLES, "nt"),
    RdfType("rdfxml", "rdf", "application/rdf+xml", RdfFormat.RDF_XML, "xml"),
    RdfType("nquads", "nq", "application/n-quads", RdfFormat.N_QUADS, "nquads"),
)

RESULTS_TYPES: tuple[ResultsType, ...] = (
    ResultsType("json", "srj", "application/sparql-results+json", QueryResultsFormat.JSON),
    ResultsType("xml", "srx", "application/sparql-results+xml", QueryResultsFormat.XML),
    ResultsType("csv", "csv", "text/csv", QueryResultsFormat.CSV),
    ResultsType("tsv", "tsv", "text/tab-separated-values", QueryResultsFormat.TSV),
)

RDF_BY_NAME = {t.name: t for t in RDF_TYPES}
RESULTS_BY_NAME = {t.name: t for t in RESULTS_TYPES}
