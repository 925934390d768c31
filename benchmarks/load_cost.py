"""What reading a record and bulk-loading the store cost, the code of a baseline commit against this tree, in one run.

Run from the project root, on a data folder and a build folder built from it (the
store's bulk load reads the build's cache of checked reports):

    nice -n 10 .venv/bin/python benchmarks/load_cost.py --data /tmp/m/data --build /tmp/load-build
    nice -n 10 .venv/bin/python benchmarks/load_cost.py --data D --build B --reports 200 --rounds 5

The baseline's tree (`--baseline`, a commit: by default the one before
reading and loading were made faster) is taken out with `git archive` into a temporary
folder; the same measurements then run in two processes, one on the baseline's code
and one on this tree's, one after the other:

- `load_report`: CPU time (`time.process_time`) per record, the least of `--rounds`
  rounds, by the record's format (jilin-city-2011: the years to 2018; national-2019,
  national-2021: the national tables of 2019 and later), `--per-format` records each,
  with what was loaded before frozen out of the garbage collector's reach, as a pool's
  worker freezes it (`WorkerState.settle`; else every full collection walks the project);
- the store's bulk load (`bulkstore.new_store`) of the first `--reports` reports of the
  build's cache: wall and CPU seconds and triples a second, the least wall of `--rounds`
  rounds (a new store each), then `optimize()` as `switch()` runs it;

and the ratios of the two are printed. The report graphs of the two sides' stores are
checked to hold the same quads (the script stops if not); the shared graphs (ontology,
formats, shapes) are each side's own.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
#: The commit before records were read and the store loaded faster (#17).
BASELINE = "13db899"


def measure(args: argparse.Namespace) -> dict[str, Any]:
    """The figures of the `publisher` package this process imports (run in a child process)."""
    import gc
    import hashlib

    import pyoxigraph as ox

    from publisher.build.bulkstore import entry_of, new_store
    from publisher.build.checked import read_cache
    from publisher.build.workerstate import WorkerState
    from publisher.records.loading import find_records, load_report
    from publisher.settings import load_settings

    os.environ.update(PUBLISHER_DATA_DIR=args.data, PUBLISHER_BUILD_DIR=args.build)
    settings = load_settings()
    caches = [p for p in (Path(args.build) / "cache").iterdir() if (p / "reports").is_dir()]
    state = WorkerState(settings, caches[0])
    project = state.project
    formats = {slug: f.record_keys for slug, f in project.formats.items()}
    by_format: dict[str, list[Path]] = {}
    for path in find_records(Path(args.data)):
        report = load_report(path, project.registry, formats)
        by_format.setdefault(report.format, []).append(path)
    gc.collect()
    gc.freeze()  # what is loaded stays out of the collections, as in a pool's worker (WorkerState.settle)
    figures: dict[str, Any] = {"load_report": {}, "bulk": {}}
    for slug, paths in sorted(by_format.items()):
        paths = paths[: args.per_format]
        best = min(_cpu(load_report, paths, project.registry, formats) for _ in range(args.rounds))
        figures["load_report"][slug] = {"ms": best / len(paths) * 1000, "records": len(paths)}

    entries = {}
    for path in sorted((caches[0] / "reports").glob("*/*.pickle"))[: args.reports]:
        checked = read_cache(caches[0], path.stem)
        assert checked is not None
        entry = entry_of(checked, project.iris)
        entries[entry.iri] = entry
    rounds = []
    with tempfile.TemporaryDirectory(dir=args.build) as folder:
        for index in range(args.rounds):
            wall, cpu = time.perf_counter(), time.process_time()
            store = new_store(Path(folder) / f"store-{index}", state, entries, caches[0])
            load = (time.perf_counter() - wall, time.process_time() - cpu)
            wall, cpu = time.perf_counter(), time.process_time()
            store.flush()
            store.optimize()
            optimize = (time.perf_counter() - wall, time.process_time() - cpu)
            rounds.append((load, optimize, len(store)))
            if index == 0:  # the report graphs' quads (the shared graphs are the tree's own: ontology, shapes)
                lines = sorted(str(q).encode() for q in store if str(q.graph_name)[1:-1] in entries)
                digest = hashlib.sha256(b"\n".join(lines)).hexdigest()
                report_quads = len(lines)
            del store
    load, optimize, quads = min(rounds)
    figures["bulk"] = {
        "reports": len(entries), "quads": quads, "report_quads": report_quads, "load": load, "optimize": optimize,
        "digest": digest,
    }  # fmt: skip
    del ox
    return figures


def _cpu(load: Any, paths: list[Path], *args: Any) -> float:
    """CPU seconds to read every record of `paths`."""
    start = time.process_time()
    for path in paths:
        load(path, *args)
    return time.process_time() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", required=True, help="a data folder (data/reports, data/agencies.yaml)")
    parser.add_argument("--build", required=True, help="a build folder built from --data (its cache is read)")
    parser.add_argument("--baseline", default=BASELINE, help=f"the commit to compare with (default {BASELINE})")
    parser.add_argument("--reports", type=int, default=10_000, help="reports bulk-loaded (default: all)")
    parser.add_argument("--per-format", type=int, default=40, help="records read per format")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args)))
        return
    folder = Path(tempfile.mkdtemp(prefix="load-cost-"))
    try:
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", args.baseline], check=True, capture_output=True)
        subprocess.run(["tar", "-x", "-C", str(folder)], input=archive.stdout, check=True)
        sides = {}
        for name, root in (("before", folder), ("after", ROOT)):
            command = [sys.executable, str(Path(__file__).resolve()), "--measure", *sys.argv[1:]]
            env = {**os.environ, "PYTHONPATH": str(root)}
            done = subprocess.run(command, env=env, capture_output=True, text=True, cwd=root)
            if done.returncode:
                sys.exit(f"the {name} side failed:\n{done.stderr}")
            sides[name] = json.loads(done.stdout.strip().splitlines()[-1])
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    before, after = sides["before"], sides["after"]
    print(f"load average {os.getloadavg()[0]:.2f}; baseline {args.baseline}")
    print("\nload_report, CPU ms per record (least of the rounds)")
    print(f"{'format':<20} {'records':>7} {'before':>9} {'after':>9} {'ratio':>7}")
    for slug, b in before["load_report"].items():
        a = after["load_report"][slug]
        print(f"{slug:<20} {b['records']:>7} {b['ms']:>9.2f} {a['ms']:>9.2f} {b['ms'] / a['ms']:>6.1f}×")
    b, a = before["bulk"], after["bulk"]
    print(f"\nbulk load of {b['reports']} reports ({b['quads']} quads; least wall of the rounds)")
    print(f"{'':<12} {'wall s':>8} {'CPU s':>8} {'quads/s':>10}")
    for name, side in (("before", b), ("after", a)):
        wall, cpu = side["load"]
        print(f"{name:<12} {wall:>8.2f} {cpu:>8.2f} {side['quads'] / wall:>10.0f}")
    print(f"{'ratio':<12} {b['load'][0] / a['load'][0]:>7.1f}× {b['load'][1] / a['load'][1]:>7.1f}×")
    for name, side in (("before", b), ("after", a)):
        print(f"optimize {name}: wall {side['optimize'][0]:.2f} s, CPU {side['optimize'][1]:.2f} s")
    if b["digest"] != a["digest"]:
        sys.exit(f"the report graphs of the two stores differ ({b['report_quads']} and {a['report_quads']} quads)")
    print(f"the same {a['report_quads']} quads in both stores' report graphs (in all: {b['quads']}, {a['quads']})")


if __name__ == "__main__":
    main()
