"""The catalog's own DCAT-AP description ({release}/catalog/catalog.nt), written with VoID and about.json.

The catalog node (its dcat:dataset links are added per page when served), its
publisher and contact point, the SPARQL service, and every term the catalog cites
(licence, themes, languages, media and file types), typed and labelled as DCAT-AP's
range shapes want. The datasets are publisher.publication.dcat's.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDFS

from publisher.publication.catalog import KINDS, CatalogInfo
from publisher.publication.dcat import CatalogInputs, bilingual, cite, media_entry, timestamp
from publisher.rdf.catalogterms import (
    COUNTRIES,
    LANGUAGES,
    LICENCE_TYPES,
    LICENCES,
    PUBLISHER_TYPES,
    SD,
    SPARQL_PROTOCOL,
    STABLE,
    THEME_SCHEME,
    THEMES,
    VCARD,
)
from publisher.rdf.iris import CatalogIris
from publisher.rdf.mediatypes import FILE_BY_NAME, file_type_iri, media_type_iri
from publisher.rdf.namespaces import DCAT, DCTERMS, FOAF, RDF, SKOS
from publisher.rdf.ntriples import sorted_ntriples
from publisher.release.paths import CATALOG_ABOUT, CATALOG_GRAPH, CATALOG_VOID


def catalog_graph(inputs: CatalogInputs, issued: str, modified: str) -> Graph:
    """The catalog node (without its dcat:dataset links, added per page), its publisher, service and cited terms."""
    ci, info = CatalogIris(inputs.iris), inputs.info
    graph = Graph()
    _catalog_node(graph, ci, info, issued, modified)
    _publisher(graph, ci, info)
    _cited_terms(graph, info)
    _service(graph, ci, info)
    _media_types(graph)
    return graph


def _catalog_node(graph: Graph, ci: CatalogIris, info: CatalogInfo, issued: str, modified: str) -> None:
    """The dcat:Catalog itself: titles, publisher, licence, coverage, languages, dates, service."""
    cat = ci.catalog
    graph.add((cat, RDF.type, DCAT.Catalog))
    bilingual(graph, cat, DCTERMS.title, *info.title)
    bilingual(graph, cat, DCTERMS.description, *info.description)
    graph.add((cat, DCTERMS.publisher, ci.publisher))
    graph.add((cat, DCTERMS.license, info.licence_iri))
    graph.add((cat, FOAF.homepage, ci.home))
    graph.add((ci.home, RDF.type, FOAF.Document))
    for code in info.spatial:
        graph.add((cat, DCTERMS.spatial, cite(graph, COUNTRIES[code], DCTERMS.Location)))
    for lang in ("zh", "en"):
        graph.add((cat, DCTERMS.language, cite(graph, LANGUAGES[lang], DCTERMS.LinguisticSystem)))
    graph.add((cat, DCAT.themeTaxonomy, cite(graph, THEME_SCHEME, SKOS.ConceptScheme)))
    graph.add((cat, DCTERMS.issued, timestamp(issued)))
    graph.add((cat, DCTERMS.modified, timestamp(modified)))
    graph.add((cat, DCAT.service, ci.service))
    graph.add((cat, RDFS.seeAlso, ci.void))


def _publisher(graph: Graph, ci: CatalogIris, info: CatalogInfo) -> None:
    """The catalog's publisher and its contact point."""
    pub = ci.publisher
    graph.add((pub, RDF.type, FOAF.Agent))
    bilingual(graph, pub, FOAF.name, *info.publisher_name)
    graph.add((pub, DCTERMS.type, cite(graph, PUBLISHER_TYPES[info.publisher_type], SKOS.Concept)))
    if info.publisher_homepage:
        graph.add((pub, FOAF.homepage, URIRef(info.publisher_homepage)))
        graph.add((URIRef(info.publisher_homepage), RDF.type, FOAF.Document))
    contact = ci.contact
    graph.add((contact, RDF.type, VCARD.Organization))
    graph.add((contact, RDF.type, VCARD.Kind))  # stated: the range shapes do not read the vCard ontology
    bilingual(graph, contact, VCARD.fn, *info.publisher_name)
    graph.add((contact, VCARD.hasURL, URIRef(info.publisher_homepage or ci.home)))
    if info.publisher_email:
        graph.add((contact, VCARD.hasEmail, URIRef(f"mailto:{info.publisher_email}")))


