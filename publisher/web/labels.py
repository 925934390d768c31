"""Human-readable labels for pages: the zh or en label of any IRI in the store."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pyoxigraph import BlankNode, Literal, NamedNode, Triple

from publisher.rdf.namespaces import DCTERMS, RDFS, SKOS
from publisher.store.readstore import ReadStore

#: Where a label is looked for, in order: the first property that gives one wins.
LABEL_PROPERTIES = tuple(NamedNode(str(term)) for term in (SKOS.prefLabel, RDFS.label, DCTERMS.title))


@dataclass(frozen=True)
class Value:
    text: str
    href: str | None = None
    lang: str | None = None
    datatype: str | None = None


def label(store: ReadStore, node: NamedNode, lang: str) -> str | None:
    """The node's label in `lang`, else in the other language, else None."""
    found: dict[str | None, str] = {}
    for prop in LABEL_PROPERTIES:
        for quad in store.quads_for_pattern(node, prop, None, None):
            obj = quad.object
            if isinstance(obj, Literal):
                found.setdefault(obj.language, obj.value)
        if found:
            break
    return found.get(lang) or found.get("zh" if lang == "en" else "en") or found.get(None)


def value_of(store: ReadStore, term: Any, lang: str, base: str) -> Value:
    if isinstance(term, NamedNode):
        text = label(store, term, lang) or term.value
        href = term.value
        if href.startswith(base):
            href = href[len(base) :] or "/"
        return Value(text, href=href)
    if isinstance(term, Literal):
        return Value(term.value, lang=term.language, datatype=term.datatype.value if term.datatype else None)
    if isinstance(term, BlankNode):
        return Value(f"_:{term.value}")
    return Value(str(term))


def describe_for_html(store: ReadStore, iri: str, triples: list[Triple], lang: str) -> dict[str, Any]:
    """The context of resource.html: title, and rows of (subject, property, values)."""
    base = iri.split("/id/", 1)[0].split("/def/", 1)[0].split("/graph/", 1)[0]
    subjects: dict[str, dict[str, list[Value]]] = {}
    prop_labels: dict[str, Value] = {}
    values: dict[Any, Value] = {}  # each term looked up once: a remote store answers each lookup over HTTP
    for triple in triples:
        subject = triple.subject.value if isinstance(triple.subject, NamedNode | BlankNode) else str(triple.subject)
        props = subjects.setdefault(subject, {})
        predicate = triple.predicate
        if predicate.value not in prop_labels:
            prop_labels[predicate.value] = value_of(store, predicate, lang, base)
        if triple.object not in values:
            values[triple.object] = value_of(store, triple.object, lang, base)
        props.setdefault(predicate.value, []).append(values[triple.object])
    ordered = sorted(subjects.items(), key=lambda item: (item[0] != iri, item[0]))
    return {
        "title": label(store, NamedNode(iri), lang) or iri,
        "subjects": [
            (subject, [(prop_labels[p], sorted(vs, key=lambda v: v.text)) for p, vs in sorted(props.items())])
            for subject, props in ordered
        ],
    }
