"""Evaluating SPARQL for the public endpoint: in worker processes, with a time limit and a row cap.

A `QueryService` keeps a few worker processes (multiprocessing, spawn context), each
running `publisher.sparql.worker.worker_main`: it opens the published store read-only
(`publisher.store.readstore.open_store`) and reopens it when `build_dir/current` is
switched by a new build. A query is handed to an idle worker; if it has not answered
within the time limit, the worker is killed (the only way to really stop a running
Oxigraph query) and replaced, and the caller gets `QueryTimeout`. Other requests keep
being served by the other workers meanwhile. The workers start when the service is
created, so the first query does not wait for them.

Admission: at most `capacity` callers are inside `run` (or `admitted()`) at once,
running a query or waiting for a worker; one more gets `QueryBusy` at once, and a
waiting one gets it when no worker frees up within the time limit. The web server
gives the query routes fewer callers than it has request threads, so that pages keep
threads of their own however many queries are sent.

Before anything is evaluated, `publisher.sparql.guard.check_query` refuses SPARQL
Update operations, `LOAD` and `SERVICE`: a public endpoint never writes and never
opens an outbound connection; `check_limits` refuses queries nested deeper than
`max_depth` or with more than `max_values` VALUES terms, which the engine's parser
would pay for (or crash on) in the worker.

Answers are plain data (`publisher.sparql.answers.Answer`, `Term`), serialised by
`publisher.sparql.results`. `run(..., bindings=...)` takes the same `Term`s (or
pyoxigraph terms) keyed by variable name without `?`, and applies them with
pyoxigraph's `substitutions` (SEP-0007: the variable is replaced by the value
throughout the query, before evaluation).
"""

from __future__ import annotations

import contextlib
import math
import os
import queue
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from multiprocessing import get_context
from multiprocessing.process import BaseProcess
from pathlib import Path

import pyoxigraph as ox

from publisher.errors import QueryBusy, QueryError, QueryRefused, QueryTimeout, StoreError
from publisher.rdf.sparqltokens import declares_dataset
from publisher.sparql.answers import Answer, BindingValue, Term
from publisher.sparql.guard import check_limits, check_query
from publisher.sparql.worker import Job, Reply, worker_main
from publisher.store.remote import RemoteConfig

#: Seconds a new worker may take to start (import, open the store) before it counts as broken.
START_TIMEOUT = 60.0
#: How much lower a worker's CPU priority is than the server's (from its start, imports included): pages keep the
#: cores while queries run.
NICENESS = 10
#: How often a running query's worker has its memory looked at (seconds).
MEMORY_POLL = 0.05
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def resident_bytes(pid: int) -> int | None:
    """A process's resident memory, from /proc (Linux); None where it cannot be read."""
    try:
        with open(f"/proc/{pid}/statm", "rb") as statm:
            return int(statm.read().split()[1]) * PAGE_SIZE
    except (OSError, ValueError, IndexError):
        return None


