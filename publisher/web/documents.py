"""RDF documents as the site serves them: one format of a list of triples, with our prefixes.

Turtle is written with the prefixes of publisher.rdf.namespaces (but the /id/ ones:
those paths read better whole); JSON-LD is compacted with the context served at
/context.jsonld, the same compaction publisher.publication.downloads writes into the
downloads (with the context inline there).
"""

from __future__ import annotations

import json

from flask import Response
from pyoxigraph import RdfFormat, Triple
from pyoxigraph import serialize as ox_serialize

from publisher.rdf.iris import Iris
from publisher.rdf.jsonld import jsonld_context, jsonld_nodes
from publisher.rdf.mediatypes import RDF_BY_NAME, RdfType
from publisher.rdf.namespaces import prefixes
from publisher.web.negotiation import DOCUMENT_TYPES, conditional
from publisher.web.state import publication

JSONLD = RDF_BY_NAME["jsonld"].media_type


def serialize(triples: list[Triple], rdf_type: RdfType) -> bytes:
    """The triples as a document in `rdf_type`, compacted or prefixed for this deployment's base."""
    iris = publication().iris
    if rdf_type.oxigraph == RdfFormat.JSON_LD:
        nodes = jsonld_nodes(ox_serialize(triples, format=RdfFormat.N_TRIPLES) or b"", iris.base)
        document = {"@context": iris.context, "@graph": nodes}
        return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    turtle_prefixes = {k: v for k, v in prefixes(iris.base).items() if "/id/" not in v}
    data = ox_serialize(
        triples, format=rdf_type.oxigraph, prefixes=turtle_prefixes if rdf_type.name == "turtle" else None
    )
    assert data is not None
    return data


def rdf_response(triples: list[Triple], media_type: str) -> Response:
    """The triples in the document format of `media_type` (one of `DOCUMENT_TYPES`)."""
    rdf_type = next(t for t in DOCUMENT_TYPES if t.media_type == media_type)
    return Response(serialize(triples, rdf_type), mimetype=media_type)


def context_response(iris: Iris) -> Response:
    """The JSON-LD context every JSON-LD document of this publisher is compacted with."""
    body = json.dumps({"@context": jsonld_context(iris.base)}, ensure_ascii=False, indent=2) + "\n"
    return conditional(Response(body, mimetype=JSONLD), cacheable=True)
