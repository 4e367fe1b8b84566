"""Arrow arrays built from numpy buffers and joined bytes, never through `pa.array`/`pa.scalar`.

Besides being bulk operations, these keep pandas out of loader worker processes: pyarrow
imports pandas (~0.25 s of CPU, in every worker's start-up) the first time `pa.array` or
`pa.scalar` looks at a Python object. Values each builder cannot take exactly as pyarrow
would are handed to pyarrow, so the refusals stay pyarrow's (or numpy's OverflowError).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

_NUMPY = {
    pa.int64(): np.int64,
    pa.uint64(): np.uint64,
    pa.uint32(): np.uint32,
    pa.uint16(): np.uint16,
}
_MAX_OFFSET = 2**31 - 1  # string arrays carry int32 offsets


def from_numpy(array: Any, arrow_type: Any) -> Any:
    """The numpy buffer as an Arrow array of `arrow_type`, zero-copy, no type inference."""
    return pa.Array.from_buffers(arrow_type, len(array), [None, pa.py_buffer(array)])


def integers(values: Iterable[Any], arrow_type: Any, count: int) -> Any:
    """`count` ints; numpy reads them about twice as fast as pyarrow and refuses
    (OverflowError) any value the type cannot hold, as pyarrow does."""
    return from_numpy(np.fromiter(values, _NUMPY[arrow_type], count), arrow_type)


def is_integer_type(arrow_type: Any) -> bool:
    return arrow_type in _NUMPY


def booleans(values: list[Any]) -> Any:
    """A bool array, or pyarrow's verdict when a value is not a bool."""
    if not all(type(v) is bool for v in values):
        return pa.array(values, pa.bool_())
    return _packed(np.fromiter(values, np.bool_, len(values)))


def _packed(flags: Any) -> Any:
    bits = np.packbits(flags, bitorder="little")
    return pa.Array.from_buffers(pa.bool_(), len(flags), [None, pa.py_buffer(bits)])


def strings(values: list[Any]) -> Any:
    """A string array laid out in one join (ASCII text, the common case), else by pyarrow."""
    if not all(type(v) is str for v in values):
        return pa.array(values, pa.string())
    joined = "".join(values)
    if not joined.isascii() or len(joined) > _MAX_OFFSET:
        return pa.array(values, pa.string())
    offsets = np.zeros(len(values) + 1, np.int32)
    np.cumsum(np.fromiter(map(len, values), np.int32, len(values)), out=offsets[1:])
    data = joined.encode("ascii")
    return pa.StringArray.from_buffers(len(values), pa.py_buffer(offsets), pa.py_buffer(data))


def repeat(value: Any, arrow_type: Any, count: int) -> Any:
    """`count` copies of `value` as an array of `arrow_type` (refused as `pa.scalar` refuses)."""
    if arrow_type in _NUMPY and type(value) is int:
        return from_numpy(np.full(count, value, _NUMPY[arrow_type]), arrow_type)
    if arrow_type == pa.bool_() and type(value) is bool:
        return _packed(np.full(count, value, np.bool_))
    if arrow_type == pa.string() and type(value) is str:
        data = value.encode()
        if len(data) * count <= _MAX_OFFSET:
            offsets = np.arange(count + 1, dtype=np.int32) * np.int32(len(data))
            return pa.StringArray.from_buffers(
                count, pa.py_buffer(offsets), pa.py_buffer(data * count)
            )
    return pa.repeat(pa.scalar(value, arrow_type), count)


def nonempty(array: Any) -> Any:
    """A bool array: which values of a string array are not empty (null: not kept)."""
    if array.null_count:
        return pc.fill_null(pc.not_equal(array, pa.scalar("")), False)
    offsets = np.frombuffer(array.buffers()[1], np.int32, len(array) + 1, array.offset * 4)
    return _packed(np.diff(offsets) != 0)
