"""Recorder modes: wal_first never touches the sink; direct copies off the hot path."""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping, Sequence
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hft.adapters.memory import InMemoryEventLog
from hft.app.bootstrap.codec import default_codec
from hft.app.recorder import (
    DropRecord,
    Recorder,
    RecorderConfigError,
    RecorderMode,
    UnknownRecorderModeError,
    event_rows,
    recorder_mode_from_env,
)
from hft.domain.events import DomainEvent
from hft.ports.event_log import AppendReceipt
from hft.ports.sinks import SinkUnavailableError
from tests.strategies.recorder import ExplodingSink, RecordingSink, order_events, quotes

ROWS = event_rows(default_codec(), "log-A")
TIMEOUT_S = 60.0  # liveness bound for waiting on a worker thread, not a performance claim


def _no_halt(reason: str) -> None:
    raise AssertionError(f"unexpected halt: {reason}")


@pytest.mark.parametrize(
    ("environ", "mode"),
    [
        ({}, RecorderMode.DIRECT),
        ({"HFT_RECORDER_MODE": ""}, RecorderMode.DIRECT),
        ({"HFT_RECORDER_MODE": "direct"}, RecorderMode.DIRECT),
        ({"HFT_RECORDER_MODE": "wal_first"}, RecorderMode.WAL_FIRST),
        ({"HFT_RECORDER_MODE": " WAL_FIRST "}, RecorderMode.WAL_FIRST),
    ],
)
def test_the_mode_comes_from_the_environment(environ: dict[str, str], mode: RecorderMode) -> None:
    """HFT_RECORDER_MODE picks the mode (case and spaces ignored); unset means direct."""
    assert recorder_mode_from_env(environ) is mode


@given(st.text(max_size=12).filter(lambda s: s.strip().lower() not in {"", "direct", "wal_first"}))
def test_an_unknown_mode_is_a_named_error(value: str) -> None:
    """Any other value raises UnknownRecorderModeError naming the variable."""
    with pytest.raises(UnknownRecorderModeError, match="HFT_RECORDER_MODE"):
        recorder_mode_from_env({"HFT_RECORDER_MODE": value})


def test_direct_mode_without_a_sink_is_refused() -> None:
    """Direct mode with nowhere to copy to is a configuration error, not a silent wal_first."""
    with pytest.raises(RecorderConfigError):
        Recorder(InMemoryEventLog(), RecorderMode.DIRECT, on_halt=_no_halt)


def test_wal_first_never_calls_the_sink_even_one_that_raises() -> None:
    """wal_first writes only to the log; a sink that raises on any call is never called."""
    log, sink = InMemoryEventLog(), ExplodingSink()
    recorder = Recorder(log, RecorderMode.WAL_FIRST, on_halt=_no_halt, sink=sink, rows=ROWS)
    receipts = [recorder.record("orders", order_events(3)) for _ in range(10)]
    assert recorder.close() is True
    assert sink.calls == 0
    assert receipts[-1] == AppendReceipt(28, 30)
    assert [e.seq for e in log.read()] == list(range(1, 31))


def test_wal_first_never_calls_a_sink_that_would_block_forever() -> None:
    """A sink that would block forever cannot stall wal_first: it is never reached."""
    gate = threading.Event()  # never set
    sink = RecordingSink(gate)
    log = InMemoryEventLog()
    recorder = Recorder(log, RecorderMode.WAL_FIRST, on_halt=_no_halt, sink=sink, rows=ROWS)
    for _ in range(5):
        recorder.record("market_data", quotes(4))
    assert recorder.close() is True
    assert sink.inserts == []
    assert log.durable_seq() == 20


def test_direct_mode_copies_durable_batches_with_their_sequence_numbers() -> None:
    """Each batch reaches the sink once, as rows keyed by (log_id, seq), with a dedup token."""
    log, sink = InMemoryEventLog(), RecordingSink()
    recorder = Recorder(log, RecorderMode.DIRECT, on_halt=_no_halt, sink=sink, rows=ROWS)
    batch = order_events(2, ts_ns=7_000)
    recorder.record("orders", quotes(1))
    recorder.record("orders", batch)
    assert recorder.wait_sink_idle(TIMEOUT_S)
    assert [token for _, _, token in sink.inserts] == ["orders:1-1", "orders:2-3"]
    table, rows, _ = sink.inserts[1]
    assert table == "events"
    assert [(r["log_id"], r["seq"], r["type"]) for r in rows] == [
        ("log-A", 2, "BrokerSessionChanged"),
        ("log-A", 3, "BrokerSessionChanged"),
    ]
    assert rows[0]["ts_event"] == 7_000
    assert rows[0]["originator_version"] == batch[0].originator_version
    assert json.loads(rows[1]["payload"])["venue"] == "sinopac"
    assert recorder.sink_rows == 3
    assert recorder.drops.snapshot() == []
    recorder.close()


