"""The gateway's order path, step by step, and the production failures it must not repeat."""

from __future__ import annotations

import pytest

from hft.adapters.memory import InMemoryLease
from hft.app.gateway.channel import ChannelFullError
from hft.app.gateway.control import ControlQueueFullError
from hft.app.gateway.core import GatewayConfig
from hft.app.replay import replay_events
from hft.domain import exposure
from hft.domain.errors import ExposureCapacityExceeded
from hft.domain.intent import IntentType
from hft.domain.orders import TimeInForce
from hft.domain.policy import ResumeUnattributed
from hft.domain.values import Side
from tests.unit.app.harness import LOT_NOTIONAL, PX, Rig, limits
from tests.unit.app.stubs import HeldLog


def test_accepted_intent_is_dispatched_only_after_its_decision_is_durable() -> None:
    """Step 7: the broker sees nothing until the log holds the acceptance (write-ahead)."""
    log = HeldLog()
    rig = Rig(log=log)
    rig.submit()
    rig.gateway.step()
    rig.gateway.step()
    assert rig.status("i1") == "ACCEPTED"
    assert rig.broker.placed == []  # decided and appended, but not yet durable
    assert [type(e).__name__ for e in rig.seen] == []  # nobody hears of it either
    log.release()
    rig.gateway.step()
    assert [o.intent_id for o in rig.broker.placed] == ["i1"]
    rig.gateway.step()  # the dispatch itself is recorded with the next batch
    names = [type(e.event).__name__ for e in rig.log.read(1)][2:6]
    assert names == ["IntentSubmitted", "ExposureReserved", "IntentAccepted", "IntentDispatched"]


def test_full_lifecycle_reaches_filled_and_moves_exposure_to_position() -> None:
    rig = Rig()
    rig.broker.mode = "fill"
    rig.submit(qty=2)
    rig.settle()
    assert rig.status("i1") == "FILLED"
    entry = next(iter(rig.gateway.core.state.book.entries.values()))
    assert (entry.reserved, entry.position_qty) == (0, 2)
    assert entry.position_cost == 2 * LOT_NOTIONAL


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"price": PX + 1}, "INVALID_PRICE"),
        ({"symbol": "9999"}, "INVALID_SYMBOL"),
        ({"qty": 0}, "INVALID_QTY"),
        ({"ttl_ns": 0}, "INVALID_TTL"),
        ({"schema_version": 2}, "INVALID_SCHEMA"),
        ({"intent_type": IntentType.CANCEL, "price": None, "qty": 0}, "INVALID_TARGET"),
    ],
)
def test_validation_rejects_with_the_named_reason_and_holds_nothing(
    fields: dict[str, object], reason: str
) -> None:
    rig = Rig()
    rig.submit(**fields)
    rig.settle()
    rejected = rig.events_named("IntentRejected")
    assert [r.reason.value for r in rejected] == [reason]
    assert rig.exposure_total() == 0
    assert rig.broker.placed == []
    assert rig.gateway.core.state.window.lookup("k1") is None  # the key is free for a retry


def test_same_key_three_times_dispatches_once_with_two_dedup_hits() -> None:
    rig = Rig()
    rig.submit(idempotency_key="same")
    rig.settle()
    rig.submit(idempotency_key="same")
    rig.submit(idempotency_key="same")
    rig.settle()
    assert len(rig.broker.placed) == 1
    assert rig.gateway.core.counters.dedup_hits == 2
    assert [e.first_intent_id for e in rig.events_named("IntentDeduplicated")] == ["i1", "i1"]


def test_second_submission_while_first_is_in_flight_is_rejected_not_committed() -> None:
    """Failure 2: two intents with one key must never both commit."""
    rig = Rig()
    rig.submit(idempotency_key="same")
    rig.submit(idempotency_key="same")
    rig.gateway.step()  # both decided in one batch; neither dispatched yet
    assert rig.status("i2") == "REJECTED"
    assert rig.events_named("IntentRejected")[0].reason.value == "DEDUP_IN_FLIGHT"
    rig.settle()
    assert [o.intent_id for o in rig.broker.placed] == ["i1"]


