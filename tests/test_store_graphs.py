"""A named graph replaced by its new version, only the triples that differ changed (publisher.store.graphs).

What the store holds afterwards is compared with a store where the new version was
loaded into an empty graph: the reference is Oxigraph's own load, not this module.
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

from publisher.store.graphs import replace_graph

G = "http://example.org/id/report/a/2020"
OTHER = "http://example.org/id/report/a/2019"
EX = "http://example.org/"
DEC = "http://www.w3.org/2001/XMLSchema#decimal"

OLD = f"""<{EX}f1> <{EX}count> "98"^^<http://www.w3.org/2001/XMLSchema#integer> .
<{EX}f1> <{EX}label> "组织业务培训98人次"@zh .
<{EX}f2> <{EX}share> "1.50"^^<{DEC}> .
<{EX}f3> <{EX}note> "a warning" .
""".encode()

# f1's count and sentence changed, f3's note gone, f4 new; f2's decimal written as before (not as the store keeps it)
NEW = f"""<{EX}f1> <{EX}count> "99"^^<http://www.w3.org/2001/XMLSchema#integer> .
<{EX}f1> <{EX}label> "组织业务培训99人次"@zh .
<{EX}f2> <{EX}share> "1.50"^^<{DEC}> .
<{EX}f4> <{EX}note> "another" .
""".encode()


def graph_lines(store: ox.Store, graph: str) -> list[bytes]:
    data = store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.NamedNode(graph))
    return sorted(line for line in data.split(b"\n") if line)


def stores(tmp_path: Path, old: bytes) -> tuple[ox.Store, ox.Store]:
    """A store with `old` in G and a triple in another graph; the reference, with NEW loaded instead."""
    store, reference = ox.Store(str(tmp_path / "store")), ox.Store(str(tmp_path / "reference"))
    for target, data in ((store, old), (reference, NEW)):
        target.load(data, format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(G))
        target.load(OLD[: OLD.index(b"\n") + 1], format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(OTHER))
    return store, reference


def test_only_the_triples_that_differ_are_deleted_and_added(tmp_path: Path) -> None:
    store, reference = stores(tmp_path, OLD)
    held = store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.NamedNode(G))  # as the store writes it
    replace_graph(store, G, NEW, held)
    assert graph_lines(store, G) == graph_lines(reference, G)
    assert graph_lines(store, OTHER) == graph_lines(reference, OTHER)  # another graph is not touched
    assert len(graph_lines(store, G)) == 4


def test_without_the_old_version_or_with_blank_nodes_the_graph_is_loaded_anew(tmp_path: Path) -> None:
    store, reference = stores(tmp_path, OLD)
    replace_graph(store, G, NEW, None)
    assert graph_lines(store, G) == graph_lines(reference, G)
    blank = OLD + b'_:b1 <http://example.org/note> "blank" .\n'
    (tmp_path / "blank").mkdir()
    store, reference = stores(tmp_path / "blank", blank)
    replace_graph(store, G, NEW, store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.NamedNode(G)))
    assert graph_lines(store, G) == graph_lines(reference, G)
