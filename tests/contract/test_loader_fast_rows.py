"""The loader's fast path (frames -> Arrow columns, no event objects) gives exactly the rows
and dead letters of the reference projection (codec -> events -> `Projector`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import msgspec
import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st

from hft.app.bootstrap.codec import default_codec
from hft.app.loader.frame_projector import POISON, FrameProjector
from hft.app.loader.projection import TABLES
from hft.app.loader.rows import ColumnBatch, PoisonRecordError, Projector
from hft.app.loader.sample import EPOCH_NS, governance_events, sample_events
from hft.domain.catalog import event_registry
from hft.domain.events import DomainEvent
from hft.ports.codec import EventCodec
from hft.ports.segments import RawFrame
from tests.strategies.loader import loader_events

FAST = FrameProjector()
REFERENCE = Projector()
LOG = "wal-test"
LOADED_TYPES = sorted(
    e.name for e in event_registry() if any(t.takes(e.name) for t in TABLES if t.event_types)
)
"""Every registered type some typed table takes (all types also go to `events`)."""
ENTRIES = {e.name: e for e in event_registry()}


def _codec() -> EventCodec:
    # Not at import: the process-wide codec knows the types registered before its first use,
    # and other test modules register types of their own while being collected.
    return default_codec()


def _frames(events: Sequence[DomainEvent], per_frame: int = 3) -> list[RawFrame]:
    frames, seq = [], 1
    for start in range(0, len(events), per_frame):
        part = events[start : start + per_frame]
        frames.append(RawFrame(seq, len(part), _codec().encode(part)))
        seq += len(part)
    return frames


def _reference(frames: Sequence[RawFrame]) -> ColumnBatch:
    """The oracle: the codec decodes each frame (its error dead-letters the frame), then the
    reference projection turns the events into rows and isolates poison records."""
    batch = ColumnBatch(LOG)
    seqs: list[int] = []
    events: list[DomainEvent] = []
    origin: dict[int, RawFrame] = {}
    for frame in frames:
        try:
            decoded = _codec().decode(frame.data)
            if len(decoded) != frame.count:
                raise PoisonRecordError(f"payload holds {len(decoded)} events, not {frame.count}")
        except POISON as exc:
            _letter(batch, frame, exc, None)
            continue
        for offset, event in enumerate(decoded):
            seqs.append(frame.first_seq + offset)
            events.append(event)
            origin[frame.first_seq + offset] = frame
    for index, error in REFERENCE.add_many(batch, seqs, events):
        _letter(batch, origin[seqs[index]], error, seqs[index])
    return batch


def _letter(batch: ColumnBatch, frame: RawFrame, exc: Exception, seq: int | None) -> None:
    from hft.app.loader.rows import DeadLetter  # noqa: PLC0415

    reason = f"{type(exc).__name__}: {exc}"
    batch.dead_letters.append(DeadLetter(frame.first_seq, frame.count, reason, frame.data, seq))


def _plain(values: Any) -> list[Any]:
    if isinstance(values, pa.Array):
        if pa.types.is_timestamp(values.type):
            values = values.cast(pa.int64())
        return list(values.to_pylist())
    return [v.decode() if isinstance(v, bytes) else v for v in values]


def _rows(batch: ColumnBatch) -> dict[str, list[dict[str, Any]]]:
    """Table -> rows as dicts of Python values, in seq order (a batch groups rows by type)."""
    out = {}
    for table in batch.columns:
        if not batch.rows(table):
            continue
        cols = {name: _plain(v) for name, v in batch.table_columns(table).items()}
        rows = [dict(zip(cols, values, strict=True)) for values in zip(*cols.values(), strict=True)]
        out[table] = sorted(rows, key=lambda r: r["seq"])
    return out


def _letters(batch: ColumnBatch) -> list[tuple[int, int | None, str]]:
    return sorted(
        ((d.first_seq, d.seq, d.reason) for d in batch.dead_letters),
        key=lambda x: (x[0], x[1] or 0),
    )


def _assert_same(frames: Sequence[RawFrame]) -> ColumnBatch:
    fast = FAST.build(LOG, frames, _codec().decode)
    reference = _reference(frames)
    assert _rows(fast) == _rows(reference)
    assert _letters(fast) == _letters(reference)
    assert (fast.events, fast.first_seq, fast.last_seq) == (
        reference.events,
        min(f.first_seq for f in frames),
        max(f.last_seq for f in frames),
    )
    for table in fast.columns.values():
        assert all(isinstance(v, pa.Array) for v in table.values())
    return fast


def test_the_fast_path_covers_the_types_the_sample_mix_writes() -> None:
    """Quotes, intent lifecycle, exposure fills and policy transitions take the fast path
    (a type silently dropping to the reference would go unnoticed otherwise)."""
    mix = {ENTRIES_BY_CLS[type(e)] for e in sample_events(200)} | {"GatewayHalted"}
    assert mix <= FAST.planned_types
    assert len(FAST.planned_types) >= 30


ENTRIES_BY_CLS = {e.cls: e.name for e in event_registry()}


@pytest.mark.parametrize("name", LOADED_TYPES)
@given(data=st.data())
def test_fast_rows_equal_reference_rows_for_every_loaded_type(
    name: str, data: st.DataObject
) -> None:
    """For any events of one type the loader writes (values that fit or not), split into
    frames, the fast path's rows in every table, dead letters (seq and reason) and counts
    equal the reference projection's."""
    events = data.draw(st.lists(loader_events(ENTRIES[name].cls), min_size=1, max_size=7))
    _assert_same(_frames(events))


