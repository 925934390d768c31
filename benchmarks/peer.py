"""The Python peer: rdflib-endpoint serving a release's N-Quads dump, every named query timed against it.

Issue #6 asks that every named query be at least 10× faster here than on rdflib-endpoint
(rdflib's SPARQL engine behind FastAPI/uvicorn) on the same query and the same data.
This script starts rdflib-endpoint on 127.0.0.1 with the release's `corpus.nq.gz`,
sends it every `publisher/sparql/queries/*.rq` and prints, per query, our time (HTTP with the
answer cache off, when known, and the raw engine), the peer's, the ratios and the
rows each side returned. `benchmarks/scale.py` runs it as its peer step; on its own:

    .venv/bin/python benchmarks/peer.py --build /tmp/scale/peer1k/build --base http://127.0.0.1:8766
    .venv/bin/python benchmarks/peer.py --build DIR/build --base BASE --results DIR/results.json

(`--results`: a `scale.py` results file of the same build: our HTTP and raw-engine times
are taken from it, else the raw engine is timed here and the target judged on it.)

How the peer is loaded — exactly what `rdflib-endpoint serve corpus.nq` does, in a small
launcher (this file's `serve` command, run by the peer's own virtualenv,
`{work}/peer-venv`, where pip installs rdflib-endpoint): an in-memory rdflib
`Dataset(default_union=True)` (the default graph is the union of all graphs, and
`GRAPH ?g` ranges over every graph of the dump), the dump parsed with rdflib's N-Quads
parser, `SparqlEndpoint(graph=dataset)` served by uvicorn. The launcher only adds
timings (parse, app) and reads the gzip dump without unpacking it to disk. At 1,080
reports (653,456 quads) the CLI itself is ready in ≈ 60 s: the earlier attempt that
"had not finished loading after 27 minutes" was waiting on `/sparql`, a path the CLI
does not serve (its endpoint is `/`), so every probe got a 404 and it polled forever.

Each query is sent (POST, application/sparql-query, SPARQL JSON results) in two forms:

- union: the query text with `BASE` and its parameters bound by a `VALUES` block
  (publisher.store.remote.with_values), evaluated on the peer's default graph, the union of
  every graph — the query as a researcher would send it;
- scoped (report- and agency-scoped queries): the same with `FROM`/`FROM NAMED` naming
  the very dataset our engine evaluates it on (the report's or the agency's graphs and
  the ontology's as default graph, the report graphs as named graphs) — rdflib copies
  those graphs into a per-query dataset, which is how it implements FROM.

The scoped form is sent first, with `--timeout` s at most; the union form then has
`--union-limit` s (60), or 3 × the scoped form's time if longer, never more than
`--timeout` (past the scoped form's time it cannot be the faster one). Each form runs up to `--repeat` times
(while the runs take under 30 s in all); its time is the median of the runs after the
first (which includes rdflib parsing the query), or the first when it is the only one.
The peer's time for a query is its faster form. A query still running at its limit is
interrupted in the peer (Deadline, below) and recorded as `>limit`.

Each query's figures are written to `{work}/peer-partial.json` as they are taken; with
`--resume` a stopped run goes on from there, keeping a query's figures only if they were
taken on the same release's dump with the same parameters and the same query texts.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import IO, Any, cast

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "rdflib-endpoint[cli]==0.6.3"
TARGET = 10.0


def say(text: str) -> None:
    print(text, flush=True)


# ---------------------------------------------------------------------------
# The launcher: runs in the peer's virtualenv (rdflib, rdflib-endpoint, uvicorn)
# ---------------------------------------------------------------------------


class PeerTimeout(BaseException):
    """Raised by Deadline's watchdog in the thread evaluating a query that ran past its limit."""


