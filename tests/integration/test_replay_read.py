"""Reading a real log directory for replay: frames numbered right from any sequence number,
and the per-event form says the same thing as the frame form."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hft.adapters.wal import WalConfig, WalEventLog
from hft.app.bootstrap.codec import default_codec
from hft.app.bootstrap.replay import read_event_frames, read_logged_events
from hft.domain.events import DomainEvent
from hft.domain.market import QuoteReceived

BATCHES = [3, 1, 4, 2]  # events per append: one WAL frame each


def _quote(version: int) -> QuoteReceived:
    return QuoteReceived(
        originator_id="2330",
        originator_version=version,
        ts_event_ns=version,
        ts_init_ns=version,
        symbol="2330",
        bid_px=10_000_000 + version,
        bid_qty=1,
        ask_px=10_050_000,
        ask_qty=1,
    )


def _write(directory: Path) -> list[DomainEvent]:
    events: list[DomainEvent] = [_quote(v) for v in range(1, sum(BATCHES) + 1)]
    log = WalEventLog.open(str(directory / "wal"), default_codec(), WalConfig())
    start = 0
    for size in BATCHES:
        log.append(events[start : start + size])
        start += size
    log.close()
    return events


@settings(max_examples=10)
@given(from_seq=st.integers(1, sum(BATCHES) + 1))
def test_frames_from_any_seq_number_their_events_like_the_log_property(
    tmp_path_factory: pytest.TempPathFactory, from_seq: int
) -> None:
    """read_event_frames(from_seq): (first_seq, events) with events[i] at seq first_seq + i,
    starting exactly at from_seq even inside a frame; read_logged_events agrees."""
    directory = tmp_path_factory.mktemp("run")
    events = _write(directory)
    frames = list(read_event_frames(directory, from_seq))
    pairs = [(first + i, e) for first, batch in frames for i, e in enumerate(batch)]
    assert pairs == list(enumerate(events, 1))[from_seq - 1 :]
    logged = [(x.seq, x.event) for x in read_logged_events(directory, from_seq)]
    assert logged == pairs
    assert len(frames) <= len(BATCHES)
