"""An external SPARQL 1.1 store (Virtuoso, or any store with a union default graph), read like a pyoxigraph Store.

Reads go over the SPARQL 1.1 Protocol with SPARQLWrapper; answers are parsed by
pyoxigraph (`parse_query_results`, `parse`), so callers get the very `QuerySolutions`,
`QueryBoolean`, `QueryTriples` and terms the embedded store gives. Writing, which
replaces whole named graphs, is `publisher.store.remotewrites`.

What the embedded store does that a remote one does not, and how it is matched here:

- bound parameters (`substitutions`, SEP-0007) become a `VALUES` block at the start of
  the query's outermost group, which binds the same variables before anything else;
- `base_iri` becomes a `BASE` declaration in front of the query (a BASE of the query's
  own, which comes later, still wins, as it would);
- the default graph is the remote store's own, the union of its graphs, whether
  `use_default_graph_as_union` is asked for or not (the embedded store's own default
  graph is empty: a query that reads only `GRAPH` patterns, as the publisher's own do,
  answers alike); an explicit dataset is sent as `default-graph-uri`/`named-graph-uri`,
  an empty list as a graph that holds nothing (`EMPTY_GRAPH`);
- Virtuoso keeps a system graph of its own (`virtrdf#`) that anonymous readers must
  not see (`deploy/virtuoso-setup.sql` makes it private; `check_private` refuses a
  store where it is not, since every count and graph list would be off). Virtuoso's
  blank node labels (`nodeID://b10000`) are read as `_:b10000` and written back as
  `<nodeID://b10000>`, so a blank node can be asked about again;
- a query over a few named graphs (a report page's) is evaluated here, by Oxigraph, on
  those graphs as read from the store (`query`): the same engine, so the same answers.
"""

from __future__ import annotations

import ast
import contextlib
import re
import socket
import threading
import urllib.error
import urllib.parse
from collections import OrderedDict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

import pyoxigraph as ox
from SPARQLWrapper import POST, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import EndPointInternalError, QueryBadFormed, SPARQLWrapperException

from publisher.errors import QueryError, QueryTimeout, StoreError
from publisher.rdf import sparqltokens
from publisher.rdf.mediatypes import RDF_BY_NAME, RESULTS_BY_NAME
from publisher.rdf.namespaces import OWL, XSD
from publisher.settings import STORE_KINDS

#: The kinds of remote store the publisher can speak to (`store` setting).
REMOTE_KINDS = tuple(kind for kind in STORE_KINDS if kind != "embedded")
#: Virtuoso's own graphs, which its anonymous readers must not see.
VIRTUOSO_SYSTEM_GRAPHS = (
    "http://www.openlinksw.com/schemas/virtrdf#",
    str(OWL),  # loaded by Virtuoso when DeferInferenceRulesInit = 0 (Debian's default)
    "http://www.w3.org/ns/ldp#",
    "http://localuriqaserver/sparql",
)
#: A graph nobody writes: the default graph of a query that asks for neither the union nor a dataset.
EMPTY_GRAPH = "urn:x-publisher:empty-default-graph"
#: Graphs a replacement is staged in on Virtuoso (`publisher.store.remotewrites`); never listed to readers.
STAGING_GRAPHS = tuple(f"urn:x-publisher:staging:{n}" for n in range(16))
#: Most named graphs of a dataset that a query is evaluated on here rather than sent (see `RemoteStore.query`).
SHIP_GRAPHS = 64
#: Datasets kept in memory for such queries (one per report page being served, say).
SHIP_DATASETS = 32

# JSON, though Virtuoso writes XML 3-4x faster: pyoxigraph's XML results parser trims a literal's trailing newline
_RESULTS_JSON = RESULTS_BY_NAME["json"].media_type
_VIRTUOSO_BNODE = re.compile(rb'("type"\s*:\s*"bnode"\s*,\s*"value"\s*:\s*")nodeID://')
_NTRIPLES = RDF_BY_NAME["ntriples"].media_type
_VIRTUOSO_BNODE_NT = re.compile(r"<nodeID://([^>]+)>")
# Virtuoso keeps a boolean as a number and writes it back as "1"/"0"; read it in its canonical form
XSD_BOOLEAN = str(XSD.boolean)
_VIRTUOSO_BOOLEAN_JSON = re.compile(
    rb'("datatype"\s*:\s*"' + re.escape(XSD_BOOLEAN.encode()) + rb'"\s*,\s*"value"\s*:\s*")([01])"'
)


