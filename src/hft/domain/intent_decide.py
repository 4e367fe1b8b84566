"""OrderIntent decisions: commands and venue reports in, events to append out.

Each `decide_*` takes the intent's state, what it needs, and the time (`ts_ns`: when the
system built the event; `ts_event_ns`: when the fact became true, the venue's time for
reports, `ts_ns` when omitted). It returns the events to append, already proven to fold
(`evolve` is run on them), or raises the named error `evolve` would raise. The only silent
answer is a fill id seen before: `decide_fill` returns no event (fills replayed on reconnect).
"""

from __future__ import annotations

from typing import Any

from hft.domain.events import DomainEvent
from hft.domain.intent_command import SubmitIntent
from hft.domain.intent_events import (
    IntentAccepted,
    IntentAcked,
    IntentAmended,
    IntentAmendRejected,
    IntentCancelled,
    IntentCancelRejected,
    IntentCancelRequested,
    IntentCompleted,
    IntentDeduplicated,
    IntentDispatched,
    IntentExpired,
    IntentFilled,
    IntentOutcomeUnknown,
    IntentReconciled,
    IntentRejected,
    IntentStatus,
    IntentSubmitted,
)
from hft.domain.intent_state import EmptyFillId, OrderIntent, evolve
from hft.domain.reasons import RejectReason


def _stamp(intent_id: str, version: int, ts_ns: int, ts_event_ns: int | None) -> dict[str, Any]:
    event_ns = ts_ns if ts_event_ns is None else ts_event_ns
    return {
        "originator_id": intent_id,
        "originator_version": version,
        "ts_event_ns": event_ns,
        "ts_init_ns": ts_ns,
    }


def _decide(
    state: OrderIntent,
    event_type: type[DomainEvent],
    ts_ns: int,
    ts_event_ns: int | None = None,
    **fields: Any,
) -> list[DomainEvent]:
    stamp = _stamp(state.intent_id, state.version + 1, ts_ns, ts_event_ns)
    event = event_type(**stamp, **fields)
    evolve(state, event)
    return [event]


def _submission(cmd: SubmitIntent) -> dict[str, Any]:
    return {
        "idempotency_key": cmd.idempotency_key,
        "strategy_id": cmd.strategy_id,
        "account": cmd.account,
        "symbol": cmd.symbol,
        "intent_type": cmd.intent_type,
        "side": cmd.side,
        "price": cmd.price,
        "qty": cmd.qty,
        "tif": cmd.tif,
        "ttl_ns": cmd.ttl_ns,
        "trace_id": cmd.trace_id,
        "created_ns": cmd.created_ns,
        "target_intent_id": cmd.target_intent_id,
        "reduce_only": cmd.reduce_only,
        "schema_version": cmd.schema_version,
    }


def decide_submit(cmd: SubmitIntent, *, ts_ns: int) -> list[DomainEvent]:
    """The intent's first event; it reserves the key. Accept or reject decisions follow."""
    return [IntentSubmitted(**_stamp(cmd.intent_id, 1, ts_ns, None), **_submission(cmd))]


def decide_deduplicated(
    cmd: SubmitIntent, first_intent_id: str, *, ts_ns: int
) -> list[DomainEvent]:
    """The only event of a submission whose key `first_intent_id` already committed."""
    stamp = _stamp(cmd.intent_id, 1, ts_ns, None)
    return [IntentDeduplicated(**stamp, **_submission(cmd), first_intent_id=first_intent_id)]


def decide_accept(state: OrderIntent, *, ts_ns: int) -> list[DomainEvent]:
    """Every pre-dispatch check passed."""
    return _decide(state, IntentAccepted, ts_ns)


def decide_reject(
    state: OrderIntent,
    reason: RejectReason,
    detail: str = "",
    *,
    ts_ns: int,
    ts_event_ns: int | None = None,
) -> list[DomainEvent]:
    """Refuse the intent: a gateway reason before dispatch, BROKER_REJECTED after it."""
    return _decide(state, IntentRejected, ts_ns, ts_event_ns, reason=reason, detail=detail)


def decide_dispatch(state: OrderIntent, *, ts_ns: int) -> list[DomainEvent]:
    """The intent went to the broker: its idempotency key is committed from here on."""
    return _decide(state, IntentDispatched, ts_ns)


