"""Evaluating SPARQL for the public endpoint: in worker processes, with a time limit and a row cap.

A `QueryService` keeps a few worker processes (multiprocessing, spawn context). Each
worker opens the published store read-only (`publisher.store.open_store`) and reopens
it when `build_dir/current` is switched by a new build. A query is handed to an idle
worker; if it has not answered within the time limit, the worker is killed (the only
way to really stop a running Oxigraph query) and replaced, and the caller gets
`QueryTimeout`. Other requests keep being served by the other workers meanwhile.

Before anything is evaluated, `check_query` tokenizes the query (strings, IRIs and
comments are skipped, so a keyword inside them does not count) and refuses
SPARQL Update operations, `LOAD` and `SERVICE`: a public endpoint never writes and
never opens an outbound connection.

Answers are plain data (`Answer`, `Term`) so that they cross the process boundary
and can be serialised by `publisher.results` without pyoxigraph objects:

    Term("uri", "http://example.org/x")
    Term("bnode", "b0")
    Term("literal", "658", datatype="http://www.w3.org/2001/XMLSchema#integer")
    Term("literal", "abc")                      # xsd:string: datatype is None
    Term("literal", "年度报告", lang="zh")       # language-tagged: datatype is None
    Term("triple", triple=(s, p, o))            # an RDF 1.2 triple term

That is the shape of a binding in SPARQL JSON results. `run(..., bindings=...)` takes
the same `Term`s (or pyoxigraph terms) keyed by variable name without `?`, and
applies them with pyoxigraph's `substitutions` (SEP-0007: the variable is replaced by
the value throughout the query, before evaluation).
"""

from __future__ import annotations

import contextlib
import queue
import re
import signal
import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from multiprocessing import get_context
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypeAlias

import pyoxigraph as ox

from publisher.errors import QueryError, QueryRefused, QueryTimeout, StoreError

if TYPE_CHECKING:
    from publisher.remote import RemoteConfig
    from publisher.store import ReadStore

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
RDF_DIR_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#dirLangString"

#: Seconds a new worker may take to start (import, open the store) before it counts as broken.
START_TIMEOUT = 60.0

TermType: TypeAlias = Literal["uri", "bnode", "literal", "triple"]
AnswerKind: TypeAlias = Literal["select", "ask", "graph"]


@dataclass(frozen=True, slots=True)
class Term:
    """An RDF term as plain data, shaped like a binding of SPARQL JSON results.

    `datatype` is None for plain (xsd:string) and language-tagged literals; `lang` is
    the language tag; `direction` ("ltr"/"rtl") the base direction of an RDF 1.2
    directional literal; `triple` the (subject, predicate, object) of a triple term.
    """

    type: TermType
    value: str = ""
    datatype: str | None = None
    lang: str | None = None
    direction: str | None = None
    triple: tuple[Term, Term, Term] | None = None

    @classmethod
    def iri(cls, value: str) -> Term:
        return cls("uri", value)

    @classmethod
    def literal(cls, value: str, datatype: str | None = None, lang: str | None = None) -> Term:
        return cls("literal", value, datatype=None if datatype == XSD_STRING else datatype, lang=lang)

    @classmethod
    def from_oxigraph(cls, term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple) -> Term:
        if isinstance(term, ox.NamedNode):
            return cls("uri", term.value)
        if isinstance(term, ox.BlankNode):
            return cls("bnode", term.value)
        if isinstance(term, ox.Literal):
            datatype: str | None = term.datatype.value
            if term.language or datatype in (XSD_STRING, RDF_LANG_STRING, RDF_DIR_LANG_STRING):
                datatype = None
            direction = term.direction
            return cls(
                "literal",
                term.value,
                datatype=datatype,
                lang=term.language,
                direction=str(direction.value) if direction is not None else None,
            )
        return cls(
            "triple",
            triple=(cls.from_oxigraph(term.subject), cls.from_oxigraph(term.predicate), cls.from_oxigraph(term.object)),
        )

    def to_oxigraph(self) -> ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple:
        if self.type == "uri":
            return ox.NamedNode(self.value)
        if self.type == "bnode":
            return ox.BlankNode(self.value)
        if self.type == "literal":
            if self.lang:
                direction = {"ltr": ox.BaseDirection.LTR, "rtl": ox.BaseDirection.RTL}.get(self.direction or "")
                return ox.Literal(self.value, language=self.lang, direction=direction)
            return ox.Literal(self.value, datatype=ox.NamedNode(self.datatype) if self.datatype else None)
        assert self.triple is not None, "a triple term needs its triple"
        s, p, o = (t.to_oxigraph() for t in self.triple)
        assert isinstance(s, ox.NamedNode | ox.BlankNode) and isinstance(p, ox.NamedNode)
        return ox.Triple(s, p, o)


