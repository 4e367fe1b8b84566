"""Every decide_* function: the event it builds, field by field, and both of its timestamps."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import attrs
import pytest

from hft.domain.events import DomainEvent
from hft.domain.intent import (
    EmptyFillId,
    IntentAcked,
    IntentAmended,
    IntentAmendRejected,
    IntentCancelled,
    IntentCancelRejected,
    IntentCancelRequested,
    IntentCompleted,
    IntentDispatched,
    IntentExpired,
    IntentFilled,
    IntentOutcomeUnknown,
    IntentReconciled,
    IntentRejected,
    IntentStatus,
    IntentType,
    OrderIntent,
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
)
from hft.domain.reasons import RejectReason
from tests.strategies.intent import intent_state

S = IntentStatus
PX = 5_800_000
TS, VENUE = 9_000, 8_500

Decide = Callable[..., list[DomainEvent]]


@attrs.frozen
class Case:
    state: OrderIntent
    decide: Decide
    args: tuple[Any, ...]
    event_type: type[DomainEvent]
    fields: dict[str, Any]
    venue_time: bool  # a venue report: takes ts_event_ns

    def __str__(self) -> str:
        return f"{self.decide.__name__}{self.args}"


CASES = [
    Case(intent_state(S.SUBMITTED), decide_reject, (RejectReason.HALT, "halted"), IntentRejected,
         {"reason": RejectReason.HALT, "detail": "halted"}, True),
    Case(intent_state(S.SUBMITTED), decide_reject, (RejectReason.HALT,), IntentRejected,
         {"reason": RejectReason.HALT, "detail": ""}, True),
    Case(intent_state(S.ACCEPTED), decide_dispatch, (), IntentDispatched, {}, False),
    Case(intent_state(S.DISPATCHED), decide_ack, ("B-1",), IntentAcked,
         {"broker_order_id": "B-1"}, True),
    Case(intent_state(S.ACKED, filled=0), decide_fill, ("F-1", PX, 3), IntentFilled,
         {"fill_id": "F-1", "price": PX, "qty": 3, "filled_total": 3, "leaves": 7}, True),
    Case(intent_state(S.ACKED), decide_cancel_request, ("c-1",), IntentCancelRequested,
         {"by_intent_id": "c-1"}, False),
    Case(intent_state(S.CANCEL_REQUESTED), decide_cancel_rejected, ("late",), IntentCancelRejected,
         {"detail": "late"}, True),
    Case(intent_state(S.CANCEL_REQUESTED), decide_cancel_rejected, (), IntentCancelRejected,
         {"detail": ""}, True),
    Case(intent_state(S.ACKED), decide_cancelled, (10,), IntentCancelled, {"remaining": 10}, True),
    Case(intent_state(S.ACKED), decide_amended, (PX + 10_000, 12), IntentAmended,
         {"price": PX + 10_000, "qty": 12}, True),
    Case(intent_state(S.ACKED), decide_amend_rejected, ("band",), IntentAmendRejected,
         {"detail": "band"}, True),
    Case(intent_state(S.ACKED), decide_amend_rejected, (), IntentAmendRejected,
         {"detail": ""}, True),
    Case(intent_state(S.DISPATCHED, intent_type=IntentType.CANCEL, qty=0, target_intent_id="t"),
         decide_complete, (), IntentCompleted, {}, True),
    Case(intent_state(S.SUBMITTED), decide_expire, ("ttl",), IntentExpired,
         {"reason": "ttl"}, False),
    Case(intent_state(S.DISPATCHED), decide_outcome_unknown, ("place",), IntentOutcomeUnknown,
         {"action": "place"}, False),
    Case(intent_state(S.OUTCOME_UNKNOWN), decide_reconcile, (S.PARTIALLY_FILLED, 4),
         IntentReconciled, {"status": S.PARTIALLY_FILLED, "filled_total": 4}, True),
]  # fmt: skip
VENUE_CASES = [c for c in CASES if c.venue_time]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_each_decision_builds_its_event_at_the_next_version_with_system_time(case: Case) -> None:
    """One event of the right type, next version, ts_init_ns = ts_ns = ts_event_ns by default."""
    (event,) = case.decide(case.state, *case.args, ts_ns=TS)
    assert type(event) is case.event_type
    assert (event.originator_id, event.originator_version) == ("intent-1", case.state.version + 1)
    assert (event.ts_event_ns, event.ts_init_ns) == (TS, TS)
    assert {name: getattr(event, name) for name in case.fields} == case.fields


@pytest.mark.parametrize("case", VENUE_CASES, ids=str)
def test_venue_reports_keep_the_venue_time_apart(case: Case) -> None:
    """Decisions on venue reports take ts_event_ns (venue) apart from ts_ns (system)."""
    (event,) = case.decide(case.state, *case.args, ts_ns=TS, ts_event_ns=VENUE)
    assert (event.ts_event_ns, event.ts_init_ns) == (VENUE, TS)


def test_accept_is_stamped_with_system_time() -> None:
    """Acceptance is the gateway's own fact: both timestamps are ts_ns."""
    (event,) = decide_accept(intent_state(S.SUBMITTED), ts_ns=TS)
    assert (event.originator_version, event.ts_event_ns, event.ts_init_ns) == (6, TS, TS)


def test_an_empty_fill_id_error_names_the_intent() -> None:
    """The error says which intent got a fill without id (the operator needs it)."""
    with pytest.raises(EmptyFillId, match="intent-1"):
        decide_fill(intent_state(S.ACKED), "", PX, 1, ts_ns=TS)
