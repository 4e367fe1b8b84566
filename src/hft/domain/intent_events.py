"""OrderIntent vocabulary: intent types, lifecycle statuses and the events of the lifecycle.

Every event's `originator_id` is the intent id and `originator_version` counts 1..n within
that intent. Fields are plain ints, strings and enums so every event round-trips through the
codec: prices are scaled by `PRICE_SCALE`, quantities are in the instrument's unit.
"""

from __future__ import annotations

import attrs

from hft.domain.enums import IdentityEnum
from hft.domain.events import DomainEvent, register
from hft.domain.orders import TimeInForce
from hft.domain.reasons import RejectReason
from hft.domain.values import Side


class IntentType(IdentityEnum):
    NEW = "NEW"
    AMEND = "AMEND"
    CANCEL = "CANCEL"
    FORCE_FLAT = "FORCE_FLAT"


class IntentStatus(IdentityEnum):
    SUBMITTED = "SUBMITTED"
    ACCEPTED = "ACCEPTED"
    REJECTED = "REJECTED"
    DISPATCHED = "DISPATCHED"
    ACKED = "ACKED"
    PARTIALLY_FILLED = "PARTIALLY_FILLED"
    FILLED = "FILLED"
    CANCEL_REQUESTED = "CANCEL_REQUESTED"
    CANCELLED = "CANCELLED"
    EXPIRED = "EXPIRED"
    OUTCOME_UNKNOWN = "OUTCOME_UNKNOWN"
    # An AMEND or CANCEL intent whose request the venue carried out (the effect is on its target).
    COMPLETED = "COMPLETED"
    # A submission whose idempotency key was already committed: it never dispatches.
    DEDUPLICATED = "DEDUPLICATED"


@attrs.frozen(kw_only=True)
class _Submission(DomainEvent):
    """The fields of a submitted command (the intent id is `originator_id`)."""

    idempotency_key: str
    strategy_id: str
    account: str
    symbol: str
    intent_type: IntentType
    side: Side
    price: int | None
    qty: int
    tif: TimeInForce
    ttl_ns: int
    trace_id: str
    created_ns: int
    target_intent_id: str | None = None
    reduce_only: bool = False
    schema_version: int = 1


@register("IntentSubmitted", 1)
@attrs.frozen(kw_only=True)
class IntentSubmitted(_Submission):
    """A command entered the gateway (always version 1). It reserves its idempotency key."""


@register("IntentDeduplicated", 1)
@attrs.frozen(kw_only=True)
class IntentDeduplicated(_Submission):
    """A command whose key was already committed by `first_intent_id`: its only event."""

    first_intent_id: str


@register("IntentAccepted", 1)
@attrs.frozen(kw_only=True)
class IntentAccepted(DomainEvent):
    """Every pre-dispatch check passed (validation, dedup, policy, exposure, leadership)."""


@register("IntentRejected", 1)
@attrs.frozen(kw_only=True)
class IntentRejected(DomainEvent):
    """Refused by the gateway (before dispatch) or by the venue (`BROKER_REJECTED`)."""

    reason: RejectReason
    detail: str = ""


@register("IntentDispatched", 1)
@attrs.frozen(kw_only=True)
class IntentDispatched(DomainEvent):
    """Handed to the broker. From here on the key is committed: never dispatch it again."""


@register("IntentAcked", 1)
@attrs.frozen(kw_only=True)
class IntentAcked(DomainEvent):
    """The venue acknowledged the order and named it `broker_order_id`."""

    broker_order_id: str


@register("IntentFilled", 1)
@attrs.frozen(kw_only=True)
class IntentFilled(DomainEvent):
    """One execution of `qty` at `price` (scaled); totals are after this fill."""

    fill_id: str
    price: int
    qty: int
    filled_total: int
    leaves: int


@register("IntentCancelRequested", 1)
@attrs.frozen(kw_only=True)
class IntentCancelRequested(DomainEvent):
    """The CANCEL intent `by_intent_id` asked the venue to cancel this order."""

    by_intent_id: str


@register("IntentCancelRejected", 1)
@attrs.frozen(kw_only=True)
class IntentCancelRejected(DomainEvent):
    """The venue refused to cancel: the order works on with what it had."""

    detail: str = ""


@register("IntentCancelled", 1)
@attrs.frozen(kw_only=True)
class IntentCancelled(DomainEvent):
    """The venue confirmed the order no longer works; `remaining` was never filled."""

    remaining: int


@register("IntentAmended", 1)
@attrs.frozen(kw_only=True)
class IntentAmended(DomainEvent):
    """The venue confirmed an amendment: the order's price (None: market) and total qty now."""

    price: int | None
    qty: int


@register("IntentAmendRejected", 1)
@attrs.frozen(kw_only=True)
class IntentAmendRejected(DomainEvent):
    """The venue refused an amendment: the order keeps its old price and qty."""

    detail: str = ""


@register("IntentCompleted", 1)
@attrs.frozen(kw_only=True)
class IntentCompleted(DomainEvent):
    """An AMEND or CANCEL intent's request was carried out by the venue."""


@register("IntentExpired", 1)
@attrs.frozen(kw_only=True)
class IntentExpired(DomainEvent):
    """TTL ran out before dispatch, or the venue ended the order's session."""

    reason: str


@register("IntentOutcomeUnknown", 1)
@attrs.frozen(kw_only=True)
class IntentOutcomeUnknown(DomainEvent):
    """A broker call (`action`: place, amend or cancel) timed out: reconcile, never resend."""

    action: str


@register("IntentReconciled", 1)
@attrs.frozen(kw_only=True)
class IntentReconciled(DomainEvent):
    """The venue's own account of an unknown outcome: the order is `status`, filled so far."""

    status: IntentStatus
    filled_total: int


INTENT_EVENT_TYPES: tuple[type[DomainEvent], ...] = (
    IntentSubmitted,
    IntentDeduplicated,
    IntentAccepted,
    IntentRejected,
    IntentDispatched,
    IntentAcked,
    IntentFilled,
    IntentCancelRequested,
    IntentCancelRejected,
    IntentCancelled,
    IntentAmended,
    IntentAmendRejected,
    IntentCompleted,
    IntentExpired,
    IntentOutcomeUnknown,
    IntentReconciled,
)
"""Every event of the OrderIntent stream, for exhaustive tests and dispatch tables."""