def test_failure_inside_a_step_releases_the_key_so_a_retry_can_pass(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Failure 3: a raise in risk evaluation must not leave the dedup slot reserved."""
    rig = Rig()

    def boom(*args: object, **kwargs: object) -> object:
        raise RuntimeError("boom")

    with monkeypatch.context() as patch:
        patch.setattr(exposure, "decide_reserve", boom)
        rig.submit(idempotency_key="k")
        rig.settle()
    rejected = rig.events_named("IntentRejected")
    assert rejected[0].reason.value == "INTERNAL_ERROR"
    assert "RuntimeError: boom" in rejected[0].detail
    assert rig.exposure_total() == 0
    rig.submit(idempotency_key="k")
    rig.settle()
    assert [o.intent_id for o in rig.broker.placed] == ["i2"]


def test_exposure_stays_reserved_after_dispatch_until_the_order_ends() -> None:
    """Failure 4: releasing right after dispatch would defeat the cap."""
    rig = Rig(config=GatewayConfig(limits=limits(symbol_default=2 * LOT_NOTIONAL)))
    rig.submit()
    rig.submit()
    rig.settle()
    assert rig.exposure_total() == 2 * LOT_NOTIONAL
    rig.submit()
    rig.settle()
    assert rig.events_named("IntentRejected")[-1].reason.value == "LIMIT_SYMBOL"
    rig.submit(intent_type=IntentType.CANCEL, price=None, qty=0, target_intent_id="i1")
    rig.settle()
    assert rig.status("i1") == "CANCELLED"
    assert rig.exposure_total() == LOT_NOTIONAL


def test_amend_charges_only_the_delta_and_rolls_back_when_refused() -> None:
    rig = Rig(config=GatewayConfig(limits=limits(symbol_default=3 * LOT_NOTIONAL)))
    rig.submit(qty=2)
    rig.settle()
    rig.submit(intent_type=IntentType.AMEND, qty=3, target_intent_id="i1")
    rig.settle()
    assert rig.exposure_total() == 3 * LOT_NOTIONAL  # 2 lots held + a 1-lot delta, not 5
    rig.submit(intent_type=IntentType.AMEND, qty=4, target_intent_id="i1")
    rig.settle()
    assert rig.events_named("IntentRejected")[-1].reason.value == "LIMIT_SYMBOL"
    assert rig.exposure_total() == 3 * LOT_NOTIONAL


def test_broker_timeout_becomes_outcome_unknown_and_reconciles_never_resends() -> None:
    """Failure 8: retrying a timed-out place_order created duplicate broker orders."""
    rig = Rig()
    rig.broker.mode = "timeout"
    rig.submit()
    rig.settle()
    assert len(rig.broker.placed) == 1
    assert rig.broker.reconciled == ["i1"]
    assert rig.status("i1") == "ACKED"  # the venue said it is working
    assert len(rig.events_named("IntentOutcomeUnknown")) == 1
    assert len(rig.events_named("IntentReconciled")) == 1


def test_a_fill_replayed_after_reconnect_counts_once() -> None:
    """Failure 9: fills replayed after reconnect counted twice."""
    rig = Rig()
    rig.submit(qty=3)
    rig.settle()
    rig.broker.fill("i1", 1)
    rig.settle()
    rig.broker._fills -= 1  # the venue re-sends the same fill id
    rig.broker.fill("i1", 1)
    rig.settle()
    assert rig.gateway.core.state.intents["i1"].filled == 1
    assert len(rig.events_named("IntentFilled")) == 1


def test_halt_blocks_new_but_lets_cancel_and_reducing_orders_through() -> None:
    rig = Rig()
    rig.broker.mode = "fill"
    rig.submit(qty=2)
    rig.settle()
    rig.broker.mode = "ack"
    rig.submit(price=PX - 50_000)
    rig.settle()
    rig.gateway.halt("ops", "drill")
    rig.settle()
    rig.submit()  # adds risk
    rig.submit(side=Side.SELL, qty=1)  # reduces the long 2
    rig.submit(intent_type=IntentType.CANCEL, price=None, qty=0, target_intent_id="i2")
    rig.settle()
    assert rig.status("i3") == "REJECTED"
    assert rig.events_named("IntentRejected")[-1].reason.value == "HALT"
    assert rig.status("i4") != "REJECTED"
    assert rig.status("i2") == "CANCELLED"
    report = replay_events(rig.log.read(1))
    assert report.violations == ()


def test_halt_never_falls_between_the_policy_decision_and_the_dispatch() -> None:
    """Failure 10: an intent accepted before a HALT is dispatched before the HALT is logged."""
    rig = Rig()
    rig.submit()
    rig.gateway.step()  # accepted, waiting in the outbox
    rig.gateway.halt("ops", "mid-flight")
    rig.settle()
    names = [type(e.event).__name__ for e in rig.log.read(1)]
    assert names.index("IntentDispatched") < names.index("GatewayHalted")
    assert replay_events(rig.log.read(1)).violations == ()


def test_halt_is_latched_and_needs_a_named_operator_to_resume() -> None:
    """Failure 11: HALT oscillated because its reason was not latched."""
    rig = Rig()
    rig.gateway.halt("disk", "disk pressure HALT")
    rig.gateway.halt("ops", "second reason")
    rig.settle()
    policy = rig.gateway.core.state.policy
    assert (policy.mode.value, policy.halt_reason) == ("HALT", "disk pressure HALT")
    assert len(rig.events_named("GatewayHalted")) == 1
    with pytest.raises(ResumeUnattributed):
        rig.gateway.resume(" ", "ok")
    rig.gateway.resume("alice", "disk cleaned")
    rig.settle()
    assert rig.gateway.core.state.policy.mode.value == "NORMAL"
    assert rig.events_named("GatewayResumed")[0].operator == "alice"


def test_not_leader_is_rejected_and_not_cached_as_a_final_answer() -> None:
    lease = InMemoryLease()
    rig = Rig(lease=lease)
    rig.submit(idempotency_key="k")
    rig.settle()
    assert rig.events_named("IntentRejected")[0].reason.value == "NOT_LEADER"
    lease.try_acquire("gateway", rig.clock.now_ns(), 10**12)
    rig.submit(idempotency_key="k")
    rig.settle()
    assert [o.intent_id for o in rig.broker.placed] == ["i2"]


def test_broker_refusing_locally_releases_everything() -> None:
    rig = Rig()
    rig.broker.mode = "refuse"
    rig.submit(idempotency_key="k")
    rig.settle()
    assert rig.events_named("IntentRejected")[0].reason.value == "BROKER_UNAVAILABLE"
    assert rig.exposure_total() == 0
    rig.broker.mode = "ack"
    rig.submit(idempotency_key="k")
    rig.settle()
    assert rig.status("i2") == "ACKED"


def test_queue_full_raises_records_the_rejection_and_leaks_no_exposure() -> None:
    """Failure 1: an order queue that was full leaked the reserved exposure."""
    rig = Rig(config=GatewayConfig(limits=limits(), channel_capacity=2))
    rig.submit()
    rig.submit()
    with pytest.raises(ChannelFullError):
        rig.submit()
    rig.settle()
    assert rig.gateway.core.counters.rejects["QUEUE_FULL"] == 1
    assert rig.status("i3") == "REJECTED"
    assert rig.exposure_total() == 2 * LOT_NOTIONAL  # only the two accepted orders


def test_expired_envelope_goes_to_the_dead_letter_queue_and_is_recorded() -> None:
    rig = Rig()
    rig.submit(ttl_ns=1_000)
    rig.clock.advance_by(5_000)
    rig.settle()
    assert rig.gateway.channel.dlq_size == 1
    assert rig.events_named("IntentRejected")[0].reason.value == "TTL_EXPIRED"
    assert rig.broker.placed == []


def test_kill_switch_halts_and_cancels_every_live_order_in_batches() -> None:
    rig = Rig(config=GatewayConfig(limits=limits(), kill_batch=2))
    for i in range(5):
        rig.submit(price=PX - 50_000 * (i + 1))
    rig.settle()
    rig.gateway.kill_switch("ops", "runaway strategy")
    rig.settle(rounds=10)
    assert rig.gateway.core.state.policy.mode.value == "HALT"
    assert sorted(rig.broker.cancelled) == ["i1", "i2", "i3", "i4", "i5"]
    assert all(rig.status(f"i{i}") == "CANCELLED" for i in range(1, 6))
    assert rig.exposure_total() == 0


def test_control_queue_is_bounded_with_a_named_error() -> None:
    rig = Rig(config=GatewayConfig(limits=limits(), control_capacity=1))
    rig.gateway.halt("ops", "one")
    with pytest.raises(ControlQueueFullError):
        rig.gateway.halt("ops", "two")


def test_ioc_order_is_accepted_with_its_time_in_force() -> None:
    rig = Rig()
    rig.submit(tif=TimeInForce.IOC)
    rig.settle()
    assert rig.broker.placed[0].tif is TimeInForce.IOC


def test_durable_notices_reach_listeners_in_log_order() -> None:
    rig = Rig()
    rig.broker.mode = "fill"
    rig.submit()
    rig.settle()
    names = [type(e).__name__ for e in rig.seen]
    assert (
        names.index("IntentAccepted")
        < names.index("IntentDispatched")
        < names.index("IntentFilled")
    )
    metrics = rig.gateway.metrics()
    assert (metrics.submitted, metrics.accepted, metrics.dispatched, metrics.fills) == (1, 1, 1, 1)
    assert metrics.policy_mode == "NORMAL"


def test_an_order_past_its_ttl_is_cancelled_and_only_then_releases_exposure() -> None:
    """Failure 4: a reservation without a TTL leaked; releasing without a cancel would
    under-count an order that may still be live."""
    rig = Rig()
    rig.submit(ttl_ns=10**9)
    rig.settle()
    assert rig.exposure_total() == LOT_NOTIONAL
    rig.clock.advance_by(10**9)
    rig.settle()
    assert rig.broker.cancelled == ["i1"]
    assert rig.status("i1") == "CANCELLED"
    assert rig.exposure_total() == 0
    cancel = rig.events_named("IntentSubmitted")[-1]
    assert (cancel.intent_type, cancel.idempotency_key) == (IntentType.CANCEL, "ttl:i1")


def test_a_fill_whose_position_cannot_be_tracked_is_recorded_and_halts_the_gateway(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A fill is a fact: it is recorded; if the exposure book has no room for its position,
    the gateway records the anomaly and HALTs rather than trading on blind."""
    rig = Rig()
    rig.submit(qty=2)
    rig.settle()

    def full(*args: object, **kwargs: object) -> object:
        raise ExposureCapacityExceeded("no room for the key (1 keys in use)")

    monkeypatch.setattr(exposure, "decide_fill", full)
    rig.broker.fill("i1", 1)
    rig.settle()
    assert rig.gateway.core.state.intents["i1"].filled == 1
    halted = rig.events_named("GatewayHalted")
    assert [(h.source, h.reason.startswith("exposure book full")) for h in halted] == [
        ("gateway", True)
    ]
    assert [a.kind for a in rig.events_named("AnomalyRecorded")] == ["exposure_capacity"]


def test_a_second_amend_before_the_first_is_settled_is_refused_and_retryable() -> None:
    rig = Rig()
    rig.submit(qty=2)
    rig.settle()
    rig.broker.amend = lambda *args: None  # type: ignore[method-assign]  # the venue is slow
    rig.submit(intent_type=IntentType.AMEND, qty=3, target_intent_id="i1")
    rig.settle()
    rig.submit(intent_type=IntentType.AMEND, qty=4, target_intent_id="i1")
    rig.settle()
    assert rig.status("i3") == "REJECTED"
    assert rig.events_named("IntentRejected")[-1].reason.value == "AMEND_IN_FLIGHT"
    assert rig.exposure_total() == 3 * LOT_NOTIONAL  # the first amend's delta, held once


def test_cancel_requests_are_forgotten_once_carried_out() -> None:
    """The open-request index holds only requests still open: a long session that cancels
    every order does not grow it by one entry per order."""
    rig = Rig()
    for i in range(5):
        rig.submit(price=PX - 50_000 * (i + 1))
    rig.settle()
    for i in range(1, 6):
        rig.submit(intent_type=IntentType.CANCEL, target_intent_id=f"i{i}", price=None, qty=0)
    rig.settle()
    assert all(rig.status(f"i{i}") == "CANCELLED" for i in range(1, 6))
    assert all(rig.status(f"i{i}") == "COMPLETED" for i in range(6, 11))
    assert rig.gateway.reports.requests == {}
