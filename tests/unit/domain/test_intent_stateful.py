"""OrderIntent under random legal and illegal decisions: the table, the invariants, the fold."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from hft.domain.errors import DomainError, InvalidTransition
from hft.domain.events import DomainEvent, fold
from hft.domain.intent import (
    TRANSITIONS,
    EmptyFillId,
    IntentStatus,
    IntentType,
    OrderIntent,
    Overfill,
    ReportMismatch,
    Trigger,
    decide_accept,
    decide_ack,
    decide_amend_rejected,
    decide_amended,
    decide_cancel_rejected,
    decide_cancel_request,
    decide_cancelled,
    decide_complete,
    decide_dispatch,
    decide_expire,
    decide_fill,
    decide_outcome_unknown,
    decide_reconcile,
    decide_reject,
    decide_submit,
    evolve,
    is_order,
    is_terminal,
    leaves,
)
from hft.domain.intent_table import ORDER_ONLY, REQUEST_ONLY
from hft.domain.reasons import RejectReason
from tests.strategies.intent import command

PX = 5_800_000
RECONCILE = {
    IntentStatus.ACKED: Trigger.RECONCILE_ACKED,
    IntentStatus.PARTIALLY_FILLED: Trigger.RECONCILE_PARTIALLY_FILLED,
    IntentStatus.FILLED: Trigger.RECONCILE_FILLED,
    IntentStatus.CANCELLED: Trigger.RECONCILE_CANCELLED,
    IntentStatus.REJECTED: Trigger.RECONCILE_REJECTED,
    IntentStatus.COMPLETED: Trigger.RECONCILE_COMPLETED,
}
RECONCILE_FITS: dict[IntentStatus, Callable[[int, int], bool]] = {
    IntentStatus.ACKED: lambda f, q: f == 0,
    IntentStatus.PARTIALLY_FILLED: lambda f, q: 0 < f < q,
    IntentStatus.FILLED: lambda f, q: f == q,
    IntentStatus.CANCELLED: lambda f, q: f < q,
    IntentStatus.REJECTED: lambda f, q: f == 0,
    IntentStatus.COMPLETED: lambda f, q: f == 0,
}

Call = tuple[Callable[..., list[DomainEvent]], tuple[Any, ...]]


def allowed(state: OrderIntent, trigger: Trigger) -> bool:
    wrong_role = REQUEST_ONLY if is_order(state) else ORDER_ONLY
    return trigger not in wrong_role and (state.status, trigger) in TRANSITIONS


class IntentLifecycle(RuleBasedStateMachine):
    """Every decision either lands on the table's status or raises the error its data call for."""

    def __init__(self) -> None:
        super().__init__()
        self.events: list[DomainEvent] = []
        self.clock = 1_000
        self.terminal_status: IntentStatus | None = None

    @initialize(kind=st.sampled_from(IntentType), qty=st.integers(1, 12), reduce_only=st.booleans())
    def submit(self, kind: IntentType, qty: int, reduce_only: bool) -> None:
        overrides: dict[str, Any] = {"intent_type": kind, "qty": qty, "reduce_only": reduce_only}
        if kind in (IntentType.AMEND, IntentType.CANCEL):
            overrides["target_intent_id"] = "intent-0"
        if kind is IntentType.CANCEL:
            overrides |= {"price": None, "qty": 0}
        self.events = decide_submit(command(**overrides), ts_ns=self.clock)
        self.state = evolve(None, self.events[0])

    def attempt(
        self,
        trigger: Trigger,
        decide: Callable[..., list[DomainEvent]],
        *args: Any,
        data_error: type[DomainError] | None = None,
    ) -> None:
        """Run a decision; check its outcome against the table and the expected data error."""
        before = self.state
        self.clock += 1
        outcome: list[DomainEvent] | DomainError
        try:
            outcome = decide(before, *args, ts_ns=self.clock)
        except DomainError as exc:
            outcome = exc
        if isinstance(outcome, InvalidTransition):
            assert not allowed(before, trigger), (before.status, trigger)
            assert outcome.from_ is before.status
            return
        if isinstance(outcome, DomainError):
            assert allowed(before, trigger)
            assert type(outcome) is data_error, (type(outcome), data_error)
            return
        assert allowed(before, trigger), (before.status, trigger)
        assert data_error is None
        for event in outcome:
            self.state = evolve(self.state, event)
        self.events.extend(outcome)
        assert self.state.status is TRANSITIONS[before.status, trigger]
        assert self.state.version == before.version + 1

    @rule()
    def accept(self) -> None:
        self.attempt(Trigger.ACCEPT, decide_accept)

    @rule(reason=st.sampled_from(RejectReason))
    def reject(self, reason: RejectReason) -> None:
        self.attempt(Trigger.REJECT, decide_reject, reason)

    @rule()
    def dispatch(self) -> None:
        self.attempt(Trigger.DISPATCH, decide_dispatch)

    @rule(broker_id=st.sampled_from(["B-1", "B-2", ""]))
    def ack(self, broker_id: str) -> None:
        error = None if broker_id else ReportMismatch
        self.attempt(Trigger.ACK, decide_ack, broker_id, data_error=error)

    @rule(
        fill_id=st.sampled_from(["F-1", "F-2", "F-3", "F-4", "F-5", ""]),
        qty=st.integers(0, 14),
        price=st.sampled_from([PX, 0]),
    )
    def fill(self, fill_id: str, qty: int, price: int) -> None:
        before = self.state
        if not fill_id:
            try:
                decide_fill(before, fill_id, price, qty, ts_ns=self.clock)
            except EmptyFillId:
                return
            raise AssertionError("an empty fill id was accepted")
        if fill_id in before.fill_ids:
            assert decide_fill(before, fill_id, price, qty, ts_ns=self.clock) == []
            return
        open_qty = leaves(before)
        trigger = Trigger.FILL_FINAL if open_qty - qty == 0 else Trigger.FILL_PARTIAL
        error: type[DomainError] | None = None
        if qty > open_qty:
            error = Overfill
        elif qty <= 0 or price <= 0:
            error = ReportMismatch
        self.attempt(trigger, decide_fill, fill_id, price, qty, data_error=error)

    @rule()
    def cancel_request(self) -> None:
        self.attempt(Trigger.CANCEL_REQUEST, decide_cancel_request, "cancel-1")

    @rule()
    def cancel_rejected(self) -> None:
        filled = self.state.filled > 0
        trigger = Trigger.CANCEL_REFUSED_PARTIAL if filled else Trigger.CANCEL_REFUSED_UNFILLED
        self.attempt(trigger, decide_cancel_rejected, "too late")

    @rule(extra=st.sampled_from([0, 0, 1]))
    def cancelled(self, extra: int) -> None:
        error = ReportMismatch if extra else None
        remaining = leaves(self.state) + extra
        self.attempt(Trigger.CANCEL, decide_cancelled, remaining, data_error=error)

    @rule(qty=st.integers(1, 16), price=st.sampled_from([PX + 10_000, None, 0]))
    def amended(self, qty: int, price: int | None) -> None:
        error: type[DomainError] | None = None
        if qty <= self.state.filled:
            error = Overfill
        elif price == 0:
            error = ReportMismatch
        self.attempt(Trigger.AMEND, decide_amended, price, qty, data_error=error)

    @rule()
    def amend_rejected(self) -> None:
        self.attempt(Trigger.AMEND_REFUSED, decide_amend_rejected, "band")

    @rule()
    def complete(self) -> None:
        self.attempt(Trigger.COMPLETE, decide_complete)

    @rule()
    def expire(self) -> None:
        self.attempt(Trigger.EXPIRE, decide_expire, "ttl")

    @rule(action=st.sampled_from(["place", "amend", "cancel"]))
    def outcome_unknown(self, action: str) -> None:
        self.attempt(Trigger.OUTCOME_UNKNOWN, decide_outcome_unknown, action)

    @rule(status=st.sampled_from(sorted(RECONCILE, key=str)), filled=st.integers(0, 14))
    def reconcile(self, status: IntentStatus, filled: int) -> None:
        state = self.state
        error: type[DomainError] | None = None
        if filled > state.qty:
            error = Overfill
        elif filled < state.filled or not RECONCILE_FITS[status](filled, state.qty):
            error = ReportMismatch
        trigger = RECONCILE[status]
        self.attempt(trigger, decide_reconcile, status, filled, data_error=error)

    def legal_calls(self) -> dict[Trigger, Call]:
        """For each trigger that has one: a decision and arguments with consistent data."""
        state, open_qty = self.state, leaves(self.state)
        fresh = f"F-{self.state.version}"
        calls: dict[Trigger, Any] = {
            Trigger.ACCEPT: (decide_accept, ()),
            Trigger.DISPATCH: (decide_dispatch, ()),
            Trigger.ACK: (decide_ack, ("B-1",)),
            Trigger.FILL_PARTIAL: (decide_fill, (fresh, PX, 1)) if open_qty > 1 else None,
            Trigger.FILL_FINAL: (decide_fill, (fresh, PX, open_qty)) if open_qty else None,
            Trigger.CANCEL_REQUEST: (decide_cancel_request, ("cancel-1",)),
            Trigger.CANCEL_REFUSED_PARTIAL: (decide_cancel_rejected, ()) if state.filled else None,
            Trigger.CANCEL_REFUSED_UNFILLED: None if state.filled else (decide_cancel_rejected, ()),
            Trigger.CANCEL: (decide_cancelled, (open_qty,)),
            Trigger.AMEND: (decide_amended, (PX, state.filled + 2)),
            Trigger.AMEND_REFUSED: (decide_amend_rejected, ()),
            Trigger.COMPLETE: (decide_complete, ()),
            Trigger.OUTCOME_UNKNOWN: (decide_outcome_unknown, ("place",)),
        }
        for status, reconcile in RECONCILE.items():
            filled = next(
                (
                    f
                    for f in (state.filled, 1, state.qty)
                    if f >= state.filled and RECONCILE_FITS[status](f, state.qty)
                ),
                None,
            )
            calls[reconcile] = None if filled is None else (decide_reconcile, (status, filled))
        return {t: call for t, call in calls.items() if call is not None}

    def advance(self, data: st.DataObject) -> None:
        """Take a legal step (the random rules alone end most runs early in a terminal)."""
        calls = self.legal_calls()
        options = [t for t in calls if allowed(self.state, t)]
        onward = [t for t in options if not is_terminal(TRANSITIONS[self.state.status, t])]
        carry_on = data.draw(st.integers(0, 4)) > 0
        if onward and carry_on:
            options = onward
        if not options:
            return
        trigger = data.draw(st.sampled_from(options))
        decide, args = calls[trigger]
        self.attempt(trigger, decide, *args)

    @rule(data=st.data())
    def step_forward(self, data: st.DataObject) -> None:
        self.advance(data)

    @rule(data=st.data())
    def step_forward_again(self, data: st.DataObject) -> None:
        self.advance(data)

    @rule(data=st.data())
    def step_forward_once_more(self, data: st.DataObject) -> None:
        self.advance(data)

    @invariant()
    def filled_never_exceeds_qty(self) -> None:
        assert 0 <= self.state.filled <= self.state.qty
        assert len(self.state.fill_ids) <= self.state.filled

    @invariant()
    def terminal_stays_terminal(self) -> None:
        if self.terminal_status is not None:
            assert self.state.status is self.terminal_status
        elif is_terminal(self.state.status):
            self.terminal_status = self.state.status

    @invariant()
    def the_fold_of_the_events_is_the_state(self) -> None:
        assert fold(evolve, None, self.events) == self.state
        assert self.state.version == len(self.events)
        assert [e.originator_version for e in self.events] == list(range(1, len(self.events) + 1))


TestIntentLifecycleStateful = IntentLifecycle.TestCase
