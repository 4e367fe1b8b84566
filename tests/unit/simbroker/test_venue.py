"""Matching at the simulated venue: order types, partial fills, amends, cancels, rejects and
queue position against synthetic liquidity (zero latency, scripted market)."""

from __future__ import annotations

import pytest

from hft.adapters.simbroker import RejectCode, StepPlan
from hft.adapters.simbroker.orders import SimOrder
from hft.domain.orders import (
    OrderAccepted,
    OrderAmended,
    OrderCancelled,
    OrderFilled,
    OrderRejected,
    TimeInForce,
)
from hft.domain.values import IntentId, Price, Qty, Side
from tests.unit.simbroker.helpers import book_2330, kinds, order, scripted_venue, twd

T0 = 1_000


def test_marketable_limit_fills_at_the_resting_price_and_rests_the_remainder() -> None:
    """A buy for 150 at 1090 takes 100 at 1085 and rests 50 as the new best bid."""
    venue = scripted_venue((T0, book_2330()))
    venue.broker.place(order("b1", Side.BUY, 150, "1090"))
    reports = venue.broker.poll(T0)
    assert kinds(reports) == ["OrderAccepted", "OrderFilled"]
    fill = reports[1]
    assert isinstance(fill, OrderFilled)
    assert (fill.price.scaled, fill.qty.value) == (twd("1085"), 100)
    status = venue.broker.order_status(IntentId("b1"))
    assert status is not None
    assert (status.status, status.filled) == ("working", 100)
    best = venue.exchange.books["2330"].best(True)
    assert best is not None
    assert (best.price, best.total) == (twd("1090"), 50)


def test_ioc_cancels_what_does_not_trade_at_once() -> None:
    """IOC for 150 fills 100 and reports OrderCancelled(remaining=50); nothing rests."""
    venue = scripted_venue((T0, book_2330()))
    venue.broker.place(order("i1", Side.BUY, 150, "1085", tif=TimeInForce.IOC))
    reports = venue.broker.poll(T0)
    assert kinds(reports) == ["OrderAccepted", "OrderFilled", "OrderCancelled"]
    assert isinstance(reports[2], OrderCancelled)
    assert reports[2].remaining == 50
    assert venue.exchange.books["2330"].best(True) is not None  # only synthetic bids remain
    assert venue.exchange.books["2330"].best(True).price == twd("1080")  # type: ignore[union-attr]


def test_fok_that_cannot_fill_completely_trades_nothing() -> None:
    """FOK for 101 against 100 available is cancelled whole and leaves the book untouched."""
    venue = scripted_venue((T0, book_2330()))
    venue.broker.place(order("f1", Side.BUY, 101, "1085", tif=TimeInForce.FOK))
    venue.broker.place(order("f2", Side.BUY, 100, "1085", tif=TimeInForce.FOK))
    reports = venue.broker.poll(T0)
    assert kinds(reports) == ["OrderAccepted", "OrderCancelled", "OrderAccepted", "OrderFilled"]
    assert isinstance(reports[1], OrderCancelled)
    assert reports[1].remaining == 101
    assert isinstance(reports[3], OrderFilled)
    assert reports[3].qty == Qty(100)


def test_market_order_sweeps_levels_and_cancels_its_unfilled_rest() -> None:
    """A market sell takes every bid it can and its remainder is cancelled, never rested."""
    plan = StepPlan("2330", ((twd("1080"), 10), (twd("1075"), 10)), ((twd("1085"), 10),))
    venue = scripted_venue((T0, plan))
    venue.broker.place(order("m1", Side.SELL, 25, None))
    reports = venue.broker.poll(T0)
    fills = [(r.price.scaled, r.qty.value) for r in reports if isinstance(r, OrderFilled)]
    assert fills == [(twd("1080"), 10), (twd("1075"), 10)]
    assert isinstance(reports[-1], OrderCancelled)
    assert reports[-1].remaining == 5


