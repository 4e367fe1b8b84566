"""OrderIntent lifecycles as the venue really plays them, one scenario per test."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import attrs
import pytest

from hft.domain.errors import InvalidTransition
from hft.domain.events import DomainEvent, fold
from hft.domain.intent import (
    DuplicateFill,
    EmptyFillId,
    EventOutOfSequence,
    IntentDeduplicated,
    IntentFilled,
    IntentStatus,
    IntentSubmitted,
    IntentType,
    OrderIntent,
    Overfill,
    ReportMismatch,
    decide_accept,
    decide_ack,
    decide_amend_rejected,
    decide_amended,
    decide_cancel_rejected,
    decide_cancel_request,
    decide_cancelled,
    decide_complete,
    decide_deduplicated,
    decide_dispatch,
    decide_expire,
    decide_fill,
    decide_outcome_unknown,
    decide_reconcile,
    decide_reject,
    decide_submit,
    evolve,
    is_order,
    leaves,
)
from hft.domain.reasons import RejectReason
from tests.strategies.intent import command

S = IntentStatus
PX = 5_800_000


@attrs.define
class Journal:
    """An intent's state and the events that built it, advanced only through decisions."""

    state: OrderIntent
    events: list[DomainEvent]
    clock: int = 100

    def do(self, decide: Callable[..., list[DomainEvent]], *args: Any) -> list[DomainEvent]:
        self.clock += 1
        new = decide(self.state, *args, ts_ns=self.clock)
        for event in new:
            self.state = evolve(self.state, event)
        self.events.extend(new)
        assert fold(evolve, None, self.events) == self.state
        return new


def submitted(**overrides: Any) -> Journal:
    events = decide_submit(command(**overrides), ts_ns=100)
    return Journal(evolve(None, events[0]), list(events))


def dispatched(**overrides: Any) -> Journal:
    journal = submitted(**overrides)
    journal.do(decide_accept)
    journal.do(decide_dispatch)
    return journal


def acked(**overrides: Any) -> Journal:
    journal = dispatched(**overrides)
    journal.do(decide_ack, "B-1")
    return journal


def test_the_submitted_event_carries_every_command_field() -> None:
    """IntentSubmitted is the command as a fact: same fields, intent id as originator, v1."""
    cmd = command(target_intent_id=None, reduce_only=True)
    (event,) = decide_submit(cmd, ts_ns=555)
    assert isinstance(event, IntentSubmitted)
    assert (event.originator_id, event.originator_version) == ("intent-1", 1)
    assert (event.ts_event_ns, event.ts_init_ns) == (555, 555)
    for field in attrs.fields(type(cmd)):
        if field.name != "intent_id":
            assert getattr(event, field.name) == getattr(cmd, field.name), field.name
    state = evolve(None, event)
    assert (state.status, state.version, state.filled, state.reduce_only) == (
        S.SUBMITTED,
        1,
        0,
        True,
    )


def test_a_limit_order_fills_in_two_executions() -> None:
    """Accepted, dispatched, acked, then 4 + 6 of 10: totals and leaves ride on each fill."""
    journal = acked()
    assert (journal.state.status, journal.state.broker_order_id) == (S.ACKED, "B-1")
    (first,) = journal.do(decide_fill, "F-1", PX, 4)
    assert isinstance(first, IntentFilled)
    assert (first.filled_total, first.leaves, first.qty, first.price) == (4, 6, 4, PX)
    assert (journal.state.status, journal.state.filled, leaves(journal.state)) == (
        S.PARTIALLY_FILLED,
        4,
        6,
    )
    journal.do(decide_fill, "F-2", PX, 6)
    assert (journal.state.status, journal.state.filled, leaves(journal.state)) == (S.FILLED, 10, 0)
    assert journal.state.version == 6
    assert [e.originator_version for e in journal.events] == [1, 2, 3, 4, 5, 6]


def test_a_deal_can_arrive_before_the_ack() -> None:
    """Shioaji may deliver the deal before the order event: the ack then keeps the fill."""
    journal = dispatched()
    journal.do(decide_fill, "F-1", PX, 3)
    assert journal.state.status is S.PARTIALLY_FILLED
    journal.do(decide_ack, "B-7")
    assert (journal.state.status, journal.state.broker_order_id) == (S.PARTIALLY_FILLED, "B-7")


