"""The build's worker processes: runs of records or reports worked on in batches, each process loading the project once.

A worker is a process forked from a fork server that has only imported modules
(`worker_context`: nothing of the build's own state is shared) whose state
(`publisher.build.workerstate.WorkerState`: the project, the checker, the catalog
inputs) is made once and kept for every batch. `Workers.run(function, items)` calls
`function(state, item)` for each item, a batch at a time: `checked.check_summary`
for records, `reportfiles.publish_one` for reports. What a worker has loaded lives as
long as it does: after a batch that loaded something, it is frozen out of Python's
garbage collections (`WorkerState.settle`). With few items (fewer than the setting
`build_pool_from`; or one core) the same functions run in the calling process, which
freezes nothing.

With each batch's results a worker sends its own account of itself (`Usage`: its CPU
seconds since it was forked, its peak resident memory), which the build's `Clock` adds
to its own per stage (`Workers.cpu`, `Workers.peaks`, the fork server's read from
/proc): the workers are the fork server's children, not the build's, so the build's own
resource usage never counts them.

A worker dies with the build (`parentdeath.die_with_parent`), and so does the fork
server: killed by the kernel the moment the build's process ends, however it ends,
rather than left blocked on a pipe nobody writes to. (The kernel ties that to the
thread that started the server; a server whose thread ended is started again.)
"""

from __future__ import annotations

import os
import resource
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass
from multiprocessing import get_context
from multiprocessing.context import BaseContext
from pathlib import Path
from typing import Any

from publisher.build import workerstate
from publisher.build.parentdeath import PARENT_ENV, die_with_parent
from publisher.build.progress import Progress
from publisher.build.workerstate import WorkerState
from publisher.settings import Settings

#: Reports per task sent to a worker.
BATCH = 16
#: A run of fewer items than this is worked on in the calling process (the setting `build_pool_from`'s default).
IN_PROCESS_BELOW = 4 * BATCH

#: What a pool runs on each item: function(state of the process, item) → result.
Work = Callable[[WorkerState, Any], Any]


def _start_process(values: Mapping[str, Any], cache: str, staging: str) -> None:
    """A pool's initializer: the worker dies with the build; its state settles after each batch."""
    die_with_parent()
    workerstate.start(values, Path(cache), Path(staging), settles=True)


def worker_context() -> BaseContext:
    """Where the workers come from: forked from a fork server that has imported what the build has.

    The server is started once per build process, preloads `forkserverguard` (it ends
    with the build) and then every `publisher` module the build has imported; a worker
    forked from it runs its initializer, and so `die_with_parent`, within milliseconds
    rather than after importing them all again (seconds, on a busy machine).
    """
    os.environ[PARENT_ENV] = str(os.getpid())  # what the server's `forkserverguard` compares its parent with
    context = get_context("forkserver")
    imported = sorted(name for name in sys.modules if name.split(".")[0] == "publisher")
    context.set_forkserver_preload(["publisher.build.forkserverguard", *imported])
    return context


def _run_batch(function: Work, batch: Sequence[Any]) -> list[Any]:
    """`function` on each item of a batch with this process's state; then the state settles."""
    state = workerstate.current()
    assert state is not None, "worker not initialised"
    results = [function(state, item) for item in batch]
    state.settle()
    return results


@dataclass(frozen=True)
class Usage:
    """A worker's account of itself, sent with a batch's results: its CPU seconds (all its threads, user and
    system) since it was forked, its peak resident memory in bytes, and its parent: the fork server."""

    pid: int
    server: int
    cpu: float
    peak: int


def _usage() -> Usage:
    """This process's `Usage` (a forked process's counters start at zero: what it did since the fork)."""
    times = os.times()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # kilobytes on Linux
    return Usage(os.getpid(), os.getppid(), times.user + times.system, peak)


def _run_batch_in_worker(function: Work, batch: Sequence[Any]) -> tuple[list[Any], Usage]:
    """`_run_batch` in a worker process: the results and the worker's usage so far (its initializer included)."""
    results = _run_batch(function, batch)
    return results, _usage()


_TICK = os.sysconf("SC_CLK_TCK")