class Deadline:
    """ASGI wrapper: a request running past its time limit is interrupted and answered 503 "peer timeout".

    rdflib-endpoint evaluates a query synchronously on uvicorn's event loop, so a client
    that gives up does not stop it (the next query would wait behind it). The watchdog
    raises PeerTimeout asynchronously in that thread (PyThreadState_SetAsyncExc), which
    stops rdflib's pure-Python evaluation at its next bytecode: a per-query time limit
    such as a production endpoint has. The limit is the request's `X-Time-Limit` header
    (seconds), else the launcher's. Queries that finish in time are not touched.

    Best effort: rdflib has bare `except:` clauses (FILTER evaluation, the memory store)
    that swallow an exception landing inside them, so it is raised again every 50 ms; a
    query that still answers after its limit is counted as over it by the client, and a
    query that does not answer at all gets the peer restarted.
    """

    def __init__(self, app: Any, limit: float) -> None:
        import threading

        self.app, self.limit = app, limit
        self.lock = threading.Lock()
        self.request: tuple[int, float, float] | None = None  # thread, start, limit
        self.fired = False
        threading.Thread(target=self.watch, daemon=True).start()

    @staticmethod
    def interrupt(thread: int, exception: type[BaseException] | None) -> None:
        """Raise `exception` in `thread` at its next bytecode (None: withdraw one not raised yet)."""
        import ctypes

        ctypes.pythonapi.PyThreadState_SetAsyncExc(
            ctypes.c_ulong(thread), ctypes.py_object(exception) if exception else None
        )

    def watch(self) -> None:
        while True:
            with self.lock:
                request = self.request
                due = request is not None and time.monotonic() - request[1] > request[2]
                if request is not None and due:
                    self.fired = True
                    self.interrupt(request[0], PeerTimeout)
            time.sleep(0.05 if due else 0.1)

    def end(self, thread: int) -> bool:
        """The request is over: no more interrupts (one pending is withdrawn). Whether any was raised."""
        with self.lock:
            self.request = None
            if self.fired:
                self.interrupt(thread, None)
            return self.fired

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        import threading

        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit
        for key, value in scope.get("headers", ()):
            if key == b"x-time-limit":
                limit = float(value)
        thread = threading.get_ident()
        with self.lock:
            self.request, self.fired = (thread, time.monotonic(), limit) if limit > 0 else None, False
        try:
            await self.app(scope, receive, send)
        except BaseException:  # PeerTimeout, or an exception group of Starlette's holding it
            if not self.end(thread):
                raise
            await send({"type": "http.response.start", "status": 503, "headers": [(b"content-type", b"text/plain")]})
            await send({"type": "http.response.body", "body": b"peer timeout"})
        finally:
            self.end(thread)


def serve(dump: Path, host: str, port: int, info: Path, max_gb: float, query_timeout: float = 0.0) -> None:
    """Load `dump` as `rdflib-endpoint serve` does, write the load's figures to `info`, serve until killed.

    With `query_timeout`, a query is interrupted after that many seconds (Deadline).
    """
    import gzip
    import resource

    if max_gb > 0:  # a shared machine: fail with MemoryError rather than push others out
        limit = int(max_gb * 2**30)
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    started = time.perf_counter()
    import rdflib
    import uvicorn  # type: ignore[import-not-found]  # the peer's virtualenv only
    from rdflib import Dataset
    from rdflib.graph import DATASET_DEFAULT_GRAPH_ID
    from rdflib_endpoint import SparqlEndpoint  # type: ignore[import-not-found]

    imported = time.perf_counter()
    dataset = Dataset(default_union=True)  # rdflib_endpoint.__main__.run_serve: Dataset(store="default", ...)
    with gzip.open(dump, "rb") if dump.suffix == ".gz" else dump.open("rb") as stream:
        dataset.parse(cast(IO[bytes], stream), format="nquads")  # the CLI guesses "nquads" from the .nq name
    parsed = time.perf_counter()
    triples = len(dataset)
    graphs = sum(1 for g in dataset.graphs() if g.identifier != DATASET_DEFAULT_GRAPH_ID)
    counted = time.perf_counter()
    app = SparqlEndpoint(graph=dataset)  # as the CLI; builds the service description (one query over all)
    ready = time.perf_counter()
    figures = {
        "rdflib": rdflib.__version__,
        "import_s": imported - started,
        "parse_s": parsed - imported,
        "count_s": counted - parsed,
        "app_s": ready - counted,
        "triples": triples,
        "graphs": graphs,
    }
    info.write_text(json.dumps(figures), encoding="utf-8")
    uvicorn.run(Deadline(app, query_timeout) if query_timeout > 0 else app, host=host, port=port, log_level="warning")


