"""The OrderIntent lifecycle as one explicit transition table: `(status, trigger) -> status`.

An event maps to one trigger; only fills, cancel refusals and reconciliations look at data
(a fill that leaves nothing open is final; a refused cancel returns to what the order was).
Every pair absent from `TRANSITIONS` is illegal and raises `InvalidTransition`.
"""

from __future__ import annotations

from collections.abc import Mapping

from hft.domain.enums import IdentityEnum
from hft.domain.errors import InvalidTransition
from hft.domain.events import DomainEvent
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


class Trigger(IdentityEnum):
    SUBMIT = "SUBMIT"
    DEDUPLICATE = "DEDUPLICATE"
    ACCEPT = "ACCEPT"
    REJECT = "REJECT"
    DISPATCH = "DISPATCH"
    ACK = "ACK"
    FILL_PARTIAL = "FILL_PARTIAL"
    FILL_FINAL = "FILL_FINAL"
    CANCEL_REQUEST = "CANCEL_REQUEST"
    CANCEL_REFUSED_UNFILLED = "CANCEL_REFUSED_UNFILLED"
    CANCEL_REFUSED_PARTIAL = "CANCEL_REFUSED_PARTIAL"
    CANCEL = "CANCEL"
    AMEND = "AMEND"
    AMEND_REFUSED = "AMEND_REFUSED"
    COMPLETE = "COMPLETE"
    EXPIRE = "EXPIRE"
    OUTCOME_UNKNOWN = "OUTCOME_UNKNOWN"
    RECONCILE_ACKED = "RECONCILE_ACKED"
    RECONCILE_PARTIALLY_FILLED = "RECONCILE_PARTIALLY_FILLED"
    RECONCILE_FILLED = "RECONCILE_FILLED"
    RECONCILE_CANCELLED = "RECONCILE_CANCELLED"
    RECONCILE_REJECTED = "RECONCILE_REJECTED"
    RECONCILE_COMPLETED = "RECONCILE_COMPLETED"
    RECONCILE_UNSUPPORTED = "RECONCILE_UNSUPPORTED"


S = IntentStatus
T = Trigger
_LATE_ANSWERS = {T.REJECT: S.REJECTED, T.ACK: S.ACKED, T.CANCEL: S.CANCELLED}
_FILLS_TO = {T.FILL_PARTIAL: S.PARTIALLY_FILLED, T.FILL_FINAL: S.FILLED}

TRANSITIONS: Mapping[tuple[IntentStatus, Trigger], IntentStatus] = {
    (S.SUBMITTED, T.ACCEPT): S.ACCEPTED,
    (S.SUBMITTED, T.REJECT): S.REJECTED,
    (S.SUBMITTED, T.EXPIRE): S.EXPIRED,
    (S.ACCEPTED, T.REJECT): S.REJECTED,
    (S.ACCEPTED, T.DISPATCH): S.DISPATCHED,
    (S.ACCEPTED, T.EXPIRE): S.EXPIRED,
    (S.ACCEPTED, T.OUTCOME_UNKNOWN): S.OUTCOME_UNKNOWN,
    # The venue may answer a dispatched order in any order: deals can precede the ack, and an
    # IOC/FOK can be killed before its ack arrives.
    **{(S.DISPATCHED, t): s for t, s in (_LATE_ANSWERS | _FILLS_TO).items()},
    (S.DISPATCHED, T.COMPLETE): S.COMPLETED,
    (S.DISPATCHED, T.OUTCOME_UNKNOWN): S.OUTCOME_UNKNOWN,
    # The exchange can still refuse an order its broker already acknowledged.
    **{(S.ACKED, t): s for t, s in (_LATE_ANSWERS | _FILLS_TO).items() if t is not T.ACK},
    (S.ACKED, T.CANCEL_REQUEST): S.CANCEL_REQUESTED,
    (S.ACKED, T.AMEND): S.ACKED,
    (S.ACKED, T.AMEND_REFUSED): S.ACKED,
    (S.ACKED, T.COMPLETE): S.COMPLETED,
    (S.ACKED, T.EXPIRE): S.EXPIRED,
    (S.ACKED, T.OUTCOME_UNKNOWN): S.OUTCOME_UNKNOWN,
    (S.PARTIALLY_FILLED, T.ACK): S.PARTIALLY_FILLED,
    **{(S.PARTIALLY_FILLED, t): s for t, s in _FILLS_TO.items()},
    (S.PARTIALLY_FILLED, T.CANCEL_REQUEST): S.CANCEL_REQUESTED,
    (S.PARTIALLY_FILLED, T.CANCEL): S.CANCELLED,
    (S.PARTIALLY_FILLED, T.AMEND): S.PARTIALLY_FILLED,
    (S.PARTIALLY_FILLED, T.AMEND_REFUSED): S.PARTIALLY_FILLED,
    (S.PARTIALLY_FILLED, T.EXPIRE): S.EXPIRED,
    (S.PARTIALLY_FILLED, T.OUTCOME_UNKNOWN): S.OUTCOME_UNKNOWN,
    # Fills keep arriving while a cancel is in flight; the cancel is still pending after them.
    (S.CANCEL_REQUESTED, T.ACK): S.CANCEL_REQUESTED,
    (S.CANCEL_REQUESTED, T.FILL_PARTIAL): S.CANCEL_REQUESTED,
    (S.CANCEL_REQUESTED, T.FILL_FINAL): S.FILLED,
    (S.CANCEL_REQUESTED, T.CANCEL): S.CANCELLED,
    (S.CANCEL_REQUESTED, T.CANCEL_REFUSED_UNFILLED): S.ACKED,
    (S.CANCEL_REQUESTED, T.CANCEL_REFUSED_PARTIAL): S.PARTIALLY_FILLED,
    (S.CANCEL_REQUESTED, T.AMEND): S.CANCEL_REQUESTED,
    (S.CANCEL_REQUESTED, T.AMEND_REFUSED): S.CANCEL_REQUESTED,
    (S.CANCEL_REQUESTED, T.EXPIRE): S.EXPIRED,
    (S.CANCEL_REQUESTED, T.OUTCOME_UNKNOWN): S.OUTCOME_UNKNOWN,
    # A timed-out call's answer may still arrive late; otherwise reconciliation settles it.
    **{(S.OUTCOME_UNKNOWN, t): s for t, s in (_LATE_ANSWERS | _FILLS_TO).items()},
    (S.OUTCOME_UNKNOWN, T.COMPLETE): S.COMPLETED,
    (S.OUTCOME_UNKNOWN, T.RECONCILE_ACKED): S.ACKED,
    (S.OUTCOME_UNKNOWN, T.RECONCILE_PARTIALLY_FILLED): S.PARTIALLY_FILLED,
    (S.OUTCOME_UNKNOWN, T.RECONCILE_FILLED): S.FILLED,
    (S.OUTCOME_UNKNOWN, T.RECONCILE_CANCELLED): S.CANCELLED,
    (S.OUTCOME_UNKNOWN, T.RECONCILE_REJECTED): S.REJECTED,
    (S.OUTCOME_UNKNOWN, T.RECONCILE_COMPLETED): S.COMPLETED,
    # The ack of an order filled at once can come after its deals.
    (S.FILLED, T.ACK): S.FILLED,
}

