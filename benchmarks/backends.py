"""Named-query latencies, embedded store vs Virtuoso, at 1M and 5M triples in one run.

Run from the project root:

    .venv/bin/python benchmarks/backends.py                          # 1M and 5M triples
    .venv/bin/python benchmarks/backends.py --sizes 1M --repeat 5    # a quicker look
    .venv/bin/python benchmarks/backends.py --work DIR               # corpora built before in DIR are reused

For each size:

1. corpus    publisher.synthetic writes ≈ size / 44,273 agencies × 2008–2025 (seed 2011;
             TRIPLES_PER_AGENCY, by era), unless
             {work}/{size}/build/current exists already;
2. build     `publisher build` (the embedded store): its release holds the store and
             downloads/corpus.nq.gz, every named graph as N-Quads;
3. load      a throw-away Virtuoso (scripts/virtuoso start, loopback, deploy/virtuoso-setup.sql)
             bulk-loads that same dump with its bulk loader (ld_dir + rdf_loader_run +
             checkpoint, through isql-vt): wall time, and the triples counted back;
4. queries   every publisher/sparql/queries/*.rq with the same parameters (an agency in the
             middle of the corpus, one of its years, jilin-city-2011/category/all,
             annual), each on the dataset the server uses (a report's or an agency's
             graphs and the ontology's for a scoped query, else the union), median of
             --repeat runs (at most --budget s each), in three ways:
               embedded   pyoxigraph on the release's store, read-only, in this process;
                          every solution read;
               virtuoso   the same query sent to Virtuoso over the SPARQL protocol
                          (SPARQLWrapper, POST; parameters bound by a VALUES block,
                          publisher.store.remote.with_values; the dataset as default-graph-uri
                          and named-graph-uri); the SPARQL XML answer read and parsed
                          by pyoxigraph, every solution read;
               remote     publisher.store.remote.RemoteStore, what the publisher itself does on
                          Virtuoso: a scoped query's graphs are fetched once and the query
                          evaluated here by Oxigraph (the median is warm; the first,
                          cold call is shown apart), any other query is sent;
             and the rows of each way are compared with the embedded store's.

Everything runs at `nice` priority of the caller; the Virtuoso is stopped by its pid at the
end, also on failure. Numbers go to stdout and to {work}/backends.json.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from SPARQLWrapper import POST, SPARQLWrapper

from publisher.errors import StoreError
from publisher.release.dumps import copy_dump
from publisher.sparql import namedqueries
from publisher.store.remote import RemoteConfig, RemoteStore, with_values

ROOT = Path(__file__).resolve().parent.parent

PYTHON = sys.executable
PUBLISHER = str(Path(PYTHON).parent / "publisher")
VIRTUOSO = [PYTHON, str(ROOT / "scripts" / "virtuoso")]
BASE = "http://127.0.0.1:8000"
#: Triples of one agency × 2008–2025: 11 pre-2019 reports of ≈694 triples and 7 national ones of ≈5,200
#: (2019: 5,182; 2021: 5,255; measured on synthetic reports of each era). The runs recorded in
#: benchmarks/README.md were made before the generator wrote the national eras (10,822 per agency then).
TRIPLES_PER_AGENCY = 11 * 694 + 2 * 5_182 + 5 * 5_255
RESULTS: dict[str, Any] = {}


def say(text: str) -> None:
    print(text, flush=True)


def size_of(text: str) -> int:
    match = re.fullmatch(r"(\d+(?:\.\d+)?)([kKmM]?)", text)
    if not match:
        raise argparse.ArgumentTypeError(f"a size is a number of triples such as 1M, 500k or 2000000, not {text!r}")
    return int(float(match.group(1)) * {"": 1, "k": 1e3, "m": 1e6}[match.group(2).lower()])


def label(size: int) -> str:
    return f"{size / 1e6:g}M" if size >= 1e6 else f"{size / 1e3:g}k"


# ---------------------------------------------------------------------------
# 1–2: corpus and embedded build
# ---------------------------------------------------------------------------


def corpus_and_build(work: Path, size: int, seed: int) -> dict[str, Any]:
    from publisher.synthetic import generate

    data, build = work / "data", work / "build"
    found: dict[str, Any] = {}
    if (build / "current" / "manifest.json").exists():
        say(f"[{label(size)}] reusing {build}")
    else:
        agencies = max(1, round(size / TRIPLES_PER_AGENCY))
        if data.exists():
            shutil.rmtree(data)
        if build.exists():
            shutil.rmtree(build)
        summary = generate(data, agencies, seed=seed)
        say(f"[{label(size)}] corpus: {summary.agencies} agencies, {summary.reports} reports; building …")
        env = {k: v for k, v in os.environ.items() if not k.startswith("PUBLISHER_")}
        env |= {"PUBLISHER_BASE_IRI": BASE, "PUBLISHER_DATA_DIR": str(data), "PUBLISHER_BUILD_DIR": str(build)}
        start = time.perf_counter()
        done = subprocess.run([PUBLISHER, "build"], env=env, cwd=ROOT, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise SystemExit(
                f"publisher build failed ({done.returncode}):\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}"
            )
        found["build_s"] = time.perf_counter() - start
    manifest = json.loads((build / "current" / "manifest.json").read_text(encoding="utf-8"))
    found["reports"] = len(manifest["reports"])
    found["triples"] = int(manifest["triples"])
    chosen = manifest["reports"][len(manifest["reports"]) // 2]
    found["values"] = {
        "agency": chosen["agency"],
        "year": str(chosen["year"]),
        "item": "jilin-city-2011/category/all",
        "period": "annual",
    }
    say(f"[{label(size)}] {found['reports']:,} reports, {found['triples']:,} triples in the embedded store")
    return found


# ---------------------------------------------------------------------------
# 3: Virtuoso and its bulk load
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Virtuoso:
    directory: Path
    query_url: str
    sql_port: int
    dba_password: str


@contextmanager
def virtuoso(directory: Path, buffers: int) -> Iterator[Virtuoso]:
    if directory.exists():
        shutil.rmtree(directory)
    done = subprocess.run(
        [*VIRTUOSO, "start", str(directory), "--json", "--buffers", str(buffers)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        raise SystemExit(f"scripts/virtuoso start failed ({done.returncode}):\n{done.stderr}")
    found = json.loads(done.stdout)
    try:
        yield Virtuoso(
            directory, found["VIRTUOSO_QUERY_URL"], found["VIRTUOSO_SQL_PORT"], found["VIRTUOSO_DBA_PASSWORD"]
        )
    finally:
        subprocess.run([*VIRTUOSO, "stop", str(directory)], capture_output=True, check=False)
        shutil.rmtree(directory, ignore_errors=True)


def isql(server: Virtuoso, sql: str) -> str:
    done = subprocess.run(
        ["isql-vt", f"127.0.0.1:{server.sql_port}", "dba", server.dba_password, f"exec={sql}"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    if done.returncode != 0 or "*** Error" in done.stderr:
        raise SystemExit(f"isql-vt failed running {sql!r}:\n{done.stderr}")
    return done.stdout


def bulk_load(server: Virtuoso, release: Path, name: str = "corpus.nq.gz") -> float:
    """The release's dump `name` loaded by Virtuoso's bulk loader (the graph of each quad kept); wall time,
    checkpoint included (not the writing of the dump from its year parts)."""
    folder = server.directory / "load"  # inside the database folder: in DirsAllowed
    folder.mkdir()
    copy_dump(release, name, folder / name)
    dump = folder / name
    start = time.perf_counter()
    isql(
        server,
        f"ld_dir('{folder}', '{dump.name}', 'urn:x-publisher:bulk-load-default'); rdf_loader_run(); checkpoint;",
    )
    elapsed = time.perf_counter() - start
    errors = isql(server, "select ll_file, ll_error from DB.DBA.LOAD_LIST where ll_error is not null;")
    if "0 Rows." not in errors:
        raise SystemExit(f"the bulk loader reported an error:\n{errors}")
    return elapsed


def count_triples(query_url: str) -> int:
    query = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
    request = urllib.request.Request(
        f"{query_url}?{urllib.parse.urlencode({'query': query})}", headers={"Accept": "text/csv"}
    )
    with urllib.request.urlopen(request, timeout=600) as answer:
        return int(answer.read().decode().split()[-1])


# ---------------------------------------------------------------------------
# 4: named queries
# ---------------------------------------------------------------------------


def timed(run: Callable[[], int], repeat: int, budget: float) -> tuple[float, int]:
    """Median seconds of `repeat` runs (stopping early past `budget` s), and the rows of the last."""
    times: list[float] = []
    rows = 0
    started = time.perf_counter()
    for _ in range(repeat):
        start = time.perf_counter()
        rows = run()
        times.append(time.perf_counter() - start)
        if time.perf_counter() - started > budget:
            break
    return statistics.median(times), rows


def rows_of(result: ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples) -> int:
    if isinstance(result, ox.QueryBoolean):
        return 1
    return sum(1 for _ in result)


def names(dataset: dict[str, Any]) -> tuple[list[str], list[str]]:
    """default-graph-uri and named-graph-uri of a dataset in pyoxigraph's keywords ([] and [] for the union)."""
    if dataset.get("use_default_graph_as_union"):
        return [], []
    return [g.value for g in dataset["default_graph"]], [g.value for g in dataset["named_graphs"]]


