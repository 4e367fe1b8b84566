"""Frames -> column batches, fast: records decoded straight to Arrow columns per event type.

The fast path never builds domain events. Whatever it cannot do exactly as the reference
projection (`Projector` over the codec's events) goes to the reference, so the rows, the dead
letters and their reasons are the same either way:
- a frame the fast decoder refuses (malformed, an unknown type or version, a count that does
  not match) is decoded by the codec: its error makes the frame's dead letter;
- event types without a wire shape or a plan are decoded by the codec one record at a time;
- a group whose values do not fit their columns (one poison record) is projected again by the
  reference, which isolates the poison records one by one.
"""

from __future__ import annotations

import bisect
import gc
from collections.abc import Callable, Iterable, Sequence
from operator import attrgetter, itemgetter
from typing import Any

import attrs
import msgspec
import numpy as np
import pyarrow as pa

from hft.app.loader.array_builders import repeat
from hft.app.loader.arrow_columns import columns_to_arrow
from hft.app.loader.projection import TABLES, TableSpec
from hft.app.loader.rows import ColumnBatch, DeadLetter, PoisonRecordError, Projector
from hft.app.loader.shape_columns import ShapeColumns, ShapePlan, plan_for
from hft.app.loader.wire_shapes import (
    FrameDecoder,
    record_fields,
    single_event_payload,
    wire_shapes,
)
from hft.domain.catalog import event_registry
from hft.domain.errors import UnknownEventType
from hft.domain.events import DomainEvent, EventRegistry
from hft.ports.segments import RawFrame

Decode = Callable[[bytes], Sequence[DomainEvent]]
POISON = (ValueError, UnknownEventType, PoisonRecordError)
_COLUMN_ERRORS = (PoisonRecordError, pa.ArrowInvalid, pa.ArrowTypeError, OverflowError)


@attrs.frozen
class _Select:
    """Which events of the frames a batch keeps."""

    skip_through: int
    only: frozenset[int] | None

    def keeps(self, seq: int) -> bool:
        return seq > self.skip_through and (self.only is None or seq in self.only)

    def keeps_all(self, frame: RawFrame) -> bool:
        return frame.first_seq > self.skip_through and self.only is None


@attrs.define
class _Work:
    """What one batch collected before projection."""

    rows: list[Any] = attrs.Factory(list)  # decoded rows of planned types
    seqs: list[int] = attrs.Factory(list)
    slow_seqs: list[int] = attrs.Factory(list)
    slow_events: list[DomainEvent] = attrs.Factory(list)
    frames: list[RawFrame] = attrs.Factory(list)
    starts: list[int] = attrs.Factory(list)
    approved: set[type] = attrs.Factory(set)  # row types the codec said it reads
    first_seq: int = 0
    last_seq: int = 0

    def saw(self, seqs: Sequence[int]) -> None:
        if seqs:
            self.first_seq = min(self.first_seq or seqs[0], seqs[0])
            self.last_seq = max(self.last_seq, seqs[-1])

    def frame_of(self, seq: int) -> RawFrame:
        return self.frames[bisect.bisect_right(self.starts, seq) - 1]