def _canonical_boolean(match: re.Match[bytes]) -> bytes:
    return match.group(1) + (b'true"' if match.group(2) == b"1" else b'false"')


@dataclass(frozen=True)
class RemoteConfig:
    """Where the remote store is and how to write to it (plain data: it crosses process boundaries)."""

    kind: str
    query_url: str
    update_url: str = ""
    user: str = ""
    password: str = ""
    graph_url: str = ""
    timeout: float = 30.0

    @property
    def writes_to(self) -> str:
        return self.update_url or self.query_url

    @property
    def graph_store_url(self) -> str:
        """The Graph Store Protocol endpoint: as set, else Virtuoso's authenticated one beside the update URL."""
        if self.graph_url:
            return self.graph_url
        parts = urllib.parse.urlsplit(self.writes_to)
        return urllib.parse.urlunsplit((parts.scheme, parts.netloc, "/sparql-graph-crud-auth", "", ""))


class RemoteStore:
    """A remote SPARQL store with the read interface of `pyoxigraph.Store` (writes: `remotewrites.RemoteWriter`)."""

    def __init__(self, config: RemoteConfig) -> None:
        if config.kind not in REMOTE_KINDS:
            raise StoreError(f"Unknown remote store kind {config.kind!r}; use one of {', '.join(REMOTE_KINDS)}.")
        if not config.query_url.startswith(("http://", "https://")):
            raise StoreError(
                f"The remote store's query URL must be an http(s) URL, got {config.query_url!r}; "
                "set it with PUBLISHER_STORE_QUERY_URL."
            )
        self.config = config
        self.virtuoso = config.kind == "virtuoso"
        self._lock = threading.Lock()
        self._parser = ox.Store()
        self._graphs: dict[str, list[ox.Quad]] = {}
        self._datasets: OrderedDict[tuple[str, ...], ox.Store] = OrderedDict()

    def __repr__(self) -> str:
        return f"RemoteStore({self.config.kind}, {self.config.query_url})"

    # --- reading -------------------------------------------------------------------

    def query(
        self,
        query: str,
        *,
        base_iri: str | None = None,
        use_default_graph_as_union: bool = False,
        default_graph: list[ox.NamedNode | ox.BlankNode | ox.DefaultGraph] | None = None,
        named_graphs: list[ox.NamedNode | ox.BlankNode] | None = None,
        substitutions: dict[ox.Variable, ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple] | None = None,
        max_rows: int | None = None,
    ) -> ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples:
        """Evaluate `query` with the options of `pyoxigraph.Store.query`.

        A query over a dataset of at most `SHIP_GRAPHS` named graphs (a report page's:
        the report and the code lists) is evaluated here, by Oxigraph, on those graphs
        as read from the remote store (and kept for the life of this object, which is
        one release's); any other query is sent to the remote store. `max_rows`: the
        caller reads no more rows (or triples) than that, so no more are fetched.
        """
        # Oxigraph's parser judges the query first (on an empty store: nothing to evaluate), so that
        # a malformed query is refused with the same message whichever store is behind.
        self._parser.query(query, base_iri=base_iri, substitutions=substitutions, use_default_graph_as_union=True)
        if default_graph is not None or named_graphs is not None:
            names = {g.value for g in [*(default_graph or ()), *(named_graphs or ())] if isinstance(g, ox.NamedNode)}
            if len(names) <= SHIP_GRAPHS:
                local = self._dataset(sorted(names))
                return local.query(
                    query,
                    base_iri=base_iri,
                    default_graph=default_graph,
                    named_graphs=named_graphs,
                    substitutions=substitutions,
                )
        form = query_form(query)
        text = query
        if substitutions:
            text = with_values(text, {v.value: self._term(t) for v, t in substitutions.items()})
        if base_iri:
            text = f"BASE <{base_iri}>\n{text}"
        defaults: list[str] = []
        named: list[str] = []
        if default_graph is not None or named_graphs is not None:
            defaults = [g.value for g in default_graph or () if isinstance(g, ox.NamedNode)] or [EMPTY_GRAPH]
            named = [g.value for g in named_graphs or () if isinstance(g, ox.NamedNode)] or [EMPTY_GRAPH]
        if form in ("CONSTRUCT", "DESCRIBE"):
            data = self._request(text, form, _NTRIPLES, defaults, named, max_rows)
            return _as_query_triples(self._parse_triples(data))
        data = self._request(text, form, _RESULTS_JSON, defaults, named, max_rows)
        if self.virtuoso:
            data = _VIRTUOSO_BOOLEAN_JSON.sub(_canonical_boolean, _VIRTUOSO_BNODE.sub(rb"\1", data))
        try:
            return ox.parse_query_results(data, ox.QueryResultsFormat.JSON)
        except (SyntaxError, ValueError) as exc:
            raise StoreError(f"The remote store at {self.config.query_url} sent results we cannot read: {exc}") from exc

    def _dataset(self, names: list[str]) -> ox.Store:
        """An in-memory store of the named graphs `names`, as the remote store holds them (kept, least used dropped)."""
        key = tuple(names)
        with self._lock:
            found = self._datasets.get(key)
            if found is not None:
                self._datasets.move_to_end(key)
                return found
        fetched: dict[str, list[ox.Quad]] = {}
        for name in names:
            if name not in self._graphs:  # one CONSTRUCT a graph: N-Triples is Virtuoso's fastest answer
                text = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{name}> {{ ?s ?p ?o }} }}"
                data = self._request(text, "CONSTRUCT", _NTRIPLES, [], [])
                graph = ox.NamedNode(name)
                fetched[name] = [ox.Quad(t.subject, t.predicate, t.object, graph) for t in self._parse_triples(data)]
        store = ox.Store()
        with self._lock:
            self._graphs.update(fetched)
            for name in names:
                store.extend(self._graphs[name])
            self._datasets[key] = store
            while len(self._datasets) > SHIP_DATASETS:
                self._datasets.popitem(last=False)
            kept = set(n for k in self._datasets for n in k)
            for name in [n for n in self._graphs if n not in kept]:
                del self._graphs[name]
        return store

    def quads_for_pattern(
        self,
        subject: ox.NamedNode | ox.BlankNode | ox.Triple | None,
        predicate: ox.NamedNode | None,
        object: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple | None,
        graph_name: ox.NamedNode | ox.BlankNode | ox.DefaultGraph | None = None,
    ) -> Iterator[ox.Quad]:
        """The quads matching a pattern (None matches anything), read from the named graphs."""
        parts = [
            "?s" if subject is None else self._term(subject),
            "?p" if predicate is None else self._term(predicate),
            "?o" if object is None else self._term(object),
        ]
        graph = "?g" if graph_name is None else self._term(graph_name)
        text = f"SELECT * WHERE {{ GRAPH {graph} {{ {' '.join(parts)} }} }}"
        solutions = self.query(text, use_default_graph_as_union=True)
        assert isinstance(solutions, ox.QuerySolutions)
        for row in solutions:
            s = subject if subject is not None else row["s"]
            p = predicate if predicate is not None else row["p"]
            o = object if object is not None else row["o"]
            g = graph_name if graph_name is not None else row["g"]
            assert isinstance(s, ox.NamedNode | ox.BlankNode) and isinstance(p, ox.NamedNode) and o is not None
            assert isinstance(g, ox.NamedNode | ox.BlankNode | ox.DefaultGraph)
            yield ox.Quad(s, p, o, g)

    def named_graphs(self) -> Iterator[ox.NamedNode]:
        """The named graphs holding triples; never Virtuoso's own or our staging graphs.

        Asked with GROUP BY, not DISTINCT: Virtuoso 7.2 answers `SELECT DISTINCT ?g WHERE
        { GRAPH ?g { ?s ?p ?o } }` by a shortcut that ignores graph security (it lists
        private graphs) and took 35 s at 26,000 triples, past 60 s at 1M; GROUP BY ?g took
        0.12 s at 1M and 0.70 s at 5M.
        """
        solutions = self.query("SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g", use_default_graph_as_union=True)
        assert isinstance(solutions, ox.QuerySolutions)
        hidden = {*VIRTUOSO_SYSTEM_GRAPHS, *STAGING_GRAPHS} if self.virtuoso else set()
        for row in solutions:
            graph = row["g"]
            if isinstance(graph, ox.NamedNode) and graph.value not in hidden:
                yield graph

    def contains_named_graph(self, graph_name: ox.NamedNode | ox.BlankNode) -> bool:
        answer = self.query(f"ASK {{ GRAPH {self._term(graph_name)} {{ ?s ?p ?o }} }}", use_default_graph_as_union=True)
        return bool(answer)

    def count(self, graph: str = "?g") -> int:
        """Triples that an anonymous reader sees: of one graph (an IRI), or of all of them."""
        pattern = graph if graph == "?g" else f"<{graph}>"
        text = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH {pattern} {{ ?s ?p ?o }} }}"
        solutions = self.query(text, use_default_graph_as_union=True)
        assert isinstance(solutions, ox.QuerySolutions)
        for row in solutions:
            value = row["n"]
            return int(value.value) if value is not None else 0
        return 0

    def __len__(self) -> int:
        return self.count()

    def check_private(self) -> None:
        """Refuse a Virtuoso whose system graphs its anonymous readers can see (they would be in every answer)."""
        if not self.virtuoso:
            return
        seen = [g for g in VIRTUOSO_SYSTEM_GRAPHS if self.count(g)]  # COUNT: Virtuoso's ASK said no while it could
        if seen:
            raise StoreError(
                f"The Virtuoso at {self.config.query_url} shows its system graph(s) {', '.join(seen)} to anonymous "
                "readers, so every count and list of graphs would include them. Run deploy/virtuoso-setup.sql "
                "with isql-vt once (see deploy/README.md), then build again."
            )

    # --- the wire ------------------------------------------------------------------

    def _request(
        self, text: str, form: str, accept: str, defaults: list[str], named: list[str], max_rows: int | None = None
    ) -> bytes:
        """The store's answer; with `max_rows`, at most that many rows (Virtuoso's `maxrows`) or N-Triples lines."""
        client = SPARQLWrapper(self.config.query_url)
        client.setMethod(POST)
        client.setTimeout(int(max(self.config.timeout, 1)))
        client.setQuery(text)
        client.queryType = form
        client.setOnlyConneg(True)
        client.addCustomHttpHeader("Accept", accept)
        for graph in defaults:
            client.addDefaultGraph(graph)
        for graph in named:
            client.addNamedGraph(graph)
        if max_rows is not None and self.virtuoso and accept == _RESULTS_JSON:
            client.addParameter("maxrows", str(max_rows))
        try:
            response = client.query().response
            if max_rows is None or accept != _NTRIPLES:
                data: bytes = response.read()
                return data
            lines = []
            for line in response:  # one triple a line: stop reading (and close) once past the cap
                lines.append(line)
                if len(lines) >= max_rows:
                    break
            response.close()
            return b"".join(lines)
        except Exception as exc:  # SPARQLWrapper raises its own exceptions, urllib's and socket's
            raise _query_error(self.config.query_url, exc) from exc

    def _term(self, term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple | ox.DefaultGraph) -> str:
        if isinstance(term, ox.BlankNode):
            if self.virtuoso:
                return f"<nodeID://{term.value}>"
            raise QueryError("A remote store cannot be asked about a blank node it labelled itself.")
        if isinstance(term, ox.DefaultGraph):
            raise QueryError("The remote store is read by named graph; its default graph holds nothing of ours.")
        return str(term)

    def _parse_triples(self, data: bytes) -> list[ox.Triple]:
        text = data.decode("utf-8")
        if self.virtuoso:
            text = _VIRTUOSO_BNODE_NT.sub(r"_:\1", text)
            text = text.replace(f'"1"^^<{XSD_BOOLEAN}>', f'"true"^^<{XSD_BOOLEAN}>')
            text = text.replace(f'"0"^^<{XSD_BOOLEAN}>', f'"false"^^<{XSD_BOOLEAN}>')
        try:
            return [q.triple for q in ox.parse(text, format=ox.RdfFormat.N_TRIPLES)]
        except SyntaxError as exc:
            raise StoreError(f"The remote store at {self.config.query_url} sent triples we cannot read: {exc}") from exc


