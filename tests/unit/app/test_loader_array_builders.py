"""The loader's array builders (hft.app.loader.array_builders) equal what pyarrow builds."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pytest
from hypothesis import given
from hypothesis import strategies as st

from hft.app.loader.array_builders import booleans, integers, nonempty, repeat, strings

_TYPES = {
    pa.int64(): (-(2**63), 2**63 - 1),
    pa.uint64(): (0, 2**64 - 1),
    pa.uint32(): (0, 2**32 - 1),
    pa.uint16(): (0, 2**16 - 1),
}


def _same(built: Any, expected: Any) -> None:
    assert built.type == expected.type
    assert built.to_pylist() == expected.to_pylist()
    built.validate(full=True)


@given(st.lists(st.text(max_size=12) | st.text("ab", max_size=3), max_size=50))
def test_strings_equal_pyarrow_strings(values: list[str]) -> None:
    """ASCII or not, empty or not: the same values as `pa.array(values, pa.string())`."""
    _same(strings(values), pa.array(values, pa.string()))


@given(st.lists(st.booleans(), max_size=70))
def test_booleans_equal_pyarrow_booleans(values: list[bool]) -> None:
    """Bit-packed bools read back as the same values, whatever the length."""
    _same(booleans(values), pa.array(values, pa.bool_()))


@given(st.sampled_from(list(_TYPES)), st.data())
def test_integers_equal_pyarrow_integers(arrow_type: Any, data: st.DataObject) -> None:
    """Values the type holds load as they are."""
    low, high = _TYPES[arrow_type]
    values = data.draw(st.lists(st.integers(low, high), max_size=30))
    _same(integers(iter(values), arrow_type, len(values)), pa.array(values, arrow_type))


@pytest.mark.parametrize(("arrow_type", "value"), [(pa.uint16(), 2**16), (pa.uint64(), -1)])
def test_integers_out_of_range_are_refused(arrow_type: Any, value: int) -> None:
    """A value the column cannot hold raises OverflowError (the caller's poison path)."""
    with pytest.raises(OverflowError):
        integers(iter([1, value]), arrow_type, 2)


def test_a_value_of_another_type_is_left_to_pyarrow() -> None:
    """A non-str among strings (or non-bool among bools) gets pyarrow's own refusal."""
    with pytest.raises((pa.ArrowInvalid, pa.ArrowTypeError)):
        strings(["a", 1])
    with pytest.raises((pa.ArrowInvalid, pa.ArrowTypeError)):
        booleans([True, "no"])


@given(
    st.one_of(
        st.tuples(st.just(pa.string()), st.text(max_size=20)),
        st.tuples(st.just(pa.bool_()), st.booleans()),
        st.tuples(st.just(pa.int64()), st.integers(-(2**63), 2**63 - 1)),
        st.tuples(st.just(pa.uint16()), st.integers(0, 2**16 - 1)),
    ),
    st.integers(0, 100),
)
def test_repeat_equals_pyarrow_repeat(typed: tuple[Any, Any], count: int) -> None:
    """`count` copies of a constant, as `pa.repeat(pa.scalar(value, type), count)`."""
    arrow_type, value = typed
    _same(repeat(value, arrow_type, count), pa.repeat(pa.scalar(value, arrow_type), count))


@given(st.lists(st.text(max_size=3) | st.none(), max_size=40), st.integers(0, 5))
def test_nonempty_marks_the_non_empty_strings(values: list[str | None], skip: int) -> None:
    """Empty strings and nulls are not kept; a sliced array is read at its own offset."""
    array = pa.array(values, pa.string()).slice(min(skip, len(values)))
    expected = pc.fill_null(pc.not_equal(array, pa.scalar("")), False)
    _same(nonempty(array), expected)


def test_building_a_batch_does_not_import_pandas() -> None:
    """A loader worker never pays pyarrow's pandas import (~0.25 s per process)."""
    script = (
        "import sys\n"
        "from hft.app.loader.frame_projector import FrameProjector\n"
        "from hft.app.loader.sample import sample_events\n"
        "from hft.app.bootstrap.codec import default_codec\n"
        "from hft.ports.segments import RawFrame\n"
        "codec = default_codec()\n"
        "events = list(sample_events(100_000))\n"
        "frames = [RawFrame(1 + i, 1000, codec.encode(events[i:i + 1000]))"
        " for i in range(0, len(events), 1000)]\n"
        "batch = FrameProjector().build('wal-x', frames, codec.decode)\n"
        "assert batch.rows('operator_actions') > 0, batch.row_counts()\n"
        "print('pandas' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
