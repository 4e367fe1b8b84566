"""The OrderIntent transition table, exhaustively: every status x every trigger x both roles."""

from __future__ import annotations

import itertools
from typing import Any

import attrs
import pytest

from hft.domain.errors import InvalidTransition
from hft.domain.events import DomainEvent
from hft.domain.intent import (
    INTENT_EVENT_TYPES,
    TRANSITIONS,
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
    IntentType,
    OrderIntent,
    Trigger,
    evolve,
    is_terminal,
    is_working,
    leaves,
)
from hft.domain.intent_table import ORDER_ONLY, REQUEST_ONLY, trigger_of
from hft.domain.market import QuoteReceived
from hft.domain.orders import TimeInForce
from hft.domain.reasons import RejectReason
from hft.domain.values import Side
from tests.strategies.intent import intent_state

S = IntentStatus
T = Trigger

_RECONCILE_TO = {
    T.RECONCILE_ACKED: (S.ACKED, 0),
    T.RECONCILE_PARTIALLY_FILLED: (S.PARTIALLY_FILLED, 5),
    T.RECONCILE_FILLED: (S.FILLED, 10),
    T.RECONCILE_CANCELLED: (S.CANCELLED, 0),
    T.RECONCILE_REJECTED: (S.REJECTED, 0),
    T.RECONCILE_COMPLETED: (S.COMPLETED, 0),
    T.RECONCILE_UNSUPPORTED: (S.EXPIRED, 0),
}


def _filled_in(status: IntentStatus, trigger: Trigger) -> int:
    """A filled quantity consistent with `status` (qty 10) and with what `trigger` needs."""
    if trigger is T.CANCEL_REFUSED_UNFILLED:
        return 0
    if status is S.FILLED:
        return 10
    partial = status in (S.PARTIALLY_FILLED, S.CANCEL_REQUESTED, S.CANCELLED, S.EXPIRED)
    return 4 if partial or trigger is T.CANCEL_REFUSED_PARTIAL else 0


def state_for(status: IntentStatus, trigger: Trigger, intent_type: IntentType) -> OrderIntent:
    qty = 10
    target = None if intent_type is IntentType.NEW else "target-1"
    filled = _filled_in(status, trigger) if intent_type is IntentType.NEW else 0
    return intent_state(
        status, intent_type=intent_type, qty=qty, filled=filled, target_intent_id=target
    )


def event_for(state: OrderIntent, trigger: Trigger) -> DomainEvent:
    """An event that fires `trigger` on `state` with data consistent with the state."""
    stamp: dict[str, Any] = {
        "originator_id": state.intent_id,
        "originator_version": state.version + 1,
        "ts_event_ns": 7,
        "ts_init_ns": 8,
    }
    open_qty = leaves(state)
    builders: dict[Trigger, Any] = {
        T.SUBMIT: lambda: IntentSubmitted(**stamp, **_submission()),
        T.DEDUPLICATE: lambda: IntentDeduplicated(**stamp, **_submission(), first_intent_id="x"),
        T.ACCEPT: lambda: IntentAccepted(**stamp),
        T.REJECT: lambda: IntentRejected(**stamp, reason=RejectReason.BROKER_REJECTED),
        T.DISPATCH: lambda: IntentDispatched(**stamp),
        T.ACK: lambda: IntentAcked(**stamp, broker_order_id="B-1"),
        T.FILL_PARTIAL: lambda: _fill(stamp, state, 1),
        T.FILL_FINAL: lambda: _fill(stamp, state, open_qty),
        T.CANCEL_REQUEST: lambda: IntentCancelRequested(**stamp, by_intent_id="cancel-1"),
        T.CANCEL_REFUSED_UNFILLED: lambda: IntentCancelRejected(**stamp),
        T.CANCEL_REFUSED_PARTIAL: lambda: IntentCancelRejected(**stamp),
        T.CANCEL: lambda: IntentCancelled(**stamp, remaining=open_qty),
        T.AMEND: lambda: IntentAmended(**stamp, price=5_810_000, qty=12),
        T.AMEND_REFUSED: lambda: IntentAmendRejected(**stamp),
        T.COMPLETE: lambda: IntentCompleted(**stamp),
        T.EXPIRE: lambda: IntentExpired(**stamp, reason="ttl"),
        T.OUTCOME_UNKNOWN: lambda: IntentOutcomeUnknown(**stamp, action="place"),
    }
    if trigger in _RECONCILE_TO:
        status, filled = _RECONCILE_TO[trigger]
        return IntentReconciled(**stamp, status=status, filled_total=filled)
    event: DomainEvent = builders[trigger]()
    return event


def _fill(stamp: dict[str, Any], state: OrderIntent, qty: int) -> IntentFilled:
    total = state.filled + qty
    return IntentFilled(
        **stamp,
        fill_id="F-9",
        price=5_800_000,
        qty=qty,
        filled_total=total,
        leaves=state.qty - total,
    )