def test_the_ack_of_an_order_filled_at_once_can_come_last() -> None:
    """Filled entirely before its ack: the late ack records the broker id and stays FILLED."""
    journal = dispatched()
    journal.do(decide_fill, "F-1", PX, 10)
    journal.do(decide_ack, "B-8")
    assert (journal.state.status, journal.state.broker_order_id) == (S.FILLED, "B-8")


def test_an_ioc_with_no_fill_is_cancelled_by_the_venue() -> None:
    """IOC/FOK killed with nothing done: CANCELLED with all 10 remaining, acked or not."""
    journal = acked()
    journal.do(decide_cancelled, 10)
    assert journal.state.status is S.CANCELLED
    early = dispatched()
    early.do(decide_cancelled, 10)
    assert (early.state.status, early.state.filled) == (S.CANCELLED, 0)


def test_fills_keep_arriving_while_a_cancel_is_requested() -> None:
    """A partial fill during a pending cancel stays CANCEL_REQUESTED; the cancel then ends it."""
    journal = acked()
    journal.do(decide_cancel_request, "cancel-1")
    assert (journal.state.status, journal.state.cancel_requested_by) == (
        S.CANCEL_REQUESTED,
        "cancel-1",
    )
    journal.do(decide_fill, "F-1", PX, 3)
    assert (journal.state.status, journal.state.filled) == (S.CANCEL_REQUESTED, 3)
    with pytest.raises(ReportMismatch, match="intent-1: 10 cancelled, 7 open"):
        journal.do(decide_cancelled, 10)
    journal.do(decide_cancelled, 7)
    assert journal.state.status is S.CANCELLED


def test_a_fill_can_beat_the_cancel_to_the_end() -> None:
    """The last fill arrives while the cancel is pending: FILLED, and the cancel is moot."""
    journal = acked()
    journal.do(decide_cancel_request, "cancel-1")
    journal.do(decide_fill, "F-1", PX, 10)
    assert journal.state.status is S.FILLED


@pytest.mark.parametrize(
    ("filled", "back_to"), [(0, S.ACKED), (1, S.PARTIALLY_FILLED), (2, S.PARTIALLY_FILLED)]
)
def test_a_refused_cancel_returns_to_what_the_order_was(filled: int, back_to: IntentStatus) -> None:
    """The venue refuses the cancel: unfilled goes back to ACKED, part-filled to PARTIALLY."""
    journal = acked()
    if filled:
        journal.do(decide_fill, "F-1", PX, filled)
    journal.do(decide_cancel_request, "cancel-1")
    journal.do(decide_cancel_rejected, "too late")
    assert (journal.state.status, journal.state.filled) == (back_to, filled)


def test_a_confirmed_amendment_changes_price_and_qty() -> None:
    """IntentAmended sets the order's price and total qty; leaves follow."""
    journal = acked()
    journal.do(decide_fill, "F-1", PX, 4)
    journal.do(decide_amended, 5_810_000, 15)
    state = journal.state
    assert (state.status, state.price, state.qty, leaves(state)) == (
        S.PARTIALLY_FILLED,
        5_810_000,
        15,
        11,
    )


@pytest.mark.parametrize("qty", [3, 4])
def test_an_amendment_to_no_more_than_filled_is_an_overfill(qty: int) -> None:
    """Amending a 4-filled order to 4 or less would leave filled >= qty: Overfill."""
    journal = acked()
    journal.do(decide_fill, "F-1", PX, 4)
    with pytest.raises(Overfill, match=f"intent-1: amend to {qty} with 4 filled"):
        journal.do(decide_amended, PX, qty)
    assert journal.state.qty == 10


def test_an_amended_price_must_be_positive() -> None:
    """A venue reporting a zero price is a mismatch, not a new price."""
    journal = acked()
    with pytest.raises(ReportMismatch, match="intent-1: amended price 0"):
        journal.do(decide_amended, 0, 12)
    journal.do(decide_amended, 1, 12)
    assert (journal.state.price, journal.state.qty) == (1, 12)
    journal.do(decide_amended, None, 13)
    assert (journal.state.price, journal.state.qty) == (None, 13)