Row: TypeAlias = tuple[Term | None, ...]
TripleRow: TypeAlias = tuple[Term, Term, Term]
BindingValue: TypeAlias = Term | ox.NamedNode | ox.BlankNode | ox.Literal


@dataclass(frozen=True)
class Answer:
    """What a query answered, as plain data.

    kind "select": `variables` and `rows` (one tuple per solution, aligned with
    `variables`, None where unbound); kind "ask": `boolean`; kind "graph"
    (CONSTRUCT, DESCRIBE): `triples`. `truncated` says the row cap cut the answer.
    """

    kind: AnswerKind
    variables: tuple[str, ...] = ()
    rows: tuple[Row, ...] = ()
    boolean: bool | None = None
    triples: tuple[TripleRow, ...] = ()
    truncated: bool = False

    @property
    def size(self) -> int:
        """Rows of a SELECT answer, triples of a graph answer, 1 for ASK."""
        if self.kind == "select":
            return len(self.rows)
        if self.kind == "graph":
            return len(self.triples)
        return 1

    def records(self) -> Iterator[dict[str, Term]]:
        """Each solution as {variable: term}, unbound variables left out."""
        for row in self.rows:
            yield {name: term for name, term in zip(self.variables, row, strict=True) if term is not None}


# --- Refusing before execution ------------------------------------------------------

