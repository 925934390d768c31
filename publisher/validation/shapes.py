"""The shapes: shapes/*.ttl read, their SPARQL constraints taken apart and evaluated with Oxigraph.

SHACL Core constraints are left to pySHACL (validator.py). SHACL-SPARQL constraints
(sh:sparql) are evaluated here with Oxigraph, following SHACL §5: the query runs once
per focus node with $this pre-bound (an Oxigraph substitution), each solution is a result
whose focus is ?this (else the focus node), whose value is ?value (else, for a node
shape, the focus node) and whose path is ?path (else the property shape's path).
A constraint whose focus nodes are not those of a sh:targetClass (directly, or through
the node shape owning its property shape) is left to pySHACL.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeAlias
from urllib.parse import urljoin

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.extras.shacl import parse_shacl_path
from rdflib.term import Node

from publisher.errors import FormatError
from publisher.graph.formats import check_language_tags, parse_turtle
from publisher.rdf.iris import Iris
from publisher.rdf.namespaces import RDF, RDFS, SH, XSD


class UnionView:
    """An Oxigraph store whose default graph is the union of its named graphs (as the published store is read)."""

    def __init__(self, store: ox.Store) -> None:
        self.store = store

    def query(self, query: str, **options: Any) -> Any:
        return self.store.query(query, use_default_graph_as_union=True, **options)


#: What SPARQL constraints are evaluated on: a store holding data and context, or a union view of one.
QueryStore: TypeAlias = "ox.Store | UnionView"


def shapes_files(shapes_dir: Path) -> list[Path]:
    return sorted(shapes_dir.glob("*.ttl"))


def load_shapes_documents(shapes_dir: Path, iris: Iris) -> dict[URIRef, Graph]:
    """Each shapes/*.ttl parsed against the base IRI, relative sh:namespace values resolved too.

    Keyed by the file's document IRI, {base}/def/shapes/{stem}.
    """
    files = shapes_files(shapes_dir)
    if not files:
        raise FormatError(f"No shapes under {shapes_dir}.")
    documents: dict[URIRef, Graph] = {}
    for path in files:
        graph = parse_turtle(path, iris)
        for node, namespace in list(graph.subject_objects(SH.namespace)):
            if isinstance(namespace, Literal) and "://" not in str(namespace):
                # urljoin drops an empty fragment, but "…#" namespaces need it kept
                relative = str(namespace)
                resolved = urljoin(iris.ontology_base(), relative.rstrip("#"))
                resolved += "#" if relative.endswith("#") else ""
                graph.set((node, SH.namespace, Literal(resolved, datatype=XSD.anyURI)))
        check_language_tags(path, graph)  # report-quality.rq, too, picks a message by its tag
        documents[iris.format(f"shapes/{path.stem}")] = graph
    return documents


def load_shapes(shapes_dir: Path, iris: Iris) -> Graph:
    shapes = Graph()
    for graph in load_shapes_documents(shapes_dir, iris).values():
        for triple in graph:
            shapes.add(triple)
    return shapes


@dataclass(frozen=True)
class SparqlConstraint:
    """A sh:sparql constraint with what evaluating it needs: its shape, targets, query and messages."""

    node: Node
    shape: Node
    path: URIRef | None
    targets: frozenset[URIRef]
    query: str
    messages: tuple[Literal, ...]
    severity: URIRef


def split_shapes(shapes: Graph) -> tuple[Graph, list[SparqlConstraint]]:
    """The shapes without the SPARQL constraints evaluated here, and those constraints."""
    core = Graph()
    for triple in shapes:
        core.add(triple)
    constraints: list[SparqlConstraint] = []
    for shape, node in sorted(shapes.subject_objects(SH.sparql), key=lambda pair: (str(pair[0]), str(pair[1]))):
        if shapes.value(node, SH.deactivated) == Literal(True):
            continue
        select = shapes.value(node, SH.select)
        if select is None:
            continue
        path: URIRef | None = None
        owners = [shape]
        if (shape, RDF.type, SH.PropertyShape) in shapes or shapes.value(shape, SH.path) is not None:
            shape_path = shapes.value(shape, SH.path)
            if not isinstance(shape_path, URIRef):
                continue  # a complex path: left to pySHACL
            path = shape_path
            owners = list(shapes.subjects(SH.property, shape))
        targets = frozenset(
            t for owner in owners for t in shapes.objects(owner, SH.targetClass) if isinstance(t, URIRef)
        )
        if not targets or any(not list(shapes.objects(owner, SH.targetClass)) for owner in owners):
            continue  # focus nodes reached otherwise (sh:node …): left to pySHACL
        prefixes = "".join(
            f"PREFIX {shapes.value(declaration, SH.prefix)}: <{shapes.value(declaration, SH.namespace)}>\n"
            for source in shapes.objects(node, SH.prefixes)
            for declaration in shapes.objects(source, SH.declare)
        )
        messages = tuple(m for m in shapes.objects(node, SH.message) if isinstance(m, Literal)) or tuple(
            m for m in shapes.objects(shape, SH.message) if isinstance(m, Literal)
        )
        severity = shapes.value(shape, SH.severity)
        constraints.append(
            SparqlConstraint(
                node=node,
                shape=shape,
                path=path,
                targets=targets,
                query=prefixes + str(select),
                messages=messages,
                severity=severity if isinstance(severity, URIRef) else SH.Violation,
            )
        )
        core.remove((shape, SH.sparql, node))
    return core, constraints


OUTER_WHERE = re.compile(r"^(?P<head>.*?\bSELECT\b(?P<projection>.*?)\bWHERE\s*\{)", re.IGNORECASE | re.DOTALL)


def run_constraint(
    store: QueryStore, query: str, focus_nodes: list[ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple | None]
) -> Iterator[tuple[object, ox.QuerySolution, list[str]]]:
    """(focus node, solution, variables) of the query for every focus node, $this pre-bound.

    When the focus nodes are IRIs and the query projects $this, they are bound all at once
    with VALUES at the start of the outer WHERE (one query instead of one per focus node; the
    same solutions for constraints whose $this is joined, as here); otherwise one query per
    focus node with $this substituted.
    """
    match = OUTER_WHERE.match(query)
    batch = (
        match is not None
        and re.search(r"[?$]this\b", match["projection"]) is not None
        and all(isinstance(f, ox.NamedNode) for f in focus_nodes)
    )
    if batch and focus_nodes:
        assert match is not None
        values = " ".join(str(f) for f in focus_nodes)
        text = match["head"] + f" VALUES ?this {{ {values} }} " + query[match.end() :]
        result = store.query(text)
        names = [v.value for v in result.variables] if isinstance(result, ox.QuerySolutions) else []
        for solution in solutions(result):
            yield solution["this"], solution, names
        return
    for focus in focus_nodes:
        assert focus is not None
        result = store.query(query, substitutions={ox.Variable("this"): focus})
        names = [v.value for v in result.variables] if isinstance(result, ox.QuerySolutions) else []
        for solution in solutions(result):
            yield focus, solution, names


def run_set_based(
    store: QueryStore, query: str, targets: frozenset[URIRef]
) -> Iterator[tuple[object, ox.QuerySolution, list[str]]]:
    """(focus node, solution, variables) of the query for every focus node of `store` at once.

    $this is bound by a pattern — the instances of the target classes (or of their subclasses), a subquery
    at the start of the outer WHERE — rather than by a list of focus nodes: one query, whatever the number of
    reports in the store. The same solutions as `run_constraint` over every focus node, for a query that
    projects $this and joins it (as every query of shapes/*.ttl does); any other query is run focus node by
    focus node.
    """
    match = OUTER_WHERE.match(query)
    classes = " ".join(f"<{c}>" for c in sorted(targets))
    focus = f"SELECT DISTINCT ?this WHERE {{ VALUES ?class {{ {classes} }} ?this a/<{RDFS.subClassOf}>* ?class }}"
    if match is None or re.search(r"[?$]this\b", match["projection"]) is None:
        yield from run_constraint(store, query, [s["this"] for s in solutions(store.query(focus))])
        return
    focus = f" {{ {focus} }} "
    result = store.query(match["head"] + focus + query[match.end() :])
    names = [v.value for v in result.variables] if isinstance(result, ox.QuerySolutions) else []
    for solution in solutions(result):
        yield solution["this"], solution, names


def solutions(result: object) -> list[ox.QuerySolution]:
    return list(result) if isinstance(result, ox.QuerySolutions) else []


def lexical(term: object) -> str:
    """A query term as SHACL messages show it: the IRI, the literal's lexical form, or _:id."""
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    return str(getattr(term, "value", term))


def path_text(results: Graph, path: Node | None) -> str | None:
    """A result path as text: the IRI of a predicate path, else SPARQL property-path syntax.

    A sequence or other complex path is a list of blank nodes in the results graph;
    its blank node label would change on every run and say nothing.
    """
    if path is None:
        return None
    if isinstance(path, BNode):
        return parse_shacl_path(results, path).n3()
    return str(path)