TERMINAL = frozenset({S.REJECTED, S.FILLED, S.CANCELLED, S.EXPIRED, S.COMPLETED, S.DEDUPLICATED})
WORKING = frozenset(
    {S.DISPATCHED, S.ACKED, S.PARTIALLY_FILLED, S.CANCEL_REQUESTED, S.OUTCOME_UNKNOWN}
)

TARGETABLE = WORKING | {S.ACCEPTED}
"""What a CANCEL or AMEND may name: an order working at the venue, or one accepted and still
waiting for its dispatch (the gateway dispatches in decision order, so the request follows it)."""

ORDER_ONLY = frozenset(
    {T.FILL_PARTIAL, T.FILL_FINAL, T.CANCEL_REQUEST, T.CANCEL_REFUSED_UNFILLED}
    | {T.CANCEL_REFUSED_PARTIAL, T.CANCEL, T.AMEND, T.AMEND_REFUSED}
    | {T.RECONCILE_ACKED, T.RECONCILE_PARTIALLY_FILLED, T.RECONCILE_FILLED, T.RECONCILE_CANCELLED}
)
"""Triggers that only an order (a NEW or FORCE_FLAT intent) can receive."""
REQUEST_ONLY = frozenset({T.COMPLETE, T.RECONCILE_COMPLETED})
"""Triggers that only an AMEND or CANCEL request can receive."""

_FIXED: Mapping[type[DomainEvent], Trigger] = {
    IntentSubmitted: T.SUBMIT,
    IntentDeduplicated: T.DEDUPLICATE,
    IntentAccepted: T.ACCEPT,
    IntentRejected: T.REJECT,
    IntentDispatched: T.DISPATCH,
    IntentAcked: T.ACK,
    IntentCancelRequested: T.CANCEL_REQUEST,
    IntentCancelled: T.CANCEL,
    IntentAmended: T.AMEND,
    IntentAmendRejected: T.AMEND_REFUSED,
    IntentCompleted: T.COMPLETE,
    IntentExpired: T.EXPIRE,
    IntentOutcomeUnknown: T.OUTCOME_UNKNOWN,
}
_RECONCILE: Mapping[IntentStatus, Trigger] = {
    S.ACKED: T.RECONCILE_ACKED,
    S.PARTIALLY_FILLED: T.RECONCILE_PARTIALLY_FILLED,
    S.FILLED: T.RECONCILE_FILLED,
    S.CANCELLED: T.RECONCILE_CANCELLED,
    S.REJECTED: T.RECONCILE_REJECTED,
    S.COMPLETED: T.RECONCILE_COMPLETED,
}


def trigger_of(event: DomainEvent, filled: int) -> Trigger:
    """The trigger an intent event fires on an intent that has `filled` so far."""
    if isinstance(event, IntentFilled):
        return T.FILL_FINAL if event.leaves == 0 else T.FILL_PARTIAL
    if isinstance(event, IntentCancelRejected):
        return T.CANCEL_REFUSED_PARTIAL if filled > 0 else T.CANCEL_REFUSED_UNFILLED
    if isinstance(event, IntentReconciled):
        return _RECONCILE.get(event.status, T.RECONCILE_UNSUPPORTED)
    try:
        return _FIXED[type(event)]
    except KeyError:
        raise InvalidTransition(None, event) from None


def next_status(status: IntentStatus, trigger: Trigger, event: object) -> IntentStatus:
    """The guarded apply: the table's target, or `InvalidTransition(status, event)`."""
    try:
        return TRANSITIONS[status, trigger]
    except KeyError:
        raise InvalidTransition(status, event) from None


def is_terminal(status: IntentStatus) -> bool:
    """Nothing more will happen to the order (late acks of a filled order aside)."""
    return status in TERMINAL


def is_working(status: IntentStatus) -> bool:
    """The order may be live at the venue: it can still fill, and must be reconciled if lost."""
    return status in WORKING


def is_targetable(status: IntentStatus) -> bool:
    """A CANCEL or AMEND may name an order in this status (see `TARGETABLE`)."""
    return status in TARGETABLE
