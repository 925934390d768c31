"""Evaluating SPARQL for the public endpoint: in worker processes, with a time limit and a row cap.

A `QueryService` keeps a few worker processes (multiprocessing, spawn context), each
running `publisher.sparql.worker.worker_main`: it opens the published store read-only
(`publisher.store.readstore.open_store`) and reopens it when `build_dir/current` is
switched by a new build. A query is handed to an idle worker; if it has not answered
within the time limit, the worker is killed (the only way to really stop a running
Oxigraph query) and replaced, and the caller gets `QueryTimeout`. Other requests keep
being served by the other workers meanwhile.

Before anything is evaluated, `publisher.sparql.guard.check_query` refuses SPARQL
Update operations, `LOAD` and `SERVICE`: a public endpoint never writes and never
opens an outbound connection.

Answers are plain data (`publisher.sparql.answers.Answer`, `Term`), serialised by
`publisher.sparql.results`. `run(..., bindings=...)` takes the same `Term`s (or
pyoxigraph terms) keyed by variable name without `?`, and applies them with
pyoxigraph's `substitutions` (SEP-0007: the variable is replaced by the value
throughout the query, before evaluation).
"""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Mapping, Sequence
from multiprocessing import get_context
from multiprocessing.process import BaseProcess
from pathlib import Path

import pyoxigraph as ox

from publisher.errors import QueryError, QueryTimeout, StoreError
from publisher.rdf.sparqltokens import declares_dataset
from publisher.sparql.answers import Answer, BindingValue, Term
from publisher.sparql.guard import check_query
from publisher.sparql.worker import Job, worker_main
from publisher.store.remote import RemoteConfig

#: Seconds a new worker may take to start (import, open the store) before it counts as broken.
START_TIMEOUT = 60.0


class _Worker:
    def __init__(self, build_dir: Path, remote: RemoteConfig | None) -> None:
        context = get_context("spawn")
        self.conn, child = context.Pipe()
        self.process: BaseProcess = context.Process(
            target=worker_main, args=(child, str(build_dir), remote), name="publisher-query-worker", daemon=True
        )
        self.process.start()
        child.close()
        self.ready = False

    def wait_ready(self, timeout: float) -> bool:
        if not self.ready:
            try:
                self.ready = self.conn.poll(timeout) and self.conn.recv()[0] == "ready"
            except (EOFError, OSError):
                return False
        return self.ready

    def stop(self, grace: float = 0.0) -> None:
        if grace and self.process.is_alive():
            with contextlib.suppress(OSError):
                self.conn.send(None)
            self.process.join(grace)
        if self.process.is_alive():
            self.process.kill()
        self.process.join(5)
        self.conn.close()


