"""The broker: where orders go and reports come from."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from hft.domain.orders import BrokerOrder, BrokerReport
from hft.domain.values import IntentId, Price, Qty


class BrokerUnavailableError(Exception):
    """The broker refused the call locally (disconnected, rate limit): nothing was sent."""


class BrokerGateway(Protocol):
    """Places, amends and cancels orders at a venue.

    Blocking: `place`, `amend` and `cancel` return at once; the venue's answers arrive later as
    `BrokerReport`s, pulled by `poll`. Ordering: reports for one intent come out in the order
    the venue produced them. Idempotency: `place` is called at most once per intent id by the
    gateway; an adapter must never resend on its own. A call whose fate is unknown (a timeout)
    yields an `OrderOutcomeUnknown` report, never a retry.
    Errors: `BrokerUnavailableError` when nothing was sent.
    """

    def place(self, order: BrokerOrder) -> None: ...

    def amend(self, intent_id: IntentId, price: Price | None, qty: Qty | None) -> None: ...

    def cancel(self, intent_id: IntentId) -> None: ...

    def reconcile(self, intent_id: IntentId) -> None:
        """Ask the venue for its account of `intent_id` (after an outcome-unknown or a restart).

        Returns at once. The answer arrives through `poll`: any fills the gateway may have
        missed as `OrderFilled` (with their venue fill ids), then one `OrderStatusReport`.
        """
        ...

    def poll(self, now_ns: int, max_reports: int = 1024) -> Sequence[BrokerReport]: ...
