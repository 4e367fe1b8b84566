"""The BrokerGateway contract: what every broker adapter (simulated, Shioaji, fakes) must do.

How to plug in a venue
----------------------
Subclass `BrokerGatewayContract` in a `test_*.py` module and provide a pytest fixture named
`venue_harness` that returns an object satisfying `VenueHarness` (below), freshly built for
each test::

    class TestMyBroker(BrokerGatewayContract):
        @pytest.fixture
        def venue_harness(self) -> VenueHarness:
            return MyHarness(...)

The harness owns the venue's notion of time. `advance(delta_ns)` moves time forward so that
replies in flight can arrive (a real-time adapter over a fake may simply deliver pending
callbacks); `now_ns()` is the time to hand to `broker.poll`. `settle_ns` is a delay after
which every reply to a call made now has arrived (for a timeout too). Prices come from the
harness because only it knows where the market is: `passive_price(side, ticks_away)` must
rest without trading (a larger `ticks_away` is further from the market, on the grid),
`marketable_price(side)` must trade at least part of `qty` at once, and `off_grid_price()`
is a positive price that is not on the symbol's tick grid. `make_timeout()` puts the venue
in a state where the next broker call times out. `orders_at_venue(intent_id)`
counts the orders the venue holds for that intent (the reconciliation view: 0 or 1).

The contract only uses the port (`place`, `amend`, `cancel`, `reconcile`, `poll`) plus
these helpers.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from hft.domain.orders import (
    BrokerOrder,
    BrokerReport,
    OrderAccepted,
    OrderAmended,
    OrderCancelled,
    OrderFilled,
    OrderOutcomeUnknown,
    OrderRejected,
    OrderStatusReport,
    TimeInForce,
    VenueOrderState,
)
from hft.domain.values import IntentId, Price, Qty, Side, Symbol
from hft.ports.broker import BrokerGateway


class VenueHarness(Protocol):
    """A broker under test plus the levers the contract needs to drive its venue."""

    broker: BrokerGateway
    symbol: str
    qty: int
    settle_ns: int

    def now_ns(self) -> int: ...

    def advance(self, delta_ns: int) -> None: ...

    def passive_price(self, side: Side, ticks_away: int = 0) -> Price: ...

    def marketable_price(self, side: Side) -> Price: ...

    def off_grid_price(self) -> Price: ...

    def make_timeout(self) -> None: ...

    def orders_at_venue(self, intent_id: IntentId) -> int: ...


def order(
    h: VenueHarness,
    intent: str,
    side: Side,
    price: Price,
    tif: TimeInForce = TimeInForce.ROD,
) -> BrokerOrder:
    return BrokerOrder(
        intent_id=IntentId(intent),
        symbol=Symbol(h.symbol),
        side=side,
        qty=Qty(h.qty),
        price=price,
        tif=tif,
    )


def settle(h: VenueHarness) -> list[BrokerReport]:
    """Let every reply in flight arrive, then drain the broker completely."""
    h.advance(h.settle_ns)
    reports: list[BrokerReport] = []
    while batch := h.broker.poll(h.now_ns()):
        reports.extend(batch)
    return reports


def of(reports: Sequence[BrokerReport], intent: str) -> list[BrokerReport]:
    return [r for r in reports if r.intent_id == intent]


class BrokerGatewayContract:
    """Behaviour every `BrokerGateway` adapter shares. Subclasses provide `venue_harness`."""

    def test_place_is_acknowledged_for_the_same_intent(self, venue_harness: VenueHarness) -> None:
        """A valid passive order is answered by exactly one OrderAccepted naming its intent."""
        h = venue_harness
        h.broker.place(order(h, "c-place-1", Side.BUY, h.passive_price(Side.BUY)))
        reports = of(settle(h), "c-place-1")
        accepted = [r for r in reports if isinstance(r, OrderAccepted)]
        assert len(accepted) == 1
        assert accepted[0].broker_order_id != ""

    def test_cancel_of_a_working_order_reports_the_unfilled_remainder(
        self, venue_harness: VenueHarness
    ) -> None:
        """Cancelling a resting, unfilled order yields OrderCancelled with remaining == qty."""
        h = venue_harness
        h.broker.place(order(h, "c-cancel-1", Side.SELL, h.passive_price(Side.SELL)))
        settle(h)
        h.broker.cancel(IntentId("c-cancel-1"))
        cancelled = [r for r in of(settle(h), "c-cancel-1") if isinstance(r, OrderCancelled)]
        assert [r.remaining for r in cancelled] == [h.qty]

    def test_cancel_of_an_unknown_intent_is_rejected_as_a_cancel(
        self, venue_harness: VenueHarness
    ) -> None:
        """Cancelling an intent the venue never saw yields OrderRejected(action="cancel")."""
        h = venue_harness
        h.broker.cancel(IntentId("c-never-placed"))
        rejected = of(settle(h), "c-never-placed")
        assert len(rejected) == 1
        assert isinstance(rejected[0], OrderRejected)
        assert rejected[0].action == "cancel"

    def test_amend_price_of_a_working_order_is_confirmed(self, venue_harness: VenueHarness) -> None:
        """A price amend of a resting order is confirmed by OrderAmended with the new price."""
        h = venue_harness
        first = h.passive_price(Side.BUY)
        h.broker.place(order(h, "c-amend-1", Side.BUY, first))
        settle(h)
        lower = h.passive_price(Side.BUY, ticks_away=1)
        assert lower != first
        h.broker.amend(IntentId("c-amend-1"), lower, None)
        amended = [r for r in of(settle(h), "c-amend-1") if isinstance(r, OrderAmended)]
        assert [r.price for r in amended] == [lower]

    def test_amend_of_an_unknown_intent_is_rejected_as_an_amend(
        self, venue_harness: VenueHarness
    ) -> None:
        """Amending an intent the venue never saw yields OrderRejected(action="amend")."""
        h = venue_harness
        h.broker.amend(IntentId("c-never-placed"), h.passive_price(Side.BUY), None)
        rejected = of(settle(h), "c-never-placed")
        assert [(type(r), getattr(r, "action", None)) for r in rejected] == [
            (OrderRejected, "amend")
        ]

    def test_marketable_order_fills_with_unique_fill_ids_up_to_its_qty(
        self, venue_harness: VenueHarness
    ) -> None:
        """A marketable order gets positive fills, each with its own id, totalling <= qty."""
        h = venue_harness
        h.broker.place(order(h, "c-fill-1", Side.BUY, h.marketable_price(Side.BUY)))
        fills = [r for r in of(settle(h), "c-fill-1") if isinstance(r, OrderFilled)]
        assert fills, "a marketable order must trade"
        assert all(f.qty.value > 0 for f in fills)
        assert len({f.fill_id for f in fills}) == len(fills)
        assert all(f.fill_id for f in fills)
        assert sum(f.qty.value for f in fills) <= h.qty

    def test_ioc_remainder_is_cancelled_never_left_working(
        self, venue_harness: VenueHarness
    ) -> None:
        """A passive IOC order does not rest: it ends cancelled with its whole qty remaining."""
        h = venue_harness
        h.broker.place(
            order(h, "c-ioc-1", Side.BUY, h.passive_price(Side.BUY), tif=TimeInForce.IOC)
        )
        reports = of(settle(h), "c-ioc-1")
        cancelled = [r for r in reports if isinstance(r, OrderCancelled)]
        assert [r.remaining for r in cancelled] == [h.qty]

    def test_poll_drains_in_order_and_never_returns_a_report_twice(
        self, venue_harness: VenueHarness
    ) -> None:
        """Polling one report at a time yields each report once, accept before later news."""
        h = venue_harness
        h.broker.place(order(h, "c-poll-1", Side.BUY, h.passive_price(Side.BUY)))
        h.broker.place(order(h, "c-poll-2", Side.SELL, h.passive_price(Side.SELL)))
        h.advance(h.settle_ns)
        h.broker.cancel(IntentId("c-poll-1"))
        h.advance(h.settle_ns)
        seen: list[BrokerReport] = []
        while batch := h.broker.poll(h.now_ns(), max_reports=1):
            assert len(batch) == 1
            seen.extend(batch)
        assert h.broker.poll(h.now_ns()) == []
        assert len(seen) == len(set(map(id, seen)))
        kinds = [type(r) for r in of(seen, "c-poll-1")]
        assert kinds == [OrderAccepted, OrderCancelled]
        assert [type(r) for r in of(seen, "c-poll-2")] == [OrderAccepted]

    def test_timeout_reports_outcome_unknown_and_never_a_second_order(
        self, venue_harness: VenueHarness
    ) -> None:
        """A timed-out place gives one OrderOutcomeUnknown(action="place") and no resend."""
        h = venue_harness
        h.make_timeout()
        h.broker.place(order(h, "c-timeout-1", Side.BUY, h.passive_price(Side.BUY)))
        reports = of(settle(h), "c-timeout-1")
        unknown = [r for r in reports if isinstance(r, OrderOutcomeUnknown)]
        assert [r.action for r in unknown] == ["place"]
        assert h.orders_at_venue(IntentId("c-timeout-1")) <= 1

    def test_off_grid_price_is_rejected_as_a_place(self, venue_harness: VenueHarness) -> None:
        """An order priced off the tick grid is refused with OrderRejected(action="place")."""
        h = venue_harness
        h.broker.place(order(h, "c-grid-1", Side.BUY, h.off_grid_price()))
        reports = of(settle(h), "c-grid-1")
        assert [(type(r), getattr(r, "action", None)) for r in reports] == [
            (OrderRejected, "place")
        ]

    def test_reconcile_after_a_timeout_tells_whether_the_order_exists(
        self, venue_harness: VenueHarness
    ) -> None:
        """After a timed-out place, reconcile answers WORKING iff the venue holds the order."""
        h = venue_harness
        h.make_timeout()
        h.broker.place(order(h, "c-recon-1", Side.BUY, h.passive_price(Side.BUY)))
        settle(h)
        h.broker.reconcile(IntentId("c-recon-1"))
        status = [r for r in of(settle(h), "c-recon-1") if isinstance(r, OrderStatusReport)]
        exists = h.orders_at_venue(IntentId("c-recon-1")) == 1
        expected = VenueOrderState.WORKING if exists else VenueOrderState.NOT_FOUND
        assert [(r.state, r.filled_qty) for r in status] == [(expected, 0)]

    def test_reconcile_of_a_traded_order_repeats_its_fills_then_its_status(
        self, venue_harness: VenueHarness
    ) -> None:
        """Reconcile re-sends the fills under the same fill ids, then the venue's filled total."""
        h = venue_harness
        h.broker.place(order(h, "c-recon-2", Side.SELL, h.marketable_price(Side.SELL)))
        first = {r.fill_id: r.qty for r in of(settle(h), "c-recon-2") if isinstance(r, OrderFilled)}
        h.broker.reconcile(IntentId("c-recon-2"))
        answer = of(settle(h), "c-recon-2")
        assert isinstance(answer[-1], OrderStatusReport)
        again = {r.fill_id: r.qty for r in answer if isinstance(r, OrderFilled)}
        assert again == first
        assert answer[-1].filled_qty == sum(q.value for q in first.values())

    def test_reconcile_of_an_unknown_intent_is_not_found(self, venue_harness: VenueHarness) -> None:
        """Reconciling an intent the venue never saw answers NOT_FOUND with nothing filled."""
        h = venue_harness
        h.broker.reconcile(IntentId("c-never-placed"))
        answer = of(settle(h), "c-never-placed")
        assert [(type(r), getattr(r, "state", None)) for r in answer] == [
            (OrderStatusReport, VenueOrderState.NOT_FOUND)
        ]


__all__ = ["BrokerGatewayContract", "VenueHarness", "of", "order", "settle"]
