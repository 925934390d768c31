"""JSON-LD: our context, and sorted N-Triples written as compacted JSON-LD in a stable order.

Written here rather than by a JSON-LD library: rdflib's compaction takes a quarter of
a second for one report, which a corpus of 10,000 cannot afford. Compaction is only
prefix compaction — every namespace of the context ends in / or #, so each compact
IRI expands back to the IRI — and literals keep their datatype or language.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from json.encoder import c_make_encoder, encode_basestring  # type: ignore[attr-defined]
from typing import Any

from pyoxigraph import BlankNode, Triple
from pyoxigraph import Literal as OxLiteral

from publisher.rdf.namespaces import RDF, prefixes
from publisher.rdf.ntriples import XSD_STRING, OxTerm, index_triples, parse_ntriples

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
    """Each node object as one line of JSON, its keys sorted (JSON without indentation is written by C code).

    The text of json.dumps(node, ensure_ascii=False, sort_keys=True): the C encoder `json.dumps` makes anew
    for every call is made once here, and called for each node.
    """
    if _C_LINE_ENCODER is None:  # a Python without the json module's C code
        encode = LINE_ENCODER.encode
        return [encode(node) for node in nodes]
    join, line = "".join, _C_LINE_ENCODER
    return [join(line(node, 0)) for node in nodes]


def _not_json(value: object) -> Any:
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


#: What `jsonld_lines` writes with: json.dumps(ensure_ascii=False, sort_keys=True), made once, not once a node.
LINE_ENCODER = json.JSONEncoder(ensure_ascii=False, sort_keys=True)
#: The C encoder `LINE_ENCODER.iterencode` would make (json.encoder.c_make_encoder: markers, default, string
#: encoder, indent, key and item separators, sort_keys, skipkeys, allow_nan), or None without the C code.
_C_LINE_ENCODER = (
    c_make_encoder(None, _not_json, encode_basestring, None, ": ", ", ", True, False, True)
    if c_make_encoder is not None
    else None
)


def jsonld_nodes(ntriples: bytes, base: str, triples: Sequence[Triple] | None = None) -> list[dict[str, Any]]:
    """The node objects of compacted JSON-LD (with the context of `jsonld_context`), sorted by @id.

    `triples`: the N-Triples parsed already (`parse_ntriples`).
    """
    return jsonld_nodes_of(index_triples(parse_ntriples(ntriples) if triples is None else triples), base)


def jsonld_nodes_of(spo: Mapping[str, Mapping[str, Sequence[OxTerm]]], base: str) -> list[dict[str, Any]]:
    """`jsonld_nodes` of triples indexed by subject and predicate (`ntriples.index_triples`, `ReportTriples.spo`).

    Each subject and predicate is compacted once, not once a triple.
    """
    compactor = Compactor(jsonld_context(base))
    known = compactor.cache  # looked up here first: a call per IRI costs more than the lookup
    nodes: dict[str, dict[str, Any]] = {}
    for subject, statements in spo.items():
        sid = subject if subject.startswith("_:") else known.get(subject) or compactor(subject)
        node: dict[str, Any] = {"@id": sid}
        for predicate, objects in statements.items():
            key = known.get(predicate) or compactor(predicate)
            values: list[Any] = []
            for obj in objects:
                kind = type(obj)
                if kind is OxLiteral:
                    datatype = obj.datatype.value  # type: ignore[union-attr]
                    if datatype == XSD_STRING:  # most literals: no language to read
                        values.append(obj.value)
                    elif language := obj.language:  # type: ignore[union-attr]
                        values.append({"@language": language, "@value": obj.value})
                    else:
                        values.append({"@type": known.get(datatype) or compactor(datatype), "@value": obj.value})
                elif kind is BlankNode:
                    values.append({"@id": f"_:{obj.value}"})
                elif predicate == RDF_TYPE:
                    types = node.get("@type")
                    if types is None:
                        node["@type"] = types = []
                    types.append(known.get(obj.value) or compactor(obj.value))
                else:
                    values.append({"@id": known.get(obj.value) or compactor(obj.value)})
            if len(values) > 1:
                values.sort(key=value_order)
                node[key] = values
            elif values:
                node[key] = values[0]
        types = node.get("@type")
        if types is not None and len(types) > 1:
            types.sort(key=value_order)
        nodes[sid] = node
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
        self.prefixes: dict[str, str] = {}  # namespace → its prefix (the first of the longest, as `namespaces`)
        for namespace, prefix in self.namespaces:
            self.prefixes.setdefault(namespace, prefix)
        # the longest namespace an IRI starts with, in one call: the alternatives are tried in turn, longest first
        self.longest = re.compile("|".join(re.escape(ns) for ns, _prefix in self.namespaces) or "(?!)").match
        self.cache: dict[str, str] = {}

    def __call__(self, iri: str) -> str:
        found = self.cache.get(iri)
        if found is None:
            found = iri
            match = self.longest(iri)
            if match is not None:
                local = iri[match.end() :]
                if local and not local.startswith("//"):
                    found = f"{self.prefixes[match.group()]}:{local}"
                else:  # not that namespace: a shorter one, if one has it
                    for namespace, prefix in self.namespaces:
                        local = iri[len(namespace) :]
                        if iri.startswith(namespace) and local and not local.startswith("//"):
                            found = f"{prefix}:{local}"
                            break
            self.cache[iri] = found
        return found