def _proc_stat(pid: int) -> tuple[float, float] | None:
    """A process's CPU seconds (user and system) and its start (seconds since boot), from /proc; None when gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    # after the command: state is field 3 of proc(5), utime 14, stime 15, starttime 22
    return (int(fields[11]) + int(fields[12])) / _TICK, int(fields[19]) / _TICK


def _peak_of(pid: int) -> int:
    """A process's peak resident memory (VmHWM) in bytes, from /proc; 0 when gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


class Workers:
    """Worker processes (forked from the fork server: no state of the build shared), started by the first run with
    many items; this process for the runs with few (starting processes and loading the project in each costs more).

    `eager`: start the processes at once, whatever the runs (when asked for a number of processes).
    """

    def __init__(self, settings: Settings, cache: Path, staging: Path, count: int, eager: bool = False) -> None:
        self.settings, self.cache, self.staging, self.count = settings, cache, staging, count
        self.executor: ProcessPoolExecutor | None = None
        self.pool_from = int(settings.values.get("build_pool_from", IN_PROCESS_BELOW))
        self.usage: dict[int, Usage] = {}  # each worker's latest account of itself, by process id
        self.server: int | None = None  # the fork server the workers came from
        self.server_before = 0.0  # its CPU seconds before this pool used it (another pool's, in a resident builder)
        self.created = time.clock_gettime(time.CLOCK_BOOTTIME)
        if eager and count > 1:
            self._start()

    def _start(self) -> None:
        self.executor = ProcessPoolExecutor(
            max_workers=self.count,
            mp_context=worker_context(),
            initializer=_start_process,
            initargs=(dict(self.settings.values), str(self.cache), str(self.staging)),
        )

    def _here(self) -> None:
        """This process made ready to do a worker's work."""
        state = workerstate.current_for(self.settings)
        if state is None:
            workerstate.start(dict(self.settings.values), self.cache, self.staging)
        else:
            state.cache, state.staging = self.cache, self.staging

    def run(self, function: Work, items: Sequence[Any], progress: Progress) -> Iterator[Any]:
        """function(state, item) for each item, in batches; yields each result as it comes (in no set order)."""
        batches = [items[i : i + BATCH] for i in range(0, len(items), BATCH)]
        if self.executor is None and self.count > 1 and len(items) >= self.pool_from:
            self._start()
        if self.executor is None:
            self._here()
            for batch in batches:
                results = _run_batch(function, batch)
                progress.advance(len(results))
                yield from results
            return
        pending: set[Future[tuple[list[Any], Usage]]] = set()
        queue = iter(batches)
        limit = 4 * self.count
        for batch in queue:
            pending.add(self.executor.submit(_run_batch_in_worker, function, batch))
            if len(pending) >= limit:
                break
        while pending:
            finished, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in finished:
                results, usage = future.result()
                self._heard(usage)
                progress.advance(len(results))
                yield from results
                nxt = next(queue, None)
                if nxt is not None:
                    pending.add(self.executor.submit(_run_batch_in_worker, function, nxt))

    def _heard(self, usage: Usage) -> None:
        """A worker's account kept; the first names the fork server (whose CPU counts from this pool's start)."""
        self.usage[usage.pid] = usage
        if self.server is None:
            self.server = usage.server
            stat = _proc_stat(usage.server)
            if stat is not None and stat[1] < self.created - 0.05:  # started before this pool: a resident builder's
                self.server_before = stat[0]

    def cpu(self) -> float:
        """CPU seconds of the workers (as of their latest batch) and of their fork server since this pool started."""
        total = sum(u.cpu for u in self.usage.values())
        if self.server is not None:
            stat = _proc_stat(self.server)
            total += max(0.0, stat[0] - self.server_before) if stat is not None else 0.0
        return total

    def peaks(self) -> tuple[list[int], int]:
        """Peak resident memory in bytes of each worker (as of its latest batch) and of the fork server."""
        return [u.peak for u in self.usage.values()], _peak_of(self.server) if self.server is not None else 0

    def close(self) -> None:
        if self.executor is not None:
            self.executor.shutdown(wait=True, cancel_futures=True)
            self.executor = None
