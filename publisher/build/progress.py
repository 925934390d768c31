"""A progress bar for long builds: counts, rate and time left, on stderr, only when someone watches.

Shown when stderr is a terminal, or when asked for (`publisher build --progress`);
otherwise silent, so logs and pipes stay clean. Redrawn at most ten times a second.

    checking  [#########...............]  3,412/10,008  412/s  16 s left
"""

from __future__ import annotations

import sys
import time
from typing import TextIO


class Progress:
    """One line per stage, redrawn in place; `done()` ends the line with the stage's total time."""

    def __init__(self, enabled: bool | None = None, stream: TextIO | None = None, width: int = 24) -> None:
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty() if enabled is None else enabled
        self.width = width
        self.label = ""
        self.total = 0
        self.count = 0
        self.started = time.monotonic()
        self._drawn = 0.0

    def stage(self, label: str, total: int) -> None:
        """Start a stage of `total` steps (0: a step of unknown length, shown as a label only)."""
        self.label, self.total, self.count = label, total, 0
        self.started = time.monotonic()
        self._drawn = 0.0
        self._draw(force=True)

    def advance(self, steps: int = 1) -> None:
        self.count += steps
        self._draw(force=self.count >= self.total)

    def done(self, note: str = "") -> None:
        if self.enabled:
            elapsed = time.monotonic() - self.started
            counted = f"{self.count:,}/{self.total:,}  " if self.total else ""
            self.stream.write(f"\r\x1b[K{self.label:<10} {counted}{elapsed:.1f} s {note}\n")
            self.stream.flush()

    def _draw(self, force: bool = False) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if not force and now - self._drawn < 0.1:
            return
        self._drawn = now
        elapsed = max(now - self.started, 1e-9)
        if self.total:
            filled = int(self.width * min(self.count, self.total) / self.total)
            rate = self.count / elapsed
            left = (self.total - self.count) / rate if rate > 0 else 0.0
            line = (
                f"{self.label:<10} [{'#' * filled}{'.' * (self.width - filled)}]  "
                f"{self.count:,}/{self.total:,}  {rate:,.0f}/s  {left:,.0f} s left"
            )
        else:
            line = f"{self.label:<10} {elapsed:.1f} s"
        self.stream.write(f"\r\x1b[K{line}")
        self.stream.flush()
