"""One build at a time in a build folder, and what a killed build left behind removed by the next.

A build holds an exclusive lock on `build_dir/.build.lock` (`fcntl.flock`) from its
first read of the published release to its last write; a second build waits for it.
The kernel lets go of the lock when its process ends, however it ends (`kill -9`
included), and the build's worker processes end with it (`publisher.build.pool`). So
whoever holds the lock knows that no other build is at work: every staging folder
(`.staging-{pid}`) is a killed build's and goes, and so does every release folder
that pruning would not keep (`publisher.store.publishing.prune`: a never-published
release first of all; never what `current` names, nor the release published before
it). `current` itself is only ever changed by a build's switch.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from types import TracebackType

from publisher.build.splice import discard_later
from publisher.release.paths import BUILD_LOCK, STAGING_PREFIX
from publisher.store.publishing import prune


class BuildLock:
    """`with BuildLock(build_dir):` — this build alone in `build_dir`, the leftovers of killed builds removed.

    On a file system that cannot lock (`flock` fails), the build goes on unlocked and
    removes nothing it cannot be sure of.
    """

    def __init__(self, build_dir: Path) -> None:
        self.build_dir = build_dir
        self.fd: int | None = None

    def __enter__(self) -> BuildLock:
        self.build_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.build_dir / BUILD_LOCK, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)  # another build at work: wait for it
        except OSError:
            os.close(fd)
            return self
        self.fd = fd
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())  # who holds it, for whoever looks
        remove_leftovers(self.build_dir)
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        if self.fd is not None:
            os.close(self.fd)  # closing the last descriptor lets go of the lock
            self.fd = None


def remove_leftovers(build_dir: Path) -> list[str]:
    """What killed builds left in `build_dir`, removed (with the lock held: no other build is at work): every
    staging folder (moved aside at once, deleted in the background) and the release folders pruning does not
    keep. The names removed."""
    staging = [path for path in build_dir.glob(f"{STAGING_PREFIX}*") if path.is_dir()]
    discard_later(build_dir, staging)
    return [path.name for path in staging] + prune(build_dir, lambda paths: discard_later(build_dir, paths))
