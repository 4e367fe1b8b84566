"""WalEventLog specifics beyond the EventLog contract: frames sized to fit segments, refusals
that assign nothing, and a frame whose event count disagrees with its header."""

from __future__ import annotations

import itertools
from pathlib import Path

import attrs
import pytest

from hft.adapters.codec import MsgpackEventCodec
from hft.adapters.wal import CorruptLogError, RecordTooLargeError, WalEventLog, read_frames
from hft.domain.errors import UnknownEventType
from hft.domain.events import DomainEvent
from hft.domain.market import FeedGapDetected
from tests.integration.wal.helpers import small_config

CODEC = MsgpackEventCodec()


def gap(version: int, reason: str = "queue full") -> FeedGapDetected:
    return FeedGapDetected(
        originator_id="feed", originator_version=version, ts_event_ns=version,
        ts_init_ns=version + 1, source="tse", dropped=version, reason=reason,
    )  # fmt: skip


@attrs.frozen(kw_only=True)
class Unregistered(DomainEvent):
    """An event class nobody registered: the codec must refuse it."""


def test_a_batch_too_big_for_one_frame_is_split_and_reads_back_whole(wal_dir: Path) -> None:
    """100 events whose encoding exceeds a 4 KiB segment go into several frames, each one
    codec.encode, and read back equal and numbered 1..100."""
    events = [gap(v) for v in range(1, 101)]
    log = WalEventLog.open(str(wal_dir), CODEC, small_config())
    try:
        receipt = log.append(events)
        assert (receipt.first_seq, receipt.last_seq) == (1, 100)
        assert log.wait_durable(100, 30)
        frames = list(read_frames(str(wal_dir)))
        assert len(frames) > 1
        assert sum(f.count for f in frames) == 100
        assert [(e.seq, e.event) for e in log.read()] == list(enumerate(events, start=1))
    finally:
        log.close()


def test_an_event_larger_than_a_segment_is_refused_and_assigns_nothing(wal_dir: Path) -> None:
    """One event that cannot fit any frame raises RecordTooLargeError; the next append
    still gets seq 2."""
    with_log = WalEventLog.open(str(wal_dir), CODEC, small_config())
    try:
        with_log.append([gap(1)])
        with pytest.raises(RecordTooLargeError):
            with_log.append([gap(2, reason="x" * 5000)])
        assert with_log.append([gap(3)]).first_seq == 2
    finally:
        with_log.close()


def test_an_unencodable_event_refuses_the_whole_batch(wal_dir: Path) -> None:
    """A batch holding an unregistered event raises UnknownEventType before any seq is
    assigned, so the valid events in it are not half-written."""
    log = WalEventLog.open(str(wal_dir), CODEC, small_config())
    try:
        bad = Unregistered(originator_id="x", originator_version=1, ts_event_ns=0, ts_init_ns=0)
        with pytest.raises(UnknownEventType):
            log.append([gap(1), bad])
        assert log.append([gap(2)]).first_seq == 1
    finally:
        log.close()


class MiscountingCodec(MsgpackEventCodec):
    """Decodes one event fewer than was encoded (a codec bug or a foreign payload)."""

    def decode(self, payload: bytes) -> list[DomainEvent]:
        return super().decode(payload)[:-1]


def test_a_frame_decoding_to_the_wrong_count_is_corruption(wal_dir: Path) -> None:
    """If a frame's events do not match its header's count, read raises CorruptLogError
    naming the frame's segment, offset and first seq."""
    log = WalEventLog.open(str(wal_dir), MiscountingCodec(), small_config())
    try:
        log.append([gap(1), gap(2)])
        log.wait_durable(2, 30)
        with pytest.raises(CorruptLogError) as caught:
            list(log.read())
        assert (caught.value.offset, caught.value.seq) == (64, 1)
        assert "header says 2" in caught.value.reason
    finally:
        log.close()


def test_on_durable_listeners_hear_increasing_seqs_ending_at_the_last_event(
    wal_dir: Path,
) -> None:
    """A listener on the event log hears strictly increasing durable seqs, the last of which
    is the last event appended (all of them made durable by close)."""
    heard: list[int] = []
    log = WalEventLog.open(str(wal_dir), CODEC, small_config())
    log.on_durable(heard.append)
    for version in range(1, 31):
        log.append([gap(version)])
    log.close()
    assert heard[-1] == 30
    assert all(a < b for a, b in itertools.pairwise(heard))
