"""The dedup window's persistent map behaves like a dict and never changes an old version."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hft.domain.dedup_map import PersistentMap, depth_for

# Few distinct keys, so sets overwrite and deletes hit; huge ints exercise negative hashes.
KEYS = st.one_of(
    st.sampled_from(["a", "b", "c", "d"]),
    st.integers(-3, 3),
    st.integers(-(2**70), 2**70),
    st.text(max_size=4),
)
OPS = st.lists(st.tuples(st.booleans(), KEYS), max_size=120)


@given(OPS, st.integers(0, 3))
def test_the_map_agrees_with_a_dict_and_keeps_old_versions_property(
    ops: list[tuple[bool, str | int]], depth: int
) -> None:
    """Random sets and deletes, at any depth: same answers as a dict; snapshots stay put."""
    pmap: PersistentMap[str | int, int] = PersistentMap.empty(depth)
    model: dict[str | int, int] = {}
    history: list[tuple[PersistentMap[str | int, int], dict[str | int, int]]] = []
    for step, (delete, key) in enumerate(ops):
        if delete and key in model:
            pmap, _ = pmap.delete(key), model.pop(key)
        elif not delete:
            pmap, model[key] = pmap.set(key, step), step
        history.append((pmap, dict(model)))
        assert pmap.size == len(model)
    for snapshot, expected in history:
        assert {k: snapshot.get(k) for k in expected} == expected
        assert snapshot.size == len(expected)
    absent = [k for _, k in ops if k not in model]
    assert all(pmap.get(k) is None for k in absent)


def test_overwriting_a_key_does_not_grow_the_map() -> None:
    """Setting an existing key replaces its value; size counts keys, not writes."""
    pmap: PersistentMap[str, int] = PersistentMap.empty(1)
    pmap = pmap.set("a", 1).set("a", 2)
    assert (pmap.size, pmap.get("a")) == (1, 2)


def test_deleting_a_missing_key_is_a_key_error() -> None:
    """delete is for keys the caller knows are present (the window tracks them)."""
    pmap: PersistentMap[str, int] = PersistentMap.empty(1)
    with pytest.raises(KeyError):
        pmap.delete("nope")


@pytest.mark.parametrize(
    ("capacity", "depth"),
    [(1, 0), (256, 0), (257, 1), (8_192, 1), (8_193, 2), (100_000, 2), (1_000_000, 3)],
)
def test_depth_grows_with_capacity_by_32_way_levels(capacity: int, depth: int) -> None:
    """Leaves hold up to 256 keys at capacity; each level multiplies room by 32."""
    assert depth_for(capacity) == depth
