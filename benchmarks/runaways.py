"""Runaway queries against a served corpus: do pages stay fast while 100 of them are in flight? (#15)

Run from the project root:

    .venv/bin/python benchmarks/runaways.py                        # 100 agencies × 2011, 2019, 2021 = 300 reports
    .venv/bin/python benchmarks/runaways.py --agencies 250         # more reports (more uncached pages to sample)
    .venv/bin/python benchmarks/runaways.py --reuse --work DIR     # keep DIR/data and DIR/build from a run before

It is a benchmark, not a test: it prints figures against the issue's targets and a
baseline measured in the same run; it passes or fails nothing. Steps (work folder
`build/bench-runaways/` unless `--work`; nothing outside it):

1. corpus    publisher.synthetic (seed 2011), `--agencies` × `--years`, unless `--reuse` finds one
2. build     `publisher build` (with --reuse, on the port of the run before: nothing to rebuild)
3. serve     `publisher serve` with the default settings (only --port and --base-iri given), the
             answers a run before cached on disk removed; the resident memory of all its
             processes (from /proc) sampled every 0.2 s from here on, the largest kept per step
4. baseline  no runaway: cached report pages (`--warm` report pages fetched once, then fetched
             again in turn) and uncached report pages (report pages never fetched before), two
             visitors at once, each a new connection per page, for at most `--window` s
5. runaways  `--runaways` clients each keep one runaway query in flight (a 3-way cartesian
             product, made unique so no cache answers it), sending the next when answered (after
             the answer's Retry-After, else 0.5 s, so a refusal does not become a flood); while
             they run, the same two visitors on other cached pages and other never-fetched reports
6. documents repeated container documents (`/id/report.jsonld` and its kind, with query strings
             no cache has seen), one at a time, then `--concurrent` at once; statuses, sizes, times

Targets of the issue: under the runaways, cached pages p99 ≤ 100 ms and uncached report
pages p99 ≤ 500 ms on 2 cores, 0 errors on them; server RSS ≤ 2 GB throughout, the
documents step included. Figures also go to {work}/results.json.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from publisher.release.paths import RESPONSES
from publisher.synthetic import generate

ROOT = Path(__file__).resolve().parent.parent
PUBLISHER = str(Path(sys.executable).parent / "publisher")
TARGETS = {"cached_p99_ms": 100.0, "uncached_p99_ms": 500.0, "rss_gb": 2.0}
RUNAWAY = 'SELECT (COUNT(*) AS ?n) WHERE {{ ?a ?b ?c . ?d ?e ?f . ?g ?h ?i FILTER(?c != "{nonce}") }}'
#: Container documents: IRIs with nothing of their own and many graphs beneath them.
CONTAINERS = ("/id/report.jsonld", "/id.jsonld", "/id/report.ttl", "/id/report.nt", "/id/report", "/def.jsonld")
CLIENT_TIMEOUT = 120.0


def say(text: str) -> None:
    print(text, flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def fetch(port: int, method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None) -> Any:
    """One request on a new connection: (status, headers, body size); raises OSError on no answer."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=CLIENT_TIMEOUT)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        size = 0
        while chunk := response.read(1 << 20):
            size += len(chunk)
        return response.status, response.headers, size
    finally:
        connection.close()


# ---------------------------------------------------------------------------
# Memory of the server: every process of it, from /proc
# ---------------------------------------------------------------------------


def processes_of_tree(pid: int) -> list[tuple[str, int]]:
    """(name and pid, resident bytes) of a process and each of its descendants."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            children.setdefault(int(fields[1]), []).append(int(entry.name))
    found, pending = [], [pid]
    while pending:
        current = pending.pop()
        pending += children.get(current, [])
        try:
            status = dict(line.split(":", 1) for line in Path(f"/proc/{current}/status").read_text().splitlines())
        except (OSError, ValueError):
            continue
        if "VmRSS" in status:
            found.append((f"{status['Name'].strip()} {current}", int(status["VmRSS"].split()[0]) * 1024))
    return found


class MemorySampler(threading.Thread):
    """Samples the server's RSS every `every` s, keeping the largest per phase."""

    def __init__(self, pid: int, every: float = 0.2) -> None:
        super().__init__(daemon=True)
        self.pid, self.every = pid, every
        self.phase = "start"
        self.peaks: dict[str, int] = {}
        self.at_peak: dict[str, list[tuple[str, int]]] = {}  # the processes when the phase's peak was sampled
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.is_set():
            processes = processes_of_tree(self.pid)
            rss = sum(size for _name, size in processes)
            if rss > self.peaks.get(self.phase, 0):
                self.peaks[self.phase], self.at_peak[self.phase] = rss, processes
            self.stopped.wait(self.every)


