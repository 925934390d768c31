"""Build benchmark: the 2008–2025 era mix built from nothing, stage by stage, CPU and wall, against #17's targets.

Run from the project root:

    nice -n 10 .venv/bin/python benchmarks/build_scale.py               # 556 agencies × 2008–2025 = 10,008 reports
    nice -n 10 .venv/bin/python benchmarks/build_scale.py --agencies 56 # a quick look: 1,008 reports

Every figure is measured in this one run on this machine and printed with the target
beside it; the numbers also go to {work}/results.json.

1. corpus     publisher.synthetic writes the records (agencies × years, each year in its
              era's format: Jilin 2008–2018, national-2019 2019–2020, national-2021 2021 on)
              (benchmarks/scale.py `make_corpus`; kept with `--reuse`)
2. build      `publisher build --timings` from nothing: wall time from outside; per stage
              the build's own wall and CPU seconds, workers included (their own accounts,
              sent with their results) and its peak memory per process; from outside too,
              every 0.2 s from /proc, the resident memory of the build's whole process tree
              (its sum at each moment: the peak) and each process's CPU seconds (a check
              of the build's own figure); the store's triples
3. resident   `publisher watch` on the big build (benchmarks/resident.py `measure`): one
              national report (the newest year's report of the agency in the middle) changed
              `--repeat` times; time to `current` switched and to `publisher serve` on the
              same build answering the new figure (`--no-serve`: the switch only)
4. eras       per era, two era-pure corpora (`--sample` reports, and a quarter of that)
              built from nothing the same way: CPU per report = the difference of their
              CPU over the difference of their reports (what one more report of that era
              costs, the build's fixed cost taken out), per stage too; triples per report

The load average (`os.getloadavg`) is printed before and after: on a shared machine
the wall times are pessimistic, the CPU times less so.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from scale import PUBLISHER, ROOT, env_for, free_port, make_corpus, say, server, triples_of

TARGETS = {"build_s": 180.0, "memory_gb": 8.0, "one_change_s": 1.0}
BUILD = [PUBLISHER, "build", "--timings", "--progress"]  # the progress lines go to {folder}/build.log
SAMPLE_EVERY = 0.2
TICK = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")
RESULTS: dict[str, Any] = {}


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


# ---------------------------------------------------------------------------
# A build run and watched from outside
# ---------------------------------------------------------------------------


@dataclass
class Tree:
    """What the /proc sampler saw of a process and its descendants: the peak of their summed resident memory,
    and each process's latest CPU seconds (user and system)."""

    peak_rss: int = 0
    cpu: dict[int, float] = field(default_factory=dict)
    processes: set[int] = field(default_factory=set)

    def sample(self, root: int) -> None:
        children: dict[int, list[int]] = {}
        stats: dict[int, list[str]] = {}
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue
            stats[int(entry.name)] = fields
            children.setdefault(int(fields[1]), []).append(int(entry.name))
        rss, pending = 0, [root]
        while pending:
            pid = pending.pop()
            pending += children.get(pid, [])
            stat = stats.get(pid)
            if stat is None:
                continue
            self.processes.add(pid)
            self.cpu[pid] = (int(stat[11]) + int(stat[12])) / TICK
            rss += int(stat[21]) * PAGE
        self.peak_rss = max(self.peak_rss, rss)


@dataclass
class Built:
    """A `publisher build --timings` run: outside wall time and tree, and the build's own figures."""

    wall: float
    tree: Tree
    stages: dict[str, dict[str, float]]  # stage → wall, cpu, workers
    cpu: float
    memory: dict[str, Any]
    work: str

    def as_json(self) -> dict[str, Any]:
        return {
            "wall_s": self.wall,
            "cpu_s": self.cpu,
            "tree_cpu_s": sum(self.tree.cpu.values()),
            "tree_peak_rss_gb": self.tree.peak_rss / 1e9,
            "processes": len(self.tree.processes),
            "stages": self.stages,
            "memory": self.memory,
            "work": self.work,
        }


