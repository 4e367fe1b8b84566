"""The EventLog contract, held against every implementation (add yours to `IMPLEMENTATIONS`).

What every EventLog promises: global, gapless, strictly increasing sequence numbers from 1
in append order; `read` yields durable events (`seq <= durable_seq()`) equal to what was
appended; `wait_durable` of an assigned seq eventually returns True; a closed log refuses
appends and reads with its closed error.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from pathlib import Path

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hft.adapters.codec import MsgpackEventCodec
from hft.adapters.memory import InMemoryEventLog
from hft.adapters.wal import WalConfig, WalEventLog
from hft.domain.events import DomainEvent
from hft.domain.market import FeedGapDetected, QuoteReceived
from hft.ports.event_log import EventLog, LogClosedError
from tests.strategies.events import events_of


@attrs.frozen
class Implementation:
    """How to make a fresh log in a directory (every one raises the port's LogClosedError)."""

    name: str
    make: Callable[[Path], EventLog]
    closed_error: type[Exception] = LogClosedError


IMPLEMENTATIONS = [
    Implementation("memory", lambda _dir: InMemoryEventLog()),
    Implementation(
        "wal",
        lambda d: WalEventLog.open(str(d), MsgpackEventCodec(), WalConfig(segment_bytes=16 * 1024)),
    ),
]

_counter = itertools.count()


@pytest.fixture(params=IMPLEMENTATIONS, ids=lambda impl: impl.name)
def impl(request: pytest.FixtureRequest) -> Implementation:
    return request.param  # type: ignore[no-any-return]


@pytest.fixture
def log(impl: Implementation, tmp_path: Path) -> Iterator[EventLog]:
    made = impl.make(tmp_path / "log")
    yield made
    made.close()


def quote(version: int, symbol: str = "2330") -> QuoteReceived:
    return QuoteReceived(
        originator_id=symbol,
        originator_version=version,
        ts_event_ns=1_700_000_000_000_000_000 + version,
        ts_init_ns=1_700_000_000_000_000_500 + version,
        symbol=symbol,
        bid_px=10_000_000 + version,
        bid_qty=5,
    )


def _read_all(log: EventLog, from_seq: int = 1) -> list[tuple[int, DomainEvent]]:
    return [(e.seq, e.event) for e in log.read(from_seq)]


def test_sequence_numbers_are_gapless_from_one_across_batches(log: EventLog) -> None:
    """Batches of 3, 1 and 5 events get seqs 1-3, 4-4 and 5-9."""
    receipts = [log.append([quote(i) for i in range(n)]) for n in (3, 1, 5)]
    assert [(r.first_seq, r.last_seq) for r in receipts] == [(1, 3), (4, 4), (5, 9)]


def test_empty_batch_assigns_nothing(log: EventLog) -> None:
    """An empty append returns first_seq = next seq, last_seq = first_seq - 1, and the next
    real append still starts there."""
    log.append([quote(1)])
    receipt = log.append([])
    assert (receipt.first_seq, receipt.last_seq) == (2, 1)
    assert log.append([quote(2)]).first_seq == 2


def test_durable_events_read_back_equal_and_in_order(log: EventLog) -> None:
    """After wait_durable(last), read(1) yields every event, equal, under its seq."""
    events = [quote(i) for i in range(1, 8)] + [
        FeedGapDetected(
            originator_id="feed", originator_version=1, ts_event_ns=5, ts_init_ns=6,
            source="tse", dropped=3, reason="queue full",
        )
    ]  # fmt: skip
    receipt = log.append(events)
    assert log.wait_durable(receipt.last_seq, timeout_s=30)
    assert log.durable_seq() >= receipt.last_seq
    assert _read_all(log) == list(enumerate(events, start=1))


def test_read_from_a_seq_starts_exactly_there(log: EventLog) -> None:
    """read(from_seq) yields seqs from_seq..last, including from the middle of a batch."""
    log.append([quote(i) for i in range(1, 11)])
    log.append([quote(i) for i in range(11, 21)])
    assert log.wait_durable(20, timeout_s=30)
    assert [s for s, _ in _read_all(log, 7)] == list(range(7, 21))
    assert [s for s, _ in _read_all(log, 20)] == [20]
    assert _read_all(log, 21) == []


def test_read_never_shows_more_than_durable(log: EventLog) -> None:
    """Whatever read yields at any moment is at most durable_seq() at that moment."""
    for i in range(1, 50):
        log.append([quote(i)])
        durable_before = log.durable_seq()
        seqs = [s for s, _ in _read_all(log)]
        assert seqs == list(range(1, len(seqs) + 1))
        assert len(seqs) <= max(durable_before, log.durable_seq())


def test_closed_log_refuses_append_and_read(log: EventLog, impl: Implementation) -> None:
    """After close, append and read raise the implementation's closed error."""
    log.append([quote(1)])
    log.close()
    with pytest.raises(impl.closed_error):
        log.append([quote(2)])
    with pytest.raises(impl.closed_error):
        list(log.read())


@settings(max_examples=15, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(batches=st.lists(st.lists(events_of(QuoteReceived), max_size=6), min_size=1, max_size=6))
def test_any_batches_of_events_round_trip_with_gapless_seqs(
    impl: Implementation, tmp_path: Path, batches: list[list[DomainEvent]]
) -> None:
    """Any events in any batching come back equal, in order, numbered 1..N."""
    log = impl.make(tmp_path / f"log-{next(_counter)}")
    try:
        for batch in batches:
            log.append(batch)
        flat = [e for batch in batches for e in batch]
        if flat:
            assert log.wait_durable(len(flat), timeout_s=30)
        assert _read_all(log) == list(enumerate(flat, start=1))
    finally:
        log.close()
