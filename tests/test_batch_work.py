"""A batch pauses the cyclic garbage collector and gives it back as it found it."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from ontzorgen.batch_work import collection_paused


@pytest.fixture(autouse=True)
def collection_restored() -> Iterator[None]:
    was_enabled = gc.isenabled()
    yield
    if was_enabled:
        gc.enable()
    else:
        gc.disable()


def test_collection_is_paused_inside_and_on_again_after() -> None:
    gc.enable()
    with collection_paused():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_collection_is_on_again_after_a_failure_inside() -> None:
    gc.enable()
    with pytest.raises(ZeroDivisionError), collection_paused():
        _ = 1 / 0
    assert gc.isenabled()


def test_an_inner_batch_leaves_collection_paused_for_the_outer_one() -> None:
    gc.enable()
    with collection_paused():
        with collection_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()


def test_collection_left_off_by_the_caller_stays_off() -> None:
    gc.disable()
    with collection_paused():
        pass
    assert not gc.isenabled()


def test_a_cycle_made_inside_outlives_the_block_and_is_collected_afterwards() -> None:
    class Node:
        partner: Node | None = None

    gc.enable()
    with collection_paused():
        first, second = Node(), Node()
        first.partner, second.partner = second, first
        watched = weakref.ref(first)
        del first, second
        for _ in range(10_000):  # well past the collector's threshold
            _ = [object()]
        assert watched() is not None
    gc.collect()
    assert watched() is None