def _seconds(part: str) -> dict[str, float]:
    found = {}
    for item in part.split(", "):
        name, value, _s = item.split()
        found[name] = float(value)
    return found


def parse_timings(output: str) -> tuple[str, dict[str, dict[str, float]], dict[str, Any]]:
    """The lines `publisher build --timings` prints last: work done and wall seconds, CPU seconds, peak memory."""
    lines = output.strip().splitlines()[-3:]
    work, walls = lines[0].split("; timings: ")
    cpu_part, workers_part, _total = lines[1].removeprefix("cpu: ").split("; ")
    workers = workers_part.removeprefix("workers: ")
    wall, cpu = _seconds(walls), _seconds(cpu_part)
    theirs = _seconds(workers) if workers != "none" else {}
    stages = {name: {"wall": wall[name], "cpu": cpu[name], "workers": theirs.get(name, 0.0)} for name in wall}
    match = re.match(
        r"peak memory: build (\d+) MB, (?:no workers|workers ([\d +]+) MB, fork server (\d+) MB); total (\d+) MB",
        lines[2],
    )
    assert match, lines[2]
    memory = {
        "build_mb": int(match.group(1)),
        "workers_mb": [int(w) for w in match.group(2).split(" + ")] if match.group(2) else [],
        "server_mb": int(match.group(3) or 0),
        "total_mb": int(match.group(4)),
    }
    return work, stages, memory


def build_from_nothing(data: Path, build: Path, base: str, log: Path, **settings: str) -> Built:
    """`publisher build --timings` on an empty build folder, its process tree sampled every 0.2 s."""
    if build.exists():
        shutil.rmtree(build)
    env = env_for(base, data, build, **settings)
    tree = Tree()
    start = time.perf_counter()
    with log.open("wb") as errors:
        process = subprocess.Popen(BUILD, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=errors)
        chunks: list[bytes] = []
        reader = threading.Thread(target=lambda: chunks.append(process.stdout.read() if process.stdout else b""))
        reader.start()
        while process.poll() is None:
            tree.sample(process.pid)
            time.sleep(SAMPLE_EVERY)
        reader.join()
    wall = time.perf_counter() - start
    output = b"".join(chunks).decode()
    if process.returncode != 0:
        raise SystemExit(f"publisher build failed ({process.returncode}):\n{output[-2000:]}\n{log.read_text()[-4000:]}")
    work, stages, memory = parse_timings(output)
    return Built(wall, tree, stages, sum(s["cpu"] for s in stages.values()), memory, work)


# ---------------------------------------------------------------------------
# Era-pure samples
# ---------------------------------------------------------------------------


def eras(years: list[int]) -> dict[str, list[int]]:
    """The years of each era (report format) among `years`."""
    sys.path.insert(0, str(ROOT))
    from publisher.synthetic import format_of

    found: dict[str, list[int]] = {}
    for year in years:
        found.setdefault(format_of(year), []).append(year)
    return found


