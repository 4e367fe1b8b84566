"""The runner's GC setting: start-up objects, then the survivors of middle- and
oldest-generation collections, leave the collector's scans; short-lived garbage cycles are
still collected."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from hft.app.heap import (
    PACE_EVENTS,
    YOUNG_THRESHOLD,
    freeze_startup_heap,
    pace_young_collections,
    stop_freezing,
)


@pytest.fixture
def unfrozen() -> Iterator[None]:
    gc.unfreeze()
    yield
    stop_freezing()
    gc.unfreeze()


def _in_generations() -> set[int]:
    return {id(o) for g in range(3) for o in gc.get_objects(generation=g)}


class _Cycle:
    def __init__(self) -> None:
        self.me = self


@pytest.mark.usefixtures("unfrozen")
def test_objects_alive_at_start_up_are_frozen_and_later_ones_are_not() -> None:
    """Objects alive when the runner freezes are out of every generation; new ones are in."""
    before = [[n] for n in range(1_000)]  # tracked containers alive at "start-up"
    freeze_startup_heap(keep_freezing=False)
    after = [[n] for n in range(10)]
    assert gc.get_freeze_count() >= len(before)
    generations = _in_generations()
    assert not any(id(o) in generations for o in before)
    assert all(id(o) in generations for o in after)


@pytest.mark.usefixtures("unfrozen")
def test_survivors_of_a_full_collection_are_frozen_after_it() -> None:
    """With keep_freezing, what outlives a later full collection joins the frozen set."""
    freeze_startup_heap()
    frozen_at_start = gc.get_freeze_count()
    session_state = [[n] for n in range(500)]
    assert all(id(o) in _in_generations() for o in session_state)
    gc.collect()
    assert gc.get_freeze_count() >= frozen_at_start + len(session_state)
    generations = _in_generations()
    assert not any(id(o) in generations for o in session_state)


@pytest.mark.usefixtures("unfrozen")
def test_survivors_of_a_middle_generation_collection_are_frozen_and_young_ones_are_not() -> None:
    """A full collection then finds only what arrived since the last young-to-middle pass."""
    freeze_startup_heap()
    session_state = [[n] for n in range(500)]
    gc.collect(0)
    assert all(id(o) in _in_generations() for o in session_state)  # a young pass: not yet
    frozen = gc.get_freeze_count()
    gc.collect(1)
    assert gc.get_freeze_count() >= frozen + len(session_state)
    assert not any(id(o) in _in_generations() for o in session_state)


@pytest.mark.usefixtures("unfrozen")
def test_a_cycle_dropped_before_the_next_middle_collection_is_still_collected() -> None:
    """Freezing only takes survivors: a garbage cycle is freed by that very collection."""
    freeze_startup_heap()
    cycles = [_Cycle() for _ in range(100)]
    del cycles
    assert gc.collect(1) >= 100


@pytest.mark.usefixtures("unfrozen")
def test_a_cycle_dropped_before_the_next_full_collection_is_still_collected() -> None:
    """Freezing only takes survivors: a garbage cycle is freed by that very collection."""
    freeze_startup_heap()
    cycles = [_Cycle() for _ in range(100)]
    del cycles
    assert gc.collect() >= 100


@pytest.mark.usefixtures("unfrozen")
def test_without_keep_freezing_or_after_stop_full_collections_freeze_nothing() -> None:
    """The callback is installed once, and `stop_freezing` removes it."""
    freeze_startup_heap()
    freeze_startup_heap()
    assert sum(1 for cb in gc.callbacks if getattr(cb, "__name__", "") == "_freeze_survivors") == 1
    stop_freezing()
    frozen = gc.get_freeze_count()
    kept = [[n] for n in range(100)]
    gc.collect()
    assert gc.get_freeze_count() == frozen
    assert all(id(o) in _in_generations() for o in kept)


@pytest.mark.usefixtures("unfrozen")
def test_keep_freezing_lowers_the_young_threshold_and_stop_freezing_restores_it() -> None:
    """The young threshold drops to YOUNG_THRESHOLD (the older two stay); stopping restores
    all three, and keep_freezing=False leaves them alone."""
    before = gc.get_threshold()
    freeze_startup_heap(keep_freezing=False)
    assert gc.get_threshold() == before
    freeze_startup_heap()
    assert gc.get_threshold() == (YOUNG_THRESHOLD, *before[1:])
    freeze_startup_heap()  # again: the saved thresholds are still the original ones
    stop_freezing()
    assert gc.get_threshold() == before


@pytest.mark.usefixtures("unfrozen")
def test_the_loop_paces_young_collections_only_while_the_runner_keeps_freezing() -> None:
    """Every PACE_EVENTS logged events one young collection runs and its survivors are
    frozen; without freezing (or after stop_freezing) nothing is paced."""
    assert pace_young_collections(PACE_EVENTS) is False
    freeze_startup_heap()
    assert pace_young_collections(PACE_EVENTS - 1) is False
    session_state = [[n] for n in range(300)]
    runs = gc.get_stats()[1]["collections"]
    assert pace_young_collections(1) is True
    assert gc.get_stats()[1]["collections"] == runs + 1
    assert not any(id(o) in _in_generations() for o in session_state)
    assert [pace_young_collections(PACE_EVENTS // 2) for _ in range(4)] == [False, True] * 2
    stop_freezing()
    assert pace_young_collections(10 * PACE_EVENTS) is False
