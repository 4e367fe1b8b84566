"""Driving the venue from a sim loop on its virtual clock, and its bounded memory."""

from __future__ import annotations

from hft.adapters.simbroker import SimVenue
from hft.domain.market import QuoteReceived
from hft.domain.orders import BrokerOrder, OrderAccepted, OrderCancelled, TimeInForce
from hft.domain.values import IntentId, Price, Qty, Side, Symbol
from tests.unit.simbroker.helpers import order

MS = 1_000_000


def test_an_event_driven_loop_sees_every_quote_and_every_reply_in_time_order() -> None:
    """Jumping with next_event_ns: quotes every 50 ms and delayed replies, never late."""
    venue = SimVenue(seed=7, symbols=["2330"], latency="shioaji-sim")
    venue.feed.subscribe(["2330"])
    quotes: list[QuoteReceived] = []
    replies: list[tuple[int, object]] = []
    placed = 0
    while (now := venue.next_event_ns()) is not None and now <= 1_000 * MS:
        for event in venue.feed.poll(now):
            assert isinstance(event, QuoteReceived)
            quotes.append(event)
            if placed < 5:
                venue.broker.place(
                    BrokerOrder(
                        intent_id=IntentId(f"loop{placed}"),
                        symbol=Symbol("2330"),
                        side=Side.BUY,
                        qty=Qty(1),
                        price=Price(event.bid_px),
                        tif=TimeInForce.IOC,
                    )
                )
                placed += 1
        replies.extend((now, r) for r in venue.broker.poll(now))
    assert [q.ts_event_ns for q in quotes] == [50 * MS * k for k in range(1, 21)]
    assert [type(r) for _, r in replies].count(OrderAccepted) == 5
    assert all(t >= 18 * MS for t, _ in replies)  # nothing returns faster than the fixed legs


def test_only_the_most_recent_finished_orders_are_kept_for_reconciliation() -> None:
    """With retain_terminal=3, the oldest finished orders are forgotten; working ones stay."""
    venue = SimVenue(seed=3, symbols=["2330"], retain_terminal=3)
    venue.advance(50 * MS)
    venue.broker.place(order("keep", Side.BUY, 1, "1000"))
    for k in range(5):
        venue.broker.place(order(f"ioc{k}", Side.BUY, 1, "1000", tif=TimeInForce.IOC))
    reports = venue.broker.poll(venue.now_ns)
    assert sum(isinstance(r, OrderCancelled) for r in reports) == 5
    assert [o.intent_id for o in venue.broker.list_orders()] == ["keep", "ioc2", "ioc3", "ioc4"]