def sparql_protocol(query_url: str, text: str, defaults: list[str], named: list[str]) -> int:
    client = SPARQLWrapper(query_url)
    client.setMethod(POST)
    client.setTimeout(600)
    client.setQuery(text)
    client.setOnlyConneg(True)
    client.addCustomHttpHeader("Accept", "application/sparql-results+xml")
    for graph in defaults:
        client.addDefaultGraph(graph)
    for graph in named:
        client.addNamedGraph(graph)
    response = client.query().response
    try:
        data = response.read()
    finally:
        response.close()
    return rows_of(ox.parse_query_results(data, ox.QueryResultsFormat.XML))


def graph_lists(embedded: ox.Store, remote: RemoteStore, query_url: str) -> dict[str, Any]:
    """The list of named graphs (what a scoped query's dataset is chosen from), each way, once."""
    found: dict[str, Any] = {}
    start = time.perf_counter()
    found["embedded_graphs"] = sum(1 for _ in embedded.named_graphs())
    found["embedded_s"] = time.perf_counter() - start
    start = time.perf_counter()
    try:
        found["remote_graphs"] = sum(1 for _ in remote.named_graphs())
        found["remote_s"] = time.perf_counter() - start
    except StoreError as exc:  # Virtuoso's answer (a timeout, say): reported, not fatal
        found["remote_s"] = time.perf_counter() - start
        found["remote_error"] = str(exc).splitlines()[0][:200]
    start = time.perf_counter()
    found["group_by_graphs"] = sparql_protocol(
        query_url, "SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g", [], []
    )
    found["group_by_s"] = time.perf_counter() - start
    return found


