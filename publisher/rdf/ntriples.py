"""N-Triples: writing a graph as rdflib writes it (sorted, for downloads), and reading it back once.

`sorted_ntriples` is the canonical text of a report's graph: every download, checksum
and cached graph is made from these bytes. `ReportTriples` parses them once, for
every file made from them, as Oxigraph's terms (rdflib's for the terms looked up).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

from pyoxigraph import BlankNode as OxBlankNode
from pyoxigraph import Literal as OxLiteral
from pyoxigraph import NamedNode as OxNamedNode
from pyoxigraph import RdfFormat, Triple, parse
from rdflib import BNode as RdfBNode
from rdflib import Graph, Literal, URIRef
from rdflib.term import Node

from publisher.rdf.namespaces import XSD

#: xsd:string as a plain string, to compare with Oxigraph's datatype IRIs.
XSD_STRING = str(XSD.string)

#: An Oxigraph term of a report's graph (no RDF-star).
OxTerm = OxNamedNode | OxBlankNode | OxLiteral


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
    """A report's graph as sorted N-Triples, parsed once by Oxigraph for every file made from it.

    `triples` are Oxigraph's (what the Turtle and JSON-LD are written from); `spo` indexes
    their objects (Oxigraph's terms) by subject and predicate, each named by its text (an
    IRI, or _:label for a blank node: `key`). The lookups (`value`, `objects`, `subjects`,
    `in`) take and give rdflib terms — made exactly as rdflib terms of a graph parsed from
    these N-Triples would be — for the CSV rows and the catalog entry, but only the terms
    looked up are made: an rdflib term for each of a report's thousands of triples would
    cost more than all the files together (and an rdflib term is hashed in Python, a
    string in C). `graph_of` gives an rdflib graph of some subjects only.
    """

    def __init__(
        self,
        ntriples: bytes,
        triples: Sequence[Triple] | None = None,
        spo: dict[str, dict[str, list[OxTerm]]] | None = None,
    ) -> None:
        """`triples`: these N-Triples parsed already, in their order (not parsed again); `spo`: those triples
        indexed already (`index_triples`)."""
        self.ntriples = ntriples
        self.triples = parse_ntriples(ntriples) if triples is None else triples
        self.spo = index_triples(self.triples) if spo is None else spo
        self._rdf: dict[OxTerm, Node] = {}
        self._ox: dict[Node, OxTerm] = {}

    def __len__(self) -> int:
        return len(self.triples)  # sorted N-Triples, each line once: each triple once

    def __contains__(self, triple: tuple[Node, Node, Node]) -> bool:
        subject, predicate, obj = triple
        return self.ox_term(obj) in self.spo.get(key(subject), {}).get(str(predicate), ())

    def value(self, subject: Node, predicate: Node) -> Node | None:
        """The first object of subject and predicate (what rdflib's `Graph.value` gives), or None."""
        found = self.spo.get(key(subject), {}).get(str(predicate))
        return self.rdf_term(found[0]) if found else None

    def objects(self, subject: Node, predicate: Node) -> list[Node]:
        return [self.rdf_term(o) for o in self.spo.get(key(subject), {}).get(str(predicate), ())]

    def subjects(self, predicate: Node, obj: Node) -> list[Node]:
        p, o = str(predicate), self.ox_term(obj)
        return [
            RdfBNode(s[2:]) if s.startswith("_:") else URIRef(s) for s, po in self.spo.items() if o in po.get(p, ())
        ]

    def graph_of(self, subjects: Iterable[Node]) -> Graph:
        """An rdflib graph of the statements of these subjects."""
        graph = Graph()
        for subject in subjects:
            for predicate, objects in self.spo.get(key(subject), {}).items():
                for obj in objects:
                    graph.add((subject, URIRef(predicate), self.rdf_term(obj)))
        return graph

    def rdf_term(self, node: OxTerm) -> Node:
        """The rdflib term of an Oxigraph one, as rdflib's N-Triples parser makes it."""
        found = self._rdf.get(node)
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
            self._rdf[node] = found
        return found

    def ox_term(self, node: Node) -> OxTerm:
        """The Oxigraph term of an rdflib one (the inverse of `rdf_term`)."""
        found = self._ox.get(node)
        if found is None:
            if isinstance(node, Literal):
                if node.language:
                    found = OxLiteral(str(node), language=node.language)
                else:
                    found = OxLiteral(str(node), datatype=OxNamedNode(str(node.datatype or XSD.string)))
            elif isinstance(node, RdfBNode):
                found = OxBlankNode(str(node))
            else:
                found = OxNamedNode(str(node))
            self._ox[node] = found
        return found


def index_triples(triples: Iterable[Triple]) -> dict[str, dict[str, list[OxTerm]]]:
    """Triples' objects by subject and predicate, each named by its text (`key`), in the triples' order."""
    spo: dict[str, dict[str, list[OxTerm]]] = {}
    names: dict[OxNamedNode, str] = {}  # a predicate's IRI, made once
    last: object = None
    statements: dict[str, list[OxTerm]] = {}
    for subject, predicate, obj in triples:
        if subject != last:  # sorted N-Triples: a subject's triples are together
            last = subject
            name = subject.value if type(subject) is OxNamedNode else f"_:{subject.value}"
            statements = spo.get(name) or spo.setdefault(name, {})
        iri = names.get(predicate)
        if iri is None:
            iri = names[predicate] = predicate.value
        objects = statements.get(iri)
        if objects is None:
            statements[iri] = [obj]
        else:
            objects.append(obj)
    return spo


def key(node: Node) -> str:
    """How `ReportTriples.spo` names a subject or predicate: its IRI, or _:label for a blank node."""
    return f"_:{node}" if type(node) is RdfBNode else str(node)  # not isinstance: rdflib's terms check it slowly