# ---------------------------------------------------------------------------
# Visitors: page latencies
# ---------------------------------------------------------------------------


@dataclass
class Latencies:
    times: list[float] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)

    def summary(self) -> dict[str, Any]:
        ordered = sorted(self.times)
        return {
            "n": len(ordered),
            "p50_ms": 1000 * statistics.median(ordered) if ordered else None,
            "p99_ms": 1000 * ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))] if ordered else None,
            "max_ms": 1000 * ordered[-1] if ordered else None,
            "errors": sum(self.errors.values()),
            "error_kinds": dict(self.errors),
        }


def visit(port: int, paths: Sequence[str], deadline: float, found: Latencies) -> None:
    """Fetch each path in turn (a new connection each, as a new visitor) until done or past the deadline."""
    for path in paths:
        if time.monotonic() > deadline:
            return
        start = time.monotonic()
        try:
            status, _headers, _size = fetch(port, "GET", path, headers={"Accept": "text/html"})
        except OSError as exc:
            found.errors[type(exc).__name__] += 1
            continue
        if status == 200:
            found.times.append(time.monotonic() - start)
        else:
            found.errors[str(status)] += 1


def measure_pages(port: int, cached: Sequence[str], uncached: Sequence[str], window: float) -> dict[str, Any]:
    """Cached and uncached report pages, two visitors at once, for at most `window` s."""
    deadline = time.monotonic() + window
    hot, cold = Latencies(), Latencies()
    visitors = [
        threading.Thread(target=visit, args=(port, cached, deadline, hot)),
        threading.Thread(target=visit, args=(port, uncached, deadline, cold)),
    ]
    for visitor in visitors:
        visitor.start()
    for visitor in visitors:
        visitor.join()
    return {"cached": hot.summary(), "uncached": cold.summary()}


# ---------------------------------------------------------------------------
# Runaways: clients that keep one slow query each in flight
# ---------------------------------------------------------------------------


class Runaways:
    def __init__(self, port: int, clients: int) -> None:
        self.port, self.clients = port, clients
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.in_flight = 0
        self.answers: Counter[str] = Counter()
        self.times: list[float] = []
        self.threads = [threading.Thread(target=self.client, daemon=True) for _ in range(clients)]

    def client(self) -> None:
        while not self.stop.is_set():
            body = urlencode({"query": RUNAWAY.format(nonce=uuid.uuid4().hex)}).encode()
            headers = {"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/sparql-results+json"}
            with self.lock:
                self.in_flight += 1
            start = time.monotonic()
            pause = 0.5
            try:
                status, answer_headers, _size = fetch(self.port, "POST", "/sparql", body, headers)
                kind = str(status)
                retry_after = answer_headers.get("Retry-After")
                if retry_after and retry_after.strip().isdigit():
                    pause, kind = float(retry_after), f"{status} Retry-After"
            except OSError as exc:
                kind = type(exc).__name__
            with self.lock:
                self.in_flight -= 1
                self.answers[kind] += 1
                self.times.append(time.monotonic() - start)
            self.stop.wait(pause)

    def __enter__(self) -> Runaways:
        for thread in self.threads:
            thread.start()
        time.sleep(1.0)  # all of them sent
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()

    def summary(self) -> dict[str, Any]:
        ordered = sorted(self.times)
        return {
            "answers": dict(self.answers),
            "p50_s": statistics.median(ordered) if ordered else None,
            "max_s": ordered[-1] if ordered else None,
        }


# ---------------------------------------------------------------------------
# Corpus, build, server
# ---------------------------------------------------------------------------


def prepare(work: Path, agencies: int, years: Sequence[int], base: str, reuse: bool) -> None:
    data, build = work / "data", work / "build"
    if not (reuse and (data / "agencies.yaml").is_file()):
        shutil.rmtree(data, ignore_errors=True)
        start = time.monotonic()
        summary = generate(data, agencies, years=years, seed=2011)
        say(f"corpus: {summary.agencies} agencies, {summary.reports} reports in {time.monotonic() - start:.1f} s")
    start = time.monotonic()
    command = [PUBLISHER, "build", "--data", str(data), "--out", str(build), "--base-iri", base]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False, env=clean_environ())
    if done.returncode not in (0, 1):  # 1: published with quality warnings
        raise SystemExit(f"publisher build failed ({done.returncode}):\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}")
    say(f"build: {time.monotonic() - start:.1f} s ({done.stdout.strip().splitlines()[-1][:160]})")


