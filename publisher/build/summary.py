"""What a build tells its caller: its `BuildSummary`, and the time each of its stages took (`Clock`).

For each stage the clock keeps the wall seconds and the CPU seconds of every process
that worked for the build: its own (all threads: the store's loader's too) and, when
it has worker processes (`publisher.build.pool.Workers`), theirs and their fork
server's, of which it keeps the share apart. A thread of its own that works beside the
stages (the store's load, its compaction) is counted in the stage it belongs to
(`Clock.charge`), not in those it ran beside. `publisher build --timings` prints them
(`BuildSummary.timings_text`) with the peak resident memory of each of those processes.
"""

from __future__ import annotations

import resource
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from publisher.validation.findings import Outcome


@dataclass
class BuildSummary:
    """A build's release, each report's outcome, and how much of the work it did (and how long each stage took)."""

    release: Path
    outcomes: list[Outcome]
    triples: int
    reports: int
    checked: int  # records read and validated (not found in the cache)
    republished: int  # reports whose files were written anew (the others are carried over)
    incremental: bool
    timings: dict[str, float] = field(default_factory=dict)
    refs: list[tuple[str, int, str, Path]] = field(default_factory=list)  # agency, year, format, record
    cpu: dict[str, float] = field(default_factory=dict)  # CPU seconds per stage, every process of the build
    workers_cpu: dict[str, float] = field(default_factory=dict)  # the worker processes' share of `cpu`
    memory: PeakMemory | None = None

    @property
    def warnings(self) -> int:
        return sum(len(o.warnings) for o in self.outcomes)

    @property
    def text(self) -> str:
        lines = [o.text for o in self.outcomes]
        lines.append(
            f"Published {self.reports} report(s), {self.triples} triples, {self.warnings} quality warning(s), "
            f"to {self.release}."
        )
        return "\n".join(lines)

    @property
    def timings_text(self) -> str:
        """What `publisher build --timings` prints: the work done and each stage's wall seconds (one line), each
        stage's CPU seconds with the workers' share and the total (one line), the peak memory (one line)."""
        lines = [
            f"{self.checked} checked, {self.republished} written{' (incremental)' if self.incremental else ''}"
            "; timings: " + ", ".join(f"{k} {v:.2f} s" for k, v in self.timings.items())
        ]
        if self.cpu:
            theirs = ", ".join(f"{k} {v:.2f} s" for k, v in self.workers_cpu.items() if v > 0) or "none"
            lines.append(
                "cpu: " + ", ".join(f"{k} {v:.2f} s" for k, v in self.cpu.items()) + f"; workers: {theirs}"
                f"; total {sum(self.cpu.values()):.2f} s, wall {sum(self.timings.values()):.2f} s"
            )
        if self.memory is not None:
            lines.append(self.memory.text)
        return "\n".join(lines)


@dataclass(frozen=True)
class PeakMemory:
    """Peak resident memory (bytes) of each process of a build: its own (over the process's life), each worker's
    and the fork server's. `total` adds them: an upper bound of the build's peak (they need not peak together,
    and pages a worker shares with the fork server it was forked from count in both)."""

    build: int
    workers: tuple[int, ...] = ()
    server: int = 0

    @property
    def total(self) -> int:
        return self.build + sum(self.workers) + self.server

    @property
    def text(self) -> str:
        mb = 1024 * 1024
        if not self.workers:
            return f"peak memory: build {self.build // mb} MB, no workers; total {self.total // mb} MB"
        workers = " + ".join(f"{w // mb}" for w in self.workers)
        return (
            f"peak memory: build {self.build // mb} MB, workers {workers} MB, fork server {self.server // mb} MB"
            f"; total {self.total // mb} MB"
        )


class Processes(Protocol):
    """Processes working for a build besides its own (`publisher.build.pool.Workers`)."""

    def cpu(self) -> float:
        """Their CPU seconds so far."""
        ...

    def peaks(self) -> tuple[list[int], int]:
        """Each worker's peak resident memory and the fork server's (bytes)."""
        ...


class Charged(Protocol):
    """Work in a thread of the build's process (`publisher.build.bulkstore.Background`)."""

    thread: threading.Thread


class Clock:
    """The seconds each named stage of a build took: `lap(name)` ends a stage (the time since the last lap).

    `timings`: wall seconds; `cpu`: CPU seconds of this process and of the processes `watch`ed, whose share is
    `workers_cpu` too.
    """

    def __init__(self) -> None:
        self.timings: dict[str, float] = {}
        self.cpu: dict[str, float] = {}
        self.workers_cpu: dict[str, float] = {}
        self.last = time.perf_counter()
        self.last_cpu = time.process_time()
        self.thread = threading.get_ident()  # the build's: the one that laps
        self.last_main = time.thread_time()  # its CPU
        self.others: Processes | None = None
        self.last_others = 0.0
        self.charged: list[tuple[str, Charged]] = []
        self.ahead: dict[str, float] = {}  # CPU charged to a stage that has not lapped yet

    def watch(self, others: Processes) -> None:
        """Count the CPU of `others` (their CPU so far is not this build's) in the stages from now on."""
        self.others, self.last_others = others, others.cpu()

    def charge(self, name: str, work: Charged) -> None:
        """Count the CPU of `work` (in a thread of this process, just started) in stage `name`, not in the stages it
        runs beside: from now to the first lap after it ended, the CPU of every thread of the process but the
        build's own — its thread and those it starts (Oxigraph's loader's, RocksDB's compaction's), and any other
        beside it (the dumps' threads while the store is compacted, the pool's result threads while it is
        loaded: a few seconds at 10,000 reports). With several works charged, the last charged that still runs
        is counted (the build starts one when the other has ended and been lapped)."""
        self.charged.append((name, work))

    def lap(self, name: str) -> None:
        assert threading.get_ident() == self.thread, "a build's clock laps in the build's thread"
        now, cpu, main = time.perf_counter(), time.process_time(), time.thread_time()
        theirs = self.others.cpu() - self.last_others if self.others is not None else 0.0
        own = cpu - self.last_cpu
        if self.charged:
            beside = max(0.0, own - (main - self.last_main))
            running = [(charged, work) for charged, work in self.charged if work.thread.is_alive()]
            stage = (running or self.charged)[-1][0]
            own -= beside
            if stage in self.cpu:
                self.cpu[stage] += beside
            else:  # a stage to come: counted when it laps (the stages keep their order)
                self.ahead[stage] = self.ahead.get(stage, 0.0) + beside
            self.charged = running  # those that ended are counted up to this lap
        self.timings[name] = self.timings.get(name, 0.0) + now - self.last
        self.cpu[name] = self.cpu.get(name, 0.0) + own + theirs + self.ahead.pop(name, 0.0)
        self.workers_cpu[name] = self.workers_cpu.get(name, 0.0) + theirs
        self.last, self.last_cpu, self.last_main = now, cpu, main
        self.last_others += theirs

    def memory(self) -> PeakMemory:
        """The peak resident memory of this process and of the processes watched, as of now."""
        own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # kilobytes on Linux
        if self.others is None:
            return PeakMemory(own)
        workers, server = self.others.peaks()
        return PeakMemory(own, tuple(workers), server)
