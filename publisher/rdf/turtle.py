"""Turtle: our prefixes, and sorted N-Triples written as Turtle (the downloads' and the corpus dump's)."""

from __future__ import annotations

from collections.abc import Sequence

from pyoxigraph import RdfFormat, Triple
from pyoxigraph import serialize as ox_serialize

from publisher.rdf.namespaces import prefixes
from publisher.rdf.ntriples import parse_ntriples


def turtle_prefixes(base: str) -> dict[str, str]:
    """The prefixes of our Turtle (the /id/ paths read better whole, as in the web documents)."""
    return {k: v for k, v in prefixes(base).items() if "/id/" not in v}


def to_turtle(ntriples: bytes, base: str, triples: Sequence[Triple] | None = None) -> bytes:
    """The N-Triples as Turtle with our prefixes (`triples`: the same, parsed already)."""
    triples = parse_ntriples(ntriples) if triples is None else triples
    data = ox_serialize(triples, format=RdfFormat.TURTLE, prefixes=turtle_prefixes(base))
    assert data is not None
    return data