#: The title CKAN's default licence register gives each licence (ckan/model/license.py). CKAN's DCAT harvester
#: (ckanext-dcat's RDFParser) maps a distribution's dct:license by the register's URLs, which are not the EU
#: licence IRIs DCAT-AP asks for, then by its titles: the licence's dct:title is this, in English only (a
#: second title would be read instead where CKAN's default language is not English). Its labels stay
#: rdfs:label, in Chinese and English, with the version.
CKAN_TITLES = {"CC_BY_4_0": "Creative Commons Attribution", "CC0": "Creative Commons CCZero"}


def _cited_terms(graph: Graph, info: CatalogInfo) -> None:
    """The licence (with the title CKAN knows it by) and its type, the availability every distribution states,
    and the themes."""
    licence = info.licence_iri
    cite(graph, LICENCES[info.licence], DCTERMS.LicenseDocument)
    graph.add((licence, DCTERMS.title, Literal(CKAN_TITLES[info.licence], lang="en")))
    graph.add((licence, DCTERMS.type, cite(graph, LICENCE_TYPES[info.licence], SKOS.Concept)))
    cite(graph, STABLE, SKOS.Concept)
    for code in info.themes:
        theme = cite(graph, THEMES[code], SKOS.Concept)
        graph.add((theme, SKOS.inScheme, THEME_SCHEME.iri))


def _service(graph: Graph, ci: CatalogIris, info: CatalogInfo) -> None:
    """The SPARQL endpoint as a dcat:DataService."""
    svc = ci.service
    graph.add((svc, RDF.type, DCAT.DataService))
    graph.add((svc, RDF.type, SD.Service))
    bilingual(
        graph,
        svc,
        DCTERMS.title,
        "政府信息公开年度报告 SPARQL 查询服务",
        "SPARQL endpoint of the disclosure annual reports",
    )
    bilingual(
        graph,
        svc,
        DCTERMS.description,
        "只读的 SPARQL 1.1 查询端点：默认图是全部命名图（每份报告一个）的并集。服务描述见端点地址本身。",
        "A read-only SPARQL 1.1 query endpoint; the default graph is the union of all named graphs (one per "
        "report). Its Service Description is served at the endpoint's address.",
    )
    graph.add((svc, DCAT.endpointURL, ci.endpoint))
    graph.add((svc, SD.endpoint, ci.endpoint))
    graph.add((svc, DCAT.endpointDescription, ci.endpoint))
    graph.add((svc, DCAT.landingPage, ci.endpoint))
    graph.add((ci.endpoint, RDF.type, FOAF.Document))
    graph.add((svc, DCTERMS.conformsTo, cite(graph, SPARQL_PROTOCOL, DCTERMS.Standard)))
    graph.add((svc, DCTERMS.publisher, ci.publisher))
    graph.add((svc, DCTERMS.license, info.licence_iri))
    graph.add((svc, DCAT.contactPoint, ci.contact))
    for code in info.themes:
        graph.add((svc, DCAT.theme, THEMES[code].iri))
    bilingual(graph, svc, DCAT.keyword, "SPARQL", "SPARQL")
    bilingual(graph, svc, DCAT.keyword, "政府信息公开", "government information disclosure")


def _media_types(graph: Graph) -> None:
    """The media types and file types every distribution cites."""
    for kind in KINDS.values():
        media = media_entry(kind[0])
        graph.add((URIRef(media_type_iri(media[0])), RDF.type, DCTERMS.MediaType))
        graph.add((URIRef(file_type_iri(media[1])), RDF.type, DCTERMS.MediaTypeOrExtent))
    gzip = FILE_BY_NAME["gzip"]
    graph.add((URIRef(media_type_iri(gzip.media_type)), RDF.type, DCTERMS.MediaType))


def write_catalog_files(release: Path, inputs: CatalogInputs, void: Graph, issued: str, modified: str) -> None:
    """The release-wide catalog files but the index of datasets: the catalog and VoID graphs, and about.json."""
    (release / CATALOG_GRAPH).write_bytes(sorted_ntriples(catalog_graph(inputs, issued, modified)))
    (release / CATALOG_VOID).write_bytes(sorted_ntriples(void))
    about = {
        **asdict(inputs.info),
        "licence_iri": str(inputs.info.licence_iri),
        "licence_label": [LICENCES[inputs.info.licence].zh, LICENCES[inputs.info.licence].en],
        "issued": issued,
        "modified": modified,
    }
    text = json.dumps(about, ensure_ascii=False, indent=2) + "\n"
    (release / CATALOG_ABOUT).write_text(text, encoding="utf-8")
