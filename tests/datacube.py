"""The RDF Data Cube integrity constraints (W3C, ../shared/conformance/datacube-integrity) and how they are run.

Shared by the Data Cube tests of the seed and of the national examples.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from pyoxigraph import DefaultGraph, Quad, QueryBoolean, Store

from publisher.store.readstore import ReadStore
from tests.helpers import BASE, SHARED

INTEGRITY = SHARED / "conformance" / "datacube-integrity"

# The queries use prefixes they do not declare.
PREFIXES = f"""\
PREFIX owl: <http://www.w3.org/2002/07/owl#>
PREFIX qb: <http://purl.org/linked-data/cube#>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
PREFIX dis: <{BASE}/def/disclosure#>
"""

# IC-20 and IC-21 are templates over a hierarchy's parent-child property (eg:child,
# eg:parent); they are instantiated below rather than run as written.
TEMPLATES = frozenset({"20", "21"})
MIN_CONSTRAINTS = 20  # IC-1 … IC-18, IC-19a, IC-19b


def constraint_number(path: Path) -> str:
    match = re.fullmatch(r"integrity-(\d+[a-z]?)\.sparql", path.name)
    assert match, path
    return match.group(1)


def natural_key(path: Path) -> tuple[int, str]:
    number = constraint_number(path)
    return int(number.rstrip("abcdefghijklmnopqrstuvwxyz")), number


def title(path: Path) -> str:
    """The constraint's own description: its first comment line."""
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            return line.lstrip("# ").strip()
    return path.name


CONSTRAINTS = sorted(INTEGRITY.glob("integrity-*.sparql"), key=natural_key)
FIXED = [path for path in CONSTRAINTS if constraint_number(path) not in TEMPLATES]


def copy_of(store: ReadStore) -> Store:
    """Every quad of the published graphs, as the default graph of a fresh in-memory store."""
    copy = Store()
    copy.extend(
        Quad(q.subject, q.predicate, q.object, DefaultGraph()) for q in store.quads_for_pattern(None, None, None)
    )
    return copy


def normalise(cube: Store) -> Store:
    """Run closure.ru and flatten.ru, as the constraints expect."""
    for name in ("closure.ru", "flatten.ru"):
        cube.update((INTEGRITY / name).read_text(encoding="utf-8"))
    return cube


def ask(cube: Store, query: str) -> bool:
    result = cube.query(PREFIXES + query)
    assert isinstance(result, QueryBoolean), "the integrity constraints are ASK queries"
    return bool(result)


def select(cube: Store, query: str) -> list[tuple[str, ...]]:
    return [tuple(term.value for term in row) for row in cube.query(PREFIXES + query)]  # type: ignore[union-attr]


def hierarchy_checks(cube: Store) -> Iterator[tuple[str, str]]:
    """(name, query): IC-20 per hierarchy with a direct parent-child property, IC-21 per inverse one."""
    ic20 = (INTEGRITY / "integrity-20.sparql").read_text(encoding="utf-8")
    ic21 = (INTEGRITY / "integrity-21.sparql").read_text(encoding="utf-8")
    assert "eg:child" in ic20 and "eg:parent" in ic21, "the IC-20/21 templates have changed"
    direct = "SELECT ?list ?p WHERE { ?list a qb:HierarchicalCodeList ; qb:parentChildProperty ?p . FILTER isIRI(?p) }"
    for hierarchy, prop in select(cube, direct):
        yield f"IC-20 {hierarchy} via {prop}", ic20.replace("eg:child", f"<{prop}>")
    inverse = """SELECT ?list ?p WHERE {
        ?list a qb:HierarchicalCodeList ; qb:parentChildProperty [ owl:inverseOf ?p ] . FILTER isIRI(?p) }"""
    for hierarchy, prop in select(cube, inverse):
        yield f"IC-21 {hierarchy} via inverse of {prop}", ic21.replace("eg:parent", f"<{prop}>")