def compare(build: Path, server: Virtuoso, values: dict[str, str], repeat: int, budget: float) -> dict[str, Any]:
    embedded = ox.Store.read_only(str(build / "current" / "store"))
    remote = RemoteStore(RemoteConfig(kind="virtuoso", query_url=server.query_url, timeout=600.0))
    found: dict[str, Any] = {"graph lists": graph_lists(embedded, remote, server.query_url)}
    say(f"  graph lists: {found['graph lists']}")
    for query in namedqueries.catalogue().values():
        params = {p.name: values[p.name] for p in query.parameters}
        bindings = query.bindings(BASE, params)
        dataset = query.dataset(embedded, BASE, params)  # the same graph names in both stores
        defaults, named = names(dataset)
        text = with_values(query.text, {v.value: str(t) for v, t in bindings.items()}) if bindings else query.text
        text = f"BASE <{BASE}/>\n{text}"

        def run_embedded(q: Any = query, b: Any = bindings, d: Any = dataset) -> int:
            return rows_of(embedded.query(q.text, base_iri=BASE + "/", substitutions=b, **d))

        def run_virtuoso(t: str = text, d: list[str] = defaults, n: list[str] = named) -> int:
            return sparql_protocol(server.query_url, t, d, n)

        def run_remote(q: Any = query, b: Any = bindings, d: Any = dataset) -> int:
            return rows_of(remote.query(q.text, base_iri=BASE + "/", substitutions=b, **d))

        entry: dict[str, Any] = {"scope": query.scope}
        start = time.perf_counter()
        run_remote()
        entry["remote_cold"] = time.perf_counter() - start
        run_embedded()
        run_virtuoso()
        entry["embedded"], entry["embedded_rows"] = timed(run_embedded, repeat, budget)
        entry["virtuoso"], entry["virtuoso_rows"] = timed(run_virtuoso, repeat, budget)
        entry["remote"], entry["remote_rows"] = timed(run_remote, repeat, budget)
        found[query.name] = entry
        say(
            f"  {query.name:34} embedded {entry['embedded'] * 1000:8.1f} ms"
            f"  virtuoso {entry['virtuoso'] * 1000:8.1f} ms"
            f"  remote {entry['remote'] * 1000:8.1f} ms (cold {entry['remote_cold'] * 1000:.0f})"
            f"  rows {entry['embedded_rows']}/{entry['virtuoso_rows']}/{entry['remote_rows']}"
        )
    return found


