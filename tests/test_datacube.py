"""The built store meets the RDF Data Cube integrity constraints (W3C Recommendation §11).

The constraints are the published ASK queries in the shared conformance folder
(true = violation), used as they are: every quad of the built store is copied
into a fresh in-memory store as its default graph (the union a researcher
queries), `closure.ru` and `flatten.ru` normalise it, then each IC must answer
false. IC-20 and IC-21 are templates, instantiated per hierarchical code list.
A few deliberately broken cubes prove that the harness can fail.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from pyoxigraph import DefaultGraph, NamedNode, Quad, QueryBoolean, Store

from publisher.store.readstore import ReadStore
from tests.helpers import BASE, BOTH_BACKENDS, SHARED

pytestmark = BOTH_BACKENDS

INTEGRITY = SHARED / "conformance" / "datacube-integrity"
REPORT = f"{BASE}/id/report/jilin-city-science-technology-bureau/2011"

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


@pytest.fixture(scope="module")
def cube(store: ReadStore) -> Store:
    return normalise(copy_of(store))


@pytest.fixture()
def broken(store: ReadStore) -> Store:
    """A fresh copy of the built store, not yet normalised, for a test to break."""
    return copy_of(store)


def test_the_constraints_are_all_there() -> None:
    numbers = {constraint_number(path) for path in CONSTRAINTS}
    expected = {str(n) for n in range(1, 19)} | {"19a", "19b", "20", "21"}
    assert numbers == expected
    assert len(FIXED) >= MIN_CONSTRAINTS
    assert (INTEGRITY / "closure.ru").is_file() and (INTEGRITY / "flatten.ru").is_file()


def test_the_cube_is_there(cube: Store) -> None:
    # Without observations every constraint would pass vacuously.
    [(count,)] = select(cube, f"SELECT (COUNT(?o) AS ?n) WHERE {{ ?o qb:dataSet <{REPORT}> }}")
    assert int(count) >= 25
    [(dimensions,)] = select(
        cube,
        f"""SELECT (COUNT(DISTINCT ?dim) AS ?n) WHERE {{
            <{REPORT}> qb:structure/qb:component/qb:componentProperty ?dim . ?dim a qb:DimensionProperty }}""",
    )
    assert int(dimensions) == 4  # agency, year, item, period type


@pytest.mark.parametrize("path", [pytest.param(path, id=f"IC-{constraint_number(path)}") for path in FIXED])
def test_integrity_constraint(cube: Store, path: Path) -> None:
    assert not ask(cube, path.read_text(encoding="utf-8")), f"IC-{constraint_number(path)} fails: {title(path)}"


def test_hierarchical_code_lists(cube: Store) -> None:
    checks = list(hierarchy_checks(cube))
    for name, query in checks:
        assert not ask(cube, query), name
    if not checks:
        # IC-20/21 apply only to qb:HierarchicalCodeList code lists. Ours are SKOS
        # concept schemes and collections (checked by IC-19a/19b), so there is
        # nothing to instantiate; a hierarchy without a parent-child property
        # would be malformed and fails here.
        assert not ask(cube, "ASK { ?list a qb:HierarchicalCodeList }")


# ---------------------------------------------------------------------------
# The harness can fail: broken copies of the cube violate the constraint named
# ---------------------------------------------------------------------------

OBS = f"{REPORT}/proactive-total-2011"
OTHER = f"{REPORT}/proactive-plans-2011"

BREAKAGES = [
    pytest.param(
        "11",
        f"DELETE WHERE {{ <{OBS}> dis:periodType ?v }}",
        id="IC-11-observation-without-a-dimension-value",
    ),
    pytest.param(
        "12",
        f"""INSERT {{ <{OBS}-copy> ?p ?o }} WHERE {{ <{OBS}> ?p ?o }}""",
        id="IC-12-duplicate-observation",
    ),
    pytest.param(
        "1",
        f"INSERT DATA {{ <{OBS}> qb:dataSet <{REPORT}-other> }}",
        id="IC-1-observation-in-two-data-sets",
    ),
    pytest.param(
        "14",
        f"DELETE WHERE {{ <{OTHER}> dis:count ?v }}",
        id="IC-14-observation-without-its-measure",
    ),
    pytest.param(
        "19b",
        f"""DELETE {{ <{OTHER}> dis:item ?v }} INSERT {{ <{OTHER}> dis:item <{BASE}/def/jilin-city-2011/no-such-item> }}
            WHERE {{ <{OTHER}> dis:item ?v }}""",
        id="IC-19b-code-not-in-the-code-list",
    ),
]


@pytest.mark.parametrize("number, update", BREAKAGES)
def test_a_broken_cube_violates_the_constraint(broken: Store, number: str, update: str) -> None:
    broken.update(PREFIXES + update)
    cube = normalise(broken)
    assert ask(cube, (INTEGRITY / f"integrity-{number}.sparql").read_text(encoding="utf-8"))


def test_a_broken_hierarchy_violates_ic20_and_ic21(broken: Store) -> None:
    # A hierarchy rooted at the category total does not reach the channels, so an
    # observation of a channel violates both the direct and the inverse template.
    broken.update(
        PREFIXES
        + f"""INSERT DATA {{
            dis:item qb:codeList <{BASE}/test/categories> , <{BASE}/test/categories-up> .
            <{BASE}/test/categories> a qb:HierarchicalCodeList ;
                qb:hierarchyRoot <{BASE}/def/jilin-city-2011/category/all> ;
                qb:parentChildProperty skos:narrower .
            <{BASE}/test/categories-up> a qb:HierarchicalCodeList ;
                qb:hierarchyRoot <{BASE}/def/jilin-city-2011/category/all> ;
                qb:parentChildProperty [ owl:inverseOf skos:broader ] .
        }}"""
    )
    cube = normalise(broken)
    checks = dict(hierarchy_checks(cube))
    assert sorted(name.split()[0] for name in checks) == ["IC-20", "IC-21"]
    assert all(ask(cube, query) for query in checks.values()), checks


def test_the_cube_holds_every_triple_of_the_store_in_its_default_graph(cube: Store, store: ReadStore) -> None:
    quads = list(store.quads_for_pattern(None, None, None))
    assert len(quads) == len(store)
    missing = [q for q in quads if Quad(q.subject, q.predicate, q.object, DefaultGraph()) not in cube]
    assert not missing
    assert not list(cube.quads_for_pattern(None, None, None, NamedNode(REPORT)))