def _submission() -> dict[str, Any]:
    return {
        "idempotency_key": "key-2",
        "strategy_id": "s",
        "account": "a",
        "symbol": "2330",
        "intent_type": IntentType.NEW,
        "side": Side.BUY,
        "price": 5_800_000,
        "qty": 1,
        "tif": TimeInForce.ROD,
        "ttl_ns": 5,
        "trace_id": "t",
        "created_ns": 0,
    }


def _role_for(trigger: Trigger) -> IntentType:
    return IntentType.AMEND if trigger in REQUEST_ONLY else IntentType.NEW


@pytest.mark.parametrize(("status", "trigger"), list(itertools.product(S, T)))
def test_every_status_and_trigger_lands_on_the_table_or_raises(
    status: IntentStatus, trigger: Trigger
) -> None:
    """An allowed (status, trigger) lands on the table's status; any other raises
    InvalidTransition naming the status it came from, and leaves no trace."""
    state = state_for(status, trigger, _role_for(trigger))
    event = event_for(state, trigger)
    assert trigger_of(event, state.filled) is trigger
    expected = TRANSITIONS.get((status, trigger))
    if expected is None:
        with pytest.raises(InvalidTransition) as caught:
            evolve(state, event)
        assert caught.value.from_ is status
        assert caught.value.event is event
    else:
        after = evolve(state, event)
        assert after.status is expected
        assert after.version == state.version + 1


@pytest.mark.parametrize(
    ("status", "trigger"), list(itertools.product(S, sorted(ORDER_ONLY, key=str)))
)
def test_order_only_triggers_never_apply_to_a_cancel_request(
    status: IntentStatus, trigger: Trigger
) -> None:
    """Fills, cancels, amendments and order reconciliations are refused on a CANCEL intent."""
    state = state_for(status, trigger, IntentType.CANCEL)
    event = event_for(state, trigger)
    with pytest.raises(InvalidTransition) as caught:
        evolve(state, event)
    assert (caught.value.from_, caught.value.event) == (status, event)


@pytest.mark.parametrize(
    ("status", "trigger"), list(itertools.product(S, sorted(REQUEST_ONLY, key=str)))
)
def test_request_only_triggers_never_apply_to_an_order(
    status: IntentStatus, trigger: Trigger
) -> None:
    """COMPLETED is only for AMEND/CANCEL requests: a NEW order can never complete."""
    state = state_for(status, trigger, IntentType.NEW)
    event = event_for(state, trigger)
    with pytest.raises(InvalidTransition) as caught:
        evolve(state, event)
    assert (caught.value.from_, caught.value.event) == (status, event)


def test_every_intent_event_type_fires_a_trigger_and_every_trigger_has_an_event() -> None:
    """The exhaustive test above covers every event type: no event type lacks a trigger."""
    state = state_for(S.ACKED, T.ACK, IntentType.NEW)
    fired = {type(event_for(state, t)) for t in T}
    assert fired == set(INTENT_EVENT_TYPES)


def test_terminal_statuses_only_absorb_a_late_ack_of_a_filled_order() -> None:
    """From a terminal status the table's only move is FILLED --ACK--> FILLED."""
    moves = {(s, t): to for (s, t), to in TRANSITIONS.items() if is_terminal(s)}
    assert moves == {(S.FILLED, T.ACK): S.FILLED}


def test_terminal_and_working_statuses_are_exactly_these() -> None:
    """Terminal and working sets, pinned: the gateway's reconciliation relies on them."""
    assert {s for s in S if is_terminal(s)} == {
        S.REJECTED,
        S.FILLED,
        S.CANCELLED,
        S.EXPIRED,
        S.COMPLETED,
        S.DEDUPLICATED,
    }
    assert {s for s in S if is_working(s)} == {
        S.DISPATCHED,
        S.ACKED,
        S.PARTIALLY_FILLED,
        S.CANCEL_REQUESTED,
        S.OUTCOME_UNKNOWN,
    }


def test_no_status_is_reachable_only_by_the_first_event_except_the_two_origins() -> None:
    """Every status but SUBMITTED and DEDUPLICATED is the target of some table move."""
    targets = set(TRANSITIONS.values())
    assert set(S) - targets == {S.SUBMITTED, S.DEDUPLICATED}


def test_a_first_event_other_than_a_submission_is_an_invalid_transition_from_nothing() -> None:
    """An intent stream must begin with IntentSubmitted or IntentDeduplicated."""
    state = state_for(S.SUBMITTED, T.ACCEPT, IntentType.NEW)
    first = attrs.evolve(event_for(state, T.ACCEPT), originator_version=1)
    with pytest.raises(InvalidTransition) as caught:
        evolve(None, first)
    assert (caught.value.from_, caught.value.event) == (None, first)


def test_an_event_of_another_aggregate_is_an_invalid_transition() -> None:
    """A quote is not an intent event: evolve refuses it and names it."""
    state = state_for(S.ACKED, T.ACK, IntentType.NEW)
    quote = QuoteReceived(
        originator_id="intent-1", originator_version=6, ts_event_ns=1, ts_init_ns=1, symbol="2330"
    )
    with pytest.raises(InvalidTransition) as caught:
        evolve(state, quote)
    assert caught.value.event is quote