def era_cost(work: Path, slug: str, years: list[int], sample: int, seed: int, base: str) -> dict[str, Any]:
    """One era's marginal cost per report: two era-pure corpora (`sample` reports and a quarter), each built from
    nothing; (CPU of the big − CPU of the small) / (reports of the big − reports of the small), per stage too."""
    runs = []
    fewest = max(len(years), sample // 4)
    for size in (fewest, max(sample, fewest + len(years))):  # at least one agency more in the big one
        agencies = math.ceil(size / len(years))
        folder = work / f"era-{slug}-{agencies}"
        reports = make_corpus(folder / "data", agencies, seed, years)
        # worker processes for both sizes, as for the big corpus (a run of fewer than 64 would be checked in the
        # build's own process: the difference would then hold the workers' start too)
        built = build_from_nothing(folder / "data", folder / "build", base, folder / "build.log", build_pool_from="1")
        runs.append((reports, built, triples_of(folder / "build")))
        say(f"  {slug}: {reports} reports built in {built.wall:.1f} s wall, {built.cpu:.1f} s CPU")
        shutil.rmtree(folder / "build", ignore_errors=True)
    (n_small, small, t_small), (n_big, big, t_big) = runs
    extra = n_big - n_small
    per_stage = {
        name: (big.stages[name]["cpu"] - small.stages.get(name, {"cpu": 0.0})["cpu"]) / extra for name in big.stages
    }
    return {
        "reports": [n_small, n_big],
        "cpu_ms_per_report": 1000 * (big.cpu - small.cpu) / extra,
        "wall_ms_per_report": 1000 * (big.wall - small.wall) / extra,
        "stage_cpu_ms_per_report": {name: 1000 * v for name, v in per_stage.items()},
        "triples_per_report": (t_big - t_small) / extra,
        "fixed_cpu_s": small.cpu - n_small * (big.cpu - small.cpu) / extra,
        "runs": [small.as_json(), big.as_json()],
    }


# ---------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--agencies", type=int, default=556, help="agencies (× 18 years = reports); default 556")
    parser.add_argument("--seed", type=int, default=2011)
    parser.add_argument("--years", default="2008-2025", help="reporting years FIRST-LAST")
    parser.add_argument("--work", type=Path, default=ROOT / "build" / "bench-build", help="folder for all it writes")
    parser.add_argument("--reuse", action="store_true", help="keep {work}/data if there (no new corpus)")
    parser.add_argument("--sample", type=int, default=200, help="reports of each era-pure sample (0: none)")
    parser.add_argument("--repeat", type=int, default=5, help="changes republished by the resident builder")
    parser.add_argument("--no-serve", action="store_true", help="resident builder: time to the switch only")
    parser.add_argument("--report", action="store_true", help="only print {work}/results.json (of a run stopped)")
    args = parser.parse_args()
    work: Path = args.work.resolve()
    if args.report:
        RESULTS.update(json.loads((work / "results.json").read_text(encoding="utf-8")))
        report()
        return
    work.mkdir(parents=True, exist_ok=True)
    data, build = work / "data", work / "build"
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    first, _, last = args.years.partition("-")
    years = list(range(int(first), int(last or first) + 1))
    RESULTS["load_before"] = load_average()
    say(f"load average before: {RESULTS['load_before']}")

    if args.reuse and (data / "reports").is_dir():
        RESULTS["reports"] = len(list((data / "reports").glob("*/*.yaml")))
        say(f"corpus: reusing {data} ({RESULTS['reports']} reports)")
    else:
        RESULTS["reports"] = make_corpus(data, args.agencies, args.seed, years)
    mix: Counter[int] = Counter()
    for record in (data / "reports").glob("*/*.yaml"):
        mix[int(record.stem)] += 1
    by_era = {slug: sum(mix[y] for y in era_years) for slug, era_years in eras(sorted(mix)).items()}
    RESULTS["mix"] = by_era

    say("build: from nothing …")
    built = build_from_nothing(data, build, base, work / "build.log")
    RESULTS["build"] = built.as_json()
    RESULTS["triples"] = triples_of(build)
    RESULTS["load_after_build"] = load_average()
    say(f"build: {built.work}, {RESULTS['triples']:,} triples in {built.wall:.1f} s (load {load_average()})")
    save(work)

    say("resident builder: one national report changed (publisher watch) …")
    import resident  # benchmarks/resident.py, beside this script

    national = max(years)  # the newest era's
    if args.no_serve:
        RESULTS["resident"] = resident.measure(work, base, args.repeat, None, year=national)
    else:
        serve_env = env_for(base, data, build) | {"PUBLISHER_WEB_PROCESSES": "1"}
        with server(serve_env, port):
            RESULTS["resident"] = resident.measure(work, base, args.repeat, port, year=national)
    save(work)

    if args.sample:
        say(f"eras: era-pure samples of {args.sample} reports and a quarter of that, each built from nothing …")
        RESULTS["eras"] = {}
        for slug, era_years in eras(years).items():
            RESULTS["eras"][slug] = era_cost(work, slug, era_years, args.sample, args.seed, base)
            save(work)
    RESULTS["load_after"] = load_average()
    save(work)
    report()


def save(work: Path) -> None:
    """The results so far to {work}/results.json (`--report` prints them: a run stopped midway keeps its steps)."""
    (work / "results.json").write_text(json.dumps(RESULTS, indent=2), encoding="utf-8")


def report() -> None:
    r = RESULTS
    b = r["build"]
    mark = {True: "met", False: "NOT MET"}
    say("")
    mix = ", ".join(f"{n:,} {slug}" for slug, n in r["mix"].items())
    say(f"corpus: {r['reports']:,} reports ({mix}), {r['triples']:,} triples ({b['work']})")
    say(f"load average: before {r['load_before']}, after the build {r.get('load_after_build', '-')}"
        f", at the end {r.get('load_after', '(not reached)')}")  # fmt: skip
    say("")
    say("stage          wall s     CPU s   workers s   CPU/wall")
    for name, s in b["stages"].items():
        ratio = s["cpu"] / s["wall"] if s["wall"] > 0.005 else float("nan")
        say(f"{name:<10} {s['wall']:9.2f} {s['cpu']:9.2f} {s['workers']:11.2f}   {ratio:8.2f}")
    walls = sum(s["wall"] for s in b["stages"].values())
    workers = sum(s["workers"] for s in b["stages"].values())
    say(f"{'total':<10} {walls:9.2f} {b['cpu_s']:9.2f} {workers:11.2f}   {b['cpu_s'] / walls:8.2f}")
    say(f"(outside: {b['wall_s']:.2f} s wall from exec to exit; {b['tree_cpu_s']:.2f} s CPU of its "
        f"{b['processes']} processes, sampled from /proc)")  # fmt: skip
    say(
        f"per report: {1000 * b['cpu_s'] / r['reports']:.1f} ms CPU, {1000 * b['wall_s'] / r['reports']:.1f} ms wall; "
        f"{r['triples'] / r['reports']:,.0f} triples"
    )
    m = b["memory"]
    say(
        f"peak memory: {b['tree_peak_rss_gb']:.2f} GB, the process tree's summed RSS sampled every {SAMPLE_EVERY} s; "
        f"the build's own: build {m['build_mb']} MB, workers {' + '.join(map(str, m['workers_mb'])) or '-'} MB, "
        f"fork server {m['server_mb']} MB (≤ {m['total_mb']} MB together)"
    )
    if "eras" in r:
        say("")
        say("era (marginal, era-pure builds)  CPU ms/report  wall ms/report  triples/report  check  files  load")
        for slug, e in r["eras"].items():
            st = e["stage_cpu_ms_per_report"]
            say(
                f"{slug:<17} {e['reports'][0]:>4}→{e['reports'][1]:<4}  {e['cpu_ms_per_report']:13.1f}  "
                f"{e['wall_ms_per_report']:14.1f}  {e['triples_per_report']:14,.0f}  {st.get('check', 0):5.0f}  "
                f"{st.get('files', 0):5.0f}  {st.get('load', 0):4.0f}"
            )
        expected = sum(r["mix"].get(slug, 0) * e["cpu_ms_per_report"] / 1000 for slug, e in r["eras"].items())
        say(f"the mix at these costs: {expected:.0f} s CPU + the fixed part (measured: {b['cpu_s']:.0f} s)")
    res = r.get("resident")
    say("")
    say(f"build from nothing     {b['wall_s']:8.1f} s    target ≤ 180 s   {mark[b['wall_s'] <= TARGETS['build_s']]}")
    peak = b["tree_peak_rss_gb"]
    say(f"peak memory            {peak:8.2f} GB   target ≤ 8 GB    {mark[peak <= TARGETS['memory_gb']]}")
    if res is None:
        say("one change (resident)  (not reached)")
        return
    switched, served = res["resident_switch_s"], res["resident_served_s"]
    say(
        f"one change (resident)  {switched:8.2f} s    target ≤ 1 s     {mark[switched <= TARGETS['one_change_s']]}"
        + (f"  (to the switch; {served:.2f} s to the new figure served)" if served is not None else "")
        + f"; publisher build started anew {res['fresh_build_s']:.2f} s"
    )


if __name__ == "__main__":
    main()