def test_resting_order_fills_only_after_the_synthetic_queue_ahead_trades() -> None:
    """Prints at the touch eat the 100 lots ahead of our bid before filling it."""
    print_60 = StepPlan(
        "2330", ((twd("1080"), 100),), ((twd("1085"), 100),), ((False, twd("1080"), 60),)
    )
    print_50 = StepPlan(
        "2330", ((twd("1080"), 40),), ((twd("1085"), 100),), ((False, twd("1080"), 50),)
    )
    venue = scripted_venue((T0, book_2330()), (2 * T0, print_60), (3 * T0, print_50))
    venue.broker.place(order("q1", Side.BUY, 20, "1080"))
    venue.broker.poll(T0)
    assert venue.broker.poll(2 * T0) == []  # 60 of the 100 ahead traded
    fills = [r for r in venue.broker.poll(3 * T0) if isinstance(r, OrderFilled)]
    assert [f.qty.value for f in fills] == [10]  # 40 ahead, then 10 of ours


def test_a_price_move_through_our_level_fills_it() -> None:
    """When the best bid drops below our bid, the levels above it trade: we are filled."""
    lower = book_2330(bid="1075", ask="1080")
    venue = scripted_venue((T0, book_2330()), (2 * T0, lower))
    venue.broker.place(order("mv", Side.BUY, 5, "1080"))
    venue.broker.poll(T0)
    fills = [r for r in venue.broker.poll(2 * T0) if isinstance(r, OrderFilled)]
    assert [(f.price.scaled, f.qty.value) for f in fills] == [(twd("1080"), 5)]


def test_amend_qty_down_keeps_queue_priority_and_price_change_loses_it() -> None:
    """Cutting qty keeps our place; a new price sends the order to the back of its level."""
    venue = scripted_venue((T0, book_2330()))
    book = venue.exchange.books["2330"]
    venue.broker.place(order("a1", Side.BUY, 10, "1075"))
    venue.broker.place(order("a2", Side.BUY, 10, "1075"))
    venue.broker.amend(IntentId("a1"), None, Qty(4))
    a1, a2 = venue.exchange.orders["a1"], venue.exchange.orders["a2"]
    assert isinstance(a1, SimOrder)  # still working: not a finished record
    assert isinstance(a2, SimOrder)
    assert book.queue_ahead(True, twd("1075"), a2) == 4
    venue.broker.amend(IntentId("a1"), Price(twd("1070")), None)
    venue.broker.amend(IntentId("a1"), Price(twd("1075")), None)
    assert book.queue_ahead(True, twd("1075"), a1) == 10
    reports = [r for r in venue.broker.poll(T0) if r.intent_id == "a1"]
    assert kinds(reports) == ["OrderAccepted", "OrderAmended", "OrderAmended", "OrderAmended"]
    assert isinstance(reports[1], OrderAmended)
    assert reports[1].qty == Qty(4)


def test_amend_to_a_marketable_price_trades_at_once() -> None:
    """Re-pricing a resting bid through the ask executes it like a new arrival."""
    venue = scripted_venue((T0, book_2330()))
    venue.broker.place(order("x1", Side.BUY, 3, "1075"))
    venue.broker.amend(IntentId("x1"), Price(twd("1085")), None)
    reports = venue.broker.poll(T0)
    assert kinds(reports) == ["OrderAccepted", "OrderAmended", "OrderFilled"]


@pytest.mark.parametrize(
    ("price", "qty", "code"),
    [
        (None, None, RejectCode.NOTHING_TO_AMEND),
        (None, 11, RejectCode.QTY_INCREASE),
        ("1076", None, RejectCode.OFF_GRID),
        ("1200", None, RejectCode.PRICE_LIMIT),
    ],
)
def test_bad_amends_are_rejected_with_a_reason_and_change_nothing(
    price: str | None, qty: int | None, code: str
) -> None:
    """An amend that breaks a rule is refused (action amend) and the order is unchanged."""
    venue = scripted_venue((T0, book_2330()))
    venue.broker.place(order("r1", Side.BUY, 10, "1075"))
    venue.broker.amend(
        IntentId("r1"),
        None if price is None else Price(twd(price)),
        None if qty is None else Qty(qty),
    )
    reports = venue.broker.poll(T0)
    assert isinstance(reports[-1], OrderRejected)
    assert reports[-1].action == "amend"
    assert reports[-1].reason.startswith(code)
    status = venue.broker.order_status(IntentId("r1"))
    assert status is not None
    assert (status.price, status.qty) == (twd("1075"), 10)


