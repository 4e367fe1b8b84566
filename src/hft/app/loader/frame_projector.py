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
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import attrs
import msgspec
import pyarrow as pa

from hft.app.loader.arrow_columns import columns_to_arrow
from hft.app.loader.projection import TABLES, TableSpec
from hft.app.loader.rows import ColumnBatch, DeadLetter, PoisonRecordError, Projector
from hft.app.loader.shape_columns import ShapeColumns, ShapePlan, plan_for
from hft.app.loader.wire_shapes import WireTriple, single_event_payload, split_frame, wire_shapes
from hft.domain.catalog import event_registry
from hft.domain.errors import UnknownEventType
from hft.domain.events import DomainEvent, EventRegistry
from hft.ports.segments import RawFrame

Decode = Callable[[bytes], Sequence[DomainEvent]]
POISON = (ValueError, UnknownEventType, PoisonRecordError)
_COLUMN_ERRORS = (PoisonRecordError, pa.ArrowInvalid, pa.ArrowTypeError, OverflowError)


@attrs.define
class _Group:
    """Records of one event type, in seq order."""

    version: int
    seqs: list[int] = attrs.Factory(list)
    raws: list[msgspec.Raw] = attrs.Factory(list)
    records: list[Any] = attrs.Factory(list)
    events: list[DomainEvent] = attrs.Factory(list)  # types without a plan, by the codec


@attrs.frozen
class _Select:
    """Which events of the frames a batch keeps."""

    skip_through: int
    only: frozenset[int] | None

    def keeps(self, seq: int) -> bool:
        return seq > self.skip_through and (self.only is None or seq in self.only)


@attrs.define
class _Work:
    """What one batch collected before projection."""

    groups: dict[str, _Group] = attrs.Factory(dict)
    slow_seqs: list[int] = attrs.Factory(list)
    slow_events: list[DomainEvent] = attrs.Factory(list)
    frames: list[RawFrame] = attrs.Factory(list)
    codec_reads: set[str] = attrs.Factory(set)
    starts: list[int] = attrs.Factory(list)
    first_seq: int = 0
    last_seq: int = 0

    def saw(self, seqs: list[int]) -> None:
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
        self._registry = registry or event_registry()
        self._reference = Projector(tables, self._registry)
        self._versions = {e.name: e.version for e in self._registry}
        self._plans: dict[str, ShapePlan] = {}
        for name, shape in wire_shapes(self._registry).items():
            plan = plan_for(shape, tables)
            if plan is not None:
                self._plans[name] = plan

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
        batch = ColumnBatch(log_id)
        work = _Work()
        select = _Select(skip_through, only)
        for frame in frames:
            if frame.last_seq <= skip_through:
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
        """Decode the frame without the codec; False (nothing kept) when the codec must."""
        try:
            triples = split_frame(frame.data)
        except msgspec.MsgspecError:
            return False
        local = _by_type(triples, frame.first_seq, select) if len(triples) == frame.count else None
        if local is None or not all(self._read(work, n, g, decode) for n, g in local.items()):
            return False
        for name, group in local.items():
            work.saw(group.seqs)
            if group.events:
                work.slow_seqs.extend(group.seqs)
                work.slow_events.extend(group.events)
                continue
            into = work.groups.setdefault(name, _Group(group.version))
            into.seqs.extend(group.seqs)
            into.raws.extend(group.raws)
            into.records.extend(group.records)
        return True

    def _read(self, work: _Work, name: str, group: _Group, decode: Decode) -> bool:
        """Fill the group's records (planned types) or events (the others, by the codec);
        False when the codec must decide the whole frame."""
        if self._versions.get(name) != group.version:
            return False  # the codec names the unknown type or version
        plan = self._plans.get(name)
        if plan is None:
            group.events = _codec_each(name, group, decode)
            return len(group.events) == len(group.raws)
        if not _codec_reads(work, name, group, decode):
            return False
        decoder = plan.shape.decode
        try:
            group.records = [decoder(raw) for raw in group.raws]
        except msgspec.MsgspecError:
            return False
        return True

    # -- projection -----------------------------------------------------------------------
    def _project(self, batch: ColumnBatch, work: _Work, decode: Decode) -> None:
        chunks: dict[str, list[dict[str, Any]]] = {}
        for name, group in work.groups.items():
            try:
                tables = ShapeColumns(self._plans[name], group.seqs, group.records).tables()
            except _COLUMN_ERRORS:
                self._to_reference(batch, work, name, group, decode)
                continue
            batch.events += len(group.seqs)
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
            log_id = pa.repeat(pa.scalar(batch.log_id, pa.string()), len(cols["seq"]))
            batch.columns[table] = {"log_id": log_id, **cols}

    def _to_reference(
        self, batch: ColumnBatch, work: _Work, name: str, group: _Group, decode: Decode
    ) -> None:
        """Hand a group to the reference projection (which finds its poison records)."""
        for seq, raw in zip(group.seqs, group.raws, strict=True):
            try:
                (event,) = decode(single_event_payload((name, group.version, raw)))
            except POISON as exc:
                dead_letter(batch, work.frame_of(seq), exc, seq)
                continue
            work.slow_seqs.append(seq)
            work.slow_events.append(event)


def _by_type(
    triples: list[WireTriple], first_seq: int, select: _Select
) -> dict[str, _Group] | None:
    """Records grouped by type name (kept ones only); None when one type comes in two
    versions (the codec decides those frames)."""
    groups: dict[str, _Group] = {}
    seq = first_seq - 1
    skip, only = select.skip_through, select.only
    for name, version, raw in triples:
        seq += 1
        if seq <= skip or (only is not None and seq not in only):
            continue
        group = groups.get(name)
        if group is None:
            group = groups[name] = _Group(version)
        elif group.version != version:
            return None
        group.seqs.append(seq)
        group.raws.append(raw)
    return groups


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


def _codec_reads(work: _Work, name: str, group: _Group, decode: Decode) -> bool:
    """Whether the codec reads this type: it, not the registry, says what this build can
    read. Asked once per type and batch (the fast decoder validates each record as it does)."""
    if name in work.codec_reads:
        return True
    try:
        decode(single_event_payload((name, group.version, group.raws[0])))
    except POISON:
        return False
    work.codec_reads.add(name)
    return True


def _codec_each(name: str, group: _Group, decode: Decode) -> list[DomainEvent]:
    """The group's events decoded by the codec one record at a time (short when it refuses
    one: the codec then decides the whole frame)."""
    events: list[DomainEvent] = []
    try:
        for raw in group.raws:
            events.extend(decode(single_event_payload((name, group.version, raw))))
    except POISON:
        return []
    return events


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
