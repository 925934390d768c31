"""The publisher on a real Virtuoso: the remote store's own behaviour, rebuilds, atomic replacement, failures.

The modules marked BOTH_BACKENDS run the figure, linked-data, named-query, protocol
and abuse tests on both stores; this one holds what only a remote store has: graphs
replaced while readers read, a store that refuses writes, a store that lost its data.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import quote

import pyoxigraph as ox
import pytest

from publisher.build.builder import build, is_stale
from publisher.errors import QueryError, StoreError
from publisher.release.paths import CURRENT, REMOTE_STALE, current_release
from publisher.settings import Settings, load_settings
from publisher.store.readstore import open_embedded, open_store, remote_config
from publisher.store.remote import RemoteConfig, RemoteStore, query_form, with_values
from publisher.store.remotewrites import RemoteWriter
from tests.helpers import DATA, Backend, LiveServer, free_port
from tests.http import fetch

AGENCY = "jilin-city-science-technology-bureau"
TOTAL = "SELECT ?n WHERE { GRAPH ?g { ?figure dis:count ?n ; dis:item <def/jilin-city-2011/category/all> ; " \
    "dis:periodType <def/common/period-type/annual> } }"  # fmt: skip


@pytest.fixture()
def virtuoso() -> Iterator[Backend]:
    backend = Backend("virtuoso")
    yield backend
    backend.give_back()


def settings_for(build_dir: Path, data_dir: Path, backend: Backend, **overrides: object) -> Settings:
    port = free_port()
    values = {"base_iri": f"http://127.0.0.1:{port}", "data_dir": data_dir, "build_dir": build_dir, "port": port}
    return load_settings({**values, **backend.overrides(), **overrides}, environ={})


def stated_total(value: int) -> Callable[[str], str]:
    """An edit of the seed record stating the 2011 total as `value` (the categories still sum to 658)."""
    return lambda text: text.replace("    value: 658\n", f"    value: {value}\n", 1)


def report_graph(settings: Settings) -> str:
    return f"{settings.base}/id/report/{AGENCY}/2011"


def graph_state(store: ox.Store | RemoteStore, graph: str) -> tuple[int, int]:
    """(triples in the report's graph, the stated total): what a reader of that graph can see."""
    prefix = "PREFIX dis: <def/disclosure#>\n"
    [row] = list(store.query(prefix + TOTAL.replace("?g", f"<{graph}>"), base_iri=graph.split("/id/")[0] + "/"))  # type: ignore[arg-type]
    return len(list(store.quads_for_pattern(None, None, None, ox.NamedNode(graph)))), int(row["n"].value)


# --- The remote store as a store ------------------------------------------------------


@pytest.fixture()
def published(tmp_path: Path, virtuoso: Backend) -> Settings:
    settings = settings_for(tmp_path / "build", DATA, virtuoso)
    build(settings)
    return settings


@pytest.fixture()
def seed_copy(tmp_path: Path, virtuoso: Backend, data_copy: Callable[..., Path]) -> Settings:
    """A copy of the bundled data (edit it with `data_copy(edit)`), built into a Virtuoso of its own."""
    settings = settings_for(tmp_path / "build", data_copy(), virtuoso)
    build(settings)
    return settings


def remote(settings: Settings) -> RemoteStore:
    config = remote_config(settings)
    assert config is not None
    return RemoteStore(config)


def test_the_remote_store_holds_what_the_release_holds(published: Settings) -> None:
    local = open_embedded(Path(published.build_dir))
    store = remote(published)
    graphs = sorted(g.value for g in local.named_graphs() if isinstance(g, ox.NamedNode))
    assert sorted(g.value for g in store.named_graphs()) == graphs
    assert len(store) == len(local)
    for graph in graphs:
        name = ox.NamedNode(graph)
        ours = {q.triple for q in local.quads_for_pattern(None, None, None, name)}
        theirs = {q.triple for q in store.quads_for_pattern(None, None, None, name)}
        if any(isinstance(t.subject, ox.BlankNode) or isinstance(t.object, ox.BlankNode) for t in ours):
            assert len(theirs) == len(ours), graph  # blank nodes get Virtuoso's own labels
        else:
            assert theirs == ours, graph


def test_a_blank_node_read_from_virtuoso_can_be_asked_about_again(published: Settings) -> None:
    store = remote(published)
    shapes = ox.NamedNode(f"{published.base}/def/shapes/structure")
    node = next(
        q.object for q in store.quads_for_pattern(None, None, None, shapes) if isinstance(q.object, ox.BlankNode)
    )
    assert list(store.quads_for_pattern(node, None, None, shapes))


def test_bound_parameters_mean_the_same_on_both_stores(published: Settings) -> None:
    local = open_embedded(Path(published.build_dir))
    store = remote(published)
    query = "SELECT ?s ?p (COUNT(*) AS ?n) WHERE { ?s ?p ?o } GROUP BY ?s ?p ORDER BY ?p"  # bound: projected
    bound = {ox.Variable("s"): ox.NamedNode(report_graph(published))}
    ours = [tuple(r) for r in local.query(query, substitutions=bound, use_default_graph_as_union=True)]  # type: ignore[union-attr]
    theirs = [tuple(r) for r in store.query(query, substitutions=bound, use_default_graph_as_union=True)]  # type: ignore[union-attr]
    assert theirs == ours and len(ours) > 5


def test_values_open_the_outermost_group() -> None:
    text = "SELECT ?x WHERE { { SELECT ?y WHERE { ?y ?p ?o } } ?x ?q ?y }"
    assert with_values(text, {"x": "<urn:a>"}) == (
        "SELECT ?x WHERE { VALUES (?x) { (<urn:a>) }  { SELECT ?y WHERE { ?y ?p ?o } } ?x ?q ?y }"
    )
    assert with_values("ASK { ?x ?p ?o }", {"x": '"1"'}).startswith('ASK { VALUES (?x) { ("1") }')
    with pytest.raises(QueryError, match="no WHERE group"):
        with_values("CONSTRUCT { ?x ?p ?o } { ?x ?p ?o }", {"x": "<urn:a>"})
    assert query_form("PREFIX s: <http://example.org/select#> CONSTRUCT WHERE { ?s ?p ?o }") == "CONSTRUCT"


def test_a_malformed_query_is_refused_with_oxigraphs_own_message(published: Settings) -> None:
    query = "SELECT * WHERE { ?s ?p "
    with pytest.raises(SyntaxError) as ours:
        ox.Store().query(query)
    with pytest.raises(SyntaxError) as theirs:
        remote(published).query(query)
    assert str(theirs.value) == str(ours.value)


def test_an_unreachable_store_says_where_it_was_looked_for() -> None:
    url = f"http://127.0.0.1:{free_port()}/sparql"
    with pytest.raises(StoreError, match=f"{url} cannot be reached") as caught:
        RemoteStore(RemoteConfig("virtuoso", url)).query("ASK { ?s ?p ?o }", use_default_graph_as_union=True)
    assert "Is it running?" in str(caught.value)


# --- Rebuilds ------------------------------------------------------------------------------


def test_a_changed_report_is_visible_through_the_publisher_after_a_rebuild(
    seed_copy: Settings, data_copy: Callable[..., Path]
) -> None:
    settings = seed_copy
    server = LiveServer(settings)
    try:
        table = f"{server.url}/queries/jilin-proactive-by-category?agency={AGENCY}&year=2011"
        before = annual_total(fetch(table, headers={"Accept": "application/sparql-results+json"}).body)
        data_copy(stated_total(659))
        build(settings)
        after = annual_total(fetch(table, headers={"Accept": "application/sparql-results+json"}).body)
    finally:
        server.close()
    assert (before, after) == (658, 659)
    assert graph_state(remote(settings), report_graph(settings))[1] == 659


def annual_total(body: bytes) -> int:
    """The 2011 total (all categories, this year) of the category table, as the named query answers it."""
    rows = json.loads(body)["results"]["bindings"]
    [total] = [
        int(r["count"]["value"])
        for r in rows
        if r["item"]["value"].endswith("/category/all") and r["period"]["value"] == "annual"
    ]
    return total


def test_no_reader_sees_a_half_replaced_report(
    tmp_path: Path, virtuoso: Backend, data_copy: Callable[..., Path]
) -> None:
    data = data_copy()
    settings = settings_for(tmp_path / "build", data, virtuoso)
    graph = report_graph(settings)
    states = set()
    build(settings)
    states.add(graph_state(open_embedded(Path(settings.build_dir)), graph))
    server = LiveServer(settings)
    query = "PREFIX dis: <def/disclosure#>\n" + (
        f"SELECT (COUNT(*) AS ?triples) (SUM(?total) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o "
        "OPTIONAL { ?s dis:count ?total ; dis:item <def/jilin-city-2011/category/all> ; "
        "dis:periodType <def/common/period-type/annual> . FILTER (?p = dis:count) } } }"
    )
    seen: Counter[tuple[int, int]] = Counter()
    failures: list[str] = []
    done = threading.Event()

    def read() -> None:
        url = f"{server.url}/sparql?query={quote(query)}"
        while not done.is_set():
            answer = fetch(url, headers={"Accept": "application/sparql-results+json"})
            if answer.status != 200:
                failures.append(f"{answer.status} {answer.text[:200]}")
                continue
            [row] = json.loads(answer.body)["results"]["bindings"]
            seen[(int(row["triples"]["value"]), int(row["n"]["value"]))] += 1

    readers = [threading.Thread(target=read) for _ in range(2)]
    try:
        for reader in readers:
            reader.start()
        for value in (659, 658, 659):
            time.sleep(0.3)
            data_copy(stated_total(value))
            build(settings)
            states.add(graph_state(open_embedded(Path(settings.build_dir)), graph))
        time.sleep(0.3)
    finally:
        done.set()
        for reader in readers:
            reader.join(30)
        server.close()
    assert not failures, failures[:3]
    assert len(states) == 2, states  # 658 and 659 differ in the total and in the quality annotations
    assert sum(seen.values()) > 20, seen
    assert set(seen) <= states, f"a reader saw {set(seen) - states}, which is neither release: {seen}"
    assert len(set(seen)) == 2, seen  # both releases were seen: the readers really read across the switches


# --- Failures --------------------------------------------------------------------------------


def test_a_store_that_refuses_writes_leaves_the_published_release_and_says_what_to_check(
    seed_copy: Settings, data_copy: Callable[..., Path]
) -> None:
    settings = seed_copy
    build_dir = Path(settings.build_dir)
    release = current_release(build_dir)
    graph = report_graph(settings)
    before = graph_state(remote(settings), graph)

    data_copy(stated_total(659))
    refused = load_settings({**settings.values, "store_password": "not-the-password"}, environ={})
    with pytest.raises(StoreError) as caught:
        build(refused)
    message = str(caught.value)
    assert "refused a write" in message and "store_user/store_password" in message
    assert "HTTP 401" in message
    assert (build_dir / CURRENT).resolve() == release  # nothing published
    assert graph_state(remote(settings), graph) == before  # the store still holds the published release
    assert not (build_dir / REMOTE_STALE).exists()  # refused before any graph was replaced: nothing to repair

    build(settings)  # the right password again
    assert graph_state(remote(settings), graph)[1] == 659
    assert not is_stale(settings)


def test_a_store_that_lost_its_graphs_gets_all_of_them_back(published: Settings) -> None:
    store = remote(published)
    graph = report_graph(published)
    RemoteWriter(store).drop_graphs([graph])  # as if the store had been restored from an older backup
    assert not store.contains_named_graph(ox.NamedNode(graph))
    build(published)  # nothing changed in the records: an incremental build
    assert store.contains_named_graph(ox.NamedNode(graph))
    local = open_embedded(Path(published.build_dir))
    assert len(open_store(Path(published.build_dir), remote_config(published))) == len(local)


def test_serving_a_build_made_for_another_store_rebuilds_first(published: Settings, virtuoso: Backend) -> None:
    elsewhere = load_settings({**published.values, **virtuoso.overrides()}, environ={})
    assert not is_stale(published)
    assert is_stale(elsewhere)  # built, but not into this store: `publisher serve` builds before serving


# --- Settings ----------------------------------------------------------------------------------


def test_an_unknown_store_or_a_remote_store_without_its_address_is_refused_with_what_to_set() -> None:
    from publisher.errors import ConfigurationError

    with pytest.raises(ConfigurationError, match="store must be one of embedded, virtuoso, sparql, got 'oracle'"):
        load_settings(environ={"PUBLISHER_STORE": "oracle"})
    with pytest.raises(ConfigurationError, match=re.escape("set store_query_url (PUBLISHER_STORE_QUERY_URL)")):
        load_settings(environ={"PUBLISHER_STORE": "virtuoso"})
    settings = load_settings(
        environ={"PUBLISHER_STORE": "virtuoso", "PUBLISHER_STORE_UPDATE_URL": "http://10.0.0.5:8890/sparql-auth",
                 "PUBLISHER_STORE_QUERY_URL": "http://10.0.0.5:8890/sparql"}
    )  # fmt: skip
    config = remote_config(settings)
    assert config is not None and config.graph_store_url == "http://10.0.0.5:8890/sparql-graph-crud-auth"
