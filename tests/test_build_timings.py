"""`publisher build --timings`: each stage's CPU seconds, the worker processes' included, and the peak memory.

The workers are forked by a fork server, not by the build, so the build's own resource
usage never sees them: each sends its own account with its results (publisher.build.pool),
which the build's clock adds to the stage. A synthetic corpus of 2 agencies × 2015 and
2021 (4 reports: 2 Jilin, 2 national) is built with `build_pool_from` 1 and 2 workers, so
that both stages run by workers (checking and writing the reports' files) run in them, as
they would for 64 reports or more; then built again with nothing changed.
"""

from __future__ import annotations

import os
import re
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from publisher import synthetic
from publisher.build.bulkstore import Background
from publisher.build.summary import Clock
from publisher.cli import main
from tests.helpers import BASE

#: The stages of a build that publishes, in order (publisher.build.stages), and of one that finds nothing changed.
STAGES = [
    "keys", "cache", "check", "rules", "plan", "load", "annotate", "link", "files", "corpus", "void", "catalog",
    "manifest", "publish", "tidy",
]  # fmt: skip
UNCHANGED = ["keys", "cache", "check", "plan"]
SECONDS = re.compile(r"^(\w+) (\d+\.\d\d) s$")
MEMORY = re.compile(
    r"^peak memory: build (\d+) MB, (?:no workers|workers (\d+(?: \+ \d+)*) MB, fork server (\d+) MB); total (\d+) MB$"
)


def build(data: Path, out: Path) -> Result:
    env = {name: None for name in os.environ if name.startswith("PUBLISHER_")}
    env |= {"PUBLISHER_BUILD_POOL_FROM": "1", "PUBLISHER_BUILD_WORKERS": "2"}
    args = ["build", "--data", str(data), "--out", str(out), "--base-iri", BASE, "--timings"]
    return CliRunner(env=env).invoke(main, args)


def stages(part: str) -> dict[str, float]:
    """'check 1.20 s, files 0.30 s' as {'check': 1.2, 'files': 0.3}."""
    found = {}
    for item in part.split(", "):
        match = SECONDS.match(item)
        assert match, item
        found[match.group(1)] = float(match.group(2))
    return found


def parse(output: str) -> tuple[str, dict[str, float], dict[str, float], str, float, re.Match[str]]:
    """The three lines `--timings` adds: the work done and wall seconds, the CPU seconds, the peak memory."""
    lines = output.strip().splitlines()[-3:]
    work, walls = lines[0].split("; timings: ")
    assert lines[1].startswith("cpu: "), lines
    cpu_part, workers_part, total_part = lines[1].removeprefix("cpu: ").split("; ")
    assert workers_part.startswith("workers: "), lines[1]
    workers = workers_part.removeprefix("workers: ")
    total = re.fullmatch(r"total (\d+\.\d\d) s, wall (\d+\.\d\d) s", total_part)
    assert total, total_part
    memory = MEMORY.match(lines[2])
    assert memory, lines[2]
    return work, stages(walls), stages(cpu_part), workers, float(total.group(1)), memory


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Result, Result]:
    root = tmp_path_factory.mktemp("timings")
    synthetic.generate(root / "data", 2, years=(2015, 2021), seed=7)
    first = build(root / "data", root / "build")
    assert first.exit_code == 0, first.output
    again = build(root / "data", root / "build")
    assert again.exit_code == 0, again.output
    return first, again


def test_every_stage_has_its_cpu_seconds_and_the_workers_share(runs: tuple[Result, Result]) -> None:
    work, wall, cpu, workers, total, _memory = parse(runs[0].output)
    assert work == "4 checked, 4 written"
    assert list(wall) == STAGES and list(cpu) == STAGES
    theirs = stages(workers)
    # checking and writing the files ran in the workers (and whatever else a build gives them to do)
    assert theirs.get("check", 0) > 0 and theirs.get("files", 0) > 0 and set(theirs) <= set(STAGES), workers
    for stage, seconds in theirs.items():
        assert seconds <= cpu[stage], (stage, seconds, cpu[stage])
    # checking 4 reports, two of them national (≈ 200 ms each in December 2026), with the project loaded in a
    # worker: well above 50 ms of CPU; no stage more CPU than its wall time allows on this machine's cores
    assert cpu["check"] > 0.05, cpu
    # (the store's load and compaction run in threads beside other stages: counted in `load` and `publish`, they
    # may take more CPU than those stages' own wall time; the build as a whole cannot)
    cores = len(os.sched_getaffinity(0))
    for stage in set(STAGES) - {"load", "publish"}:
        assert cpu[stage] <= wall[stage] * cores + 0.05, (stage, cpu[stage], wall[stage])
    assert total <= sum(wall.values()) * cores + 0.05, (total, wall)
    assert abs(total - sum(cpu.values())) < 0.01 * len(STAGES), (total, cpu)


