"""JSON-LD: our context, and sorted N-Triples written as compacted JSON-LD in a stable order.

Written here rather than by a JSON-LD library: rdflib's compaction takes a quarter of
a second for one report, which a corpus of 10,000 cannot afford. Compaction is only
prefix compaction — every namespace of the context ends in / or #, so each compact
IRI expands back to the IRI — and literals keep their datatype or language.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from pyoxigraph import BlankNode, Triple
from pyoxigraph import Literal as OxLiteral

from publisher.rdf.namespaces import RDF, prefixes
from publisher.rdf.ntriples import XSD_STRING, parse_ntriples

#: rdf:type as a plain string, to compare with Oxigraph's predicate IRIs.
RDF_TYPE = str(RDF.type)


def jsonld_context(base: str) -> dict[str, str]:
    """The JSON-LD context: the same as {base}/context.jsonld serves."""
    return dict(sorted(prefixes(base).items()))


def jsonld_document(ntriples: bytes, base: str, lines: Sequence[str] | None = None) -> bytes:
    """The N-Triples as one compacted JSON-LD document: the context inline, a node object per subject, one a line.

    `lines`: its node objects as `jsonld_lines` writes them, when the caller has them
    already (the corpus dump's piece of the report is the same lines).
    """
    lines = jsonld_lines(jsonld_nodes(ntriples, base)) if lines is None else lines
    context = json.dumps(jsonld_context(base), ensure_ascii=False, indent=2, sort_keys=True).replace("\n", "\n  ")
    graph = "[\n    " + ",\n    ".join(lines) + "\n  ]" if lines else "[]"
    return f'{{\n  "@context": {context},\n  "@graph": {graph}\n}}\n'.encode()


def jsonld_lines(nodes: Sequence[dict[str, Any]]) -> list[str]:
    """Each node object as one line of JSON, its keys sorted (JSON without indentation is written by C code)."""
    return [json.dumps(node, ensure_ascii=False, sort_keys=True) for node in nodes]


def jsonld_nodes(ntriples: bytes, base: str, triples: Sequence[Triple] | None = None) -> list[dict[str, Any]]:
    """The node objects of compacted JSON-LD (with the context of `jsonld_context`), sorted by @id.

    `triples`: the N-Triples parsed already (`parse_ntriples`).
    """
    compactor = Compactor(jsonld_context(base))
    known = compactor.cache  # looked up here first: a call per IRI costs more than the lookup
    nodes: dict[str, dict[str, Any]] = {}
    for subject, predicate, obj in parse_ntriples(ntriples) if triples is None else triples:
        iri = subject.value
        sid = f"_:{iri}" if isinstance(subject, BlankNode) else known.get(iri) or compactor(iri)
        node = nodes.get(sid)
        if node is None:
            node = nodes[sid] = {"@id": sid}
        key = predicate.value
        value: Any
        if isinstance(obj, OxLiteral):
            language = obj.language
            if language:
                value = {"@language": language, "@value": obj.value}
            else:
                datatype = obj.datatype.value
                value = (
                    obj.value
                    if datatype == XSD_STRING
                    else {"@type": known.get(datatype) or compactor(datatype), "@value": obj.value}
                )
        elif isinstance(obj, BlankNode):
            value = {"@id": f"_:{obj.value}"}
        elif key == RDF_TYPE:
            key, value = "@type", known.get(obj.value) or compactor(obj.value)
        else:
            value = {"@id": known.get(obj.value) or compactor(obj.value)}
        if key != "@type":
            key = known.get(key) or compactor(key)
        values = node.get(key)
        if values is None:
            node[key] = [value]
        else:
            values.append(value)
    for node in nodes.values():
        for key, values in node.items():
            if isinstance(values, list):
                if len(values) > 1:
                    values.sort(key=value_order)
                elif key != "@type":
                    node[key] = values[0]
    return [nodes[key] for key in sorted(nodes)]


def value_order(value: Any) -> tuple[str, ...]:
    """The sort key of a property's values in a node object: plain strings first, then objects by their members."""
    if isinstance(value, str):
        return ("", value)
    return tuple(f"{k}={v}" for k, v in sorted(value.items()))


class Compactor:
    """IRI → compact IRI (prefix:local) with the longest namespace of the context that has it."""

    def __init__(self, context: Mapping[str, str]) -> None:
        self.namespaces = sorted(
            ((ns, prefix) for prefix, ns in context.items() if ns.endswith(("/", "#"))), key=lambda p: -len(p[0])
        )
        self.cache: dict[str, str] = {}

    def __call__(self, iri: str) -> str:
        found = self.cache.get(iri)
        if found is None:
            found = iri
            for namespace, prefix in self.namespaces:
                local = iri[len(namespace) :]
                if iri.startswith(namespace) and local and not local.startswith("//"):
                    found = f"{prefix}:{local}"
                    break
            self.cache[iri] = found
        return found