class FrameProjector:
    """Builds the column batch of a run of frames; see the module docstring for the rules."""

    def __init__(
        self, tables: Sequence[TableSpec] = TABLES, registry: EventRegistry | None = None
    ) -> None:
        registry = registry or event_registry()
        self._reference = Projector(tables, registry)
        self._plans: dict[str, ShapePlan] = {}
        for name, shape in wire_shapes(registry).items():
            plan = plan_for(shape, tables)
            if plan is not None:
                self._plans[name] = plan
        self._frames = FrameDecoder(registry, {n: p.shape for n, p in self._plans.items()})

    @property
    def planned_types(self) -> frozenset[str]:
        """Event types the fast path projects (the others go through the reference)."""
        return frozenset(self._plans)

    def build(
        self,
        log_id: str,
        frames: Iterable[RawFrame],
        decode: Decode,
        *,
        skip_through: int = 0,
        only: frozenset[int] | None = None,
    ) -> ColumnBatch:
        """Rows for every event after `skip_through` (and in `only`, when given)."""
        collecting = gc.isenabled()
        # A batch allocates millions of short tuples and strings and no cycles: the cyclic
        # collector would walk them again and again for nothing.
        gc.disable()
        try:
            return self._build(log_id, frames, decode, _Select(skip_through, only))
        finally:
            if collecting:
                gc.enable()

    def _build(
        self, log_id: str, frames: Iterable[RawFrame], decode: Decode, select: _Select
    ) -> ColumnBatch:
        batch = ColumnBatch(log_id)
        work = _Work()
        for frame in frames:
            if frame.last_seq <= select.skip_through:
                continue
            work.frames.append(frame)
            work.starts.append(frame.first_seq)
            if not self._fast_frame(work, frame, decode, select):
                _codec_frame(batch, work, frame, decode, select)
        self._project(batch, work, decode)
        if work.last_seq:
            batch.first_seq = min(batch.first_seq or work.first_seq, work.first_seq)
            batch.last_seq = max(batch.last_seq, work.last_seq)
        return batch

    # -- decoding -------------------------------------------------------------------------
    def _fast_frame(self, work: _Work, frame: RawFrame, decode: Decode, select: _Select) -> bool:
        """Decode the frame in one call; False (nothing kept) when the codec must decide it."""
        try:
            rows = self._frames.decode(frame.data)
        except msgspec.MsgspecError:
            return False
        if len(rows) != frame.count:
            return False
        seqs: Sequence[int] = range(frame.first_seq, frame.first_seq + frame.count)
        if not select.keeps_all(frame):
            kept = [i for i, seq in enumerate(seqs) if select.keeps(seq)]
            rows, seqs = [rows[i] for i in kept], [seqs[i] for i in kept]
        kinds = set(map(type, rows))
        if not all(self._codec_reads(work, kind, rows, decode) for kind in kinds):
            return False
        if any(kind not in self._frames.shaped for kind in kinds):
            slow = self._codec_each(rows, seqs, decode)
            if slow is None:
                return False
            shaped = [i for i, row in enumerate(rows) if type(row) in self._frames.shaped]
            rows, seqs = [rows[i] for i in shaped], [seqs[i] for i in shaped]
            work.slow_seqs.extend(slow[0])
            work.slow_events.extend(slow[1])
            work.saw(slow[0])
        work.rows.extend(rows)
        work.seqs.extend(seqs)
        work.saw(seqs)
        return True

    def _codec_reads(self, work: _Work, kind: type, rows: list[Any], decode: Decode) -> bool:
        """Whether the codec reads this row type: it, not the registry, says what this build
        can read. Asked once per type and batch (the fast decoder validates each record as
        the codec does)."""
        if kind in work.approved or kind not in self._frames.shaped:
            return True  # rows without a shape are decoded by the codec anyway
        row: Any = next(r for r in rows if type(r) is kind)
        try:
            decode(single_event_payload(self._frames.names[kind], row.v, record_fields(row.body)))
        except POISON:
            return False
        work.approved.add(kind)
        return True

    def _codec_each(
        self, rows: list[Any], seqs: Sequence[int], decode: Decode
    ) -> tuple[list[int], list[DomainEvent]] | None:
        """The events of the rows without a shape, decoded by the codec one at a time; None
        when it refuses one (the codec then decides the whole frame)."""
        kept_seqs: list[int] = []
        events: list[DomainEvent] = []
        try:
            for row, seq in zip(rows, seqs, strict=True):
                if type(row) in self._frames.shaped:
                    continue
                name = self._frames.names[type(row)]
                events.extend(decode(single_event_payload(name, row.v, row.body)))
                kept_seqs.append(seq)
        except POISON:
            return None
        return (kept_seqs, events) if len(events) == len(kept_seqs) else None

    # -- projection -----------------------------------------------------------------------
    def _project(self, batch: ColumnBatch, work: _Work, decode: Decode) -> None:
        chunks: dict[str, list[dict[str, Any]]] = {}
        for kind, (seqs, records) in _by_type(work.rows, work.seqs).items():
            shape = self._frames.shaped[kind]
            try:
                tables = ShapeColumns(self._plans[shape.name], seqs, records).tables()
            except _COLUMN_ERRORS:
                group = (shape.name, seqs, records)
                self._to_reference(batch, work, group, decode)
                continue
            batch.events += len(seqs)
            for table, cols in tables.items():
                chunks.setdefault(table, []).append(cols)
        if work.slow_events:
            reference = ColumnBatch(batch.log_id)
            poisoned = self._reference.add_many(reference, work.slow_seqs, work.slow_events)
            for index, exc in sorted(poisoned, key=lambda p: work.slow_seqs[p[0]]):
                seq = work.slow_seqs[index]
                dead_letter(batch, work.frame_of(seq), exc, seq)
            batch.events += reference.events
            for table, cols in reference.columns.items():
                chunks.setdefault(table, []).append(columns_to_arrow(table, cols))
        for table, parts in chunks.items():
            cols = _concat(parts)
            log_id = repeat(batch.log_id, pa.string(), len(cols["seq"]))
            batch.columns[table] = {"log_id": log_id, **cols}

    def _to_reference(
        self,
        batch: ColumnBatch,
        work: _Work,
        group: tuple[str, list[int], list[Any]],
        decode: Decode,
    ) -> None:
        """Hand a group (type name, seqs, records) to the reference projection, which finds
        its poison records."""
        name, seqs, records = group
        version = self._plans[name].shape.version
        for seq, record in zip(seqs, records, strict=True):
            try:
                (event,) = decode(single_event_payload(name, version, record_fields(record)))
            except POISON as exc:
                dead_letter(batch, work.frame_of(seq), exc, seq)
                continue
            work.slow_seqs.append(seq)
            work.slow_events.append(event)