def clean_environ() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("PUBLISHER_")}


@contextmanager
def serving(work: Path, port: int, base: str) -> Iterator[subprocess.Popen[bytes]]:
    """`publisher serve` with the default settings; its output in {work}/server.log."""
    command = [PUBLISHER, "serve", "--port", str(port), "--base-iri", base]
    command += ["--data", str(work / "data"), "--out", str(work / "build")]
    with (work / "server.log").open("ab") as log:
        process = subprocess.Popen(
            command, cwd=ROOT, stdout=log, stderr=log, env=clean_environ(), start_new_session=True
        )
    try:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise SystemExit(f"publisher serve ended ({process.returncode}); see {work / 'server.log'}")
            try:
                if fetch(port, "GET", "/healthz")[0] == 200:
                    break
            except OSError:
                time.sleep(0.1)
        yield process
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)


def report_pages(work: Path) -> list[str]:
    """Every report's page, in the order of the corpus's folders (agency, then year)."""
    reports = sorted((work / "data" / "reports").glob("*/*.yaml"))
    return [f"/id/report/{r.parent.name}/{r.stem}" for r in reports]


# ---------------------------------------------------------------------------
# Container documents: what one GET may cost
# ---------------------------------------------------------------------------


def container_documents(port: int, rounds: int, concurrent: int, agency: str) -> dict[str, Any]:
    """Each container document `rounds` times (a query string no cache has seen each time), then `concurrent`
    copies of /id/report.jsonld at once; per path: statuses, largest answer, slowest answer."""
    paths = [*CONTAINERS, f"/id/report/{agency}.jsonld"]
    found: dict[str, dict[str, Any]] = {}

    def one(path: str) -> None:
        entry = found.setdefault(path.split("?")[0], {"statuses": Counter(), "max_mb": 0.0, "max_s": 0.0})
        start = time.monotonic()
        try:
            status, _headers, size = fetch(port, "GET", path)
            entry["statuses"][str(status)] += 1
            entry["max_mb"] = max(entry["max_mb"], size / 1e6)
        except OSError as exc:
            entry["statuses"][type(exc).__name__] += 1
        entry["max_s"] = max(entry["max_s"], time.monotonic() - start)

    for round_ in range(rounds):
        for path in paths:
            one(f"{path}?r={round_}-{uuid.uuid4().hex[:8]}" if round_ else path)
    together = [
        threading.Thread(target=one, args=(f"/id/report.jsonld?c={i}-{uuid.uuid4().hex[:8]}",))
        for i in range(concurrent)
    ]
    for thread in together:
        thread.start()
    for thread in together:
        thread.join()
    return {path: {**entry, "statuses": dict(entry["statuses"])} for path, entry in found.items()}


# ---------------------------------------------------------------------------
# The run
# ---------------------------------------------------------------------------


def chosen_port(work: Path, asked: int, reuse: bool) -> int:
    """`--port`, else with --reuse the port of the run before (the build's IRIs name it), else a free one."""
    remembered = work / "port.txt"
    port = asked or (int(remembered.read_text()) if reuse and remembered.is_file() else free_port())
    remembered.write_text(str(port))
    return port


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--agencies", type=int, default=100, help="agencies of the synthetic corpus (default 100)")
    parser.add_argument("--years", type=lambda s: [int(y) for y in s.split(",")], default=[2011, 2019, 2021])
    parser.add_argument("--work", type=Path, default=ROOT / "build" / "bench-runaways")
    parser.add_argument("--reuse", action="store_true", help="keep the corpus, build and port of --work")
    parser.add_argument("--runaways", type=int, default=100, help="runaway queries kept in flight (default 100)")
    parser.add_argument("--warm", type=int, default=20, help="report pages fetched beforehand: the cached ones")
    parser.add_argument("--window", type=float, default=90.0, help="longest a measurement may take, in s")
    parser.add_argument("--rounds", type=int, default=5, help="rounds of container documents (default 5)")
    parser.add_argument("--concurrent", type=int, default=4, help="container documents fetched at once")
    parser.add_argument("--port", type=int, default=0)
    return parser.parse_args()


