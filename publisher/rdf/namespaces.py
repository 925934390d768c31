"""Namespaces: our vocabulary as a closed namespace, and the standard ones we use.

Our terms live under the configurable base IRI ({base}/def/disclosure#), so the
closed namespace is made per base by `vocabulary(base)`; a misspelt term raises
instead of minting a wrong IRI. Standard vocabularies come from rdflib.namespace;
the two rdflib does not ship (Web Annotation, DQV) are declared here, closed too.
"""

from __future__ import annotations

from functools import cache

from rdflib import URIRef
from rdflib.namespace import (
    DCAT,
    DCTERMS,
    FOAF,
    ORG,
    OWL,
    PROV,
    QB,
    RDF,
    RDFS,
    SH,
    SKOS,
    XSD,
    DefinedNamespace,
    Namespace,
)

from publisher.rdf.iris import Iris

__all__ = [
    "DCAT",
    "DCTERMS",
    "DQV",
    "FOAF",
    "FORMATS",
    "OA",
    "ORG",
    "OWL",
    "PDF_FRAGMENTS",
    "PROV",
    "QB",
    "RDF",
    "RDFS",
    "SH",
    "SKOS",
    "XSD",
    "DisclosureTerms",
    "vocabulary",
]


class OA(DefinedNamespace):
    """W3C Web Annotation vocabulary (the terms we use)."""

    _NS = Namespace("http://www.w3.org/ns/oa#")
    _fail = True

    Annotation: URIRef
    FragmentSelector: URIRef
    SpecificResource: URIRef
    TextPositionSelector: URIRef
    TextQuoteSelector: URIRef
    XPathSelector: URIRef
    assessing: URIRef
    end: URIRef
    exact: URIRef
    hasBody: URIRef
    hasSelector: URIRef
    hasSource: URIRef
    hasTarget: URIRef
    motivatedBy: URIRef
    prefix: URIRef
    refinedBy: URIRef
    start: URIRef
    suffix: URIRef


#: The fragment identifiers of application/pdf (RFC 3778: "page=3"), as a Web Annotation
#: FragmentSelector's dcterms:conformsTo names them (https://www.w3.org/TR/annotation-model/#fragment-selector).
PDF_FRAGMENTS = URIRef("http://tools.ietf.org/rfc/rfc3778")

#: W3C's unique URIs for file formats (http://www.w3.org/ns/formats/), for void:feature: FORMATS["Turtle"].
FORMATS = Namespace("http://www.w3.org/ns/formats/")


class DQV(DefinedNamespace):
    """W3C Data Quality Vocabulary (the terms we use)."""

    _NS = Namespace("http://www.w3.org/ns/dqv#")
    _fail = True

    Dimension: URIRef
    Metric: URIRef
    QualityAnnotation: URIRef
    QualityMeasurement: URIRef
    computedOn: URIRef
    expectedDataType: URIRef
    hasQualityAnnotation: URIRef
    hasQualityMeasurement: URIRef
    inDimension: URIRef
    isMeasurementOf: URIRef
    qualityAssessment: URIRef
    value: URIRef


class DisclosureTerms(DefinedNamespace):
    """The terms of ontology/disclosure.ttl; a test keeps the two lists equal."""

    _NS = Namespace("urn:x-publisher:unbound#")  # replaced per base by vocabulary()
    _fail = True

    # Classes
    AnnualReport: URIRef
    BalanceRule: URIRef
    BlankCell: URIRef
    CarryOverRule: URIRef
    CrossYearRule: URIRef
    NarrativeFact: URIRef
    ReportFormat: URIRef
    ReportSection: URIRef
    RestatementRule: URIRef
    Rule: URIRef
    StockFlowRule: URIRef
    SumRule: URIRef
    TextPattern: URIRef
    UpperBoundRule: URIRef
    # Components of the figures
    agency: URIRef
    amount: URIRef
    cellStatus: URIRef
    column: URIRef
    count: URIRef
    item: URIRef
    periodType: URIRef
    quantity: URIRef
    reportYear: URIRef
    unit: URIRef
    # Provenance, narrative facts, blank cells and sections
    cellOf: URIRef
    factOf: URIRef
    qualifier: URIRef
    sectionOf: URIRef
    statedAt: URIRef
    value: URIRef
    # Formats and rules
    alongDimension: URIRef
    blankAsZero: URIRef
    bound: URIRef
    bounded: URIRef
    carryIn: URIRef
    carryOut: URIRef
    codeBase: URIRef
    codes: URIRef
    dataStructure: URIRef
    defaultCode: URIRef
    defaultUnit: URIRef
    hasColumn: URIRef
    inflow: URIRef
    left: URIRef
    legalBasis: URIRef
    measuredBy: URIRef
    outflow: URIRef
    part: URIRef
    position: URIRef
    prose: URIRef
    recordKey: URIRef
    regex: URIRef
    right: URIRef
    rowHeading: URIRef
    rule: URIRef
    sections: URIRef
    sets: URIRef
    signed: URIRef
    statesValue: URIRef
    stock: URIRef
    textPattern: URIRef
    total: URIRef
    # Quality
    comparedWith: URIRef
    failedRule: URIRef
    proseRepeated: URIRef
    repeatedPassage: URIRef
    textReuse: URIRef


@cache
def vocabulary(base: str) -> type[DisclosureTerms]:
    """Our closed namespace under `base` (no trailing slash)."""
    namespace = Namespace(Iris(base).vocabulary)
    return type("DIS", (DisclosureTerms,), {"_NS": namespace})


def prefixes(base: str) -> dict[str, str]:
    """Prefix → namespace IRI for serialising our data readably."""
    iris = Iris(base)
    return {
        "dis": iris.vocabulary,
        "common": iris.codes,
        "agency": iris.agencies,
        "report": iris.reports,
        "dcat": str(DCAT),
        "dct": str(DCTERMS),
        "dqv": str(DQV._NS),
        "foaf": str(FOAF),
        "oa": str(OA._NS),
        "org": str(ORG),
        "owl": str(OWL),
        "prov": str(PROV),
        "qb": str(QB),
        "rdf": str(RDF),
        "rdfs": str(RDFS),
        "sh": str(SH),
        "skos": str(SKOS),
        "xsd": str(XSD),
    }
