"""What a build tells its caller: its `BuildSummary`, and the time each of its stages took (`Clock`)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

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


class Clock:
    """The seconds each named stage of a build took: `lap(name)` ends a stage (the time since the last lap)."""

    def __init__(self) -> None:
        self.timings: dict[str, float] = {}
        self.last = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.timings[name] = self.timings.get(name, 0.0) + now - self.last
        self.last = now
