"""N-Quads: a store's named graphs as sorted N-Quads with canonical blank node labels, and merged back.

The store's blank node labels are random per build; canonical ones keep an unchanged
graph's bytes, and so its checksum and `modified` date, from one build to the next.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any

from pyoxigraph import BlankNode, Quad, RdfFormat, Store, Triple, parse
from pyoxigraph import serialize as ox_serialize
from rdflib import Graph
from rdflib.compare import to_canonical_graph


def canonical_nquads(store: Store) -> bytes:
    """Every named graph as sorted N-Quads, blank nodes labelled canonically (per graph, so they never merge)."""
    return canonical_nquads_of(store, sorted(store.named_graphs(), key=str))


def canonical_nquads_of(store: Store, graphs: Iterable[Any]) -> bytes:
    """The named graphs given, as sorted N-Quads with canonical blank node labels (see canonical_nquads)."""
    quads: list[Quad] = []
    for graph in graphs:
        triples = [q.triple for q in store.quads_for_pattern(None, None, None, graph)]
        if any(isinstance(term, BlankNode) for t in triples for term in (t.subject, t.object)):
            prefix = "g" + hashlib.sha256(str(graph).encode()).hexdigest()[:8]
            triples = _canonical(triples, prefix)
        quads += [Quad(t.subject, t.predicate, t.object, graph) for t in triples]
    data = ox_serialize(quads, format=RdfFormat.N_QUADS)
    assert data is not None
    return ("\n".join(sorted(set(data.decode("utf-8").splitlines()))) + "\n").encode("utf-8")


def merged_ntriples(nquads: bytes) -> bytes:
    """The triples of N-Quads with their graphs merged: sorted, each once."""
    triples = [quad.triple for quad in parse(nquads, format=RdfFormat.N_QUADS)]
    data = ox_serialize(triples, format=RdfFormat.N_TRIPLES)
    assert data is not None
    return ("\n".join(sorted(set(data.decode("utf-8").splitlines()))) + "\n").encode("utf-8")


def _canonical(triples: list[Triple], prefix: str) -> list[Triple]:
    graph = Graph().parse(data=ox_serialize(triples, format=RdfFormat.N_TRIPLES), format="nt")
    canonical = to_canonical_graph(graph).serialize(format="nt", encoding="utf-8")

    def relabel(term: Any) -> Any:
        return BlankNode(prefix + term.value) if isinstance(term, BlankNode) else term

    return [
        Triple(relabel(t.subject), t.predicate, relabel(t.object)) for t in parse(canonical, format=RdfFormat.N_TRIPLES)
    ]