def test_a_refused_amendment_keeps_price_and_qty() -> None:
    """IntentAmendRejected changes nothing but the version."""
    journal = acked()
    before = journal.state
    journal.do(decide_amend_rejected, "price band")
    assert (journal.state.price, journal.state.qty, journal.state.status) == (
        before.price,
        before.qty,
        S.ACKED,
    )
    assert journal.state.version == before.version + 1


def test_an_amend_request_completes_and_an_order_cannot() -> None:
    """An AMEND intent ends COMPLETED once the venue did it; a NEW order never completes."""
    request = dispatched(intent_type=IntentType.AMEND, target_intent_id="intent-0")
    assert not is_order(request.state)
    request.do(decide_complete)
    assert request.state.status is S.COMPLETED
    order = acked()
    assert is_order(order.state)
    with pytest.raises(InvalidTransition):
        order.do(decide_complete)


def test_a_request_intent_cannot_fill() -> None:
    """A CANCEL intent carries no quantity of its own: a fill on it is refused."""
    cancel = dispatched(
        intent_type=IntentType.CANCEL, target_intent_id="intent-0", price=None, qty=0
    )
    with pytest.raises(InvalidTransition):
        cancel.do(decide_fill, "F-1", PX, 1)


# --- field note 9: fills replayed after reconnect; empty fill ids ------------------------


def test_a_replayed_fill_id_is_ignored_and_counted_once() -> None:
    """The same fill delivered twice (reconnect) yields no second event, even once FILLED."""
    journal = acked()
    journal.do(decide_fill, "F-1", PX, 4)
    assert journal.do(decide_fill, "F-1", PX, 4) == []
    assert journal.state.filled == 4
    journal.do(decide_fill, "F-2", PX, 6)
    assert journal.do(decide_fill, "F-2", PX, 6) == []
    assert (journal.state.status, journal.state.filled) == (S.FILLED, 10)


def test_an_empty_fill_id_is_refused_by_name() -> None:
    """A fill without id would skip dedup: EmptyFillId from decide and from evolve."""
    journal = acked()
    with pytest.raises(EmptyFillId, match="intent-1: fill without a fill id"):
        journal.do(decide_fill, "", PX, 1)
    event = IntentFilled(
        originator_id="intent-1",
        originator_version=journal.state.version + 1,
        ts_event_ns=1,
        ts_init_ns=1,
        fill_id="",
        price=PX,
        qty=1,
        filled_total=1,
        leaves=9,
    )
    with pytest.raises(EmptyFillId, match="intent-1: fill without a fill id"):
        evolve(journal.state, event)


def test_a_stored_duplicate_fill_is_refused_by_evolve() -> None:
    """A log holding the same fill id twice is corrupt: DuplicateFill, not a double count."""
    journal = acked()
    (fill,) = journal.do(decide_fill, "F-1", PX, 2)
    assert isinstance(fill, IntentFilled)
    again = attrs.evolve(fill, originator_version=journal.state.version + 1, filled_total=4)
    with pytest.raises(DuplicateFill, match="intent-1: fill 'F-1' already counted"):
        evolve(journal.state, again)


@pytest.mark.parametrize("qty", [11, 100])
def test_a_fill_beyond_the_open_quantity_is_an_overfill(qty: int) -> None:
    """More than leaves cannot fill: Overfill, and the state is untouched."""
    journal = acked()
    before = journal.state
    with pytest.raises(Overfill, match=f"intent-1: fill of {qty} with 10 open"):
        journal.do(decide_fill, "F-1", PX, qty)
    assert journal.state == before


def test_exactly_the_open_quantity_fills_the_order() -> None:
    """Boundary: a fill equal to leaves is final."""
    journal = acked()
    journal.do(decide_fill, "F-1", PX, 9)
    journal.do(decide_fill, "F-2", PX, 1)
    assert (journal.state.status, leaves(journal.state)) == (S.FILLED, 0)


