"""A CANCEL or AMEND may name an order that is accepted but not yet dispatched: it follows it.

The gateway dispatches in decision order, so the request reaches the broker after its target.
If the target never goes out (its dispatch is refused) or finishes while the request waits for
the log, the request is refused as INVALID_TARGET without a broker call.
"""

from __future__ import annotations

from typing import Any

from hft.app.replay import replay_events
from hft.domain.intent import IntentType
from tests.unit.app.harness import LOT_NOTIONAL, PX, Rig
from tests.unit.app.stubs import HeldLog


def _cancel(rig: Rig, target: str) -> Any:
    return rig.submit(intent_type=IntentType.CANCEL, price=None, qty=0, target_intent_id=target)


def _settle_held(rig: Rig, log: HeldLog, rounds: int = 6) -> None:
    """Run the loop with the held log released every turn (a slow fsync that completes)."""
    for _ in range(rounds):
        log.release()
        rig.gateway.step()


def _rejections(rig: Rig) -> dict[str, tuple[str, str]]:
    return {e.originator_id: (e.reason.value, e.detail) for e in rig.events_named("IntentRejected")}


def test_cancel_in_the_same_batch_as_its_order_goes_out_right_after_it() -> None:
    """NEW then CANCEL before any step: both accepted; the broker places, then cancels."""
    rig = Rig()
    rig.submit()
    _cancel(rig, "i1")
    rig.settle()
    assert [o.intent_id for o in rig.broker.placed] == ["i1"]
    assert rig.broker.cancelled == ["i1"]
    assert (rig.status("i1"), rig.status("i2")) == ("CANCELLED", "COMPLETED")
    assert rig.exposure_total() == 0
    assert replay_events(rig.log.read(1)).violations == ()


def test_cancel_of_an_order_waiting_for_the_log_is_accepted_and_dispatched_after_it() -> None:
    """The target's decision is appended but not durable: the CANCEL is accepted, not refused,
    and nothing reaches the broker until the log releases both, in decision order."""
    log = HeldLog()
    rig = Rig(log=log)
    rig.submit()
    rig.gateway.step()
    assert rig.status("i1") == "ACCEPTED"
    _cancel(rig, "i1")
    rig.gateway.step()
    assert rig.status("i2") == "ACCEPTED"
    assert (rig.broker.placed, rig.broker.cancelled) == ([], [])
    log.release()
    rig.gateway.step()
    assert [o.intent_id for o in rig.broker.placed] == ["i1"]
    assert rig.broker.cancelled == ["i1"]
    rig.gateway.step()  # the dispatches are recorded with the next batch
    order = [e.originator_id for e in rig.events_named("IntentDispatched")]
    assert order == ["i1", "i2"]


def test_cancel_of_an_order_whose_dispatch_is_refused_is_refused_without_a_broker_call() -> None:
    """The broker refuses the place (disconnected): the waiting CANCEL has nothing to cancel
    and is rejected INVALID_TARGET naming the target's status; the broker sees no cancel."""
    rig = Rig()
    rig.broker.mode = "refuse"
    rig.submit()
    _cancel(rig, "i1")
    rig.settle()
    rejected = _rejections(rig)
    assert rejected["i1"][0] == "BROKER_UNAVAILABLE"
    assert rejected["i2"] == ("INVALID_TARGET", "target i1 is REJECTED (finished before dispatch)")
    assert rig.broker.cancelled == []
    assert rig.gateway.core.counters.rejects["INVALID_TARGET"] == 1
    assert replay_events(rig.log.read(1)).violations == ()


def test_cancel_of_an_order_filled_while_the_cancel_waited_is_refused_locally() -> None:
    """The order fills at once; a CANCEL accepted before the fill was heard is not sent."""
    log = HeldLog()
    rig = Rig(log=log)
    rig.broker.mode = "fill"
    rig.submit()
    rig.gateway.step()
    log.release()
    rig.gateway.step()  # dispatched; the fill is now waiting at the broker
    _cancel(rig, "i1")
    rig.gateway.step()  # the fill is applied first, then the CANCEL is decided: refused
    _settle_held(rig, log)
    assert rig.status("i1") == "FILLED"
    assert _rejections(rig)["i2"][0] == "INVALID_TARGET"
    assert rig.broker.cancelled == []


def test_cancel_accepted_before_the_fill_is_heard_is_refused_at_its_dispatch() -> None:
    """Accepted while the target was working, dispatched after the target filled: refused."""
    log = HeldLog()
    rig = Rig(log=log)
    rig.submit()
    rig.gateway.step()
    log.release()
    rig.gateway.step()  # dispatched and acked later
    _settle_held(rig, log)
    _cancel(rig, "i1")
    rig.gateway.step()  # the CANCEL is accepted: its target is ACKED
    assert rig.status("i2") == "ACCEPTED"
    rig.broker.fill("i1", 1)
    rig.gateway.step()  # the fill arrives before the CANCEL's decision is durable
    log.release()
    _settle_held(rig, log)
    assert rig.status("i1") == "FILLED"
    assert _rejections(rig)["i2"] == (
        "INVALID_TARGET",
        "target i1 is FILLED (finished before dispatch)",
    )
    assert rig.broker.cancelled == []


def test_amend_of_an_order_waiting_for_the_log_follows_it_and_recharges_exposure() -> None:
    """AMEND of an accepted order: charged at decision (2 lots), sent after the place."""
    log = HeldLog()
    rig = Rig(log=log)
    rig.submit(qty=1)
    rig.gateway.step()
    rig.submit(intent_type=IntentType.AMEND, qty=2, target_intent_id="i1")
    rig.gateway.step()
    assert rig.status("i2") == "ACCEPTED"
    assert rig.exposure_total() == 2 * LOT_NOTIONAL  # the larger of old and new is held
    log.release()
    _settle_held(rig, log)
    assert [o.intent_id for o in rig.broker.placed] == ["i1"]
    sent = [(i, p and p.scaled, q and q.value) for i, p, q in rig.broker.amended]
    assert sent == [("i1", PX, 2)]
    assert rig.status("i2") == "COMPLETED"
    assert rig.gateway.core.state.intents["i1"].qty == 2
    assert rig.exposure_total() == 2 * LOT_NOTIONAL


def test_amend_of_an_order_whose_dispatch_is_refused_rolls_its_charge_back() -> None:
    """The target never goes out: the AMEND is refused and the exposure returns to zero."""
    rig = Rig()
    rig.broker.mode = "refuse"
    rig.submit(qty=1)
    rig.submit(intent_type=IntentType.AMEND, price=PX, qty=3, target_intent_id="i1")
    rig.settle()
    assert _rejections(rig)["i2"][0] == "INVALID_TARGET"
    assert rig.broker.amended == []
    assert rig.exposure_total() == 0
    assert replay_events(rig.log.read(1)).violations == ()
