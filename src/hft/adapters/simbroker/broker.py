"""The simulated broker: the client side of the venue, behind the `BrokerGateway` port."""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from hft.adapters.simbroker.exchange import Exchange
from hft.adapters.simbroker.latency import LatencyModel, Leg
from hft.adapters.simbroker.orders import LOST, SimOrder, SimOrderStatus, snapshot
from hft.domain.orders import BrokerOrder, BrokerReport
from hft.domain.values import IntentId, Price, Qty


class VenueLink(Protocol):
    """What the broker needs from the venue: time, outage state and scheduling of arrivals."""

    def advance(self, now_ns: int) -> None: ...

    def outage_now(self) -> bool: ...

    def dispatch(self, leg: Leg, action: Callable[..., None], *args: Any) -> int: ...

    def dispatch_after(
        self, not_before_ns: int, leg: Leg, action: Callable[..., None], *args: Any
    ) -> int: ...


class SimBroker:
    """`BrokerGateway` of a `SimVenue`.

    `place`, `amend` and `cancel` return at once; the call reaches the venue after the
    latency model's `submit` (place, amend) or `cancel` delay, counted from the venue's
    current virtual time. `poll(now_ns)` advances the venue to `now_ns` and returns the
    reports due by then, in due-time order (production order on ties); the reports of one
    intent never overtake each other, and no report is returned twice. Calls about one order
    reach the venue in the order they were made: a cancel or amend drawn faster than the
    place it names arrives just after it, as over one real order-entry session.

    Amend: `qty` is the new total order quantity (it may only go down and must stay above
    what has filled; it keeps queue priority); a new `price` loses queue priority and may
    trade at once. Cancel of an unknown intent gives `OrderRejected(action="cancel")`.

    Outage: a call made while the venue is in an outage yields `OrderOutcomeUnknown` after
    `timeout_ns`; with probability `reach_probability` (seeded) the call still reached the
    venue, whose direct reply (accepted/rejected/amended/cancelled) is then lost while later
    reports of that order (fills, an IOC remainder) still arrive. Nothing is ever resent.
    Reconcile through the port with `reconcile(intent_id)`, or read the venue directly with
    `order_status(intent_id)` / `list_orders()` (what Shioaji's `list_trades` gives live).
    """

    def __init__(
        self,
        venue: VenueLink,
        exchange: Exchange,
        latency: LatencyModel,
        outage_rng: random.Random,
        reach_probability: float,
    ) -> None:
        self._venue = venue
        self._ex = exchange
        self._latency = latency
        self._outage_rng = outage_rng
        self._reach = reach_probability

    def place(self, order: BrokerOrder) -> None:
        ex = self._ex
        sim = ex.register(order)
        if sim is None:
            return
        if self._venue.outage_now():
            ex.send_unknown(sim, order.intent_id, "place")
            if not self._reaches():
                ex.lose(sim)
                return
            sim.mute_reply = True
        sim.link_due_ns = self._venue.dispatch(self._latency.submit, ex.arrive_place, sim)

    def amend(self, intent_id: IntentId, price: Price | None, qty: Qty | None) -> None:
        mute = self._timed_out(intent_id, "amend")
        if mute is None:
            return
        self._send_after(
            intent_id, self._latency.submit, self._ex.arrive_amend, intent_id, price, qty, mute
        )

    def cancel(self, intent_id: IntentId) -> None:
        mute = self._timed_out(intent_id, "cancel")
        if mute is None:
            return
        self._send_after(intent_id, self._latency.cancel, self._ex.arrive_cancel, intent_id, mute)

    def reconcile(self, intent_id: IntentId) -> None:
        """Query the venue; the answer (fills again, then one `OrderStatusReport`) comes back
        through `poll` after a submit + ack delay. During an outage the query times out as
        `OrderOutcomeUnknown(action="reconcile")` and may simply be asked again."""
        if self._venue.outage_now():
            self._ex.send_unknown(self._ex.orders.get(intent_id), intent_id, "reconcile")
            return
        self._venue.dispatch(self._latency.submit, self._ex.answer_status, intent_id)

    def poll(self, now_ns: int, max_reports: int = 1024) -> Sequence[BrokerReport]:
        self._venue.advance(now_ns)
        return self._ex.outbox.drain(now_ns, max_reports)

    def order_status(self, intent_id: IntentId) -> SimOrderStatus | None:
        """What the venue knows of `intent_id` now (status pending while in flight); None if
        it never reached the venue or is older than the retention window."""
        order = self._ex.orders.get(intent_id)
        return None if order is None or order.status == LOST else snapshot(order)

    def list_orders(self) -> list[SimOrderStatus]:
        """Every order the venue knows, in placement order (the reconciliation query)."""
        return [snapshot(o) for o in self._ex.orders.values() if o.status != LOST]

    def _send_after(
        self, intent_id: IntentId, leg: Leg, action: Callable[..., None], *args: Any
    ) -> None:
        """Send a call about an order: it reaches the venue no earlier than the calls sent
        before it about that order (one order-entry session delivers in order)."""
        order = self._ex.orders.get(intent_id)
        if not isinstance(order, SimOrder):
            self._venue.dispatch(leg, action, *args)
            return
        order.link_due_ns = self._venue.dispatch_after(order.link_due_ns, leg, action, *args)

    def _reaches(self) -> bool:
        return self._outage_rng.random() < self._reach

    def _timed_out(self, intent_id: IntentId, action: str) -> bool | None:
        """False: a normal call. True: timed out but reached the venue. None: lost."""
        if not self._venue.outage_now():
            return False
        order = self._ex.orders.get(intent_id)
        self._ex.send_unknown(order, intent_id, action)
        return True if self._reaches() else None