@pytest.mark.parametrize(
    ("changes", "complaint"),
    [
        ({"qty": 0, "filled_total": 0, "leaves": 10}, "is inconsistent"),
        ({"price": 0}, "is inconsistent"),
        ({"filled_total": 5}, "is inconsistent"),
        ({"leaves": 7}, "leaves wrong"),
    ],
)
def test_a_fill_whose_numbers_disagree_is_a_report_mismatch(
    changes: dict[str, int], complaint: str
) -> None:
    """Zero qty, zero price, or totals that do not add up are refused by evolve."""
    journal = acked()
    fields: dict[str, Any] = {"fill_id": "F-1", "price": PX, "qty": 2, "filled_total": 2}
    fields["leaves"] = 8
    stamp: dict[str, Any] = {"originator_id": "intent-1", "originator_version": 5}
    event = IntentFilled(**stamp, ts_event_ns=1, ts_init_ns=1, **(fields | changes))
    with pytest.raises(ReportMismatch, match=f"intent-1: fill 'F-1' {complaint}"):
        evolve(journal.state, event)


def test_a_fill_at_the_smallest_positive_price_counts() -> None:
    """Boundary: price 1 (scaled) is positive; the grid is the gateway's concern, not evolve's."""
    journal = acked()
    (fill,) = journal.do(decide_fill, "F-1", 1, 2)
    assert isinstance(fill, IntentFilled)
    assert (fill.price, journal.state.filled) == (1, 2)


def test_an_ack_without_broker_order_id_is_a_report_mismatch() -> None:
    """The broker order id is what later reports are matched on: it cannot be empty."""
    journal = dispatched()
    with pytest.raises(ReportMismatch, match="intent-1: ack without a broker order id"):
        journal.do(decide_ack, "")


# --- field note 8: a timed-out place is reconciled, never resent ------------------------


def test_a_timed_out_dispatch_cannot_be_dispatched_again() -> None:
    """OUTCOME_UNKNOWN after a place timeout: a second dispatch is an invalid transition."""
    journal = dispatched()
    journal.do(decide_outcome_unknown, "place")
    assert journal.state.status is S.OUTCOME_UNKNOWN
    with pytest.raises(InvalidTransition) as caught:
        journal.do(decide_dispatch)
    assert caught.value.from_ is S.OUTCOME_UNKNOWN


@pytest.mark.parametrize(
    ("status", "filled"),
    [
        (S.ACKED, 0),
        (S.PARTIALLY_FILLED, 1),
        (S.PARTIALLY_FILLED, 9),
        (S.FILLED, 10),
        (S.CANCELLED, 0),
        (S.CANCELLED, 9),
        (S.REJECTED, 0),
    ],
)
def test_an_unknown_outcome_reconciles_to_the_venues_account(
    status: IntentStatus, filled: int
) -> None:
    """Reconciliation lands on the venue's status with the venue's filled total."""
    journal = dispatched()
    journal.do(decide_outcome_unknown, "place")
    journal.do(decide_reconcile, status, filled)
    assert (journal.state.status, journal.state.filled) == (status, filled)


@pytest.mark.parametrize(
    ("status", "filled"),
    [
        (S.ACKED, 1),
        (S.PARTIALLY_FILLED, 0),
        (S.PARTIALLY_FILLED, 10),
        (S.FILLED, 9),
        (S.CANCELLED, 10),
        (S.REJECTED, 1),
    ],
)
def test_a_reconciliation_that_contradicts_itself_is_a_mismatch(
    status: IntentStatus, filled: int
) -> None:
    """Status and filled total must agree (FILLED means all of it, ACKED none...)."""
    journal = dispatched()
    journal.do(decide_outcome_unknown, "place")
    with pytest.raises(ReportMismatch, match=f"intent-1: {status.value} with {filled} filled"):
        journal.do(decide_reconcile, status, filled)


def test_a_reconciliation_cannot_unfill_or_overfill() -> None:
    """Below what was already counted is a mismatch; above qty is an Overfill."""
    journal = acked()
    journal.do(decide_fill, "F-1", PX, 3)
    journal.do(decide_outcome_unknown, "amend")
    with pytest.raises(ReportMismatch):
        journal.do(decide_reconcile, S.PARTIALLY_FILLED, 2)
    with pytest.raises(Overfill, match="intent-1: reconciled 11 of 10"):
        journal.do(decide_reconcile, S.FILLED, 11)
    journal.do(decide_reconcile, S.PARTIALLY_FILLED, 3)
    assert (journal.state.status, journal.state.filled) == (S.PARTIALLY_FILLED, 3)


