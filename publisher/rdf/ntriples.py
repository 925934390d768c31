"""N-Triples: writing a graph as rdflib writes it (sorted, for downloads), and reading it back once.

`sorted_ntriples` is the canonical text of a report's graph: every download, checksum
and cached graph is made from these bytes. `ReportTriples` parses them once, for
every file made from them, as both Oxigraph's terms and rdflib's.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from pyoxigraph import Literal as OxLiteral
from pyoxigraph import NamedNode as OxNamedNode
from pyoxigraph import RdfFormat, Triple, parse
from rdflib import BNode as RdfBNode
from rdflib import Graph, Literal, URIRef
from rdflib.term import Node

from publisher.rdf.namespaces import XSD

#: xsd:string as a plain string, to compare with Oxigraph's datatype IRIs.
XSD_STRING = str(XSD.string)


def sorted_ntriples(graph: Graph) -> bytes:
    """The graph as N-Triples, one line per triple as rdflib's serialiser writes it, lines sorted and each once."""
    return ("\n".join(sorted(set(ntriples_lines(graph)))) + "\n").encode("utf-8")


def ntriples_of(triples: Iterable[tuple[Node, Node, Node]]) -> bytes:
    """Triples as N-Triples in the order given (as rdflib writes each), for a parser to read."""
    return "".join(line + "\n" for line in ntriples_lines(triples)).encode("utf-8")


def ntriples_lines(triples: Iterable[tuple[Node, Node, Node]]) -> Iterator[str]:
    """Each triple as the line rdflib's N-Triples serialiser writes for it (without the line end).

    The same text as `Graph.serialize(format="nt")` (rdflib.plugins.serializers.nt), made
    faster by writing each IRI and blank node once per call: rdflib checks every IRI
    it writes, a few times per triple.
    """
    written: dict[Node, str] = {}
    for subject, predicate, obj in triples:
        s = written.get(subject)
        if s is None:
            s = written[subject] = subject.n3()
        p = written.get(predicate)
        if p is None:
            p = written[predicate] = predicate.n3()
        o = _nt_literal(obj) if isinstance(obj, Literal) else written.get(obj)
        if o is None:
            o = written[obj] = obj.n3()
        yield f"{s} {p} {o} ."


def _nt_literal(literal: Literal) -> str:
    """A literal as rdflib's N-Triples serialiser writes it (its `_quoteLiteral`)."""
    text = literal.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"').replace("\r", "\\r")
    if literal.language:
        if literal.datatype:
            raise ValueError(f"Literal has datatype AND language: {literal!r}")
        return f'"{text}"@{literal.language}'
    if literal.datatype:
        return f'"{text}"^^<{literal.datatype}>'
    return f'"{text}"'


def parse_ntriples(ntriples: bytes) -> list[Triple]:
    """N-Triples parsed by Oxigraph, in document order."""
    return [quad.triple for quad in parse(ntriples, format=RdfFormat.N_TRIPLES)]


class ReportTriples:
    """A report's graph as sorted N-Triples, parsed once for every file made from it.

    `triples` are Oxigraph's (what the Turtle and JSON-LD are written from); `spo` holds
    the same as rdflib terms — made exactly as rdflib terms of a graph parsed from these
    N-Triples would be — by subject and predicate, for the lookups of the CSV rows, the
    statistics and the catalog entry. Filling an rdflib graph's memory store with a
    report costs more than all of those lookups together; `graph_of` gives an rdflib
    graph of some subjects only, for code that wants one.
    """

    def __init__(self, ntriples: bytes) -> None:
        self.ntriples = ntriples
        self.triples = parse_ntriples(ntriples)
        terms: dict[Any, Node] = {}

        def term(node: Any) -> Node:
            found = terms.get(node)
            if found is None:
                if isinstance(node, OxNamedNode):
                    found = URIRef(node.value)
                elif isinstance(node, OxLiteral):
                    if node.language:
                        found = Literal(node.value, lang=node.language)
                    elif node.datatype.value == XSD_STRING:
                        found = Literal(node.value)
                    else:
                        found = Literal(node.value, datatype=URIRef(node.datatype.value))
                else:
                    found = RdfBNode(node.value)
                terms[node] = found
            return found

        spo: dict[Node, dict[Node, list[Node]]] = {}
        seen: set[tuple[Node, Node, Node]] = set()
        for subject, predicate, obj in self.triples:
            triple = (term(subject), term(predicate), term(obj))
            if triple in seen:
                continue  # the same rdflib triple (rdflib's terms are equal where Oxigraph's were not)
            seen.add(triple)
            spo.setdefault(triple[0], {}).setdefault(triple[1], []).append(triple[2])
        self.spo = spo
        self.count = len(seen)
        self._seen = seen

    def __len__(self) -> int:
        return self.count

    def __contains__(self, triple: tuple[Node, Node, Node]) -> bool:
        return triple in self._seen

    def value(self, subject: Node, predicate: Node) -> Node | None:
        """The first object of subject and predicate (what rdflib's `Graph.value` gives), or None."""
        found = self.spo.get(subject, {}).get(predicate)
        return found[0] if found else None

    def objects(self, subject: Node, predicate: Node) -> list[Node]:
        return list(self.spo.get(subject, {}).get(predicate, ()))

    def subjects(self, predicate: Node, obj: Node) -> list[Node]:
        return [s for s, po in self.spo.items() if obj in po.get(predicate, ())]

    def graph_of(self, subjects: Iterable[Node]) -> Graph:
        """An rdflib graph of the statements of these subjects (all of them: `graph_of(triples.spo)`)."""
        graph = Graph()
        for subject in subjects:
            for predicate, objects in self.spo.get(subject, {}).items():
                for obj in objects:
                    graph.add((subject, predicate, obj))
        return graph
