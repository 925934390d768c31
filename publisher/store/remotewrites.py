"""Writing to the remote store: whole named graphs replaced so that a reader sees a report old or new, never a mix.

`RemoteWriter.replace_graphs` replaces named graphs (measured on Virtuoso 7.2: a Graph
Store Protocol PUT over an existing graph is two transactions — readers see it empty
in between — while `DROP` + `INSERT DATA` in one request is atomic but costs about
1 ms a triple, so Virtuoso gets a PUT into a private staging graph and an atomic
`MOVE`). Writes are authenticated with HTTP digest authentication, sent with the
request itself (`store_user`, `store_password`).
"""

from __future__ import annotations

import io
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Container, Iterable, Iterator

import pyoxigraph as ox

from publisher.errors import StoreError
from publisher.rdf.mediatypes import RDF_BY_NAME
from publisher.store.remote import STAGING_GRAPHS, RemoteConfig, RemoteStore, reason

#: Most bytes of N-Triples replaced by one update request.
BATCH_BYTES = 4 << 20
#: Seconds a write may take (a build's, never a reader's).
WRITE_TIMEOUT = 600.0

_NTRIPLES = RDF_BY_NAME["ntriples"].media_type


class RemoteWriter:
    """Writes to a remote store (a build's, never a reader's): graph replacement, drops, SPARQL Update."""

    def __init__(self, store: RemoteStore) -> None:
        self.store = store
        self.config = store.config
        self.virtuoso = store.virtuoso
        self._digest: _Digest | None = _Digest(store.config) if store.config.user else None

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
        self._write(url, "PUT", data, _NTRIPLES)

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
            seen = self.store.count(probe) > 0
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
                f"The remote store at {url.split('?')[0]} refused a write: {reason(failure)}. Check that the store "
                "is running, that store_update_url (SPARQL Update) and store_graph_url (Graph Store Protocol) accept "
                "writes, and store_user/store_password."
            ) from failure


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
            raise StoreError(f"The remote store at {self.config.writes_to} cannot be reached: {reason(exc)}.") from exc
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


def read_graphs(store: ox.Store, names: Iterable[str]) -> Iterator[tuple[str, bytes]]:
    """Each named graph of an embedded store as N-Triples, ready for `RemoteStore.replace_graphs`."""
    for name in names:
        out = io.BytesIO()
        quads = store.quads_for_pattern(None, None, None, ox.NamedNode(name))
        ox.serialize((q.triple for q in quads), out, format=ox.RdfFormat.N_TRIPLES)
        yield name, out.getvalue()