# ---------------------------------------------------------------------------
# The benchmark: runs in the project's virtualenv
# ---------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def rss(pid: int, field: str = "VmRSS") -> int:
    """Resident memory (bytes) of one process (VmHWM: its peak)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def ensure_venv(venv: Path) -> Path:
    """The peer's virtualenv with rdflib-endpoint (pip), made once; its python."""
    python = venv / "bin" / "python"
    probe = [str(python), "-c", "import rdflib_endpoint, uvicorn"]
    if python.exists() and subprocess.run(probe, capture_output=True, check=False).returncode == 0:
        return python
    say(f"peer: installing {PACKAGE} into {venv}")
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run([str(python), "-m", "pip", "install", "-q", PACKAGE], check=True)
    return python


class Peer:
    """A running launcher: the process, its port, the figures of its load."""

    def __init__(
        self, python: Path, dump: Path, work: Path, max_gb: float, load_timeout: float, query_timeout: float
    ) -> None:
        self.port = free_port()
        info = work / "peer-load.json"
        info.unlink(missing_ok=True)
        command = [str(python), str(Path(__file__).resolve()), "serve", str(dump), "--port", str(self.port)]
        command += ["--info", str(info), "--max-gb", str(max_gb), "--query-timeout", str(query_timeout)]
        start = time.perf_counter()
        with (work / "peer.log").open("ab") as log:
            self.process = subprocess.Popen(command, stdout=log, stderr=log, start_new_session=True)
        try:
            while True:
                if self.process.poll() is not None:
                    tail = (work / "peer.log").read_text(errors="replace")[-3000:]
                    raise SystemExit(f"rdflib-endpoint ended while loading ({self.process.returncode}):\n{tail}")
                if time.perf_counter() - start > load_timeout:
                    raise SystemExit(f"rdflib-endpoint was not ready after {load_timeout:.0f} s")
                try:
                    status, _ = self.ask("ASK {}", 5)
                    if status == 200:
                        break
                    raise SystemExit(f"rdflib-endpoint answered ASK {{}} with HTTP {status}")
                except OSError:
                    time.sleep(0.5)
        except BaseException:
            self.stop()
            raise
        self.load_s = time.perf_counter() - start
        self.figures: dict[str, Any] = json.loads(info.read_text(encoding="utf-8"))
        self.rss_gb = rss(self.process.pid) / 1e9

    def ask(self, text: str, limit: float) -> tuple[int, bytes]:
        """POST a query to the endpoint (its path is /), SPARQL JSON results, at most `limit` s (Deadline).

        OSError (a socket timeout) when the peer has not answered 30 s after the limit.
        """
        headers = {"Content-Type": "application/sparql-query", "Accept": "application/sparql-results+json"}
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}/",
            data=text.encode("utf-8"),
            headers=headers | {"X-Time-Limit": str(limit)},
        )
        try:
            with urllib.request.urlopen(request, timeout=limit + 30) as answer:
                return answer.status, answer.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read()

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(30)


def from_clauses(text: str, dataset: Mapping[str, Any]) -> str:
    """The query with FROM / FROM NAMED for a pyoxigraph dataset, before its top-level WHERE."""
    from publisher.rdf.sparqltokens import TOKEN_PATTERN as _TOKEN

    clauses = "".join(f"FROM <{g.value}>\n" for g in dataset["default_graph"])
    clauses += "".join(f"FROM NAMED <{g.value}>\n" for g in dataset["named_graphs"])
    depth = 0
    for match in _TOKEN.finditer(text):
        kind, token = match.lastgroup, match.group()
        if kind == "word" and token.upper() == "WHERE" and depth == 0:
            return f"{text[: match.start()]}{clauses}{text[match.start() :]}"
        if kind == "other" and token == "{":
            depth += 1
        elif kind == "other" and token == "}":
            depth -= 1
    raise ValueError("no top-level WHERE")


def named_queries() -> list[Any]:
    sys.path.insert(0, str(ROOT))
    from publisher.sparql import namedqueries

    return list(namedqueries.catalogue().values())


