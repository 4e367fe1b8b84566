"""The worker -> loader hand-off (hft.app.loader.handoff): a spilled batch comes back equal."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st

from hft.app.loader.handoff import make_spill_dir, spill, spill_root, unspill
from hft.app.loader.rows import ColumnBatch, DeadLetter

_ROWS = st.lists(
    st.tuples(st.text(max_size=40), st.integers(0, 2**64 - 1), st.integers(-(2**63), 2**63 - 1)),
    max_size=60,
)


def _batch(quotes: list[tuple[str, int, int]], events: list[tuple[str, int, int]]) -> ColumnBatch:
    batch = ColumnBatch("wal-test")
    for table, rows in (("market_quotes", quotes), ("events", events)):
        if rows:
            text, seq, px = zip(*rows, strict=True)
            batch.columns[table] = {
                "log_id": pa.repeat(pa.scalar("wal-test", pa.string()), len(rows)),
                "seq": pa.array(seq, pa.uint64()),
                "symbol": pa.chunked_array([pa.array(text, pa.string())]),
                "px": pa.array(px, pa.int64()),
            }
    batch.events = len(quotes) + len(events)
    batch.first_seq, batch.last_seq = 7, 7 + batch.events
    batch.dead_letters.append(DeadLetter(3, 2, "ValueError: bad", b"\x00\xff", 4))
    return batch


@given(quotes=_ROWS, events=_ROWS)
def test_unspilled_batch_equals_the_spilled_one(
    quotes: list[tuple[str, int, int]], events: list[tuple[str, int, int]]
) -> None:
    """Every table, column (name, order, type, values), count, seq range and dead letter of a
    batch survives the hand-off, and the file is gone once it is read back."""
    original = _batch(quotes, events)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "segment.arrow"
        back = unspill(spill(original, path))
        assert not path.exists()
    assert back.log_id == original.log_id
    assert (back.events, back.first_seq, back.last_seq) == (
        original.events,
        original.first_seq,
        original.last_seq,
    )
    assert back.dead_letters == original.dead_letters
    assert list(back.columns) == list(original.columns)
    for table, columns in original.columns.items():
        assert list(back.columns[table]) == list(columns)
        for name, values in columns.items():
            assert _values(back.columns[table][name]) == _values(values)


def _values(array: Any) -> list[Any]:
    return list(array.to_pylist())


def test_spilling_python_lists_is_refused(tmp_path: Path) -> None:
    """Only Arrow arrays are handed over: a column still a Python list is a TypeError."""
    batch = ColumnBatch("wal-test")
    batch.columns["events"] = {"seq": [1, 2]}
    with pytest.raises(TypeError, match="only Arrow arrays"):
        spill(batch, tmp_path / "x.arrow")


def test_spill_directories_are_private_and_under_the_spill_root() -> None:
    """Each pool gets its own fresh directory under the spill root (tmpfs when available)."""
    first, second = make_spill_dir(), make_spill_dir()
    try:
        assert first != second
        assert first.parent == second.parent == spill_root()
        assert first.stat().st_mode & 0o777 == 0o700
    finally:
        first.rmdir()
        second.rmdir()
