"""Builds columnar batches from events: one list per column per table, plus dead letters."""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence
from operator import attrgetter
from typing import Any

import attrs
import msgspec

from hft.app.loader.projection import BOOL, I64, TABLES, U16, U32, U64, Col, TableSpec
from hft.domain.catalog import event_registry
from hft.domain.events import DomainEvent, EventRegistry

_INT_RANGES = {
    I64: (-(2**63), 2**63 - 1),
    U64: (0, 2**64 - 1),
    U32: (0, 2**32 - 1),
    U16: (0, 2**16 - 1),
}
_NS_RANGE = (0, 2**63 - 1)


class PoisonRecordError(ValueError):
    """A record that cannot become rows (undecodable, or a value the column cannot hold)."""


@attrs.frozen
class DeadLetter:
    """What went to the dead-letter folder instead of the tables, and why.

    `data` is the stored frame payload (events `first_seq .. first_seq + count - 1`); `seq`
    names the one event that failed when the frame itself decoded, None when it did not.
    """

    first_seq: int
    count: int
    reason: str
    data: bytes
    seq: int | None = None

    @property
    def events(self) -> int:
        return 1 if self.seq is not None else self.count


class ColumnBatch:
    """Rows of one load unit (a segment or a tail range), column by column per table."""

    def __init__(self, log_id: str) -> None:
        self.log_id = log_id
        self.columns: dict[str, dict[str, list[Any]]] = {}
        self.dead_letters: list[DeadLetter] = []
        self.events = 0
        self.first_seq = 0
        self.last_seq = 0

    def rows(self, table: str) -> int:
        cols = self.columns.get(table)
        return len(cols["seq"]) if cols else 0

    def row_counts(self) -> dict[str, int]:
        return {name: self.rows(name) for name in self.columns}

    def table_columns(self, table: str) -> dict[str, Any]:
        """The table's columns with `log_id` filled in (constant within a batch)."""
        cols = self.columns[table]
        if "log_id" in cols:
            return cols
        return {"log_id": [self.log_id] * len(cols["seq"]), **cols}


Getter = Callable[[DomainEvent], Any]
Bulk = Callable[[list[Any]], list[Any]]
Columns = dict[str, list[Any]]


@attrs.frozen
class _ColumnPlan:
    name: str
    get: Getter | None  # None: a constant column
    bulk: Bulk
    constant: Any = None
    field: str | None = None  # the event attribute read, when it is a plain attribute


class Projector:
    """Turns events into rows of every table that takes them, column by column.

    Events are grouped by class and each column is built with one list comprehension and one
    bulk check (type set, min/max); only a group that fails the bulk check is redone event by
    event, to isolate the poison records. An event's rows land in all its tables or in none.
    Within a batch a table's rows are grouped by class (ClickHouse orders each block by key).
    """

    def __init__(
        self, tables: Sequence[TableSpec] = TABLES, registry: EventRegistry | None = None
    ) -> None:
        self._tables = tuple(tables)
        self._registry = registry or event_registry()
        self._plans: dict[type[DomainEvent], list[tuple[TableSpec, list[_ColumnPlan]]]] = {}

    def add_many(
        self, batch: ColumnBatch, seqs: list[int], events: list[DomainEvent]
    ) -> list[tuple[int, Exception]]:
        """Append the rows of `events` (with their `seqs`); returns (index, error) for each
        event that could not become rows (nothing of it was appended)."""
        groups: dict[type[DomainEvent], list[int]] = {}
        for index, event in enumerate(events):
            groups.setdefault(type(event), []).append(index)
        parts: dict[str, list[Columns]] = {}
        poisoned: list[tuple[int, Exception]] = []
        for cls, indexes in groups.items():
            poisoned.extend(self._group(cls, indexes, seqs, events, parts))
        for table, chunks in parts.items():
            _append(batch, table, chunks)
        batch.events += len(events) - len(poisoned)
        return poisoned

    def add(self, batch: ColumnBatch, seq: int, event: DomainEvent) -> None:
        """One event; raises `PoisonRecordError` (appending nothing) when it cannot load."""
        poisoned = self.add_many(batch, [seq], [event])
        if poisoned:
            raise PoisonRecordError(str(poisoned[0][1]))

    def _group(
        self,
        cls: type[DomainEvent],
        indexes: list[int],
        seqs: list[int],
        events: list[DomainEvent],
        parts: dict[str, list[Columns]],
    ) -> list[tuple[int, Exception]]:
        plan = self._plan(cls)
        try:
            tables = self._columns(plan, [seqs[i] for i in indexes], [events[i] for i in indexes])
        except _BULK_ERRORS:
            return self._one_by_one(plan, indexes, seqs, events, parts)
        for table, cols in tables.items():
            parts.setdefault(table, []).append(cols)
        return []

    def _one_by_one(
        self,
        plan: list[tuple[TableSpec, list[_ColumnPlan]]],
        indexes: list[int],
        seqs: list[int],
        events: list[DomainEvent],
        parts: dict[str, list[Columns]],
    ) -> list[tuple[int, Exception]]:
        poisoned: list[tuple[int, Exception]] = []
        for index in indexes:
            try:
                tables = self._columns(plan, [seqs[index]], [events[index]])
            except _BULK_ERRORS as exc:
                poisoned.append((index, exc))
                continue
            for table, cols in tables.items():
                parts.setdefault(table, []).append(cols)
        return poisoned

    def _columns(
        self,
        plan: list[tuple[TableSpec, list[_ColumnPlan]]],
        seqs: list[int],
        events: list[DomainEvent],
    ) -> dict[str, Columns]:
        ts_event = _bulk_ns([e.ts_event_ns for e in events])
        ts_init = _bulk_ns([e.ts_init_ns for e in events])
        out: dict[str, Columns] = {}
        for spec, columns in plan:
            cols: Columns = {"seq": seqs, "ts_event": ts_event, "ts_init": ts_init}
            for column in columns:
                cols[column.name] = _column(column, events)
            if spec.only_if:
                cols = _keep_nonempty(cols, spec.only_if)
            if cols["seq"]:
                out[spec.name] = cols
        return out

    def _plan(self, cls: type[DomainEvent]) -> list[tuple[TableSpec, list[_ColumnPlan]]]:
        plan = self._plans.get(cls)
        if plan is None:
            entry = self._registry.of(cls)
            fields = {f.name for f in attrs.fields(cls)}
            plan = [
                (spec, [_column_plan(c, fields, entry.name, entry.version) for c in spec.columns])
                for spec in self._tables
                if spec.takes(entry.name)
            ]  # fmt: skip
            self._plans[cls] = plan
        return plan