# ---------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", nargs="+", type=size_of, default=[1_000_000, 5_000_000], help="default: 1M 5M")
    parser.add_argument("--work", type=Path, default=ROOT / "build" / "backends", help="folder for corpora and builds")
    parser.add_argument("--repeat", type=int, default=10, help="runs per query timing (median); default 10")
    parser.add_argument("--budget", type=float, default=20.0, help="seconds of runs per timing at most; default 20")
    parser.add_argument("--seed", type=int, default=2011)
    parser.add_argument(
        "--buffers", type=int, default=250_000, help="Virtuoso NumberOfBuffers (8 KB pages); default 250000 ≈ 2 GB"
    )
    args = parser.parse_args()
    work: Path = args.work.resolve()
    RESULTS["load_average_start"] = os.getloadavg()
    for size in args.sizes:
        folder = work / label(size)
        folder.mkdir(parents=True, exist_ok=True)
        found = corpus_and_build(folder, size, args.seed)
        with virtuoso(folder / "virtuoso", args.buffers) as server:
            found["load_s"] = bulk_load(server, (folder / "build" / "current").resolve())
            found["virtuoso_triples"] = count_triples(server.query_url)
            say(
                f"[{label(size)}] Virtuoso bulk load: {found['load_s']:.1f} s, "
                f"{found['virtuoso_triples']:,} triples counted back (embedded: {found['triples']:,})"
            )
            found["queries"] = compare(folder / "build", server, found["values"], args.repeat, args.budget)
        RESULTS[label(size)] = found
    RESULTS["load_average_end"] = os.getloadavg()
    (work / "backends.json").write_text(json.dumps(RESULTS, indent=2), encoding="utf-8")
    report([label(s) for s in args.sizes])


def report(sizes: list[str]) -> None:
    say("")
    for size in sizes:
        r = RESULTS[size]
        say(f"## {size}: {r['reports']:,} reports, {r['triples']:,} triples; Virtuoso bulk load {r['load_s']:.1f} s")
    say("")
    head = "| named query | scope |" + "".join(
        f" {s} embedded | {s} Virtuoso | {s} ratio | {s} RemoteStore (cold) |" for s in sizes
    )
    say(head)
    say("|" + "---|" * (2 + 4 * len(sizes)))
    for name in [n for n in RESULTS[sizes[0]]["queries"] if n != "graph lists"]:
        cells = [f"`{name}`", RESULTS[sizes[0]]["queries"][name]["scope"]]
        for size in sizes:
            q = RESULTS[size]["queries"][name]
            same = q["embedded_rows"] == q["virtuoso_rows"] == q["remote_rows"]
            flag = "" if same else f" ⚠ rows {q['embedded_rows']}/{q['virtuoso_rows']}/{q['remote_rows']}"
            cells += [
                f"{q['embedded'] * 1000:.1f}",
                f"{q['virtuoso'] * 1000:.1f}{flag}",
                f"{q['embedded'] / q['virtuoso']:.2f}",
                f"{q['remote'] * 1000:.1f} ({q['remote_cold'] * 1000:.0f})",
            ]
        say("| " + " | ".join(cells) + " |")
    say("")
    say("ms, median; ratio = embedded / Virtuoso (above 1: Virtuoso faster); rows compared across the three ways.")
    for size in sizes:
        say(f"graph lists at {size}: {RESULTS[size]['queries']['graph lists']}")
    say(f"load average at start {RESULTS['load_average_start']}, at end {RESULTS['load_average_end']}")


if __name__ == "__main__":
    main()
