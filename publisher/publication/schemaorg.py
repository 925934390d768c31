"""schema.org/Dataset of a report ({release}/catalog/schemaorg/{name}.json), for dataset search engines.

Made from the report's DCAT-AP description (publisher.publication.dcat), so the two
say the same; the report's page embeds it.
"""

from __future__ import annotations

from typing import Any

from rdflib import Graph, URIRef

from publisher.publication.dcat import CatalogInputs, title_in
from publisher.publication.downloads import ReportData
from publisher.rdf.catalogterms import LICENCES, SPDX
from publisher.rdf.iris import CatalogIris, Iris
from publisher.rdf.mediatypes import IANA_MEDIA_TYPES
from publisher.rdf.namespaces import DCAT, DCTERMS


def schema_org(dataset: Graph, iri: URIRef, inputs: CatalogInputs, data: ReportData) -> dict[str, Any]:
    """schema.org/Dataset of a report, from its catalog description (for dataset search engines)."""
    ci = CatalogIris(inputs.iris)
    agency = inputs.registry.agencies[data.report.agency]
    division = inputs.registry.divisions[agency.division]
    keywords = sorted({str(k) for k in dataset.objects(iri, DCAT.keyword)})
    return {
        "@context": "https://schema.org/",
        "@type": "Dataset",
        "@id": str(iri),
        "url": str(ci.landing_page(iri)),
        "identifier": str(iri),
        "name": title_in(dataset, iri, "zh"),
        "alternateName": title_in(dataset, iri, "en"),
        "description": " ".join(
            str(v) for v in sorted(dataset.objects(iri, DCTERMS.description), key=lambda v: getattr(v, "language", ""))
        ),
        "inLanguage": ["zh", "en"],
        "keywords": keywords,
        "license": str(LICENCES[inputs.info.licence].iri),
        "isAccessibleForFree": True,
        "creator": {
            "@type": "GovernmentOrganization",
            "@id": str(inputs.iris.agency(agency.id)),
            "name": agency.name.zh,
            "alternateName": agency.name.en,
            **({"url": agency.website} if agency.website else {}),
        },
        "publisher": {
            "@type": "Organization",
            "name": inputs.info.publisher_name[0],
            "alternateName": inputs.info.publisher_name[1],
        },
        "temporalCoverage": f"{data.report.period_from.isoformat()}/{data.report.period_to.isoformat()}",
        "spatialCoverage": {
            "@type": "Place",
            "name": division.name.zh,
            "alternateName": division.name.en,
            "identifier": division.code,
        },
        "datePublished": str(dataset.value(iri, DCTERMS.issued)),
        "dateModified": str(dataset.value(iri, DCTERMS.modified)),
        "isBasedOn": str(inputs.iris.source(data.report.agency, data.report.year)),
        "includedInDataCatalog": {"@type": "DataCatalog", "@id": str(ci.catalog), "name": inputs.info.title[0]},
        "distribution": _distributions(dataset, iri),
    }


def _distributions(dataset: Graph, iri: URIRef) -> list[dict[str, Any]]:
    """Each distribution of the dataset as a schema.org/DataDownload."""
    distributions = []
    for dist in sorted(dataset.objects(iri, DCAT.distribution), key=str):
        media = str(dataset.value(dist, DCAT.mediaType)).removeprefix(IANA_MEDIA_TYPES)
        compressed = dataset.value(dist, DCAT.compressFormat) is not None
        entry = {
            "@type": "DataDownload",
            "contentUrl": str(dataset.value(dist, DCAT.downloadURL)),
            "encodingFormat": "application/gzip" if compressed else media,
            "contentSize": f"{dataset.value(dist, DCAT.byteSize)} B",
            "sha256": str(dataset.value(Iris.fragment(dist, "checksum"), SPDX.checksumValue)),
            "dateModified": str(dataset.value(dist, DCTERMS.modified)),
        }
        distributions.append(entry)
    return distributions
