"""Columns of Python values -> an Arrow table typed after the ClickHouse columns."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pyarrow as pa

from hft.ports.analytics import SinkRejectedError

_SIMPLE: dict[str, Any] = {
    "Int8": pa.int8(),
    "Int16": pa.int16(),
    "Int32": pa.int32(),
    "Int64": pa.int64(),
    "UInt8": pa.uint8(),
    "UInt16": pa.uint16(),
    "UInt32": pa.uint32(),
    "UInt64": pa.uint64(),
    "Bool": pa.bool_(),
    "String": pa.string(),
    "Float64": pa.float64(),
}


def arrow_type(ch_type: str) -> Any:
    """The Arrow type that carries a ClickHouse column type (DateTime64 from int nanoseconds)."""
    inner = (
        ch_type.removeprefix("LowCardinality(").removesuffix(")")
        if ch_type.startswith("LowCardinality(")
        else ch_type
    )
    if inner in _SIMPLE:
        return _SIMPLE[inner]
    if inner.startswith("DateTime64(9"):
        return pa.timestamp("ns", tz="UTC")
    raise SinkRejectedError(f"no Arrow mapping for ClickHouse type {ch_type}")


def arrow_table(columns: Mapping[str, Sequence[Any]], types: Mapping[str, str], table: str) -> Any:
    """Build the batch; unknown columns and unequal lengths are refused by name."""
    arrays = {}
    for name, values in columns.items():
        if name not in types:
            raise SinkRejectedError(f"{table} has no column {name!r}")
        arrays[name] = _array(values, arrow_type(types[name]), table, name)
    lengths = {len(a) for a in arrays.values()}
    if len(lengths) > 1:
        raise SinkRejectedError(f"{table}: columns of unequal length {sorted(lengths)}")
    return pa.table(arrays)


def _array(values: Sequence[Any], typ: Any, table: str, name: str) -> Any:
    if isinstance(values, (pa.Array, pa.ChunkedArray)):
        return values if values.type == typ else values.cast(typ)
    try:
        if pa.types.is_timestamp(typ):
            return pa.array(values, pa.int64()).cast(typ)
        return pa.array(values, typ)
    except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError) as exc:
        raise SinkRejectedError(f"{table}.{name}: {exc}") from exc
