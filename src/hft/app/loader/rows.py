"""Builds columnar batches from events: one list per column per table, plus dead letters."""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence
from operator import attrgetter
from typing import Any

import attrs
import msgspec

from hft.app.loader.projection import BOOL, I64, TABLES, U16, U32, U64, TableSpec
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
    """A record that went to the dead-letter folder instead of the tables, with why."""

    seq: int
    reason: str
    data: bytes


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

    def table_columns(self, table: str) -> dict[str, list[Any]]:
        """The table's columns with `log_id` filled in (constant within a batch)."""
        cols = self.columns[table]
        return {"log_id": [self.log_id] * len(cols["seq"]), **cols}


Extract = Callable[[DomainEvent], Any]


class Projector:
    """Turns events into rows of every table that takes them; caches a plan per event class."""

    def __init__(
        self, tables: Sequence[TableSpec] = TABLES, registry: EventRegistry | None = None
    ) -> None:
        self._tables = tuple(tables)
        self._registry = registry or event_registry()
        self._plans: dict[type[DomainEvent], list[tuple[TableSpec, list[Extract]]]] = {}

    def add(self, batch: ColumnBatch, seq: int, event: DomainEvent) -> None:
        """Append the event's rows to `batch`; raises `PoisonRecordError` and appends nothing
        when any value does not fit its column."""
        head = [seq, _checked(event.ts_event_ns, _NS_RANGE), _checked(event.ts_init_ns, _NS_RANGE)]
        rows = []
        for spec, extractors in self._plan(type(event)):
            values = [extract(event) for extract in extractors]
            if spec.only_if and not values[_index_of(spec, spec.only_if)]:
                continue
            rows.append((spec, values))
        for spec, values in rows:
            cols = batch.columns.get(spec.name) or _new_columns(batch, spec)
            for name, value in zip(_HEAD_NAMES, head, strict=True):
                cols[name].append(value)
            for col, value in zip(spec.columns, values, strict=True):
                cols[col.name].append(value)
        batch.events += 1

    def _plan(self, cls: type[DomainEvent]) -> list[tuple[TableSpec, list[Extract]]]:
        plan = self._plans.get(cls)
        if plan is None:
            entry = self._registry.of(cls)
            fields = {f.name for f in attrs.fields(cls)}
            plan = [
                (spec, [_extractor(c.sources, c.ch_type, fields, entry.name, entry.version)
                        for c in spec.columns])
                for spec in self._tables
                if spec.takes(entry.name)
            ]  # fmt: skip
            self._plans[cls] = plan
        return plan


_HEAD_NAMES = ("seq", "ts_event", "ts_init")


def _new_columns(batch: ColumnBatch, spec: TableSpec) -> dict[str, list[Any]]:
    cols: dict[str, list[Any]] = {name: [] for name in _HEAD_NAMES}
    cols.update({c.name: [] for c in spec.columns})
    batch.columns[spec.name] = cols
    return cols


def _index_of(spec: TableSpec, column: str) -> int:
    return next(i for i, c in enumerate(spec.columns) if c.name == column)


def _extractor(
    sources: tuple[str, ...], ch_type: str, fields: set[str], name: str, version: int
) -> Extract:
    convert = _converter(ch_type)
    for source in sources:
        if source == "@type":
            return lambda _e: name
        if source == "@v":
            return lambda _e: version
        if source == "@payload":
            return _payload_of(name, version)
        field = source.removeprefix("@")
        if field in fields or source.startswith("@"):
            get = attrgetter(field)
            return lambda e: convert(get(e))
    zero = convert(None)
    return lambda _e: zero


def _payload_of(name: str, version: int) -> Extract:
    prefix = msgspec.json.encode({"type": name, "v": version})[:-1] + b","
    encode = msgspec.json.Encoder().encode

    def payload(event: DomainEvent) -> str:
        return (prefix + encode(event)[1:]).decode()

    return payload


def _converter(ch_type: str) -> Callable[[Any], Any]:
    if ch_type in _INT_RANGES:
        bounds = _INT_RANGES[ch_type]
        return lambda v: _checked(_as_int(v), bounds)
    if ch_type == BOOL:
        return lambda v: bool(v.value if isinstance(v, enum.Enum) else v)
    return _as_str


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