def test_direct_mode_append_never_waits_for_a_blocked_sink() -> None:
    """With the sink blocked, 50 records all return at once; overflow is counted, not waited."""
    gate = threading.Event()
    opened_by_timer = threading.Timer(TIMEOUT_S, gate.set)
    opened_by_timer.start()
    log, sink = InMemoryEventLog(), RecordingSink(gate)
    recorder = Recorder(
        log, RecorderMode.DIRECT, on_halt=_no_halt, sink=sink, rows=ROWS, queue_capacity=4
    )
    receipts = [recorder.record("market_data", quotes(2, ts_ns=100 * i)) for i in range(50)]
    finished_before_the_sink_moved = not gate.is_set()
    gate.set()
    opened_by_timer.cancel()
    assert finished_before_the_sink_moved
    assert receipts[-1] == AppendReceipt(99, 100)
    assert recorder.wait_sink_idle(TIMEOUT_S)
    [overflow] = recorder.drops.snapshot()
    delivered = sum(len(rows) for _, rows, _ in sink.inserts)
    assert overflow.reason == "sink_queue_full"
    assert overflow.count + delivered == 100
    assert overflow.last_seq == 100
    assert overflow.last_ts_ns == 4_901
    assert log.durable_seq() == 100
    recorder.close()


class FlakySink(RecordingSink):
    """Unavailable for the first `failures` inserts, then fine."""

    def __init__(self, failures: int) -> None:
        super().__init__()
        self.failures = failures

    def insert(self, table: str, rows: Sequence[Mapping[str, Any]], dedup_token: str) -> int:
        if self.failures:
            self.failures -= 1
            raise SinkUnavailableError("store down")
        return super().insert(table, rows, dedup_token)


def test_an_unavailable_sink_costs_a_counted_record_and_later_batches_still_go() -> None:
    """A batch the sink refused is recorded with its seq range; the worker carries on."""
    log, sink = InMemoryEventLog(), FlakySink(failures=1)
    recorder = Recorder(log, RecorderMode.DIRECT, on_halt=_no_halt, sink=sink, rows=ROWS)
    recorder.record("orders", order_events(2, ts_ns=10))
    recorder.record("orders", order_events(1, ts_ns=20))
    assert recorder.wait_sink_idle(TIMEOUT_S)
    assert recorder.drops.snapshot() == [
        DropRecord("orders", "sink_unavailable", 2, 10, 11, first_seq=1, last_seq=2)
    ]
    assert [token for _, _, token in sink.inserts] == ["orders:3-3"]
    assert recorder.close() is True
    assert recorder.close() is True


@given(
    sizes=st.lists(st.integers(min_value=1, max_value=6), min_size=1, max_size=25),
    capacity=st.integers(min_value=1, max_value=4),
)
def test_direct_mode_accounts_for_every_logged_event_exactly_once(
    sizes: list[int], capacity: int
) -> None:
    """Each logged seq is either delivered to the sink or inside one counted drop record."""
    log, sink = InMemoryEventLog(), RecordingSink()
    recorder = Recorder(
        log, RecorderMode.DIRECT, on_halt=_no_halt, sink=sink, rows=ROWS, queue_capacity=capacity
    )
    for n in sizes:
        recorder.record("market_data", quotes(n))
    assert recorder.wait_sink_idle(TIMEOUT_S)
    assert recorder.close() is True
    delivered = [row["seq"] for _, rows, _ in sink.inserts for row in rows]
    dropped = sum(r.count for r in recorder.drops.snapshot())
    assert len(delivered) == len(set(delivered))
    assert len(delivered) + dropped == sum(sizes) == log.durable_seq()
    assert recorder.sink_rows == len(delivered)


class RefusingLog(InMemoryEventLog):
    """An event log whose disk is full: every append raises."""

    def append(self, events: Sequence[DomainEvent]) -> AppendReceipt:
        raise OSError(28, "No space left on device")


def test_a_log_that_refuses_a_batch_halts_the_gateway_once_and_raises() -> None:
    """A failed append is never swallowed: it propagates, and on_halt hears about it once."""
    halts: list[str] = []
    recorder = Recorder(RefusingLog(), RecorderMode.WAL_FIRST, on_halt=halts.append)
    for _ in range(2):
        with pytest.raises(OSError, match="No space left"):
            recorder.record("orders", order_events(1))
    assert halts == [
        "event log refused a orders batch: OSError: [Errno 28] No space left on device"
    ]


class ForgetfulLog(InMemoryEventLog):
    """Appends fine, but its sync fails: wait_durable raises."""

    def wait_durable(self, seq: int, timeout_s: float | None = None) -> bool:
        raise OSError(5, "Input/output error")


def test_direct_mode_never_copies_a_batch_whose_sync_failed() -> None:
    """A failing wait_durable is counted as not durable; the sink sees nothing; no crash."""
    sink = RecordingSink()
    recorder = Recorder(ForgetfulLog(), RecorderMode.DIRECT, on_halt=_no_halt, sink=sink, rows=ROWS)
    recorder.record("orders", order_events(2, ts_ns=5))
    assert recorder.wait_sink_idle(TIMEOUT_S)
    assert recorder.close() is True
    assert sink.inserts == []
    assert recorder.drops.snapshot() == [
        DropRecord("orders", "sink_skipped_not_durable", 2, 5, 6, first_seq=1, last_seq=2)
    ]
    assert isinstance(recorder.last_sink_error, OSError)
