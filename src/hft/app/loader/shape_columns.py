"""Records of one event type (wire shapes) -> Arrow columns of every table that takes them.

The same rules as the reference projection (`hft.app.loader.rows.Projector`): a column takes
the first of its sources the event has, a per-type constant, or its zero value; an optional
field's None loads as the zero value. A (column type, field kind) pair this module does not
convert exactly as the reference does leaves the event type without a plan (the reference
projects it). Values a column cannot hold raise; the caller then lets the reference isolate
the poison records.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import attrs
import msgspec
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

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
        # One C-level transpose: values[i] holds field i of every record.
        self._values = list(zip(*map(msgspec.structs.astuple, records), strict=True))
        self._cache: dict[tuple[int, Any], Any] = {}
        self._head: Columns = {
            "seq": _from_numpy(np.fromiter(seqs, np.uint64, self._count), _SEQ),
            "ts_event": _timestamps(self._values[plan.ts_event]),
            "ts_init": _timestamps(self._values[plan.ts_init]),
        }

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
            return pa.repeat(pa.scalar(source.constant, source.arrow), self._count)
        key = (source.field, source.arrow)
        array = self._cache.get(key)
        if array is None:
            array = _column(self._values[source.field], source, self._count)
            self._cache[key] = array
        return array

    def _payloads(self) -> Any:
        # JSON never holds a raw newline, so the lines split exactly at the newlines.
        return utf8_lines(_LINES.encode_lines(self._records), self._count)


def _column(values: Sequence[Any], source: Source, count: int) -> Any:
    dtype = _NUMPY.get(source.arrow)
    if dtype is not None and source.fill is None:
        # numpy reads Python ints about twice as fast as pyarrow, and refuses (OverflowError)
        # any value its dtype cannot hold, as pyarrow does.
        return _from_numpy(np.fromiter(values, dtype, count), source.arrow)
    array = pa.array(values, source.arrow)
    if source.fill is not None and array.null_count:
        array = array.fill_null(source.fill)
    return array


_NUMPY = {
    pa.int64(): np.int64,
    pa.uint64(): np.uint64,
    pa.uint32(): np.uint32,
    pa.uint16(): np.uint16,
}


def _timestamps(values: Sequence[int]) -> Any:
    array = np.fromiter(values, np.int64, len(values))
    if len(array) and array.min() < 0:
        raise PoisonRecordError("a timestamp before 1970 does not fit DateTime64")
    return _from_numpy(array, _TIMESTAMP)


def _from_numpy(array: Any, arrow_type: Any) -> Any:
    """The numpy buffer as an Arrow array of `arrow_type`, zero-copy, no type inference."""
    return pa.Array.from_buffers(arrow_type, len(array), [None, pa.py_buffer(array)])


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
    mask = pc.not_equal(cols[name], "")
    if pc.all(mask).as_py():
        return cols
    return {k: v.filter(mask) for k, v in cols.items()}
