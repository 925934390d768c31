"""The SPARQL 1.1 Service Description of /sparql: what the endpoint is, its limits, formats and graphs.

GET /sparql without a query answers with it (Turtle by default, or any RDF format of
publisher.rdf.mediatypes); the endpoint's own node is the catalog's dcat:DataService
(CatalogIris.service), so the catalog and the description speak of one thing.
"""

from __future__ import annotations

from pyoxigraph import NamedNode

from publisher.rdf.catalogterms import SD
from publisher.rdf.namespaces import DCTERMS, FORMATS, RDF, RDFS
from publisher.sparql.answers import Term
from publisher.web.state import publication

SD_PREFIXES = {
    "sd": str(SD),
    "formats": str(FORMATS),
    "rdfs": str(RDFS),
    "dcterms": str(DCTERMS),
}
#: W3C format IRIs (http://www.w3.org/ns/formats/) of the formats in publisher.rdf.mediatypes.
FORMAT_IRIS = {
    "json": "SPARQL_Results_JSON",
    "xml": "SPARQL_Results_XML",
    "csv": "SPARQL_Results_CSV",
    "tsv": "SPARQL_Results_TSV",
    "turtle": "Turtle",
    "jsonld": "JSON-LD",
    "ntriples": "N-Triples",
    "rdfxml": "RDF_XML",
    "nquads": "N-Quads",
}

Triples = list[tuple[Term, Term, Term]]


def iri(term: object) -> Term:
    return Term.iri(str(term))


def description_triples() -> Triples:
    """The SPARQL 1.1 Service Description of this endpoint, with the named graphs of the store."""
    pub = publication()
    endpoint = pub.catalog_iris.endpoint
    node = iri(pub.catalog_iris.service)
    dataset = iri(pub.iris.fragment(endpoint, "dataset"))
    triples = [
        (node, iri(RDF.type), iri(SD.Service)),
        (node, iri(SD.endpoint), iri(endpoint)),
        (node, iri(SD.supportedLanguage), iri(SD.SPARQL11Query)),
        (node, iri(SD.feature), iri(SD.UnionDefaultGraph)),
        (node, iri(SD.defaultDataset), dataset),
        *titles(node),
        *dataset_triples(dataset, iri(pub.iris.fragment(endpoint, "default-graph"))),
    ]
    triples += [(node, iri(SD.resultFormat), iri(FORMATS[local])) for local in FORMAT_IRIS.values()]
    graphs = sorted(g.value for g in pub.store.named_graphs() if isinstance(g, NamedNode))
    for number, name in enumerate(graphs):
        named = Term("bnode", f"graph{number}")
        triples += [
            (dataset, iri(SD.namedGraph), named),
            (named, iri(RDF.type), iri(SD.NamedGraph)),
            (named, iri(SD.name), Term.iri(name)),
        ]
    return triples


def titles(node: Term) -> Triples:
    """The endpoint's title and its limits, in both languages."""
    settings = publication().settings
    timeout = float(settings.query_timeout)
    row_cap = int(settings.row_cap)
    return [
        (node, iri(DCTERMS.title), Term.literal("政府信息公开年度报告 SPARQL 查询服务", lang="zh")),
        (node, iri(DCTERMS.title), Term.literal("SPARQL endpoint of the disclosure annual reports", lang="en")),
        (
            node,
            iri(RDFS.comment),
            Term.literal(
                f"只读。每个查询最多运行 {timeout:g} 秒，最多返回 {row_cap} 行；不支持 SPARQL 更新、LOAD 和 SERVICE。",
                lang="zh",
            ),
        ),
        (
            node,
            iri(RDFS.comment),
            Term.literal(
                f"Read-only. Each query may run for {timeout:g} s and returns at most {row_cap} rows; "
                "SPARQL Update, LOAD and SERVICE are refused.",
                lang="en",
            ),
        ),
    ]


def dataset_triples(dataset: Term, default: Term) -> Triples:
    """The default dataset: its default graph is the union of the named graphs."""
    return [
        (dataset, iri(RDF.type), iri(SD.Dataset)),
        (dataset, iri(SD.defaultGraph), default),
        (default, iri(RDF.type), iri(SD.Graph)),
        (
            default,
            iri(RDFS.comment),
            Term.literal(
                "默认图是所有命名图的并集（除非请求用 default-graph-uri / named-graph-uri 指定数据集）。", lang="zh"
            ),
        ),
        (
            default,
            iri(RDFS.comment),
            Term.literal(
                "The default graph is the union of all the named graphs (unless a request names its dataset "
                "with default-graph-uri / named-graph-uri).",
                lang="en",
            ),
        ),
    ]
