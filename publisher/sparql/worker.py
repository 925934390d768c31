"""A query worker: the process that evaluates SPARQL on the published store, killed when a query runs too long.

`publisher.sparql.service.QueryService` starts a few of these (spawn context) and hands
each a `Job` at a time; `worker_main` opens the published store read-only
(`publisher.store.readstore.open_store`), reopens it when `build_dir/current` is
switched by a new build, and answers each job with a `Reply`: ("answer", `Answer`), or
the kind of failure and its message ("syntax", "timeout", "store", "evaluation").
"""

from __future__ import annotations

import contextlib
import signal
from collections.abc import Iterable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, TypeAlias, TypeVar

import pyoxigraph as ox

from publisher.errors import QueryError, QueryTimeout, StoreError
from publisher.release.paths import current_release
from publisher.sparql.answers import Answer, Row, Term, TripleRow
from publisher.store.readstore import ReadStore, open_store, query_at_most
from publisher.store.remote import RemoteConfig


@dataclass(frozen=True)
class Job:
    """One query as sent to a worker. `union`: the default graph is the union of all graphs."""

    query: str
    base_iri: str | None
    union: bool
    default_graphs: list[str]
    named_graphs: list[str] | None
    bindings: dict[str, Term]
    row_cap: int


Reply: TypeAlias = tuple[str, Any]
T = TypeVar("T")


class StoreHandle:
    """The worker's read-only store, reopened when `build_dir/current` points elsewhere."""

    def __init__(self, build_dir: Path, remote: RemoteConfig | None = None) -> None:
        self.build_dir = build_dir
        self.remote = remote
        self.release: Path | None = None
        self.store: ReadStore | None = None

    def get(self) -> ReadStore:
        release = current_release(self.build_dir)
        if self.store is None or release != self.release:
            self.store = None  # let RocksDB close the old release first
            self.store = open_store(self.build_dir, self.remote)
            self.release = release
        return self.store


def _evaluate(handle: StoreHandle, job: Job) -> Reply:
    try:
        store = handle.get()
    except StoreError as exc:
        return ("store", str(exc))
    try:
        result = query_at_most(store, job.row_cap + 1, job.query, **_options(job))
        return ("answer", _answer(result, job.row_cap))
    except QueryTimeout as exc:  # a remote store that refused the query as too long
        return ("timeout", str(exc))
    except (SyntaxError, QueryError) as exc:  # QueryError: a remote store refused the query
        return ("syntax", str(exc))
    except StoreError as exc:  # a remote store that cannot be reached
        return ("store", str(exc))
    except (OSError, ValueError, TypeError, RuntimeError) as exc:
        return ("evaluation", str(exc))


def _options(job: Job) -> dict[str, Any]:
    """The options of `Store.query` for a job: base IRI, dataset and bound parameters."""
    options: dict[str, Any] = {"base_iri": job.base_iri}
    if job.union:
        options["use_default_graph_as_union"] = True
    elif job.default_graphs or job.named_graphs is not None:
        options["default_graph"] = [ox.NamedNode(iri) for iri in job.default_graphs]
        options["named_graphs"] = [ox.NamedNode(iri) for iri in job.named_graphs or []]
    if job.bindings:
        options["substitutions"] = {ox.Variable(name): term.to_oxigraph() for name, term in job.bindings.items()}
    return options


def _answer(result: ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples, row_cap: int) -> Answer:
    """The store's answer as plain data, cut at `row_cap` rows or triples (the rest is never read)."""
    if isinstance(result, ox.QueryBoolean):
        return Answer("ask", boolean=bool(result))
    if isinstance(result, ox.QuerySolutions):
        variables = tuple(v.value for v in result.variables)
        solutions, truncated = _at_most(result, row_cap)
        rows: tuple[Row, ...] = tuple(
            tuple(None if value is None else Term.from_oxigraph(value) for value in solution) for solution in solutions
        )
        return Answer("select", variables=variables, rows=rows, truncated=truncated)
    found, truncated = _at_most(result, row_cap)
    triples: tuple[TripleRow, ...] = tuple(
        (Term.from_oxigraph(t.subject), Term.from_oxigraph(t.predicate), Term.from_oxigraph(t.object)) for t in found
    )
    return Answer("graph", triples=triples, truncated=truncated)


def _at_most(items: Iterable[T], cap: int) -> tuple[list[T], bool]:
    """The first `cap` items, and whether there were more (no item past the next one is read)."""
    taken: list[T] = []
    for item in items:
        if len(taken) == cap:
            return taken, True
        taken.append(item)
    return taken, False


def worker_main(conn: Connection, build_dir: str, remote: RemoteConfig | None) -> None:
    """Entry point of a worker process: answer requests from `conn` until told to stop."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    handle = StoreHandle(Path(build_dir), remote)
    with contextlib.suppress(StoreError):  # no store yet: reported with the first query
        handle.get()  # open the store now, so the first query does not pay for it
    conn.send(("ready", None))
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        if job is None:
            return
        conn.send(_evaluate(handle, job))
