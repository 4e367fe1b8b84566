"""Insert units (hft.app.loader.units.group): consecutive segments, cut by event counts."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from hft.app.loader.rows import ColumnBatch
from hft.app.loader.units import Member, group
from hft.ports.segments import SealedSegmentInfo


def _members(sizes: list[int]) -> list[Member]:
    members, seq = [], 1
    for index, size in enumerate(sizes):
        batch = ColumnBatch("wal-test")
        batch.events = size
        segment = SealedSegmentInfo(f"s{index:03d}", seq, seq + size - 1, size, 0)
        members.append(Member(segment, None, batch))
        seq += size
    return members


def _shape(sizes: list[int], unit: int, expected: int = 0) -> list[list[int]]:
    units = group(_members(sizes), unit, 0, expected)
    return [[m.batch.events for m in u.members] for u in units]


def test_units_are_cut_once_they_hold_enough_events() -> None:
    """Without an expected total, each unit closes at >= unit_events; the rest is the last."""
    assert _shape([40, 40, 40, 40, 40, 40], 100) == [[40, 40, 40], [40, 40, 40]]
    assert _shape([40, 40, 40, 40], 100) == [[40, 40, 40], [40]]


def test_a_rest_under_half_a_unit_joins_the_last_full_unit() -> None:
    """Knowing the total, a cut that would leave less than half a unit is not made."""
    assert _shape([40, 40, 40, 40], 100, expected=160) == [[40, 40, 40, 40]]
    assert _shape([40, 40, 40, 40, 40], 100, expected=200) == [[40, 40, 40], [40, 40]]


@given(st.lists(st.integers(1, 90), max_size=30), st.integers(20, 200))
def test_units_keep_every_member_once_in_order(sizes: list[int], unit: int) -> None:
    """Whatever the sizes: all members, in order, in non-empty units; every unit but the
    last holds at least unit_events, and the last is never under half a unit unless it is
    the only one."""
    shape = _shape(sizes, unit, expected=sum(sizes))
    assert [size for u in shape for size in u] == sizes
    assert all(u for u in shape)
    assert all(sum(u) >= unit for u in shape[:-1])
    if len(shape) > 1:
        assert sum(shape[-1]) >= unit // 2