def _as_query_triples(triples: list[ox.Triple]) -> ox.QueryTriples:
    """The triples as pyoxigraph's own CONSTRUCT answer (a small in-memory store reads them back)."""
    memory = ox.Store()
    memory.extend(ox.Quad(t.subject, t.predicate, t.object) for t in triples)
    result = memory.query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }")
    assert isinstance(result, ox.QueryTriples)
    return result


def query_form(query: str) -> str:
    """SELECT, ASK, CONSTRUCT or DESCRIBE: the first query-form keyword of the text."""
    form = sparqltokens.query_form(query)
    if form is None:
        raise QueryError("The query has no SELECT, ASK, CONSTRUCT or DESCRIBE form.")
    return form


def with_values(query: str, bindings: Mapping[str, str]) -> str:
    """The query with `VALUES (?a ?b) { (x y) }` opening its outermost group pattern.

    That group is the one after the top-level WHERE, or the first one when the query has
    no WHERE (`ASK { ... }`); CONSTRUCT needs its WHERE (`sparqltokens.outermost_group`).
    """
    target = sparqltokens.outermost_group(query)
    if target is None:
        raise QueryError("Cannot bind parameters: the query has no WHERE group to bind them in.")
    names = " ".join(f"?{name}" for name in bindings)
    values = " ".join(bindings.values())
    return f"{query[:target]} VALUES ({names}) {{ ({values}) }} {query[target:]}"