def decide_ack(
    state: OrderIntent, broker_order_id: str, *, ts_ns: int, ts_event_ns: int | None = None
) -> list[DomainEvent]:
    """The venue acknowledged the order (possibly after some of its fills)."""
    return _decide(state, IntentAcked, ts_ns, ts_event_ns, broker_order_id=broker_order_id)


def decide_fill(
    state: OrderIntent,
    fill_id: str,
    price: int,
    qty: int,
    *,
    ts_ns: int,
    ts_event_ns: int | None = None,
) -> list[DomainEvent]:
    """One execution at `price` (scaled). A fill id already counted yields no event; an
    empty one raises `EmptyFillId`; more than is open raises `Overfill`."""
    if not fill_id:
        raise EmptyFillId(f"{state.intent_id}: fill without a fill id")
    if fill_id in state.fill_ids:
        return []
    total = state.filled + qty
    fill = {"fill_id": fill_id, "price": price, "qty": qty}
    return _decide(
        state,
        IntentFilled,
        ts_ns,
        ts_event_ns,
        **fill,
        filled_total=total,
        leaves=state.qty - total,
    )


def decide_cancel_request(
    state: OrderIntent, by_intent_id: str, *, ts_ns: int
) -> list[DomainEvent]:
    """The CANCEL intent `by_intent_id` was dispatched against this order."""
    return _decide(state, IntentCancelRequested, ts_ns, by_intent_id=by_intent_id)


def decide_cancel_rejected(
    state: OrderIntent, detail: str = "", *, ts_ns: int, ts_event_ns: int | None = None
) -> list[DomainEvent]:
    """The venue refused the cancel: the order returns to ACKED or PARTIALLY_FILLED."""
    return _decide(state, IntentCancelRejected, ts_ns, ts_event_ns, detail=detail)


def decide_cancelled(
    state: OrderIntent, remaining: int, *, ts_ns: int, ts_event_ns: int | None = None
) -> list[DomainEvent]:
    """The venue ended the order with `remaining` unfilled (must equal `leaves(state)`)."""
    return _decide(state, IntentCancelled, ts_ns, ts_event_ns, remaining=remaining)


def decide_amended(
    state: OrderIntent,
    price: int | None,
    qty: int,
    *,
    ts_ns: int,
    ts_event_ns: int | None = None,
) -> list[DomainEvent]:
    """The venue confirmed this order now has `price` and total `qty` (more than filled)."""
    return _decide(state, IntentAmended, ts_ns, ts_event_ns, price=price, qty=qty)


def decide_amend_rejected(
    state: OrderIntent, detail: str = "", *, ts_ns: int, ts_event_ns: int | None = None
) -> list[DomainEvent]:
    """The venue refused an amendment: price and qty stay as they were."""
    return _decide(state, IntentAmendRejected, ts_ns, ts_event_ns, detail=detail)


def decide_complete(
    state: OrderIntent, *, ts_ns: int, ts_event_ns: int | None = None
) -> list[DomainEvent]:
    """An AMEND or CANCEL request was carried out (its effect is recorded on the target)."""
    return _decide(state, IntentCompleted, ts_ns, ts_event_ns)


def decide_expire(state: OrderIntent, reason: str, *, ts_ns: int) -> list[DomainEvent]:
    """TTL ran out before dispatch, or the venue closed the order's session."""
    return _decide(state, IntentExpired, ts_ns, reason=reason)


def decide_outcome_unknown(state: OrderIntent, action: str, *, ts_ns: int) -> list[DomainEvent]:
    """The broker call `action` timed out: the order may or may not exist. Never resend."""
    return _decide(state, IntentOutcomeUnknown, ts_ns, action=action)


def decide_reconcile(
    state: OrderIntent,
    status: IntentStatus,
    filled_total: int,
    *,
    ts_ns: int,
    ts_event_ns: int | None = None,
) -> list[DomainEvent]:
    """Settle an OUTCOME_UNKNOWN intent on the venue's account of it."""
    return _decide(
        state, IntentReconciled, ts_ns, ts_event_ns, status=status, filled_total=filled_total
    )