def test_peak_memory_names_the_build_each_worker_and_the_fork_server(runs: tuple[Result, Result]) -> None:
    memory = parse(runs[0].output)[-1]
    build_mb, server_mb, total_mb = int(memory.group(1)), int(memory.group(3)), int(memory.group(4))
    workers_mb = [int(w) for w in memory.group(2).split(" + ")]
    assert 1 <= len(workers_mb) <= 2, memory.group(0)  # 2 workers at most; 4 reports are one batch of each stage
    # a Python process that has imported the publisher holds tens of megabytes at least
    assert min(build_mb, server_mb, *workers_mb) >= 30, memory.group(0)
    parts = build_mb + server_mb + sum(workers_mb)
    assert parts <= total_mb <= parts + 2 + len(workers_mb), memory.group(0)  # each part rounded down


def test_a_build_with_nothing_changed_checks_nothing_and_starts_no_worker(runs: tuple[Result, Result]) -> None:
    work, wall, cpu, workers, _total, memory = parse(runs[1].output)
    assert work == "0 checked, 0 written (incremental)"
    assert list(wall) == UNCHANGED and list(cpu) == UNCHANGED
    assert workers == "none"
    assert memory.group(0).endswith(", no workers; total " + memory.group(4) + " MB")


def test_a_thread_that_works_beside_the_stages_is_counted_in_its_own() -> None:
    """The store's load runs in a thread of the build's process beside annotate, link and files: its CPU is
    counted in `load`, not in theirs (its CPU is the process's all the same)."""
    burning = threading.Event()

    def burn() -> int:  # ≈ 0.3 s of CPU in the thread
        burning.set()
        end, n = time.thread_time() + 0.3, 0
        while time.thread_time() < end:
            n += 1
        return n

    clock = Clock()
    work = Background("burner", burn)
    clock.charge("load", work)
    clock.lap("load")  # as the build laps once the load is started
    assert burning.wait(10)
    time.sleep(0.1)  # the build's thread idle in "annotate" while the thread burns
    clock.lap("annotate")
    work.wait()
    clock.lap("files")
    assert work.cpu is not None and work.cpu >= 0.3
    assert clock.cpu["load"] == pytest.approx(work.cpu, abs=0.05)
    assert clock.cpu["annotate"] + clock.cpu["files"] < 0.1
    assert list(clock.timings) == ["load", "annotate", "files"]  # its wall time is in the stages it ran beside
    assert clock.timings["load"] < 0.1 < clock.timings["annotate"]


def test_works_charged_one_after_the_other_are_each_counted_in_their_own_stage() -> None:
    """The store's load, lapped once it ended, then its compaction: each one's CPU in its stage."""

    def burn() -> None:
        end = time.thread_time() + 0.2
        while time.thread_time() < end:
            pass

    clock = Clock()
    load = Background("load", burn)
    clock.charge("load", load)
    load.wait()
    clock.lap("load")
    compaction = Background("compaction", burn)
    clock.charge("publish", compaction)
    compaction.wait()
    clock.lap("corpus")
    clock.lap("publish")
    assert clock.cpu["load"] == pytest.approx(0.2, abs=0.05)
    assert clock.cpu["publish"] == pytest.approx(0.2, abs=0.05)
    assert clock.cpu["corpus"] < 0.05


def test_a_clock_laps_in_the_thread_that_made_it() -> None:
    clock = Clock()
    failed: list[BaseException] = []

    def lap() -> None:
        try:
            clock.lap("elsewhere")
        except AssertionError as exc:
            failed.append(exc)

    thread = threading.Thread(target=lap)
    thread.start()
    thread.join(10)
    assert len(failed) == 1 and "build's thread" in str(failed[0])