def main() -> None:
    args = arguments()
    work: Path = args.work.resolve()
    work.mkdir(parents=True, exist_ok=True)
    port = chosen_port(work, args.port, args.reuse)
    base = f"http://127.0.0.1:{port}"
    say(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} at the start")
    prepare(work, args.agencies, args.years, base, args.reuse)
    pages = report_pages(work)
    warm, rest = pages[: args.warm], pages[args.warm :]
    fresh_baseline, fresh_runaways = rest[0::2], rest[1::2]  # each report page fetched once, in one phase only
    results: dict[str, Any] = {"reports": len(pages), "runaways": args.runaways}
    shutil.rmtree(work / "build" / RESPONSES, ignore_errors=True)  # no page cached by a run before: none cached
    with serving(work, port, base) as process:
        memory = MemorySampler(process.pid)
        memory.start()
        for path in warm:
            fetch(port, "GET", path, headers={"Accept": "text/html"})
        cycled = warm * 15  # each cached page fetched 15 times in each phase
        memory.phase = "baseline"
        results["baseline"] = measure_pages(port, cycled, fresh_baseline, args.window)
        memory.phase = "runaways"
        with Runaways(port, args.runaways) as runaways:
            results["under_runaways"] = measure_pages(port, cycled, fresh_runaways, args.window)
        results["runaway_answers"] = runaways.summary()
        time.sleep(2)
        memory.phase = "documents"
        agency = pages[0].split("/")[3]
        results["documents"] = container_documents(port, args.rounds, args.concurrent, agency)
        time.sleep(1)
        memory.stopped.set()
        memory.join()
        results["rss_gb"] = {phase: peak / 1e9 for phase, peak in memory.peaks.items()}
        results["rss_at_peak_mb"] = {
            phase: {name: round(size / 1e6) for name, size in processes} for phase, processes in memory.at_peak.items()
        }
    results["load_average_end"] = os.getloadavg()[0]
    (work / "results.json").write_text(json.dumps(results, indent=2, default=str), encoding="utf-8")
    report(results)


def _ms(value: float | None) -> str:
    return "—" if value is None else f"{value:,.0f}"


def report(results: dict[str, Any]) -> None:
    mark = {True: "met", False: "NOT met"}
    say(f"\n{results['reports']} reports; {results['runaways']} runaway clients")
    say(f"{'pages':<10} {'phase':<15} {'n':>5} {'p50 ms':>9} {'p99 ms':>9} {'max ms':>9} {'errors':>7}   target")
    for kind, target in (("cached", "cached_p99_ms"), ("uncached", "uncached_p99_ms")):
        for phase in ("baseline", "under_runaways"):
            s = results[phase][kind]
            verdict = ""
            if phase == "under_runaways":
                met = s["p99_ms"] is not None and s["p99_ms"] <= TARGETS[target] and s["errors"] == 0
                verdict = f"p99 ≤ {TARGETS[target]:.0f} ms, 0 errors: {mark[met]}"
            say(
                f"{kind:<10} {phase:<15} {s['n']:>5} {_ms(s['p50_ms']):>9} {_ms(s['p99_ms']):>9} "
                f"{_ms(s['max_ms']):>9} {s['errors']:>7}   {verdict} {s['error_kinds'] or ''}"
            )
    base, under = results["baseline"], results["under_runaways"]
    for kind in ("cached", "uncached"):
        if base[kind]["p99_ms"] and under[kind]["p99_ms"]:
            say(f"{kind} p99 under runaways ÷ baseline: {under[kind]['p99_ms'] / base[kind]['p99_ms']:.1f}×")
    answers = results["runaway_answers"]
    say(f"runaway answers: {answers['answers']}; p50 {answers['p50_s'] or 0:.2f} s, max {answers['max_s'] or 0:.2f} s")
    say("container documents (path: statuses, largest answer, slowest answer):")
    for path, entry in results["documents"].items():
        say(f"  {path:<45} {entry['statuses']}  {entry['max_mb']:.2f} MB  {entry['max_s']:.2f} s")
    peaks = results["rss_gb"]
    worst = max(peaks.values())
    say("server RSS, all processes, peak per phase: " + ", ".join(f"{p} {v:.2f} GB" for p, v in peaks.items()))
    at_peak = results["rss_at_peak_mb"][max(peaks, key=peaks.__getitem__)]
    say(f"  at the peak ({len(at_peak)} processes, MB): " + ", ".join(f"{n} {v}" for n, v in at_peak.items()))
    say(f"server RSS peak {worst:.2f} GB, target ≤ {TARGETS['rss_gb']:.0f} GB: {mark[worst <= TARGETS['rss_gb']]}")
    say(f"load average at the end: {results['load_average_end']:.2f}")


if __name__ == "__main__":
    main()