_BULK_ERRORS = (PoisonRecordError, TypeError, ValueError, OverflowError, msgspec.EncodeError)
_HEAD_NAMES = ("seq", "ts_event", "ts_init")


def _column(column: _ColumnPlan, events: list[DomainEvent]) -> list[Any]:
    if column.get is None:
        return [column.constant] * len(events)
    get = column.get
    return column.bulk([get(e) for e in events])


def _keep_nonempty(cols: Columns, name: str) -> Columns:
    keep = [i for i, value in enumerate(cols[name]) if value]
    if len(keep) == len(cols[name]):
        return cols
    return {k: [v[i] for i in keep] for k, v in cols.items()}


def _append(batch: ColumnBatch, table: str, chunks: list[Columns]) -> None:
    # Rows of one batch are grouped by event class, not in seq order: ClickHouse sorts each
    # inserted block by the table's key (which ends in seq) anyway, and batches themselves
    # are inserted in WAL order.
    target = batch.columns.get(table)
    for chunk in chunks:
        if target is None:
            target = batch.columns[table] = {k: list(v) for k, v in chunk.items()}
            continue
        for name, values in chunk.items():
            target[name].extend(values)


def _column_plan(col: Col, fields: set[str], type_name: str, v: int) -> _ColumnPlan:
    name = col.name
    bulk = _bulk_converter(col.ch_type)
    constants = dict(col.by_type)
    if type_name in constants:
        return _ColumnPlan(name, None, bulk, constants[type_name])
    for source in col.sources:
        if source == "@type":
            return _ColumnPlan(name, None, bulk, type_name)
        if source == "@v":
            return _ColumnPlan(name, None, bulk, v)
        if source == "@payload":
            return _ColumnPlan(name, _payload_of(type_name, v), _same)
        field = source.removeprefix("@")
        if field in fields or source.startswith("@"):
            return _ColumnPlan(name, attrgetter(field), bulk, field=field)
    return _ColumnPlan(name, None, bulk, bulk([None])[0])


def _same(values: list[Any]) -> list[Any]:
    return values


def _payload_of(name: str, version: int) -> Getter:
    prefix = msgspec.json.encode({"type": name, "v": version})[:-1] + b","
    encode = msgspec.json.Encoder().encode

    def payload(event: DomainEvent) -> bytes:
        # UTF-8 JSON bytes; turned into one Arrow string buffer without decoding each value.
        return prefix + encode(event)[1:]

    return payload


def _bulk_converter(ch_type: str) -> Bulk:
    if ch_type in _INT_RANGES:
        bounds = _INT_RANGES[ch_type]
        return lambda values: _bulk_int(values, bounds)
    if ch_type == BOOL:
        return lambda values: [bool(v.value if isinstance(v, enum.Enum) else v) for v in values]
    return _bulk_str


def _bulk_int(values: list[Any], bounds: tuple[int, int]) -> list[int]:
    if values and set(map(type, values)) == {int}:
        if min(values) < bounds[0] or max(values) > bounds[1]:
            raise PoisonRecordError(f"a value does not fit [{bounds[0]}, {bounds[1]}]")
        return values
    return [_checked(_as_int(v), bounds) for v in values]


def _bulk_ns(values: list[Any]) -> list[int]:
    return _bulk_int(values, _NS_RANGE)


def _bulk_str(values: list[Any]) -> list[str]:
    if values and set(map(type, values)) == {str}:
        return values
    return [_as_str(v) for v in values]


def _as_int(value: Any) -> int:
    if value is None:
        return 0
    if isinstance(value, enum.Enum):
        value = value.value
    if isinstance(value, int):
        return int(value)
    raise PoisonRecordError(f"expected an integer, got {type(value).__name__}: {value!r}")


def _checked(value: int, bounds: tuple[int, int]) -> int:
    if not isinstance(value, int) or not bounds[0] <= value <= bounds[1]:
        raise PoisonRecordError(f"{value!r} does not fit [{bounds[0]}, {bounds[1]}]")
    return value


def _as_str(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, enum.Enum):
        return str(value.value)
    if isinstance(value, (bool, int)):
        return str(value)
    return msgspec.json.encode(value).decode()