def _by_type(rows: list[Any], seqs: list[int]) -> dict[type, tuple[list[int], list[Any]]]:
    """Seqs and records (row bodies) per row type, each in seq order: a stable sort of the
    rows by type, all in C (no Python step per row)."""
    if not rows:
        return {}
    kinds = list(dict.fromkeys(map(type, rows)))
    if len(kinds) == 1:
        return {kinds[0]: (seqs, list(map(_BODY, rows)))}
    index = {kind: i for i, kind in enumerate(kinds)}
    codes = np.fromiter(map(index.__getitem__, map(type, rows)), dtype=np.int32, count=len(rows))
    order = np.argsort(codes, kind="stable")
    ends = np.cumsum(np.bincount(codes, minlength=len(kinds))).tolist()
    ordered_rows = itemgetter(*order.tolist())(rows)
    ordered_seqs = np.asarray(seqs, dtype=np.int64)[order].tolist()
    groups, start = {}, 0
    for kind, end in zip(kinds, ends, strict=True):
        groups[kind] = (ordered_seqs[start:end], list(map(_BODY, ordered_rows[start:end])))
        start = end
    return groups


_BODY = attrgetter("body")


def _codec_frame(
    batch: ColumnBatch, work: _Work, frame: RawFrame, decode: Decode, select: _Select
) -> None:
    """The reference way: the codec decodes the frame, or its error dead-letters it."""
    try:
        events = decode(frame.data)
        if len(events) != frame.count:
            raise PoisonRecordError(f"payload holds {len(events)} events, not {frame.count}")
    except POISON as exc:
        dead_letter(batch, frame, exc, None)
        return
    seqs = []
    for offset, event in enumerate(events):
        seq = frame.first_seq + offset
        if select.keeps(seq):
            seqs.append(seq)
            work.slow_events.append(event)
    work.slow_seqs.extend(seqs)
    work.saw(seqs)


def dead_letter(batch: ColumnBatch, frame: RawFrame, exc: Exception, seq: int | None) -> None:
    """Record a dead letter: the whole frame (`seq` None) or one event of it."""
    reason = f"{type(exc).__name__}: {exc}"
    batch.dead_letters.append(DeadLetter(frame.first_seq, frame.count, reason, frame.data, seq))
    if seq is None:
        batch.first_seq = min(batch.first_seq or frame.first_seq, frame.first_seq)
        batch.last_seq = max(batch.last_seq, frame.last_seq)


def _concat(parts: list[dict[str, Any]]) -> dict[str, Any]:
    if len(parts) == 1:
        return parts[0]
    return {name: pa.concat_arrays([p[name] for p in parts]) for name in parts[0]}
