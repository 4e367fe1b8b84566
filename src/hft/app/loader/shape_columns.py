"""Records of one event type (wire shapes) -> Arrow columns of every table that takes them.

The same rules as the reference projection (`hft.app.loader.rows.Projector`): a column takes
the first of its sources the event has, a per-type constant, or its zero value; an optional
field's None loads as the zero value. A (column type, field kind) pair this module does not
convert exactly as the reference does leaves the event type without a plan (the reference
projects it). Values a column cannot hold raise; the caller then lets the reference isolate
the poison records.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from operator import attrgetter
from typing import Any

import attrs
import msgspec
import numpy as np
import pyarrow as pa

from hft.app.loader.array_builders import (
    booleans,
    from_numpy,
    integers,
    is_integer_type,
    nonempty,
    repeat,
    strings,
)
from hft.app.loader.projection import BOOL, I64, STR, TABLES, U16, U32, U64, Col, TableSpec
from hft.app.loader.rows import PoisonRecordError
from hft.app.loader.wire_shapes import INT, WireShape

Columns = dict[str, Any]

_INT_TYPES = {I64: pa.int64(), U64: pa.uint64(), U32: pa.uint32(), U16: pa.uint16()}
_TEXT_TYPES = {STR: pa.string(), "LowCardinality(String)": pa.string()}
_TIMESTAMP = pa.timestamp("ns", tz="UTC")
_SEQ = pa.uint64()


@attrs.frozen
class Source:
    """Where one column's values come from: a field (by position), the JSON payload, or a
    constant."""

    name: str
    arrow: Any
    field: int | None = None
    fill: Any = None  # the zero value an optional field's None becomes
    constant: Any = None
    payload: bool = False


@attrs.frozen
class ShapePlan:
    """Every table one event type feeds, with the sources of their columns."""

    shape: WireShape
    tables: tuple[tuple[TableSpec, tuple[Source, ...]], ...]
    ts_event: int
    ts_init: int


def plan_for(shape: WireShape, tables: Sequence[TableSpec] = TABLES) -> ShapePlan | None:
    """The plan of `shape`, or None when a column needs a conversion only the reference does."""
    planned = []
    for spec in tables:
        if not spec.takes(shape.name):
            continue
        sources = [_source(col, shape) for col in spec.columns]
        if any(s is None for s in sources) or not _only_if_ok(spec, sources):
            return None
        planned.append((spec, tuple(s for s in sources if s is not None)))
    return ShapePlan(shape, tuple(planned), shape.index("ts_event_ns"), shape.index("ts_init_ns"))


def _only_if_ok(spec: TableSpec, sources: list[Source | None]) -> bool:
    if not spec.only_if:
        return True
    return any(s is not None and s.name == spec.only_if and s.arrow == pa.string() for s in sources)


def _zero(ch_type: str) -> Any:
    if ch_type in _INT_TYPES:
        return 0
    return False if ch_type == BOOL else ""


def _arrow_type(ch_type: str) -> Any:
    if ch_type == BOOL:
        return pa.bool_()
    return _INT_TYPES.get(ch_type) or _TEXT_TYPES[ch_type]


def _source(col: Col, shape: WireShape) -> Source | None:
    arrow = _arrow_type(col.ch_type)
    constants = dict(col.by_type)
    if shape.name in constants:
        return Source(col.name, arrow, constant=constants[shape.name])
    fields = shape.fields[1:]  # fields[0] is the wire version, not an event field
    for source in col.sources:
        if source == "@type":
            return Source(col.name, arrow, constant=shape.name)
        if source == "@v":
            return Source(col.name, arrow, constant=shape.version)
        if source == "@payload":
            return Source(col.name, arrow, payload=True) if col.ch_type == STR else None
        field = source.removeprefix("@")
        if field in fields:
            return _field_source(col, arrow, shape, shape.index(field))
    return Source(col.name, arrow, constant=_zero(col.ch_type))


def _field_source(col: Col, arrow: Any, shape: WireShape, index: int) -> Source | None:
    kind = shape.kinds[index]
    base = kind.removesuffix("?")
    fits = (
        (col.ch_type in _INT_TYPES and base == INT)
        or (col.ch_type in _TEXT_TYPES and base == "str")
        or (col.ch_type == BOOL and kind == "bool")
    )
    if not fits:
        return None
    fill = _zero(col.ch_type) if kind.endswith("?") else None
    return Source(col.name, arrow, field=index, fill=fill)


_LINES = msgspec.json.Encoder()


class ShapeColumns:
    """Builds the columns of one group of records (all of one event type) for every table."""

    def __init__(self, plan: ShapePlan, seqs: list[int], records: list[Any]) -> None:
        self._plan = plan
        self._records = records
        self._count = len(records)
        # Fields are read column by column (map of an attrgetter, consumed in C): cheaper than
        # transposing every record into a tuple first, and fields no column reads cost nothing.
        self._fields = tuple(map(attrgetter, plan.shape.fields))
        self._cache: dict[tuple[int, Any], Any] = {}
        self._head: Columns = {
            "seq": from_numpy(np.fromiter(seqs, np.uint64, self._count), _SEQ),
            "ts_event": _timestamps(self._values(plan.ts_event), self._count),
            "ts_init": _timestamps(self._values(plan.ts_init), self._count),
        }

    def _values(self, field: int) -> Iterator[Any]:
        return map(self._fields[field], self._records)

    def tables(self) -> dict[str, Columns]:
        """Table name -> columns (head columns first, then the table's, in declared order)."""
        out: dict[str, Columns] = {}
        for spec, sources in self._plan.tables:
            cols = dict(self._head)
            for source in sources:
                cols[source.name] = self._array(source)
            if spec.only_if:
                cols = _keep_nonempty(cols, spec.only_if)
            if len(cols["seq"]):
                out[spec.name] = cols
        return out

    def _array(self, source: Source) -> Any:
        if source.payload:
            return self._payloads()
        if source.field is None:
            return repeat(source.constant, source.arrow, self._count)
        key = (source.field, source.arrow)
        array = self._cache.get(key)
        if array is None:
            array = _column(self._values(source.field), source, self._count)
            self._cache[key] = array
        return array

    def _payloads(self) -> Any:
        # JSON never holds a raw newline, so the lines split exactly at the newlines.
        return utf8_lines(_LINES.encode_lines(self._records), self._count)


def _column(values: Iterator[Any], source: Source, count: int) -> Any:
    if source.fill is None and is_integer_type(source.arrow):
        return integers(values, source.arrow, count)
    listed = list(values)
    if source.fill is not None and None in listed:
        listed = [source.fill if v is None else v for v in listed]
    if is_integer_type(source.arrow):
        return integers(listed, source.arrow, count)
    if source.arrow == pa.bool_():
        return booleans(listed)
    return strings(listed) if source.arrow == pa.string() else pa.array(listed, source.arrow)


def _timestamps(values: Iterator[int], count: int) -> Any:
    array = np.fromiter(values, np.int64, count)
    if len(array) and array.min() < 0:
        raise PoisonRecordError("a timestamp before 1970 does not fit DateTime64")
    return from_numpy(array, _TIMESTAMP)


def utf8_lines(data: bytes, count: int) -> Any:
    """A string array of the `count` newline-terminated lines of `data` (no per-line work)."""
    raw = np.frombuffer(data, dtype=np.uint8)
    ends = np.flatnonzero(raw == 10)
    if len(ends) != count:
        raise PoisonRecordError(f"expected {count} JSON lines, found {len(ends)}")
    body = data.replace(b"\n", b"")
    if len(body) >= 2**31:
        return pa.array(data.decode().splitlines(), pa.large_string()).cast(pa.string())
    offsets = np.empty(count + 1, dtype=np.int32)
    offsets[0] = 0
    offsets[1:] = ends - np.arange(count)
    return pa.StringArray.from_buffers(count, pa.py_buffer(offsets), pa.py_buffer(body))


def _keep_nonempty(cols: Columns, name: str) -> Columns:
    mask = nonempty(cols[name])
    if mask.true_count == len(mask):
        return cols
    return {k: v.filter(mask) for k, v in cols.items()}
