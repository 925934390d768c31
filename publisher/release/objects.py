"""Reading a release's large files (its state, its indexes) into Python objects.

`collection_paused()` keeps Python's cyclic garbage collector from running while tens of
thousands of objects are made at once (a collection run midway walks them all for
nothing), and leaves it as it found it: a caller that paused it for longer (the resident
builder, for a whole build) keeps it paused.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def collection_paused() -> Iterator[None]:
    """No garbage collection in the block; afterwards, the collector enabled again only if it was."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
