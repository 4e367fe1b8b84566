"""The one vocabulary of rejection reasons. Every reject event carries one of these."""

from __future__ import annotations

from hft.domain.enums import IdentityEnum


class RejectReason(IdentityEnum):
    # policy
    HALT = "HALT"
    DEGRADED = "DEGRADED"
    STARTUP_HOLDOFF = "STARTUP_HOLDOFF"
    # idempotency
    DEDUP_IN_FLIGHT = "DEDUP_IN_FLIGHT"
    DEDUP_WINDOW_FULL = "DEDUP_WINDOW_FULL"
    # channel
    TTL_EXPIRED = "TTL_EXPIRED"
    QUEUE_FULL = "QUEUE_FULL"
    # exposure limits, by kind
    LIMIT_SYMBOL = "LIMIT_SYMBOL"
    LIMIT_STRATEGY = "LIMIT_STRATEGY"
    LIMIT_GLOBAL = "LIMIT_GLOBAL"
    EXPOSURE_CAPACITY = "EXPOSURE_CAPACITY"
    # leadership
    NOT_LEADER = "NOT_LEADER"
    # validation
    INVALID_SCHEMA = "INVALID_SCHEMA"
    INVALID_SYMBOL = "INVALID_SYMBOL"
    INVALID_PRICE = "INVALID_PRICE"
    INVALID_QTY = "INVALID_QTY"
    INVALID_TARGET = "INVALID_TARGET"
    INVALID_TTL = "INVALID_TTL"
    AMEND_IN_FLIGHT = "AMEND_IN_FLIGHT"  # the order's previous amend is not settled yet
    # the venue
    BROKER_REJECTED = "BROKER_REJECTED"
    BROKER_UNAVAILABLE = "BROKER_UNAVAILABLE"
    # a failure inside a pipeline step (the step is named in the event's detail)
    INTERNAL_ERROR = "INTERNAL_ERROR"

    @property
    def retryable(self) -> bool:
        """Whether the same idempotency key may be submitted again after this rejection.

        Every pre-dispatch rejection releases the dedup reservation; only the venue's own
        rejection is a final answer for the key.
        """
        return self is not RejectReason.BROKER_REJECTED
