"""Python's cyclic garbage collector paused while many objects are made at once (`collection_paused`).

Reading a release's large files (its state, its indexes) makes tens of thousands of
objects at once, and a resident builder's build makes and keeps millions: a collection
run midway walks them all for nothing. Blocks may overlap, in one thread (nested) or in
several (the web's threads, a resident builder's): the collector is paused by the first
block to begin and enabled again, if it was enabled then, by the last to end.
"""

from __future__ import annotations

import contextlib
import gc
import threading
from collections.abc import Iterator


class _Pauses:
    """The blocks under way, and whether the collector was enabled when the first of them began."""

    lock = threading.Lock()
    blocks = 0
    enabled = False


@contextlib.contextmanager
def collection_paused() -> Iterator[None]:
    """No garbage collection in the block (nor in any other under way); enabled again after the last, if it was."""
    with _Pauses.lock:
        if _Pauses.blocks == 0:
            _Pauses.enabled = gc.isenabled()
            gc.disable()
        _Pauses.blocks += 1
    try:
        yield
    finally:
        with _Pauses.lock:
            _Pauses.blocks -= 1
            if _Pauses.blocks == 0 and _Pauses.enabled:
                gc.enable()
