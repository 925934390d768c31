"""An external SPARQL 1.1 store (Virtuoso, or any store with a union default graph), read like a pyoxigraph Store.

Reads go over the SPARQL 1.1 Protocol with SPARQLWrapper; answers are parsed by
pyoxigraph (`parse_query_results`, `parse`), so callers get the very `QuerySolutions`,
`QueryBoolean`, `QueryTriples` and terms the embedded store gives. Writes replace
whole named graphs so that a reader sees a report's old graph or its new one, never
a mix (`replace_graphs`; measured on Virtuoso 7.2: a Graph Store Protocol PUT over an
existing graph is two transactions — readers see it empty in between — while
`DROP` + `INSERT DATA` in one request is atomic but costs about 1 ms a triple, so
Virtuoso gets a PUT into a private staging graph and an atomic `MOVE`).

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
import io
import re
import socket
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections import OrderedDict
from collections.abc import Container, Iterable, Iterator, Mapping
from dataclasses import dataclass

import pyoxigraph as ox
from SPARQLWrapper import POST, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import EndPointInternalError, QueryBadFormed, SPARQLWrapperException

from publisher.errors import QueryError, QueryTimeout, StoreError
from publisher.settings import STORE_KINDS

#: The kinds of remote store the publisher can speak to (`store` setting).
REMOTE_KINDS = tuple(kind for kind in STORE_KINDS if kind != "embedded")
#: Virtuoso's own graphs, which its anonymous readers must not see.
VIRTUOSO_SYSTEM_GRAPHS = (
    "http://www.openlinksw.com/schemas/virtrdf#",
    "http://www.w3.org/2002/07/owl#",  # loaded by Virtuoso when DeferInferenceRulesInit = 0 (Debian's default)
    "http://www.w3.org/ns/ldp#",
    "http://localuriqaserver/sparql",
)
#: A graph nobody writes: the default graph of a query that asks for neither the union nor a dataset.
EMPTY_GRAPH = "urn:x-publisher:empty-default-graph"
#: Most bytes of N-Triples replaced by one update request.
BATCH_BYTES = 4 << 20
#: Graphs a replacement is staged in on Virtuoso; deploy/virtuoso-setup.sql makes them private.
STAGING_GRAPHS = tuple(f"urn:x-publisher:staging:{n}" for n in range(16))
#: Most named graphs of a dataset that a query is evaluated on here rather than sent (see `RemoteStore.query`).
SHIP_GRAPHS = 64
#: Datasets kept in memory for such queries (one per report page being served, say).
SHIP_DATASETS = 32
#: Seconds a write may take (a build's, never a reader's).
WRITE_TIMEOUT = 600.0

# JSON, though Virtuoso writes XML 3-4x faster: pyoxigraph's XML results parser trims a literal's trailing newline
_RESULTS_JSON = "application/sparql-results+json"
_VIRTUOSO_BNODE = re.compile(rb'("type"\s*:\s*"bnode"\s*,\s*"value"\s*:\s*")nodeID://')
_NTRIPLES = "application/n-triples"
_VIRTUOSO_BNODE_NT = re.compile(r"<nodeID://([^>]+)>")
# Virtuoso keeps a boolean as a number and writes it back as "1"/"0"; read it in its canonical form
XSD_BOOLEAN = "http://www.w3.org/2001/XMLSchema#boolean"
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
    """A remote SPARQL store with the read interface of `pyoxigraph.Store` and graph replacement."""

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
        self._digest: _Digest | None = _Digest(config) if config.user else None
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

    def _count(self, graph: str = "?g") -> int:
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
        return self._count()

    def check_private(self) -> None:
        """Refuse a Virtuoso whose system graphs its anonymous readers can see (they would be in every answer)."""
        if not self.virtuoso:
            return
        seen = [g for g in VIRTUOSO_SYSTEM_GRAPHS if self._count(g)]  # COUNT: Virtuoso's ASK said no while it could
        if seen:
            raise StoreError(
                f"The Virtuoso at {self.config.query_url} shows its system graph(s) {', '.join(seen)} to anonymous "
                "readers, so every count and list of graphs would include them. Run deploy/virtuoso-setup.sql "
                "with isql-vt once (see deploy/README.md), then build again."
            )

    # --- writing -------------------------------------------------------------------

    def replace_graphs(self, graphs: Iterable[tuple[str, bytes]], present: Container[str] = ()) -> None:
        """Replace each named graph by the N-Triples given for it, so that a reader sees it old or new, never half.

        `present`: the graphs the store holds now. On Virtuoso, a graph it does not hold
        yet is put with the Graph Store Protocol (one load, one transaction: nothing, then
        all of it); a graph it holds is put into a staging graph its readers cannot see,
        then moved over the old one by one SPARQL Update (`MOVE`, one transaction). On
        another store, each graph is replaced by `DROP` + `INSERT DATA` in one request.
        """
        batch: list[tuple[str, bytes]] = []
        size = 0
        for name, data in graphs:
            batch.append((name, data))
            size += len(data)
            if size >= BATCH_BYTES or len(batch) == len(STAGING_GRAPHS):
                self._replace_batch(batch, present)
                batch, size = [], 0
        if batch:
            self._replace_batch(batch, present)

    def _replace_batch(self, batch: list[tuple[str, bytes]], present: Container[str]) -> None:
        if not self.virtuoso:
            self.update(" ;\n".join(_replace_operation(name, data) for name, data in batch))
            return
        moves: list[str] = []
        for name, data in batch:
            if name in present:
                staging = STAGING_GRAPHS[len(moves)]
                self.put_graph(staging, data)
                moves.append(f"MOVE SILENT GRAPH <{staging}> TO <{name}>")
            else:
                self.put_graph(name, data)
        if moves:
            self.update(" ;\n".join(moves))

    def put_graph(self, name: str, data: bytes) -> None:
        """Graph Store Protocol PUT: the graph `name` becomes exactly `data` (N-Triples)."""
        url = f"{self.config.graph_store_url}?{urllib.parse.urlencode({'graph': name})}"
        self._write(url, "PUT", data, "application/n-triples")

    def drop_graphs(self, names: Iterable[str]) -> None:
        operations = [f"DROP SILENT GRAPH <{name}>" for name in names]
        for start in range(0, len(operations), 500):
            self.update(" ;\n".join(operations[start : start + 500]))

    def check_staging_private(self) -> None:
        """Refuse a Virtuoso whose readers would see graphs while they are staged (see `replace_graphs`)."""
        if not self.virtuoso:
            return
        probe = STAGING_GRAPHS[0]
        self.put_graph(probe, f"<{probe}> <{probe}> <{probe}> .\n".encode())
        try:
            seen = self._count(probe) > 0
        finally:
            self.drop_graphs([probe])
        if seen:
            raise StoreError(
                f"The Virtuoso at {self.config.query_url} lets anonymous readers see the staging graph {probe}, "
                "so a report being replaced would be counted twice. Run deploy/virtuoso-setup.sql with isql-vt "
                "once (see deploy/README.md), then build again."
            )

    def update(self, text: str) -> None:
        """Send one SPARQL Update request (with HTTP digest authentication when a user is set)."""
        self._write(self.config.writes_to, "POST", text.encode("utf-8"), "application/sparql-update; charset=utf-8")

    def _write(self, url: str, method: str, data: bytes, content_type: str) -> None:
        """One write, authenticated up front: a large body sent to be refused with 401 breaks the pipe."""
        for attempt in (1, 2):
            request = urllib.request.Request(url, data=data, headers={"Content-Type": content_type}, method=method)
            try:
                if self._digest is not None:
                    self._digest.authorize(request, fresh=attempt > 1)
                with urllib.request.urlopen(request, timeout=WRITE_TIMEOUT) as response:
                    response.read()
                return
            except urllib.error.HTTPError as exc:
                if exc.code == 401 and attempt == 1 and self._digest is not None:
                    continue  # the server's nonce went stale: ask for a new one
                failure: BaseException = exc
            except (OSError, urllib.error.URLError) as exc:
                failure = exc
                if self._digest is not None and self._digest.refused():  # a refusal can break the pipe under a body
                    failure = RuntimeError("HTTP 401 Unauthorized: the store refused store_user/store_password")
            raise StoreError(
                f"The remote store at {url.split('?')[0]} refused a write: {_reason(failure)}. Check that the store "
                "is running, that store_update_url (SPARQL Update) and store_graph_url (Graph Store Protocol) accept "
                "writes, and store_user/store_password."
            ) from failure

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


class _Digest:
    """HTTP digest authentication sent with the request itself, from a challenge asked for once (and again when stale).

    urllib's own handler answers a 401, which means sending every body twice, and a
    server that refuses a large body at once closes the connection under it.
    """

    def __init__(self, config: RemoteConfig) -> None:
        self.config = config
        passwords = urllib.request.HTTPPasswordMgrWithDefaultRealm()
        for url in (config.writes_to, config.graph_store_url):
            passwords.add_password(None, url, config.user, config.password)
        self.handler = urllib.request.HTTPDigestAuthHandler(passwords)
        self.challenge: dict[str, str] | None = None
        self.lock = threading.Lock()

    def authorize(self, request: urllib.request.Request, fresh: bool = False) -> None:
        with self.lock:
            if self.challenge is None or fresh:
                self.challenge = self._ask()
            answer = self.handler.get_authorization(request, self.challenge)
        if answer is None:
            raise StoreError(
                f"The remote store at {self.config.writes_to} asks for an authentication we cannot give "
                f"({self.challenge}); set store_user and store_password for HTTP digest authentication."
            )
        request.add_unredirected_header("Authorization", f"Digest {answer}")

    def refused(self) -> bool:
        """Whether the store refuses our credentials (asked with an empty, authenticated request)."""
        probe = urllib.request.Request(self.config.writes_to, data=b"", method="POST")
        try:
            self.authorize(probe, fresh=True)
            with urllib.request.urlopen(probe, timeout=WRITE_TIMEOUT) as response:
                response.read()
        except urllib.error.HTTPError as exc:
            exc.read()
            return exc.code == 401
        except (OSError, urllib.error.URLError, StoreError):
            return False
        return False

    def _ask(self) -> dict[str, str]:
        probe = urllib.request.Request(self.config.writes_to, data=b"", method="POST")
        try:
            with urllib.request.urlopen(probe, timeout=WRITE_TIMEOUT) as response:
                response.read()
        except urllib.error.HTTPError as exc:
            header = exc.headers.get("WWW-Authenticate", "")
            exc.read()
            if exc.code == 401 and header.lower().startswith("digest "):
                items = urllib.request.parse_http_list(header[len("digest ") :])
                return dict(urllib.request.parse_keqv_list(items))
            raise StoreError(
                f"The remote store at {self.config.writes_to} did not ask for digest authentication "
                f"(HTTP {exc.code} {header!r}); check store_update_url, store_user and store_password."
            ) from exc
        except (OSError, urllib.error.URLError) as exc:
            raise StoreError(f"The remote store at {self.config.writes_to} cannot be reached: {_reason(exc)}.") from exc
        raise StoreError(
            f"The remote store at {self.config.writes_to} accepts writes without authentication; "
            "leave store_user empty, or protect the endpoint."
        )


def _replace_operation(name: str, data: bytes) -> str:
    """DROP + INSERT of one graph, for one SPARQL Update request (blank nodes need a template on Virtuoso)."""
    body = data.decode("utf-8")
    if b"_:" in data:
        return f"DROP SILENT GRAPH <{name}> ;\nINSERT {{ GRAPH <{name}> {{\n{body}}} }} WHERE {{ }}"
    return f"DROP SILENT GRAPH <{name}> ;\nINSERT DATA {{ GRAPH <{name}> {{\n{body}}} }}"


def _as_query_triples(triples: list[ox.Triple]) -> ox.QueryTriples:
    """The triples as pyoxigraph's own CONSTRUCT answer (a small in-memory store reads them back)."""
    memory = ox.Store()
    memory.extend(ox.Quad(t.subject, t.predicate, t.object) for t in triples)
    result = memory.query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }")
    assert isinstance(result, ox.QueryTriples)
    return result


