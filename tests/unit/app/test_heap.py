"""The runner's GC setting: start-up objects leave the collector's scans."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from hft.app.heap import freeze_startup_heap


@pytest.fixture
def unfrozen() -> Iterator[None]:
    gc.unfreeze()
    yield
    gc.unfreeze()


@pytest.mark.usefixtures("unfrozen")
def test_objects_alive_at_start_up_are_frozen_and_later_ones_are_not() -> None:
    """Objects alive when the runner freezes are out of every generation; new ones are in."""
    before = [[n] for n in range(1_000)]  # tracked containers alive at "start-up"
    freeze_startup_heap()
    after = [[n] for n in range(10)]
    assert gc.get_freeze_count() >= len(before)
    generations = {id(o) for g in range(3) for o in gc.get_objects(generation=g)}
    assert not any(id(o) in generations for o in before)
    assert all(id(o) in generations for o in after)