@given(st.lists(st.sampled_from(LOADED_TYPES), min_size=1, max_size=6), st.data())
def test_mixed_frames_equal_reference_rows(names: list[str], data: st.DataObject) -> None:
    """Frames mixing types (each type's group built separately, then concatenated per table)
    give the reference's rows."""
    events = [data.draw(loader_events(ENTRIES[n].cls)) for n in names]
    _assert_same(_frames(events, per_frame=4))


def test_the_sample_mix_and_governance_events_equal_reference_rows() -> None:
    """The benchmark's event mix and one of every audited event (types without a fast plan go
    through the codec inside the same batch) load to the reference's rows."""
    events = [*sample_events(3_000), *governance_events(EPOCH_NS)]
    batch = _assert_same(_frames(events, per_frame=512))
    assert batch.dead_letters == []
    assert batch.rows("events") == len(events)


def test_skip_and_only_select_the_same_events_as_the_reference() -> None:
    """`skip_through` and `only` keep exactly the events they name."""
    frames = _frames(list(sample_events(40)), per_frame=8)
    batch = FAST.build(LOG, frames, _codec().decode, skip_through=10, only=frozenset({5, 11, 30}))
    assert _plain(batch.columns["events"]["seq"]) == [11, 30]
    assert (batch.first_seq, batch.last_seq, batch.events) == (11, 30, 2)


def _raw_frame(first_seq: int, records: list[Any]) -> RawFrame:
    return RawFrame(first_seq, len(records), msgspec.msgpack.encode(records))


@pytest.mark.parametrize(
    "records",
    [
        [["NoSuchEvent", 1, {"originator_id": "x"}]],
        [["QuoteReceived", 9, {"originator_id": "x"}]],
        [["QuoteReceived", 1, {"originator_id": "x", "originator_version": 1}]],
        [["QuoteReceived", 1, {"originator_id": 5, "originator_version": 1, "ts_event_ns": 1,
                               "ts_init_ns": 1, "symbol": "2330"}]],
        [["IntentAccepted", 1, {"originator_id": "i", "originator_version": 2, "ts_event_ns": 1,
                                "ts_init_ns": 1}], "not a triple"],
    ],
    ids=["unknown-type", "unknown-version", "missing-field", "wrong-type", "not-a-record"],
)  # fmt: skip
def test_malformed_frames_are_dead_letters_with_the_codecs_reason(records: list[Any]) -> None:
    """A frame the codec cannot read is one dead letter with the codec's reason; the good
    frames around it load."""
    good = list(sample_events(6))
    frames = [*_frames(good[:3]), _raw_frame(4, records)]
    frames.append(RawFrame(frames[-1].last_seq + 1, 3, _codec().encode(good[3:])))
    batch = _assert_same(frames)
    assert [(d.first_seq, d.seq) for d in batch.dead_letters] == [(4, None)]
    assert batch.dead_letters[0].reason.split(":")[0] in {"CodecError", "UnknownEventType"}


def test_a_frame_that_is_not_msgpack_is_a_dead_letter() -> None:
    """Bytes that are not msgpack at all dead-letter their frame, like the codec."""
    batch = _assert_same([RawFrame(1, 2, b"\xc1garbage")])
    assert batch.rows("events") == 0
    assert len(batch.dead_letters) == 1
