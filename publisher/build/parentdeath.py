"""A process that ends with the one that started it, however that one ends (`kill -9` included).

The build's worker processes, and the fork server they are forked from
(`publisher.build.pool`), would otherwise outlive a killed build, blocked on a pipe
nobody writes to any more. On Linux the kernel kills them the moment their parent
ends (prctl PR_SET_PDEATHSIG); elsewhere a daemon thread looks at the parent twice a
second. Nothing here runs on import.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import sys
import threading
import time

#: prctl(2)'s option that names the signal a process gets when its parent ends (Linux).
PR_SET_PDEATHSIG = 1
#: The environment variable that tells a fork server the pid of the build that started it.
PARENT_ENV = "_PUBLISHER_FORK_SERVER_PARENT"


def die_with_parent() -> None:
    """This process killed as soon as its parent ends; at once if the process that started it is gone already.

    The parent is the process this one was started or forked by: in a pool's worker, the
    fork server; in the fork server, the build. A worker also asks after the build itself
    (`multiprocessing.parent_process()`: a pipe only the build holds open), which covers
    a build that ended before the kernel was asked.
    """
    if not _ask_kernel():
        original = os.getppid()
        threading.Thread(target=_watch, args=(original,), name="parent-watch", daemon=True).start()
    build = multiprocessing.parent_process()
    if build is not None and not build.is_alive():
        os._exit(1)


def die_with_build() -> None:
    """In the fork server: `die_with_parent`, and an end at once if the build that started it (`PARENT_ENV`) is
    gone already (it was killed while the server was starting)."""
    expected = os.environ.get(PARENT_ENV, "")
    die_with_parent()
    if expected.isdigit() and os.getppid() != int(expected):
        os._exit(1)


def _ask_kernel() -> bool:
    """SIGKILL on the parent's death, asked of the kernel (Linux); False where it cannot be asked."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        return bool(ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0)
    except (OSError, AttributeError):
        return False


def _watch(original: int) -> None:
    while os.getppid() == original:
        time.sleep(0.5)
    os._exit(1)