class QueryService:
    """Evaluates queries on the published store in `workers` processes, each query within `timeout` seconds.

    Workers start with the first query (or `start()`); `close()` stops them. Safe to
    call `run` from many threads: each query takes an idle worker, waiting at most
    its time limit for one.
    """

    def __init__(
        self,
        build_dir: Path,
        *,
        timeout: float = 10.0,
        row_cap: int = 10000,
        workers: int = 2,
        remote: RemoteConfig | None = None,
    ) -> None:
        if workers < 1:
            raise ValueError("A QueryService needs at least one worker (setting query_workers).")
        self.build_dir = Path(build_dir)
        self.remote = remote
        self.timeout = timeout
        self.row_cap = row_cap
        self.workers = workers
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._all: set[_Worker] = set()
        self._lock = threading.Lock()
        self._started = False
        self._closed = False

    def start(self) -> None:
        """Start the worker processes and wait until they are ready (done by the first query otherwise)."""
        with self._lock:
            if self._closed:
                raise QueryError("The query service has been closed.")
            if self._started:
                return
            fresh = [_Worker(self.build_dir, self.remote) for _ in range(self.workers)]
            self._all.update(fresh)
            for worker in fresh:
                if worker.wait_ready(START_TIMEOUT):
                    self._idle.put(worker)
                else:
                    self._all.discard(worker)
                    worker.stop()
            if not self._all:
                raise StoreError("No query worker could start; see the server log, then restart the server.")
            self._started = True

    def _replace(self, worker: _Worker) -> None:
        """Kill a worker (whatever it is doing) and start a fresh one, admitted to the pool once ready."""
        worker.stop()
        with self._lock:
            self._all.discard(worker)
            if self._closed:
                return
            fresh = _Worker(self.build_dir, self.remote)
            self._all.add(fresh)
        threading.Thread(target=self._admit, args=(fresh,), name="query-worker-start", daemon=True).start()

    def _admit(self, worker: _Worker) -> None:
        if worker.wait_ready(START_TIMEOUT) and not self._closed:
            self._idle.put(worker)
            return
        worker.stop()
        with self._lock:
            self._all.discard(worker)

    def worker_pids(self) -> list[int]:
        """Process ids of the current workers (for monitoring and tests)."""
        with self._lock:
            return sorted(w.process.pid for w in self._all if w.process.pid is not None)

    def close(self) -> None:
        """Stop every worker; later queries raise QueryError."""
        with self._lock:
            self._closed = True
            workers = list(self._all)
            self._all.clear()
        for worker in workers:
            worker.stop(grace=1.0)

    def run(
        self,
        query: str,
        *,
        default_graphs: Sequence[str] | None = None,
        named_graphs: Sequence[str] | None = None,
        bindings: Mapping[str, BindingValue] | None = None,
        timeout: float | None = None,
        base_iri: str | None = None,
    ) -> Answer:
        """Evaluate `query` and return its answer, cut at the row cap.

        With neither `default_graphs` nor `named_graphs` the default graph is the union
        of all graphs and every named graph is available, unless the query has its own
        FROM / FROM NAMED; given either, the dataset is exactly the graphs named (IRIs
        as strings) and replaces the query's own, as in the SPARQL 1.1 Protocol.
        `bindings` maps variable names (without `?`) to `Term`s or pyoxigraph terms,
        substituted into the query before evaluation. `timeout` (seconds) overrides
        the service's limit for this query. `base_iri` resolves relative IRIs in the
        query (the endpoint gives its own address, as the SPARQL 1.1 Protocol suggests).

        Raises QueryRefused (update, LOAD, SERVICE), QueryError (syntax or evaluation
        error, with the parser's message), QueryTimeout (stopped at the time limit or
        no worker free within it), StoreError (no published store).
        """
        check_query(query)
        limit = self.timeout if timeout is None else timeout
        protocol_dataset = default_graphs is not None or named_graphs is not None
        job = Job(
            query=query,
            base_iri=base_iri,
            union=not protocol_dataset and not declares_dataset(query),
            default_graphs=_iris("default-graph-uri", default_graphs) or [],
            named_graphs=_iris("named-graph-uri", named_graphs) if protocol_dataset else None,
            bindings={name: _as_term(name, value) for name, value in (bindings or {}).items()},
            row_cap=self.row_cap,
        )
        worker = self._acquire(limit)
        healthy = False
        try:
            worker.conn.send(job)
            if not worker.conn.poll(limit):
                raise QueryTimeout(
                    f"The query ran longer than the {limit:g} s limit (setting query_timeout) and was stopped. "
                    "Narrow it down: more specific patterns, fewer joins, a LIMIT, or a named query."
                )
            status, payload = worker.conn.recv()
            healthy = True
        except (EOFError, OSError) as exc:
            raise QueryError(
                f"The query worker ended while evaluating the query ({exc.__class__.__name__}); "
                "the query may need more memory than a worker has. Narrow it down and try again."
            ) from exc
        finally:
            if healthy:
                self._idle.put(worker)
            else:
                self._replace(worker)  # killed if still running: the only way to stop an Oxigraph query
        if status == "answer":
            answer: Answer = payload
            return answer
        if status == "syntax":
            raise QueryError(f"The query is not valid SPARQL: {payload}")
        if status == "store":
            raise StoreError(str(payload))
        if status == "timeout":
            raise QueryTimeout(str(payload))
        raise QueryError(f"The query could not be evaluated: {payload}")

    def _acquire(self, limit: float) -> _Worker:
        """An idle, ready worker, waiting at most `limit` seconds for one."""
        while True:
            with self._lock:
                if not self._all and not self._closed:
                    self._started = False  # every worker failed: try to start them again
            self.start()
            try:
                worker = self._idle.get(timeout=limit)
            except queue.Empty:
                raise QueryTimeout(
                    f"All {self.workers} query workers stayed busy for {limit:g} s (setting query_timeout); "
                    "try again in a moment."
                ) from None
            if worker.process.is_alive():
                return worker
            self._replace(worker)  # died while idle: replace it and take the next one


def _iris(parameter: str, values: Sequence[str] | None) -> list[str] | None:
    if values is None:
        return None
    checked = []
    for value in values:
        try:
            checked.append(ox.NamedNode(value).value)
        except ValueError as exc:
            raise QueryError(f"{parameter} {value!r} is not an absolute IRI: {exc}") from exc
    return checked


def _as_term(name: str, value: BindingValue) -> Term:
    if isinstance(value, Term):
        return value
    if isinstance(value, ox.NamedNode | ox.BlankNode | ox.Literal):
        return Term.from_oxigraph(value)
    raise TypeError(f"Binding for ?{name} must be a Term or a pyoxigraph term, not {type(value).__name__}.")