def test_amend_below_what_has_filled_is_refused() -> None:
    """The new total qty must stay above the filled qty."""
    venue = scripted_venue((T0, book_2330(size=5)))
    venue.broker.place(order("p1", Side.BUY, 10, "1085"))
    venue.broker.amend(IntentId("p1"), None, Qty(5))
    reports = venue.broker.poll(T0)
    assert isinstance(reports[-1], OrderRejected)
    assert reports[-1].reason.startswith(RejectCode.QTY_BELOW_FILLED)


@pytest.mark.parametrize(
    ("symbol", "price", "code"),
    [
        ("9999", "100", RejectCode.UNKNOWN_SYMBOL),
        ("2330", "1191", RejectCode.OFF_GRID),
        ("2330", "1195", RejectCode.PRICE_LIMIT),
        ("2330", "970", RejectCode.PRICE_LIMIT),
    ],
)
def test_places_that_break_venue_rules_are_rejected(symbol: str, price: str, code: str) -> None:
    """Unknown symbols, off-grid and out-of-limit prices are refused with a coded reason."""
    venue = scripted_venue((T0, book_2330()))
    venue.broker.place(order("z1", Side.BUY, 1, price, symbol=symbol))
    reports = venue.broker.poll(T0)
    assert len(reports) == 1
    assert isinstance(reports[0], OrderRejected)
    assert reports[0].reason.startswith(code)
    assert reports[0].action == "place"


def test_a_second_place_of_the_same_intent_is_refused_and_never_reaches_the_book() -> None:
    """Placing an intent id twice gives DUPLICATE_INTENT and one order at the venue."""
    venue = scripted_venue((T0, book_2330()))
    venue.broker.place(order("d1", Side.BUY, 1, "1075"))
    venue.broker.place(order("d1", Side.BUY, 1, "1075"))
    reports = venue.broker.poll(T0)
    assert kinds(reports) == ["OrderAccepted", "OrderRejected"]
    assert isinstance(reports[1], OrderRejected)
    assert reports[1].reason.startswith(RejectCode.DUPLICATE_INTENT)
    assert [o.intent_id for o in venue.broker.list_orders()] == ["d1"]


def test_cancel_after_a_full_fill_is_refused_as_not_working() -> None:
    """A cancel that arrives after the order filled is rejected with NOT_WORKING."""
    venue = scripted_venue((T0, book_2330()))
    venue.broker.place(order("c1", Side.BUY, 1, "1085"))
    venue.broker.cancel(IntentId("c1"))
    reports = venue.broker.poll(T0)
    assert kinds(reports) == ["OrderAccepted", "OrderFilled", "OrderRejected"]
    assert isinstance(reports[2], OrderRejected)
    assert reports[2].action == "cancel"
    assert reports[2].reason.startswith(RejectCode.NOT_WORKING)


def test_fill_ids_are_unique_across_the_session() -> None:
    """Every execution of every order gets its own fill id."""
    plan = StepPlan(
        "2330", ((twd("1080"), 3),), tuple((twd(p), 1) for p in ("1085", "1090", "1095"))
    )
    venue = scripted_venue((T0, plan))
    venue.broker.place(order("u1", Side.BUY, 2, "1095"))
    venue.broker.place(order("u2", Side.SELL, 3, "1080"))
    venue.broker.place(order("u3", Side.BUY, 1, "1095"))
    fills = [r for r in venue.broker.poll(T0) if isinstance(r, OrderFilled)]
    assert [(f.intent_id, f.price.scaled, f.qty.value) for f in fills] == [
        ("u1", twd("1085"), 1),
        ("u1", twd("1090"), 1),
        ("u2", twd("1080"), 3),
        ("u3", twd("1095"), 1),
    ]
    assert len({f.fill_id for f in fills}) == 4


def test_order_accepted_carries_a_venue_order_id() -> None:
    """Accepted orders get distinct venue ids."""
    venue = scripted_venue((T0, book_2330()))
    venue.broker.place(order("v1", Side.BUY, 1, "1075"))
    venue.broker.place(order("v2", Side.BUY, 1, "1075"))
    ids = [r.broker_order_id for r in venue.broker.poll(T0) if isinstance(r, OrderAccepted)]
    assert len(ids) == 2
    assert len(set(ids)) == 2