def query_form(query: str) -> str:
    """SELECT, ASK, CONSTRUCT or DESCRIBE: the first query-form keyword of the text."""
    from publisher.querying import tokens

    for token in tokens(query):
        if token.kind == "word" and token.text.upper() in ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE"):
            return token.text.upper()
    raise QueryError("The query has no SELECT, ASK, CONSTRUCT or DESCRIBE form.")


def with_values(query: str, bindings: Mapping[str, str]) -> str:
    """The query with `VALUES (?a ?b) { (x y) }` opening its outermost group pattern.

    The outermost group is the first `{` at depth 0 after the top-level WHERE, or, when
    the query has no WHERE keyword (`SELECT * { ... }`, `ASK { ... }`), the first `{` at
    depth 0 — for CONSTRUCT, whose first group is its template, WHERE is required.
    """
    from publisher.querying import _TOKEN

    depth = 0
    where_seen = False
    first_group: int | None = None
    target: int | None = None
    for match in _TOKEN.finditer(query):
        kind, text = match.lastgroup, match.group()
        if kind == "word" and text.upper() == "WHERE" and depth == 0:
            where_seen = True
        elif kind == "other" and text == "{":
            if depth == 0:
                if where_seen:
                    target = match.end()
                    break
                if first_group is None:
                    first_group = match.end()
            depth += 1
        elif kind == "other" and text == "}":
            depth -= 1
    if target is None:
        if query_form(query) == "CONSTRUCT" or first_group is None:
            raise QueryError("Cannot bind parameters: the query has no WHERE group to bind them in.")
        target = first_group
    names = " ".join(f"?{name}" for name in bindings)
    values = " ".join(bindings.values())
    return f"{query[:target]} VALUES ({names}) {{ ({values}) }} {query[target:]}"


def _reason(exc: BaseException) -> str:
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
    text = _reason(exc)
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


def read_graphs(store: ox.Store, names: Iterable[str]) -> Iterator[tuple[str, bytes]]:
    """Each named graph of an embedded store as N-Triples, ready for `RemoteStore.replace_graphs`."""
    for name in names:
        out = io.BytesIO()
        quads = store.quads_for_pattern(None, None, None, ox.NamedNode(name))
        ox.serialize((q.triple for q in quads), out, format=ox.RdfFormat.N_TRIPLES)
        yield name, out.getvalue()
