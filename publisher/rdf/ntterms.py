"""N-Triples terms as text: each term written as rdflib's N-Triples serialiser writes it, and read back as rdflib's.

A triple of such terms (`TermTriple`) is a line of N-Triples without its spaces and
final dot: `sorted_term_ntriples` gives the same bytes as `ntriples.sorted_ntriples` of
the rdflib graph whose terms they are. The build makes a report's triples as text
(graph/reporttriples.py) and the core shapes read them as text (validation/coreshapes.py):
a string is hashed and compared in C, where an rdflib term is hashed in Python and
made by parsing its value. `rdf_term` gives the rdflib term of a text, for the few
literals whose value must be read (a datatype's well-formedness, a minimum).

>>> literal_term('say "2"\\n', language="en")
'"say \\\\"2\\\\"\\\\n"@en'
>>> rdf_term(literal_term('say "2"\\n', language="en")) == Literal('say "2"\\n', lang="en")
True
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

#: A triple as N-Triples terms: <iri> or _:label; <iri>; <iri>, _:label or a literal ("…", "…"@lang, "…"^^<iri>).
TermTriple = tuple[str, str, str]

_ESCAPED = re.compile(r"\\(.)", re.DOTALL)
_UNESCAPE = {"\\": "\\", "n": "\n", '"': '"', "r": "\r"}


def iri_term(iri: str) -> str:
    """An IRI as N-Triples writes it (the IRI must be one rdflib would write: see `node_term` for others)."""
    return f"<{iri}>"


def literal_term(text: str, datatype: str | None = None, language: str | None = None) -> str:
    """A literal of this lexical form as rdflib's N-Triples serialiser writes it (its `_quoteLiteral`)."""
    quoted = text.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"').replace("\r", "\\r")
    if language:
        if datatype:
            raise ValueError(f"Literal has datatype AND language: {text!r}")
        return f'"{quoted}"@{language}'
    if datatype:
        return f'"{quoted}"^^<{datatype}>'
    return f'"{quoted}"'


def node_term(node: Node) -> str:
    """An rdflib term as its N-Triples text (rdflib's own check of an IRI included)."""
    if isinstance(node, Literal):
        return literal_term(str(node), node.datatype, node.language)
    return node.n3()


def term_triples(triples: Iterable[tuple[Node, Node, Node]]) -> list[TermTriple]:
    """rdflib triples as N-Triples terms, each term written once per call."""
    written: dict[Node, str] = {}
    found: list[TermTriple] = []
    for triple in triples:
        terms = []
        for node in triple:
            text = written.get(node)
            if text is None:
                text = written[node] = node_term(node)
            terms.append(text)
        found.append((terms[0], terms[1], terms[2]))
    return found


def sorted_term_ntriples(triples: Iterable[TermTriple]) -> bytes:
    """The triples as N-Triples, lines sorted and each once: `ntriples.sorted_ntriples` of their graph.

    Each line is encoded and the bytes sorted: UTF-8 keeps the order of code points, and no line is the start
    of another (each ends " .", which no term holds after its end), so the order is that of the text's lines.
    """
    return b"".join(sorted({f"{s} {p} {o} .\n".encode() for s, p, o in triples})) or b"\n"


def rdf_term(text: str) -> Node:
    """The rdflib term of an N-Triples term, as rdflib's N-Triples parser makes it."""
    if text.startswith("<"):
        return URIRef(text[1:-1])
    if text.startswith("_:"):
        return BNode(text[2:])
    end = text.rindex('"')
    lexical = _ESCAPED.sub(lambda m: _UNESCAPE.get(m[1], m[0]), text[1:end])
    rest = text[end + 1 :]
    if rest.startswith("@"):
        return Literal(lexical, lang=rest[1:])
    if rest.startswith("^^<"):
        return Literal(lexical, datatype=URIRef(rest[3:-1]))
    return Literal(lexical)


def graph_of(triples: Iterable[TermTriple]) -> Graph:
    """An rdflib graph of the triples (each term read once per call)."""
    graph = Graph()
    read: dict[str, Node] = {}
    for triple in triples:
        nodes = []
        for text in triple:
            node = read.get(text)
            if node is None:
                node = read[text] = rdf_term(text)
            nodes.append(node)
        graph.add((nodes[0], nodes[1], nodes[2]))
    return graph


def term_value(text: str) -> str:
    """What `str` of the term's rdflib term gives: an IRI, a blank node's label, a literal's lexical form."""
    if text.startswith("<"):
        return text[1:-1]
    if text.startswith("_:"):
        return text[2:]
    return str(rdf_term(text))


def is_literal(text: str) -> bool:
    return text.startswith('"')
