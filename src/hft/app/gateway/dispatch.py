"""Step 7: hand accepted intents to the broker once their decision is durable.

The leader check is repeated at the moment of dispatch (a lease can lapse while the log
syncs). A CANCEL or AMEND whose target finished in the meantime (its fill came in, or the
target was itself refused at dispatch) is refused as INVALID_TARGET instead of sent. A
broker that refuses locally (nothing was sent) turns into BROKER_UNAVAILABLE and releases
everything; a sent call is recorded as dispatched, which commits the idempotency key.
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


def dispatch(core: GatewayCore, intent_id: str) -> bool:
    """Send one accepted intent; True if it reached the broker."""
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
    core.emit(intent.decide_dispatch(state, ts_ns=now))
    if state.intent_type is IntentType.CANCEL and state.target_intent_id is not None:
        _mark_cancel_requested(core, state.target_intent_id, intent_id, now)
    core.counters.dispatched += 1
    core.counters.dispatch_latency.record(time.perf_counter_ns() - started)
    return True


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
