"""The built store meets the RDF Data Cube integrity constraints (W3C Recommendation §11).

The constraints are the published ASK queries in the shared conformance folder
(true = violation), used as they are: every quad of the built store is copied
into a fresh in-memory store as its default graph (the union a researcher
queries), `closure.ru` and `flatten.ru` normalise it, then each IC must answer
false. IC-20 and IC-21 are templates, instantiated per hierarchical code list.
A few deliberately broken cubes prove that the harness can fail.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from pyoxigraph import DefaultGraph, NamedNode, Quad, Store

from publisher.store.readstore import ReadStore
from tests.datacube import (
    CONSTRAINTS,
    FIXED,
    INTEGRITY,
    MIN_CONSTRAINTS,
    PREFIXES,
    ask,
    constraint_number,
    copy_of,
    hierarchy_checks,
    normalise,
    select,
    title,
)
from tests.helpers import BASE, BOTH_BACKENDS

pytestmark = BOTH_BACKENDS

REPORT = f"{BASE}/id/report/jilin-city-science-technology-bureau/2011"


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