def forms(
    build: Path, base: str, values: Mapping[str, str], repeat: int, names: Sequence[str] = ()
) -> dict[str, dict[str, Any]]:
    """Per named query: its scope, the texts sent to the peer, our rows and raw-engine time (median)."""
    import pyoxigraph as ox

    from publisher.store.remote import with_values

    store = ox.Store.read_only(str(build / "current" / "store"))
    found: dict[str, dict[str, Any]] = {}
    for query in named_queries():
        if names and query.name not in names:
            continue
        params = {p.name: values[p.name] for p in query.parameters}
        bindings = query.bindings(base, params)
        dataset = query.dataset(store, base, params)
        text = query.with_base(base)
        if bindings:
            text = with_values(text, {v.value: str(t) for v, t in bindings.items()})
        texts = {"union": text}
        if query.scope != "corpus":
            texts["scoped"] = from_clauses(text, dataset)
        times, rows = [], 0
        for _ in range(max(2, repeat + 1)):
            start = time.perf_counter()
            result = store.query(query.text, base_iri=base + "/", substitutions=bindings, **dataset)
            data = result.serialize(format=ox.QueryResultsFormat.JSON)  # type: ignore[arg-type]
            times.append(time.perf_counter() - start)
            rows = len(json.loads(data or b"{}")["results"]["bindings"])
            if sum(times) > 20:
                break
        found[query.name] = {"scope": query.scope, "texts": texts, "rows": rows, "raw_s": statistics.median(times[1:])}
    return found


def measure(
    build: Path,
    base: str,
    values: Mapping[str, str],
    work: Path,
    timeout: float = 300.0,
    repeat: int = 3,
    max_gb: float = 16.0,
    load_timeout: float = 3600.0,
    venv: Path | None = None,
    names: Sequence[str] = (),
    union_limit: float = 60.0,
    resume: bool = False,
) -> dict[str, Any]:
    """Start the peer on the release's dump and time every named query (or those `names`) on it; the figures."""
    work.mkdir(parents=True, exist_ok=True)
    python = ensure_venv(venv or work / "peer-venv")
    from publisher.release.dumps import copy_dump  # here: the top of this file also runs in the peer's venv

    dump = work / "corpus.nq.gz"  # the release's dump, written whole from its year parts
    copy_dump((build / "current").resolve(), dump.name, dump)
    say("peer: our rows and raw-engine times (pyoxigraph, read-only) …")
    queries = forms(build, base, values, repeat, names)
    found: dict[str, Any] = {
        "package": PACKAGE,
        "dump": str(dump.resolve()),
        "values": dict(values),
        "loads": [],
        "queries": {},
    }
    partial = work / "peer-partial.json"  # written after each query, in case the run is stopped
    if resume and partial.exists():
        before = json.loads(partial.read_text(encoding="utf-8"))
        if (before["dump"], before["values"]) == (found["dump"], found["values"]):
            found |= {"loads": before["loads"], "queries": before["queries"], "resumed": True}
            say(f"peer: resuming after {len(found['queries'])} queries ({partial})")

    def start() -> Peer:
        say(f"peer: loading {dump} into rdflib-endpoint …")
        peer = Peer(python, dump, work, max_gb, load_timeout, timeout)
        load = {"load_s": peer.load_s, "rss_gb": peer.rss_gb} | peer.figures
        found["loads"].append(load)
        say(
            f"peer: ready in {peer.load_s:.1f} s (parse {load['parse_s']:.1f} s, app {load['app_s']:.1f} s), "
            f"{load['triples']:,} triples in {load['graphs']:,} graphs, {peer.rss_gb:.2f} GB resident"
        )
        return peer

    peer = start()

    def note_peak() -> None:
        peak = rss(peer.process.pid, "VmHWM") / 1e9
        found["rss_peak_gb"] = max(found.get("rss_peak_gb", 0.0), peak)

    def timed(text: str, limit: float) -> dict[str, Any]:
        """Up to `repeat` runs of one query text (while they take under 30 s in all), each at most `limit` s."""
        nonlocal peer
        runs: list[float] = []
        outcome: dict[str, Any] = {}
        while len(runs) < max(1, repeat) and sum(runs) < min(30.0, limit):
            begin = time.perf_counter()
            try:
                status, body = peer.ask(text, limit)
            except OSError as exc:  # not interrupted (see Deadline): start the peer again
                outcome["error"] = f">{limit:.0f}" if "timed out" in str(exc) else f"{exc}"
                note_peak()
                peer.stop()
                peer = start()
                break
            elapsed = time.perf_counter() - begin
            if (status == 503 and body == b"peer timeout") or elapsed > limit:
                outcome["error"] = f">{limit:.0f}"  # (an answer after an interrupt may be wrong: see Deadline)
                break
            if status != 200:
                outcome["error"] = f"HTTP {status}: {body[:200].decode(errors='replace')}"
                break
            runs.append(elapsed)
            outcome["rows"] = len(json.loads(body)["results"]["bindings"])
        if runs:
            outcome |= {"runs": runs, "s": statistics.median(runs[1:] or runs)}
        return outcome

    try:
        for name, query in queries.items():
            texts = hashlib.sha256(json.dumps(query["texts"], sort_keys=True).encode()).hexdigest()
            if found["queries"].get(name, {}).get("texts_sha256") == texts:
                continue  # measured in the run resumed, with the same texts on the same dump
            entry: dict[str, Any] = {
                "scope": query["scope"], "rows_ours": query["rows"], "raw_s": query["raw_s"], "texts_sha256": texts
            }  # fmt: skip
            for form in ("scoped", "union"):
                if form not in query["texts"]:
                    continue
                limit = timeout
                if form == "union" and "scoped" in entry:  # the union form only counts if it is the faster
                    limit = min(timeout, max(union_limit, 3 * entry["scoped"].get("s", 0.0)))
                outcome = entry[form] = timed(query["texts"][form], limit)
                shown = f"{outcome['s'] * 1000:.1f} ms" if "s" in outcome else outcome.get("error")
                say(f"peer: {name} ({form}): {shown}, {outcome.get('rows', '-')} rows (ours {query['rows']})")
            found["queries"][name] = entry
            note_peak()
            partial.write_text(json.dumps(found, indent=2), encoding="utf-8")
        note_peak()
        found["rss_after_queries_gb"] = rss(peer.process.pid) / 1e9
    finally:
        peer.stop()
    first = found["loads"][0]
    found |= {k: first[k] for k in ("load_s", "parse_s", "app_s", "rss_gb", "triples", "graphs", "rdflib")}
    return found


