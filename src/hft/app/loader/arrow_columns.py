"""Column lists -> Arrow arrays typed after the declared ClickHouse types.

Done where the rows are built (in the worker processes), so the process that inserts only
ships ready buffers: Arrow arrays pickle as raw memory and insert without per-value work.
"""

from __future__ import annotations

import itertools
from typing import Any

import pyarrow as pa

from hft.app.loader.projection import TABLES
from hft.app.loader.rows import ColumnBatch, PoisonRecordError

_ARROW: dict[str, Any] = {
    "Int64": pa.int64(),
    "UInt64": pa.uint64(),
    "UInt32": pa.uint32(),
    "UInt16": pa.uint16(),
    "Bool": pa.bool_(),
    "String": pa.string(),
    "LowCardinality(String)": pa.string(),
}
_TIMESTAMP = pa.timestamp("ns", tz="UTC")
_TYPES = {t.name: dict(t.written) for t in TABLES}


def to_arrow(batch: ColumnBatch) -> None:
    """Replace every column list of `batch` by an Arrow array (in place)."""
    for table, columns in batch.columns.items():
        batch.columns[table] = columns_to_arrow(table, columns)


def columns_to_arrow(table: str, columns: dict[str, Any]) -> dict[str, Any]:
    """The columns of one table as Arrow arrays of their declared types (same order)."""
    types = _TYPES[table]
    return {name: _array(values, types[name]) for name, values in columns.items()}


def _array(values: Any, ch_type: str) -> Any:
    if isinstance(values, pa.Array):
        return values
    try:
        if ch_type == "String" and values and isinstance(values[0], bytes):
            return _utf8_array(values)
        if ch_type.startswith("DateTime64"):
            return pa.array(values, pa.int64()).cast(_TIMESTAMP)
        return pa.array(values, _ARROW[ch_type])
    except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError) as exc:
        raise PoisonRecordError(f"column of {ch_type}: {exc}") from exc


def _utf8_array(values: list[bytes]) -> Any:
    """A string array from UTF-8 byte strings: one join and one offsets pass, no per-value
    decoding (the values come from a JSON encoder, so they are valid UTF-8)."""
    data = b"".join(values)
    if len(data) >= 2**31:
        return pa.array(values, pa.binary()).cast(pa.large_string()).cast(pa.string())
    offsets = pa.array(itertools.accumulate(map(len, values), initial=0), pa.int32())
    return pa.StringArray.from_buffers(len(values), offsets.buffers()[1], pa.py_buffer(data))
