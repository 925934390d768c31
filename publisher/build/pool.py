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

A worker dies with the build (`parentdeath.die_with_parent`), and so does the fork
server: killed by the kernel the moment the build's process ends, however it ends,
rather than left blocked on a pipe nobody writes to. (The kernel ties that to the
thread that started the server; a server whose thread ended is started again.)
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
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


class Workers:
    """Worker processes (forked from the fork server: no state of the build shared), started by the first run with
    many items; this process for the runs with few (starting processes and loading the project in each costs more).

    `eager`: start the processes at once, whatever the runs (when asked for a number of processes).
    """

    def __init__(self, settings: Settings, cache: Path, staging: Path, count: int, eager: bool = False) -> None:
        self.settings, self.cache, self.staging, self.count = settings, cache, staging, count
        self.executor: ProcessPoolExecutor | None = None
        self.pool_from = int(settings.values.get("build_pool_from", IN_PROCESS_BELOW))
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
        state = workerstate.current()
        if state is None or state.settings.values != self.settings.values:
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
        pending: set[Future[list[Any]]] = set()
        queue = iter(batches)
        limit = 4 * self.count
        for batch in queue:
            pending.add(self.executor.submit(_run_batch, function, batch))
            if len(pending) >= limit:
                break
        while pending:
            finished, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in finished:
                results = future.result()
                progress.advance(len(results))
                yield from results
                nxt = next(queue, None)
                if nxt is not None:
                    pending.add(self.executor.submit(_run_batch, function, nxt))

    def close(self) -> None:
        if self.executor is not None:
            self.executor.shutdown(wait=True, cancel_futures=True)
            self.executor = None