def times(ratio: float) -> str:
    return f"{ratio:,.0f}×" if ratio >= 100 else f"{ratio:.1f}×"


def best(entry: Mapping[str, Any]) -> tuple[float | None, float | None]:
    """The peer's time for a query: its better form (seconds), or a lower bound when none answered in time."""
    answered = [entry[f]["s"] for f in ("union", "scoped") if "s" in entry.get(f, {})]
    if answered:
        return min(answered), None
    bounds = [float(entry[f]["error"][1:]) for f in ("union", "scoped") if entry.get(f, {}).get("error", "")[:1] == ">"]
    return None, (min(bounds) if bounds else None)


def table(
    found: Mapping[str, Any], http: Mapping[str, float] | None = None, raw: Mapping[str, float] | None = None
) -> list[str]:
    """The per-query lines: ours (HTTP, cache off; raw engine), the peer's two forms, ratios, target, rows.

    `http` and `raw`: our times (s) by query name, from scale.py's run; the raw engine's
    default to the ones `measure` took. The target is judged on HTTP when given, else on raw.
    """

    def ms(entry: Mapping[str, Any]) -> str:
        if "s" in entry:
            return f"{entry['s'] * 1000:.1f}"
        return str(entry.get("error", "-"))[:24]

    first = found["loads"][0]
    lines = [
        f"rdflib-endpoint ({found['package']}, rdflib {first['rdflib']}): {first['triples']:,} triples, "
        f"{first['graphs']:,} graphs; ready in {first['load_s']:.1f} s (parse {first['parse_s']:.1f} s, "
        f"service description {first['app_s']:.1f} s), {first['rss_gb']:.2f} GB resident after loading, "
        f"{found.get('rss_peak_gb', 0):.2f} GB peak; loaded {len(found['loads'])} time(s)",
        "",
        "| named query | scope | ours HTTP (cache off) | raw engine | peer, union | peer, scoped "
        "| peer / HTTP | peer / raw | ≥ 10× | rows ours / union / scoped |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    met, raw_of = 0, raw or {}
    for name, entry in found["queries"].items():
        theirs, bound = best(entry)
        mine = raw_of.get(name, entry["raw_s"])
        ours = http.get(name) if http else None
        judged = ours if ours is not None else mine
        if theirs is not None:
            ratio_http = times(theirs / ours) if ours else "-"
            ratio_raw = times(theirs / mine)
            ok = theirs / judged >= TARGET
        elif bound is not None:
            ratio_http = ">" + times(bound / ours) if ours else "-"
            ratio_raw = ">" + times(bound / mine)
            ok = bound / judged >= TARGET
        else:
            ratio_http = ratio_raw = "-"
            ok = False
        met += ok
        rows = [str(entry["rows_ours"])]
        for form in ("union", "scoped"):
            rows.append(str(entry[form].get("rows", "-")) if form in entry else "")
        differ = any(r not in ("", "-", rows[0]) for r in rows[1:])
        lines.append(
            f"| `{name}` | {entry['scope']} | {f'{ours * 1000:.1f}' if ours else '-'} | {mine * 1000:.1f} "
            f"| {ms(entry['union'])} | {ms(entry['scoped']) if 'scoped' in entry else '(same)'} "
            f"| {ratio_http} | {ratio_raw} | {'met' if ok else '**not met**'} "
            f"| {' / '.join(r for r in rows if r)}{' ⚠' if differ else ''} |"
        )
    basis = "ours over HTTP, cache off" if http else "the raw engine (no HTTP times given)"
    lines.append("")
    lines.append(f"peer ≥ 10× slower than {basis}: {met} of {len(found['queries'])} named queries")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command")
    launcher = commands.add_parser("serve", help="(internal) load a dump and serve it with rdflib-endpoint")
    launcher.add_argument("dump", type=Path)
    launcher.add_argument("--host", default="127.0.0.1")
    launcher.add_argument("--port", type=int, required=True)
    launcher.add_argument("--info", type=Path, required=True, help="file for the load's figures (JSON)")
    launcher.add_argument("--max-gb", type=float, default=16.0, help="address-space limit (GiB); 0: none")
    launcher.add_argument("--query-timeout", type=float, default=0.0, help="seconds per query (0: none)")
    parser.add_argument("--build", type=Path, help="a build folder (with current/store and current/downloads)")
    parser.add_argument("--base", help="the build's base IRI, e.g. http://127.0.0.1:8766")
    parser.add_argument("--work", type=Path, help="folder for the peer's virtualenv, log and results")
    parser.add_argument("--venv", type=Path, help="the peer's virtualenv (default {work}/peer-venv)")
    parser.add_argument("--results", type=Path, help="scale.py's results.json of this build (our HTTP times)")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds the peer may take per query")
    parser.add_argument("--repeat", type=int, default=3, help="runs per query and form (median of the warm ones)")
    parser.add_argument("--max-gb", type=float, default=16.0, help="the peer's address-space limit (GiB); 0: none")
    parser.add_argument("--queries", nargs="*", default=(), help="only these named queries")
    parser.add_argument("--union-limit", type=float, default=60.0, help="seconds for the union form (see above)")
    parser.add_argument("--resume", action="store_true", help="keep the queries of {work}/peer-partial.json")
    parser.add_argument("--show", type=Path, help="only print the table of a peer.json written before")
    args = parser.parse_args()
    if args.command == "serve":
        serve(args.dump, args.host, args.port, args.info, args.max_gb, args.query_timeout)
        return
    ours = json.loads(args.results.read_text(encoding="utf-8")) if args.results else {}  # scale.py's run
    if args.show:
        for line in table(
            json.loads(args.show.read_text(encoding="utf-8")), ours.get("http_uncached"), ours.get("raw")
        ):
            say(line)
        return
    if not args.build or not args.base:
        parser.error("--build and --base are needed")
    build: Path = args.build.resolve()
    work: Path = (args.work or build.parent / "peer").resolve()
    sys.path.insert(0, str(ROOT))
    manifest = json.loads((build / "current" / "manifest.json").read_text(encoding="utf-8"))
    chosen = manifest["reports"][len(manifest["reports"]) // 2]  # as scale.py's query_parameters
    values = {
        "agency": chosen["agency"],
        "year": str(chosen["year"]),
        "item": "jilin-city-2011/category/all",
        "period": "annual",
    }
    base = args.base.rstrip("/")
    found = measure(
        build, base, values, work, args.timeout, args.repeat, args.max_gb, venv=args.venv, names=args.queries,
        union_limit=args.union_limit, resume=args.resume,
    )  # fmt: skip
    (work / "peer.json").write_text(json.dumps(found, indent=2), encoding="utf-8")
    say("")
    for line in table(found, ours.get("http_uncached"), ours.get("raw")):
        say(line)


if __name__ == "__main__":
    main()
