"""The garbage collector paused while many objects are made (`release.gcpause.collection_paused`).

Paused by the first block to begin, enabled again by the last to end if it was enabled
then: blocks nested in one thread, overlapping in several (the web's threads read the
figure table and the corpus index, a resident builder pauses it for a whole build), and
a collector paused by someone else left paused.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator

import pytest

from publisher.release.gcpause import collection_paused


@pytest.fixture(autouse=True)
def enabled_after() -> Iterator[None]:
    yield
    gc.enable()


def test_nested_blocks_enable_it_after_the_outer_one_only() -> None:
    gc.enable()
    with collection_paused():
        with collection_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()


def test_a_collector_paused_before_stays_paused() -> None:
    gc.disable()
    with collection_paused():
        assert not gc.isenabled()
    assert not gc.isenabled()


def test_blocks_of_two_threads_ending_in_either_order_enable_it_after_the_last() -> None:
    """Thread A begins, B begins, A ends, B ends: B found it paused (by A), yet it is enabled after B."""
    gc.enable()
    steps = {name: threading.Event() for name in ("a_in", "b_in", "a_out")}
    seen: dict[str, bool] = {}

    def a() -> None:
        with collection_paused():
            steps["a_in"].set()
            assert steps["b_in"].wait(10)
        seen["after_a"] = gc.isenabled()
        steps["a_out"].set()

    def b() -> None:
        assert steps["a_in"].wait(10)
        with collection_paused():
            steps["b_in"].set()
            assert steps["a_out"].wait(10)
        seen["after_b"] = gc.isenabled()

    threads = [threading.Thread(target=a), threading.Thread(target=b)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert seen == {"after_a": False, "after_b": True}