_TOKEN = re.compile(
    r"""
      (?P<ws>\s+)
    | (?P<comment>\#[^\r\n]*)
    | (?P<string>\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
               |'''(?:[^'\\]|\\.|'(?!''))*'''
               |"(?:[^"\\\r\n]|\\.)*"
               |'(?:[^'\\\r\n]|\\.)*')
    | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
    | (?P<var>[?$]\w+)
    | (?P<lang>@[A-Za-z]+(?:-[A-Za-z0-9]+)*)
    | (?P<pname>(?:[^\W\d][\w.-]*)?:(?:[\w.:-]|%[0-9A-Fa-f]{2}|\\.)*)
    | (?P<word>[^\W\d]\w*)
    | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)

#: IRI schemes of functions that run inside a store (Virtuoso's bif: and sql:), refused like SERVICE.
STORE_FUNCTION_SCHEMES = ("bif:", "sql:")
UPDATE_KEYWORDS = frozenset({"INSERT", "DELETE", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY"})

READ_ONLY_ADVICE = (
    "This endpoint is read-only: ask with SELECT, ASK, CONSTRUCT or DESCRIBE. The data changes only "
    "when its records are edited and the site is rebuilt."
)


@dataclass(frozen=True)
class Token:
    kind: str
    text: str
    line: int


def tokens(query: str) -> Iterator[Token]:
    """The tokens of a SPARQL text, whitespace and comments dropped (an approximation of the grammar
    good enough to tell keywords from strings, IRIs, prefixed names and variables)."""
    line = 1
    for match in _TOKEN.finditer(query):
        kind = match.lastgroup or "other"
        text = match.group()
        if kind not in ("ws", "comment"):
            yield Token(kind, text, line)
        line += text.count("\n")


_CODEPOINT_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")


def _unescape_codepoints(query: str) -> str:
    """The query with \\uXXXX / \\UXXXXXXXX escapes replaced, as SPARQL 1.1 §19.2 allows before parsing."""

    def replace(match: re.Match[str]) -> str:
        code = int(match.group(1) or match.group(2), 16)
        return chr(code) if code <= 0x10FFFF else match.group()

    return _CODEPOINT_ESCAPE.sub(replace, query)


def check_query(query: str) -> None:
    """Raise QueryRefused if the query would update data, LOAD a document or call a SERVICE.

    The query is checked as written and, when it has codepoint escapes, once more with
    them replaced, so that an escaped keyword cannot slip past (Oxigraph does not
    unescape keywords today; this stays safe if a parser does).
    """
    _check_tokens(query)
    unescaped = _unescape_codepoints(query)
    if unescaped != query:
        _check_tokens(unescaped)


def _check_tokens(query: str) -> None:
    for token in tokens(query):
        if token.kind == "iri" and token.text[1:].lower().startswith(STORE_FUNCTION_SCHEMES):
            raise QueryRefused(
                f"{token.text} (line {token.line}) is refused: a store's own built-in functions are not part of "
                "SPARQL 1.1 and are not offered here. Use SPARQL's own functions."
            )
        if token.kind != "word":
            continue
        keyword = token.text.upper()
        where = f"(line {token.line})"
        if keyword == "SERVICE":
            raise QueryRefused(
                f"SERVICE {where} is refused: this public endpoint never contacts other servers. Query the "
                "other endpoint yourself and combine the answers on your side."
            )
        if keyword == "LOAD":
            raise QueryRefused(f"LOAD {where} is refused: it would fetch a remote document. {READ_ONLY_ADVICE}")
        if keyword in UPDATE_KEYWORDS:
            raise QueryRefused(f"SPARQL Update ({keyword}, line {token.line}) is refused. {READ_ONLY_ADVICE}")


def declares_dataset(query: str) -> bool:
    """Whether the query names its own dataset (FROM, FROM NAMED), which then replaces the union default graph."""
    return any(token.kind == "word" and token.text.upper() == "FROM" for token in tokens(query))


def declared_prefixes(query: str) -> dict[str, str]:
    """The PREFIX declarations of a query, {prefix: namespace}, to reuse when serialising its answer."""
    found: dict[str, str] = {}
    items = list(tokens(query))
    for first, second, third in zip(items, items[1:], items[2:], strict=False):
        declaration = first.kind == "word" and first.text.upper() == "PREFIX" and third.kind == "iri"
        if declaration and second.kind == "pname" and second.text.endswith(":") and second.text.count(":") == 1:
            found[second.text[:-1]] = third.text[1:-1]
    return found


# --- The worker process -------------------------------------------------------------


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


class _StoreHandle:
    """The worker's read-only store, reopened when `build_dir/current` points elsewhere."""

    def __init__(self, build_dir: Path, remote: RemoteConfig | None = None) -> None:
        self.build_dir = build_dir
        self.remote = remote
        self.release: Path | None = None
        self.store: ReadStore | None = None

    def get(self) -> ReadStore:
        from publisher.store import current_release, open_store

        release = current_release(self.build_dir)
        if self.store is None or release != self.release:
            self.store = None  # let RocksDB close the old release first
            self.store = open_store(self.build_dir, self.remote)
            self.release = release
        return self.store


def _evaluate(handle: _StoreHandle, job: Job) -> Reply:
    from publisher.store import query_at_most

    try:
        store = handle.get()
    except StoreError as exc:
        return ("store", str(exc))
    options: dict[str, Any] = {"base_iri": job.base_iri}
    if job.union:
        options["use_default_graph_as_union"] = True
    elif job.default_graphs or job.named_graphs is not None:
        options["default_graph"] = [ox.NamedNode(iri) for iri in job.default_graphs]
        options["named_graphs"] = [ox.NamedNode(iri) for iri in job.named_graphs or []]
    if job.bindings:
        options["substitutions"] = {ox.Variable(name): term.to_oxigraph() for name, term in job.bindings.items()}
    try:
        result = query_at_most(store, job.row_cap + 1, job.query, **options)
        if isinstance(result, ox.QueryBoolean):
            return ("answer", Answer("ask", boolean=bool(result)))
        if isinstance(result, ox.QuerySolutions):
            variables = tuple(v.value for v in result.variables)
            rows: list[Row] = []
            truncated = False
            for solution in result:
                if len(rows) == job.row_cap:
                    truncated = True
                    break
                rows.append(tuple(None if value is None else Term.from_oxigraph(value) for value in solution))
            return ("answer", Answer("select", variables=variables, rows=tuple(rows), truncated=truncated))
        triples: list[TripleRow] = []
        truncated = False
        for triple in result:
            if len(triples) == job.row_cap:
                truncated = True
                break
            triples.append(
                (
                    Term.from_oxigraph(triple.subject),
                    Term.from_oxigraph(triple.predicate),
                    Term.from_oxigraph(triple.object),
                )
            )
        return ("answer", Answer("graph", triples=tuple(triples), truncated=truncated))
    except QueryTimeout as exc:  # a remote store that refused the query as too long
        return ("timeout", str(exc))
    except (SyntaxError, QueryError) as exc:  # QueryError: a remote store refused the query
        return ("syntax", str(exc))
    except StoreError as exc:  # a remote store that cannot be reached
        return ("store", str(exc))
    except (OSError, ValueError, TypeError, RuntimeError) as exc:
        return ("evaluation", str(exc))


def _worker_main(conn: Connection, build_dir: str, remote: RemoteConfig | None) -> None:
    """Entry point of a worker process: answer requests from `conn` until told to stop."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    handle = _StoreHandle(Path(build_dir), remote)
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


# --- The service, in the web process ------------------------------------------------


class _Worker:
    def __init__(self, build_dir: Path, remote: RemoteConfig | None) -> None:
        context = get_context("spawn")
        self.conn, child = context.Pipe()
        self.process: BaseProcess = context.Process(
            target=_worker_main, args=(child, str(build_dir), remote), name="publisher-query-worker", daemon=True
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
