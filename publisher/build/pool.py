"""The build's worker processes: runs of records or reports worked on in batches, each process loading the project once.

A worker is a process started with `spawn` (nothing shared by fork) whose state
(`publisher.build.workerstate.WorkerState`: the project, the checker, the catalog
inputs) is made once and kept for every batch. `Workers.run(function, items)` calls
`function(state, item)` for each item, a batch at a time: `checked.check_summary`
for records, `reportfiles.publish_one` for reports. What a worker has loaded lives as
long as it does: after a batch that loaded something, it is frozen out of Python's
garbage collections (`WorkerState.settle`). With few items (or one core) the same
functions run in the calling process, which freezes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from publisher.build import workerstate
from publisher.build.progress import Progress
from publisher.build.workerstate import WorkerState
from publisher.settings import Settings

#: Reports per task sent to a worker.
BATCH = 16
#: A run of fewer items than this is worked on in the calling process.
IN_PROCESS_BELOW = 4 * BATCH

#: What a pool runs on each item: function(state of the process, item) → result.
Work = Callable[[WorkerState, Any], Any]


def _start_process(values: Mapping[str, Any], cache: str, staging: str) -> None:
    """A pool's initializer: the worker process's state, which settles after each batch."""
    workerstate.start(values, Path(cache), Path(staging), settles=True)


def _run_batch(function: Work, batch: Sequence[Any]) -> list[Any]:
    """`function` on each item of a batch with this process's state; then the state settles."""
    state = workerstate.current()
    assert state is not None, "worker not initialised"
    results = [function(state, item) for item in batch]
    state.settle()
    return results


class Workers:
    """Worker processes (spawned: no state shared by fork), started by the first run with many items; this
    process for the runs with few (starting processes and loading the project in each costs more).

    `eager`: start the processes at once, whatever the runs (when asked for a number of processes).
    """

    def __init__(self, settings: Settings, cache: Path, staging: Path, count: int, eager: bool = False) -> None:
        self.settings, self.cache, self.staging, self.count = settings, cache, staging, count
        self.executor: ProcessPoolExecutor | None = None
        if eager and count > 1:
            self._start()

    def _start(self) -> None:
        self.executor = ProcessPoolExecutor(
            max_workers=self.count,
            mp_context=get_context("spawn"),
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
        if self.executor is None and self.count > 1 and len(items) >= IN_PROCESS_BELOW:
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