class _Worker:
    def __init__(self, build_dir: Path, remote: RemoteConfig | None) -> None:
        context = get_context("spawn")
        self.conn, child = context.Pipe()
        self.process: BaseProcess = context.Process(
            target=worker_main, args=(child, str(build_dir), remote), name="publisher-query-worker", daemon=True
        )
        self.process.start()
        pid = self.process.pid
        if pid is not None and hasattr(os, "setpriority"):  # pages first: runaway queries must not starve them
            with contextlib.suppress(OSError):
                os.setpriority(os.PRIO_PROCESS, pid, os.getpriority(os.PRIO_PROCESS, 0) + NICENESS)
        child.close()
        self.ready = False
        self.stopping, self.stopped = threading.Lock(), False

    def wait_ready(self, timeout: float) -> bool:
        if not self.ready:
            try:
                self.ready = self.conn.poll(timeout) and self.conn.recv()[0] == "ready"
            except (EOFError, OSError):
                return False
        return self.ready

    def stop(self, grace: float = 0.0) -> None:
        """End the process (after `grace` seconds to leave by itself); once only, from whichever thread comes first
        (the service closing, or the thread that started the worker and found the service closed)."""
        with self.stopping:
            if self.stopped:
                return
            self.stopped = True
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

    The workers start with the service (`close()` stops them); each joins the pool once
    it has opened the store. Safe to call `run` from many threads: at most `capacity`
    at once (default: two per worker), each taking an idle worker and waiting at most
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
        capacity: int | None = None,
        max_depth: int = 64,
        max_values: int = 10000,
        memory_mb: int = 0,
    ) -> None:
        if workers < 1:
            raise ValueError("A QueryService needs at least one worker (setting query_workers).")
        self.build_dir = Path(build_dir)
        self.remote = remote
        self.timeout = timeout
        self.row_cap = row_cap
        self.workers = workers
        self.capacity = max(1, capacity if capacity is not None else 2 * workers)
        self.max_depth = max_depth
        self.max_values = max_values
        self.memory = memory_mb * 1024 * 1024  # 0: no cap
        self._slots = threading.BoundedSemaphore(self.capacity)
        self._inside = 0
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._all: set[_Worker] = set()
        self._lock = threading.Lock()
        self._ready = threading.Event()  # set once a worker is ready; cleared when none could start
        self._closed = False
        self.start()

    def start(self) -> None:
        """Start the workers that are missing; each joins the pool once it is ready (this does not wait)."""
        with self._lock:
            if self._closed:
                raise QueryError("The query service has been closed.")
            fresh = [_Worker(self.build_dir, self.remote) for _ in range(self.workers - len(self._all))]
            self._all.update(fresh)
        for worker in fresh:
            threading.Thread(target=self._admit, args=(worker,), name="query-worker-start", daemon=True).start()

    def wait_ready(self, timeout: float = START_TIMEOUT) -> bool:
        """Wait until at least one worker is ready to take a query; False if none is within `timeout` seconds."""
        return self._ready.wait(timeout)

    @property
    def inside(self) -> int:
        """How many callers are inside `run` or `admitted()` now, running a query or waiting for a worker."""
        return self._inside

    @contextlib.contextmanager
    def admitted(self) -> Iterator[None]:
        """Hold one of the `capacity` places for a query, or raise QueryBusy at once when all are taken."""
        if not self._slots.acquire(blocking=False):
            raise QueryBusy(
                f"The query was not run: {self.capacity} queries are already running or waiting for one of the "
                f"{self.workers} query workers (settings query_workers, threads, reserved_threads). Try again in "
                f"{self.retry_after} s. / 查询未执行：已有 {self.capacity} 个查询正在运行或等待 "
                f"{self.workers} 个查询进程（设置 query_workers、threads、reserved_threads）。"
                f"请 {self.retry_after} 秒后重试。",
                self.retry_after,
            )
        with self._lock:
            self._inside += 1
        try:
            yield
        finally:
            with self._lock:
                self._inside -= 1
            self._slots.release()

    @property
    def retry_after(self) -> int:
        """Seconds after which a refused query may be sent again: by then a worker has finished or been stopped."""
        return max(1, math.ceil(self.timeout))

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
            self._ready.set()
            return
        worker.stop()
        with self._lock:
            self._all.discard(worker)
            if not self._all:
                self._ready.clear()  # no worker could start: the next query tries again

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
        error, with the parser's message; nested too deep, VALUES too large),
        QueryTimeout (stopped at the time limit), QueryBusy (`capacity` callers inside
        already, or no worker free within the time limit), StoreError (no published store).
        """
        check_query(query)
        check_limits(query, self.max_depth, self.max_values)
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
        with self.admitted():
            status, payload = self._evaluate(job, limit)
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

    def _evaluate(self, job: Job, limit: float) -> Reply:
        """A worker's reply to `job`; the worker is killed and replaced if it takes longer than `limit` seconds."""
        worker = self._acquire(limit)
        healthy = False
        try:
            worker.conn.send(job)
            self._await(worker, limit)
            status, payload = worker.conn.recv()
            healthy = True
            return status, payload
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

    def _await(self, worker: _Worker, limit: float) -> None:
        """Until `worker` answers: at most `limit` seconds (QueryTimeout), and within the memory cap (QueryRefused).

        Either way the caller replaces the worker, which stops the query (an Oxigraph query cannot be interrupted).
        """
        deadline = time.monotonic() + limit
        while not worker.conn.poll(min(MEMORY_POLL, max(0.0, deadline - time.monotonic()))):
            if time.monotonic() >= deadline:
                raise QueryTimeout(
                    f"The query ran longer than the {limit:g} s limit (setting query_timeout) and was stopped. "
                    "Narrow it down: more specific patterns, fewer joins, a LIMIT, or a named query."
                )
            used = resident_bytes(worker.process.pid or 0) if self.memory else None
            if used is not None and used > self.memory:
                mb = self.memory // (1024 * 1024)
                raise QueryRefused(
                    f"The query needed more than {mb} MB of memory (setting query_memory_mb) and was stopped. "
                    "Narrow it down: more specific patterns, fewer joins, a LIMIT, or a named query. / "
                    f"查询所需内存超过 {mb} MB（设置 query_memory_mb），已被停止。请缩小查询范围。"
                )

    def _acquire(self, limit: float) -> _Worker:
        """An idle, ready worker, waiting at most `limit` seconds for one (once the workers have started)."""
        while True:
            if not self._all:
                self.start()  # every worker failed to start: try again
            if not self._ready.wait(START_TIMEOUT):
                raise StoreError("No query worker could start; see the server log, then restart the server.")
            try:
                worker = self._idle.get(timeout=limit)
            except queue.Empty:
                raise QueryBusy(
                    f"All {self.workers} query workers stayed busy for {limit:g} s (setting query_timeout); "
                    f"try again in {self.retry_after} s. / 全部 {self.workers} 个查询进程在 {limit:g} 秒内一直繁忙"
                    f"（设置 query_timeout）；请 {self.retry_after} 秒后重试。",
                    self.retry_after,
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
