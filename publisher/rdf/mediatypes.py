"""One table, many readers: file extension ↔ media type ↔ oxigraph format ↔ file-type IRI.

Content negotiation, download names, URL suffixes, the command line's --format
and the catalog's dcat:mediaType / dct:format all read the tables below.
`media_type_iri` and `file_type_iri` give the IRIs DCAT-AP expects: IANA media
types (http://www.iana.org/assignments/media-types/...) and the EU file-type
authority table (http://publications.europa.eu/resource/authority/file-type/...).
"""

from __future__ import annotations

from dataclasses import dataclass

from pyoxigraph import QueryResultsFormat, RdfFormat

IANA_MEDIA_TYPES = "http://www.iana.org/assignments/media-types/"
EU_FILE_TYPES = "http://publications.europa.eu/resource/authority/file-type/"


@dataclass(frozen=True)
class RdfType:
    name: str
    extension: str
    media_type: str
    oxigraph: RdfFormat
    rdflib: str
    file_type: str = ""  # code in the EU file-type table
    label: str = ""


@dataclass(frozen=True)
class ResultsType:
    name: str
    extension: str
    media_type: str
    oxigraph: QueryResultsFormat


@dataclass(frozen=True)
class FileType:
    """A kind of downloadable file that is not an RDF serialisation."""

    name: str
    extension: str
    media_type: str
    file_type: str
    label: str


RDF_TYPES: tuple[RdfType, ...] = (
    RdfType("turtle", "ttl", "text/turtle", RdfFormat.TURTLE, "turtle", "RDF_TURTLE", "Turtle"),
    RdfType("jsonld", "jsonld", "application/ld+json", RdfFormat.JSON_LD, "json-ld", "JSON_LD", "JSON-LD"),
    RdfType("ntriples", "nt", "application/n-triples", RdfFormat.N_TRIPLES, "nt", "RDF_N_TRIPLES", "N-Triples"),
    RdfType("rdfxml", "rdf", "application/rdf+xml", RdfFormat.RDF_XML, "xml", "RDF_XML", "RDF/XML"),
    RdfType("nquads", "nq", "application/n-quads", RdfFormat.N_QUADS, "nquads", "RDF_N_QUADS", "N-Quads"),
)

RESULTS_TYPES: tuple[ResultsType, ...] = (
    ResultsType("json", "srj", "application/sparql-results+json", QueryResultsFormat.JSON),
    ResultsType("xml", "srx", "application/sparql-results+xml", QueryResultsFormat.XML),
    ResultsType("csv", "csv", "text/csv", QueryResultsFormat.CSV),
    ResultsType("tsv", "tsv", "text/tab-separated-values", QueryResultsFormat.TSV),
)

FILE_TYPES: tuple[FileType, ...] = (
    FileType("csv", "csv", "text/csv", "CSV", "CSV"),
    FileType("csvw", "csv-metadata.json", "application/csvm+json", "JSON", "CSVW metadata"),
    FileType("text", "txt", "text/plain", "TXT", "Text"),
    FileType("gzip", "gz", "application/gzip", "GZIP", "gzip"),
    FileType("html", "html", "text/html", "HTML", "HTML"),
    FileType("xml", "xml", "application/xml", "XML", "XML"),
    FileType("pdf", "pdf", "application/pdf", "PDF", "PDF"),
)

RDF_BY_NAME = {t.name: t for t in RDF_TYPES}
RESULTS_BY_NAME = {t.name: t for t in RESULTS_TYPES}
FILE_BY_NAME = {t.name: t for t in FILE_TYPES}


def media_type_of(filename: str) -> str:
    """The media type of a file by its (longest matching) extension; gzip for .gz."""
    candidates = [(t.extension, t.media_type) for t in RDF_TYPES] + [(t.extension, t.media_type) for t in FILE_TYPES]
    for extension, media_type in sorted(candidates, key=lambda c: -len(c[0])):
        if filename.endswith("." + extension):
            return media_type
    return "application/octet-stream"


def media_type_iri(media_type: str) -> str:
    """The IANA IRI of a media type, as DCAT-AP's dcat:mediaType expects."""
    return IANA_MEDIA_TYPES + media_type


def file_type_iri(code: str) -> str:
    """The EU file-type IRI of a code such as RDF_TURTLE, as DCAT-AP's dct:format expects."""
    return EU_FILE_TYPES + code
