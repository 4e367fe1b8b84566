"""Step 7: hand accepted intents to the broker once their decision is durable.

The leader check is repeated at the moment of dispatch (a lease can lapse while the log
syncs). A CANCEL or AMEND whose target finished in the meantime (its fill came in, or the
target was itself refused at dispatch) is refused as INVALID_TARGET instead of sent. A
broker that refuses locally (nothing was sent) turns into BROKER_UNAVAILABLE and releases
everything; a sent call is recorded as dispatched, which commits the idempotency key. A call
that raises anything else may have gone out: it is OUTCOME_UNKNOWN and reconciled.
"""

from __future__ import annotations

import time

from hft.app.gateway.core import GatewayCore
from hft.app.gateway.pipeline import reject
from hft.domain import intent
from hft.domain.intent import IntentType, OrderIntent
from hft.domain.orders import BrokerOrder, PriceType
from hft.domain.reasons import RejectReason
from hft.domain.values import IntentId, Price, Qty, Symbol
from hft.ports.broker import BrokerUnavailableError

# Orders the venue has acknowledged; before the ack the cancel still goes out, unrecorded here.
_CANCELLABLE = frozenset({intent.IntentStatus.ACKED, intent.IntentStatus.PARTIALLY_FILLED})
_ACTIONS = {IntentType.CANCEL: "cancel", IntentType.AMEND: "amend"}  # the rest: "place"


def dispatch(core: GatewayCore, intent_id: str) -> bool:
    """Send one accepted intent; True if it reached (or may have reached) the broker."""
    now = core.now()
    state = core.state.intents[intent_id]
    if not core.lease.is_leader(now):
        reject(core, intent_id, RejectReason.NOT_LEADER, now, "lease lost before dispatch")
        return False
    finished = _finished_target(core, state)
    if finished is not None:
        reject(core, intent_id, RejectReason.INVALID_TARGET, now, finished)
        return False
    started = time.perf_counter_ns()
    try:
        _send(core, state)
    except BrokerUnavailableError as exc:
        reject(core, intent_id, RejectReason.BROKER_UNAVAILABLE, now, str(exc))
        return False
    except Exception as exc:  # an adapter fault: the call may have gone out, or not
        _in_doubt(core, state, exc, now)
        return True
    core.emit(intent.decide_dispatch(state, ts_ns=now))
    if state.intent_type is IntentType.CANCEL and state.target_intent_id is not None:
        _mark_cancel_requested(core, state.target_intent_id, intent_id, now)
    core.counters.dispatched += 1
    core.counters.dispatch_latency.record(time.perf_counter_ns() - started)
    return True


def _in_doubt(core: GatewayCore, state: OrderIntent, exc: Exception, now: int) -> None:
    """A broker call that raised anything but `BrokerUnavailableError` may have reached the
    venue: treat it as a timeout (OUTCOME_UNKNOWN, which commits the key, then reconcile the
    order), never as a refusal that would let a retry place it twice."""
    action = _ACTIONS.get(state.intent_type, "place")
    core.record_anomaly("broker_call_failed", state.intent_id, f"{type(exc).__name__}: {exc}", now)
    core.emit(intent.decide_outcome_unknown(state, action, ts_ns=now))
    order_id = state.target_intent_id or state.intent_id
    try:
        core.broker.reconcile(IntentId(order_id))
    except Exception as again:  # the order stays OUTCOME_UNKNOWN; a restart reconciles it
        detail = f"{type(again).__name__}: {again}"
        core.record_anomaly("reconcile_failed", order_id, detail, now)


def _finished_target(core: GatewayCore, state: OrderIntent) -> str | None:
    """Why a CANCEL or AMEND need not go out: its target finished while the request waited
    for the log (filled, cancelled, or its own dispatch was refused). None: send it."""
    if state.target_intent_id is None:
        return None
    target = core.state.intents[state.target_intent_id]
    if not intent.is_terminal(target.status):
        return None
    return f"target {target.intent_id} is {target.status.value} (finished before dispatch)"


def _send(core: GatewayCore, state: OrderIntent) -> None:
    if state.intent_type is IntentType.CANCEL:
        assert state.target_intent_id is not None
        core.broker.cancel(IntentId(state.target_intent_id))
    elif state.intent_type is IntentType.AMEND:
        assert state.target_intent_id is not None
        target = core.state.intents[state.target_intent_id]
        price = Price(state.price) if state.price is not None else None
        core.broker.amend(IntentId(target.intent_id), price, Qty(state.qty))
    else:
        core.broker.place(broker_order(state))


def broker_order(state: OrderIntent) -> BrokerOrder:
    market = state.price is None
    return BrokerOrder(
        intent_id=IntentId(state.intent_id),
        symbol=Symbol(state.symbol),
        side=state.side,
        qty=Qty(state.qty),
        price=None if market else Price(state.price),  # type: ignore[arg-type]
        tif=state.tif,
        price_type=PriceType.MARKET if market else PriceType.LIMIT,
    )


def _mark_cancel_requested(core: GatewayCore, target_id: str, by: str, now: int) -> None:
    target = core.state.intents[target_id]
    if target.status in _CANCELLABLE:
        core.emit(intent.decide_cancel_request(target, by, ts_ns=now))