def test_fills_during_an_unknown_outcome_prove_the_order_lives() -> None:
    """A deal for an order whose place timed out: PARTIALLY_FILLED, then FILLED."""
    journal = dispatched()
    journal.do(decide_outcome_unknown, "place")
    journal.do(decide_fill, "F-1", PX, 2)
    partly = journal.state
    journal.do(decide_fill, "F-2", PX, 8)
    assert (partly.status, journal.state.status) == (S.PARTIALLY_FILLED, S.FILLED)


def test_a_completed_request_reconciles_to_completed() -> None:
    """A cancel request whose call timed out can be settled as COMPLETED."""
    request = dispatched(
        intent_type=IntentType.CANCEL, target_intent_id="intent-0", price=None, qty=0
    )
    request.do(decide_outcome_unknown, "cancel")
    request.do(decide_reconcile, S.COMPLETED, 0)
    assert request.state.status is S.COMPLETED


# --- rejections, expiry, duplicates --------------------------------------------------------


@pytest.mark.parametrize("reason", [RejectReason.QUEUE_FULL, RejectReason.NOT_LEADER])
def test_a_rejection_records_its_reason(reason: RejectReason) -> None:
    """REJECTED keeps the reason so the first decision can be answered again."""
    journal = submitted()
    journal.do(decide_reject, reason, "detail")
    assert (journal.state.status, journal.state.reject_reason) == (S.REJECTED, reason)
    with pytest.raises(InvalidTransition):
        journal.do(decide_accept)


def test_an_intent_can_expire_before_dispatch_but_not_after() -> None:
    """TTL expiry is a pre-dispatch fate; a dispatched order waits for the venue instead."""
    journal = submitted()
    journal.do(decide_expire, "ttl")
    assert journal.state.status is S.EXPIRED
    with pytest.raises(InvalidTransition):
        dispatched().do(decide_expire, "ttl")


def test_a_deduplicated_submission_is_terminal_and_names_the_first() -> None:
    """A duplicate's only event is IntentDeduplicated; nothing can follow it."""
    (event,) = decide_deduplicated(command(intent_id="intent-2"), "intent-1", ts_ns=9)
    assert isinstance(event, IntentDeduplicated)
    assert (event.originator_version, event.ts_event_ns, event.ts_init_ns) == (1, 9, 9)
    assert (event.idempotency_key, event.first_intent_id) == ("key-1", "intent-1")
    state = evolve(None, event)
    assert (state.status, state.duplicate_of, state.intent_id) == (
        S.DEDUPLICATED,
        "intent-1",
        "intent-2",
    )
    with pytest.raises(InvalidTransition):
        decide_accept(state, ts_ns=10)


def test_events_of_another_intent_or_version_are_out_of_sequence() -> None:
    """evolve takes only the intent's own next version."""
    journal = submitted()
    (accepted,) = decide_accept(journal.state, ts_ns=1)
    with pytest.raises(EventOutOfSequence, match="intent-1 v1 cannot take intent-1 v3"):
        evolve(journal.state, attrs.evolve(accepted, originator_version=3))
    with pytest.raises(EventOutOfSequence):
        evolve(journal.state, attrs.evolve(accepted, originator_version=1))
    with pytest.raises(EventOutOfSequence):
        evolve(journal.state, attrs.evolve(accepted, originator_id="intent-9"))
    first = decide_submit(command(), ts_ns=1)[0]
    with pytest.raises(EventOutOfSequence, match="intent-1: first event has version 1"):
        evolve(None, attrs.evolve(first, originator_version=2))


def test_venue_time_and_system_time_are_kept_apart() -> None:
    """ts_event_ns is the venue's time when given, else the system's; ts_init_ns is ours."""
    journal = acked()
    (fill,) = decide_fill(journal.state, "F-1", PX, 1, ts_ns=900, ts_event_ns=850)
    assert (fill.ts_event_ns, fill.ts_init_ns) == (850, 900)
    (other,) = decide_fill(journal.state, "F-2", PX, 1, ts_ns=900)
    assert (other.ts_event_ns, other.ts_init_ns) == (900, 900)