def reason(exc: BaseException) -> str:
    """The first line of what the store said: its HTTP status and the first line of its message."""
    if isinstance(exc, urllib.error.HTTPError):
        body = exc.read().decode("utf-8", "replace").strip().splitlines()
        return f"HTTP {exc.code} {exc.reason}" + (f": {body[0][:300]}" if body else "")
    text = str(exc).strip()
    if isinstance(exc, SPARQLWrapperException) and "Response:\n" in text:
        with contextlib.suppress(ValueError, SyntaxError):  # SPARQLWrapper keeps the body as a bytes repr
            said = ast.literal_eval(text.split("Response:\n", 1)[1])
            lines = (said.decode("utf-8", "replace") if isinstance(said, bytes) else str(said)).strip().splitlines()
            if lines:
                return f"{type(exc).__name__}: {lines[0][:300]}"
    return text.splitlines()[0][:300] if text else type(exc).__name__


def _query_error(url: str, exc: BaseException) -> Exception:
    """A QueryError when the store refused the query itself, a StoreError when it cannot be reached or failed."""
    text = reason(exc)
    if isinstance(exc, socket.timeout | TimeoutError):
        return StoreError(f"The remote store at {url} did not answer in time ({text}).")
    if "estimated execution time" in text:  # Virtuoso refuses, before running it, a query it expects to run on
        return QueryTimeout(
            "The store estimates that this query would run far longer than allowed (setting query_timeout) and "
            "refused it. Narrow it down: more specific patterns, fewer joins, a LIMIT, or a named query."
        )
    if isinstance(exc, QueryBadFormed) or (isinstance(exc, EndPointInternalError) and "SPARQL compiler" in text):
        return QueryError(f"The remote store refused the query: {text}")
    if isinstance(exc, urllib.error.URLError) and not isinstance(exc, urllib.error.HTTPError):
        return StoreError(f"The remote store at {url} cannot be reached: {text}. Is it running?")
    return StoreError(f"The remote store at {url} failed: {text}")
