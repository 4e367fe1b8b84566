"""Disk pressure in the recorder: per-topic drop or halt, counted drops, a latched halt hook."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from hft.adapters.memory import InMemoryEventLog
from hft.adapters.wal.pressure import DiskPressureMonitor
from hft.app.recorder import (
    DEFAULT_TOPIC_POLICY,
    DropRecord,
    Recorder,
    RecorderMode,
    TopicAction,
    TopicPolicy,
)
from hft.domain.market import FeedGapDetected
from hft.ports.disk_pressure import PressureLevel
from tests.strategies.recorder import (
    LEVEL_NAMES,
    THRESHOLDS,
    TOPICS,
    SettableProbe,
    order_events,
    quotes,
)


class Rig:
    """A wal_first recorder over an in-memory log, with disk pressure the test sets."""

    def __init__(self, policy: TopicPolicy | None = None) -> None:
        self.probe = SettableProbe()
        self.monitor = DiskPressureMonitor(self.probe, THRESHOLDS)
        self.log = InMemoryEventLog()
        self.halts: list[str] = []
        self.recorder = Recorder(
            self.log,
            RecorderMode.WAL_FIRST,
            on_halt=self.halts.append,
            pressure=self.monitor,
            policy=policy or DEFAULT_TOPIC_POLICY,
        )

    def set_level(self, name: str) -> PressureLevel:
        self.probe.set_level(name)
        return self.monitor.check()


def test_at_critical_market_data_is_dropped_with_a_counted_record() -> None:
    """Quotes at CRITICAL are not written; the ledger says how many and between which times."""
    rig = Rig()
    assert rig.set_level("CRITICAL") is PressureLevel.CRITICAL
    assert rig.recorder.record("market_data", quotes(3, ts_ns=500)) is None
    assert rig.recorder.record("market_data", quotes(2, ts_ns=900)) is None
    assert rig.recorder.drops.snapshot() == [
        DropRecord("market_data", "disk_pressure_critical", 5, 500, 901)
    ]
    assert rig.log.durable_seq() == 0


def test_at_critical_orders_are_written_and_the_gateway_is_told_to_halt_once() -> None:
    """Orders are never dropped: they are written, and on_halt is called once with the reason."""
    rig = Rig()
    rig.set_level("CRITICAL")
    receipt = rig.recorder.record("orders", order_events(2))
    rig.recorder.record("orders", order_events(1))
    rig.monitor.check()
    assert receipt is not None
    assert receipt.last_seq == 2
    assert rig.log.durable_seq() == 3
    assert len(rig.halts) == 1
    assert rig.halts[0].startswith("disk pressure CRITICAL: free 150.0 MiB below 200.0 MiB")
    assert rig.halts[0].endswith("topic policy halts at CRITICAL")


def test_halt_level_halts_even_when_no_topic_policy_would() -> None:
    """With orders set to WRITE, CRITICAL does not halt but HALT does, exactly once."""
    rig = Rig(TopicPolicy({"orders": TopicAction.WRITE}, default=TopicAction.WRITE))
    rig.set_level("CRITICAL")
    assert rig.halts == []
    rig.set_level("HALT")
    rig.set_level("HALT")
    assert len(rig.halts) == 1
    assert rig.halts[0].startswith("disk pressure HALT")
    assert rig.recorder.record("orders", order_events(1)) is not None


def test_the_halt_hook_rearms_only_after_pressure_falls_below_critical() -> None:
    """HALT -> CRITICAL stays latched; OK -> HALT again calls the hook a second time."""
    rig = Rig()
    rig.set_level("HALT")
    rig.set_level("CRITICAL")
    assert len(rig.halts) == 1
    rig.set_level("OK")
    rig.set_level("HALT")
    assert len(rig.halts) == 2


def test_warn_changes_nothing() -> None:
    """WARN writes every topic and halts nothing."""
    rig = Rig()
    rig.set_level("WARN")
    rig.recorder.record("market_data", quotes(2))
    rig.recorder.record("orders", order_events(2))
    assert rig.log.durable_seq() == 4
    assert rig.halts == []
    assert rig.recorder.drops.snapshot() == []


def test_an_unlisted_topic_is_never_dropped() -> None:
    """A topic the policy does not name gets the default (HALT): written, never dropped."""
    rig = Rig()
    rig.set_level("CRITICAL")
    assert rig.recorder.record("audit", order_events(1)) is not None
    assert rig.recorder.drops.snapshot() == []


def test_after_pressure_clears_the_drop_is_written_to_the_log() -> None:
    """The first batch of a topic after pressure clears is preceded by FeedGapDetected."""
    rig = Rig()
    rig.set_level("CRITICAL")
    rig.recorder.record("market_data", quotes(4, ts_ns=100))
    rig.set_level("OK")
    receipt = rig.recorder.record("market_data", quotes(1, ts_ns=5_000))
    logged = [e.event for e in rig.log.read()]
    assert receipt is not None
    assert receipt.first_seq == 2
    gap = logged[0]
    assert isinstance(gap, FeedGapDetected)
    assert (gap.source, gap.dropped, gap.ts_event_ns, gap.ts_init_ns) == (
        "market_data",
        4,
        103,
        5_010,
    )
    assert "disk_pressure_critical: 4 events between ts 100 and 103" in gap.reason
    assert rig.recorder.drops.snapshot() == []


STEPS = st.lists(st.tuples(LEVEL_NAMES, TOPICS, st.integers(min_value=1, max_value=5)), max_size=30)


@given(STEPS)
def test_every_event_is_either_logged_or_counted_and_orders_are_never_dropped(
    steps: list[tuple[str, str, int]],
) -> None:
    """Conservation: logged + counted as dropped == offered, for any pressure history."""
    rig = Rig()
    offered = {"orders": 0, "market_data": 0}
    for level, topic, n in steps:
        rig.set_level(level)
        batch = order_events(n) if topic == "orders" else quotes(n)
        rig.recorder.record(topic, batch)
        offered[topic] += n
    logged = [e.event for e in rig.log.read()]
    gaps = [e for e in logged if isinstance(e, FeedGapDetected)]
    pending = rig.recorder.drops.snapshot()
    quotes_logged = sum(1 for e in logged if type(e).__name__ == "QuoteReceived")
    orders_logged = len(logged) - len(gaps) - quotes_logged
    assert orders_logged == offered["orders"]
    assert {r.topic for r in pending} <= {"market_data"}
    dropped = sum(g.dropped for g in gaps) + sum(r.count for r in pending)
    assert quotes_logged + dropped == offered["market_data"]


def test_pending_drops_are_written_at_shutdown_whatever_the_level() -> None:
    """record_pending_drops writes one FeedGapDetected per dropped topic, even at CRITICAL."""
    rig = Rig()
    rig.set_level("CRITICAL")
    rig.recorder.record("market_data", quotes(6, ts_ns=40))
    assert rig.recorder.record_pending_drops(now_ns=9_999) == 1
    assert rig.recorder.record_pending_drops(now_ns=9_999) == 0
    [logged] = [e.event for e in rig.log.read()]
    assert isinstance(logged, FeedGapDetected)
    assert (logged.dropped, logged.ts_init_ns) == (6, 9_999)


def test_a_recorder_started_under_pressure_halts_at_once() -> None:
    """Built while the disk is already at HALT, the recorder calls on_halt in its constructor."""
    probe = SettableProbe()
    probe.set_level("HALT")
    monitor = DiskPressureMonitor(probe, THRESHOLDS)
    monitor.check()
    halts: list[str] = []
    Recorder(InMemoryEventLog(), RecorderMode.WAL_FIRST, on_halt=halts.append, pressure=monitor)
    assert halts == ["disk pressure HALT when the recorder started"]
