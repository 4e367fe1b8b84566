"""Orders: mapping to real SDK orders, venue events to reports, limits, unknown outcomes."""

from __future__ import annotations

import time

import pytest
import shioaji as sj
from hypothesis import given
from hypothesis import strategies as st

from hft.adapters.memory import VirtualClock
from hft.adapters.shioaji import NotLoggedInError, OrderQueueFullError, RateLimitedError
from hft.adapters.shioaji.facade import ShioajiFacade
from hft.adapters.shioaji.order_mapping import InvalidOrderError, build_sdk_order, tag_for
from hft.adapters.shioaji.orders import DuplicateIntentError, OrdersConfig
from hft.adapters.shioaji.ratelimit import TokenBucket
from hft.domain.orders import (
    BrokerOrder,
    BrokerReport,
    OpenClose,
    OrderAccepted,
    OrderAmended,
    OrderFilled,
    OrderOutcomeUnknown,
    OrderRejected,
    PriceType,
    TimeInForce,
)
from hft.domain.values import InstrumentKind, IntentId, Price, Qty, Side, Symbol
from tests.fakes.fake_shioaji import START_NS, FakeShioaji, build_facade
from tests.fixtures import shioaji_payloads as p

SECOND = 1_000_000_000


def _order(intent: str, side: Side = Side.BUY, px: int = 9_900_000, **kw: object) -> BrokerOrder:
    fields: dict[str, object] = {
        "intent_id": IntentId(intent), "symbol": Symbol("2330"), "side": side, "qty": Qty(2),
        "price": Price(px),
    }  # fmt: skip
    return BrokerOrder(**(fields | kw))  # type: ignore[arg-type]


def _settle(facade: ShioajiFacade, fake: FakeShioaji, now: int = START_NS) -> list[BrokerReport]:
    while facade.orders.run_pending():
        fake.wait_idle()
    fake.wait_idle()
    return list(facade.poll(now))


# -- mapping -----------------------------------------------------------------------------------
def test_a_stock_limit_order_maps_to_a_common_lot_cash_stock_order() -> None:
    """Side, price (float from scaled), lots, ROD/IOC/FOK and the tag all land in sj.StockOrder."""
    built = build_sdk_order(
        _order("m1", Side.SELL, 10_025_000, tif=TimeInForce.IOC), InstrumentKind.STOCK, "ZZ9"
    )
    assert (built.action, built.price, built.quantity) == (sj.Action.Sell, 1002.5, 2)
    assert (built.time_in_force, built.price_type) == (sj.TimeInForce.IOC, sj.StockPriceType.LMT)
    assert (built.order_lot, built.order_cond, built.custom_field) == (
        sj.StockOrderLot.Common, sj.StockOrderCond.Cash, "ZZ9",
    )  # fmt: skip


def test_an_odd_lot_market_order_maps_to_intraday_odd_at_price_zero() -> None:
    """Odd lots go to the intraday odd-lot session; a market order carries no price."""
    built = build_sdk_order(
        _order("m2", price=None, price_type=PriceType.MARKET, odd_lot=True),
        InstrumentKind.STOCK,
        "A",
    )
    assert (built.order_lot, built.price_type, built.price) == (
        sj.StockOrderLot.IntradayOdd, sj.StockPriceType.MKT, 0.0,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("open_close", "octype"),
    [
        (OpenClose.AUTO, sj.FuturesOCType.Auto),
        (OpenClose.OPEN, sj.FuturesOCType.New),
        (OpenClose.CLOSE, sj.FuturesOCType.Cover),
    ],
    ids=["auto", "open", "close"],  # newer pytest cannot derive ids from the SDK's Rust enums
)
def test_futures_orders_carry_their_open_close_type(open_close: OpenClose, octype: object) -> None:
    """OpenClose maps to the SDK's octype on a real sj.FuturesOrder."""
    built = build_sdk_order(
        _order("m3", px=225_000_000, open_close=open_close, symbol=Symbol("TXFF6")),
        InstrumentKind.FUTURE,
        "B",
    )
    assert type(built) is sj.FuturesOrder
    assert (built.octype, built.price, built.price_type) == (
        octype,
        22500.0,
        sj.FuturesPriceType.LMT,
    )


def test_orders_the_venue_cannot_express_are_refused_by_name() -> None:
    """Odd lots on futures, open/close on stocks and a limit without price are InvalidOrderError."""
    with pytest.raises(InvalidOrderError, match="odd lots"):
        build_sdk_order(_order("x1", odd_lot=True), InstrumentKind.FUTURE, "C")
    with pytest.raises(InvalidOrderError, match="futures only"):
        build_sdk_order(_order("x2", open_close=OpenClose.OPEN), InstrumentKind.STOCK, "C")
    with pytest.raises(InvalidOrderError, match="needs a price"):
        build_sdk_order(_order("x3", price=None), InstrumentKind.STOCK, "C")


@given(st.integers(min_value=0, max_value=10**12))
def test_tags_fit_the_custom_field_property(counter: int) -> None:
    """Every tag is 1..6 upper-case base-36 characters (the SDK's custom_field limit)."""
    tag = tag_for(counter)
    assert 1 <= len(tag) <= 6
    assert tag.isalnum()
    assert tag == tag.upper()


# -- venue events ------------------------------------------------------------------------------
def test_a_deal_before_its_order_event_accepts_once_then_fills(
    facade: ShioajiFacade, fake: FakeShioaji
) -> None:
    """The first deal accepts the order; the late order event adds nothing."""
    fake.book["2330"] = (995.0, 1005.0)
    fake.deal_before_order = True
    facade.place(_order("d1", px=11_000_000))
    reports = _settle(facade, fake)
    assert [type(r) for r in reports] == [OrderAccepted, OrderFilled]
    fill = reports[1]
    assert isinstance(fill, OrderFilled)
    assert (fill.price, fill.qty, fill.fill_id) == (Price(10_050_000), Qty(2), "S:000001")


def test_a_repeated_deal_is_reported_once(facade: ShioajiFacade, fake: FakeShioaji) -> None:
    """Deals are deduplicated by exchange sequence: a replayed deal does not count twice."""
    fake.book["2330"] = (995.0, 1005.0)
    fake.duplicate_deals = True
    facade.place(_order("d2", px=11_000_000))
    fills = [r for r in _settle(facade, fake) if isinstance(r, OrderFilled)]
    assert [f.fill_id for f in fills] == ["S:000001"]
    # The returned trade already lists the deal, so both callback copies are duplicates.
    assert facade.orders.router.duplicate_deals == 2


def test_an_op_code_other_than_00_is_a_reject_with_the_brokers_message(
    facade: ShioajiFacade, fake: FakeShioaji
) -> None:
    """Amending a cancelled order: the venue answers 88 and we report its words."""
    facade.place(_order("r1"))
    _settle(facade, fake)
    facade.cancel(IntentId("r1"))
    _settle(facade, fake)
    facade.amend(IntentId("r1"), Price(9_890_000), None)
    rejected = [r for r in _settle(facade, fake) if isinstance(r, OrderRejected)]
    assert [(r.action, r.reason) for r in rejected] == [("amend", "88 order is not working")]


def test_a_qty_amend_reduces_by_the_difference_and_reports_the_new_qty(
    facade: ShioajiFacade, fake: FakeShioaji
) -> None:
    """Shioaji's update_order(qty=) reduces by qty: asking for 1 of 2 reduces by 1."""
    facade.place(_order("q1"))
    _settle(facade, fake)
    facade.amend(IntentId("q1"), None, Qty(1))
    amended = [r for r in _settle(facade, fake) if isinstance(r, OrderAmended)]
    assert [(r.price, r.qty) for r in amended] == [(None, Qty(1))]
    assert fake.trades[0].status.cancel_quantity == 1
    facade.amend(IntentId("q1"), None, Qty(3))
    rejected = [r for r in _settle(facade, fake) if isinstance(r, OrderRejected)]
    assert [r.reason for r in rejected] == ["the venue can only reduce an order's quantity"]


def test_an_outcome_unknown_place_is_reported_and_never_resent(
    facade: ShioajiFacade, fake: FakeShioaji
) -> None:
    """OrderOutcomeUnknownError: one OrderOutcomeUnknown, one call at the venue, ever."""
    fake.fail_next_call(sj.OrderOutcomeUnknownError("409 OrderOutcomeUnknown"), order_created=True)
    facade.place(_order("u1"))
    reports = _settle(facade, fake)
    assert [(type(r), getattr(r, "action", "")) for r in reports] == [
        (OrderOutcomeUnknown, "place")
    ]
    for step in range(1, 4):
        _settle(facade, fake, START_NS + step * 10 * SECOND)
    assert fake.place_calls == 1


def test_auto_reconcile_finds_an_order_the_venue_took_despite_the_timeout(
    clock: VirtualClock, fake: FakeShioaji
) -> None:
    """With auto_reconcile, a timed-out place is matched by tag in list_trades and accepted."""
    facade = build_facade(clock, fake, orders=OrdersConfig(auto_reconcile=True))
    facade.start()
    fake.fail_next_call(sj.ShioajiTimeoutError("timeout"), order_created=True)
    facade.place(_order("u2"))
    assert [type(r) for r in _settle(facade, fake)] == [OrderOutcomeUnknown]
    clock.advance_by(3 * SECOND)
    facade.poll(clock.now_ns())  # schedules the reconciliation
    reports = _settle(facade, fake, clock.now_ns())
    assert [type(r) for r in reports] == [OrderAccepted]
    assert fake.place_calls == 1


def test_auto_reconcile_gives_up_with_a_reject_when_the_venue_never_saw_it(
    clock: VirtualClock, fake: FakeShioaji
) -> None:
    """Not created at the venue: after max attempts, one OrderRejected and still no resend."""
    config = OrdersConfig(auto_reconcile=True, max_reconcile_attempts=2)
    facade = build_facade(clock, fake, orders=config)
    facade.start()
    fake.fail_next_call(sj.ShioajiConnectionError("reset by peer"), order_created=False)
    facade.place(_order("u3"))
    seen = _settle(facade, fake)
    for _ in range(3):
        clock.advance_by(3 * SECOND)
        facade.poll(clock.now_ns())
        seen += _settle(facade, fake, clock.now_ns())
    assert [type(r) for r in seen] == [OrderOutcomeUnknown, OrderRejected]
    assert isinstance(seen[1], OrderRejected)
    assert seen[1].reason == "absent at the venue after 2 reconciliations"
    assert fake.place_calls == 1


def test_a_bad_request_is_a_reject_because_nothing_reached_the_venue(
    facade: ShioajiFacade, fake: FakeShioaji
) -> None:
    """Errors that prove the order was not taken (400, auth) are rejections, not unknowns."""
    fake.fail_next_call(sj.BadRequestError("price out of range"), order_created=False)
    facade.place(_order("b1"))
    reports = _settle(facade, fake)
    assert [(type(r), getattr(r, "reason", "")) for r in reports] == [
        (OrderRejected, "BadRequestError: price out of range")
    ]


# -- local refusals ----------------------------------------------------------------------------
def test_the_251st_order_call_in_10_s_is_refused_locally(
    facade: ShioajiFacade, fake: FakeShioaji
) -> None:
    """250 calls pass the token bucket; the next raises RateLimitedError and sends nothing."""
    for i in range(250):
        facade.place(_order(f"rl-{i}"))
    with pytest.raises(RateLimitedError):
        facade.place(_order("rl-250"))
    _settle(facade, fake)
    assert (fake.place_calls, fake.rate_limited) == (250, 0)


def test_the_fake_venue_suspends_a_client_that_breaks_the_order_limit(fake: FakeShioaji) -> None:
    """Without our bucket, the 251st call in 10 s is refused by the venue itself."""
    fake.logged_in = True
    trade = fake.place_order(p.stock(), build_sdk_order(_order("v1"), InstrumentKind.STOCK, "V"))
    for _ in range(249):
        fake.update_order(trade, price=990.0)
    with pytest.raises(sj.ServerError, match="try again in 1 minute"):
        fake.cancel_order(trade)
    assert fake.rate_limited == 1


def test_a_full_call_queue_refuses_and_forgets_the_intent(
    clock: VirtualClock, fake: FakeShioaji
) -> None:
    """With the worker queue full, place raises OrderQueueFullError; the intent can come again."""
    facade = build_facade(clock, fake, orders=OrdersConfig(queue_capacity=1))
    facade.start()
    facade.place(_order("f1"))
    with pytest.raises(OrderQueueFullError):
        facade.place(_order("f2"))
    _settle(facade, fake)
    facade.place(_order("f2"))
    assert len(_settle(facade, fake)) == 1


def test_orders_are_refused_while_logged_out_and_twice_for_one_intent(
    clock: VirtualClock, fake: FakeShioaji, facade: ShioajiFacade
) -> None:
    """No session -> NotLoggedInError; a second place of one intent -> DuplicateIntentError."""
    facade.place(_order("n1"))
    with pytest.raises(DuplicateIntentError):
        facade.place(_order("n1"))
    down = build_facade(clock, fake)
    with pytest.raises(NotLoggedInError):
        down.place(_order("n2"))


def test_off_grid_and_out_of_limit_prices_are_rejected_without_a_venue_call(
    facade: ShioajiFacade, fake: FakeShioaji
) -> None:
    """1002 is off the 5-TWD grid; 1200 is above limit up (1100): both OrderRejected(place)."""
    facade.place(_order("g1", px=10_020_000))
    facade.place(_order("g2", px=12_000_000))
    reasons = [r.reason for r in _settle(facade, fake) if isinstance(r, OrderRejected)]
    assert reasons == [
        "price 10020000 is off the TWSE stock tick grid",
        "price 12000000 is outside today's limit prices",
    ]
    assert fake.place_calls == 0


def test_with_a_real_worker_thread_place_returns_and_reports_arrive(
    clock: VirtualClock, fake: FakeShioaji
) -> None:
    """Threaded: the SDK call runs on the worker, callbacks on the SDK thread, reports via poll."""
    fake.book["2330"] = (995.0, 1005.0)
    facade = build_facade(clock, fake, threaded_calls=True)
    facade.start()
    facade.place(_order("t1", px=11_000_000))
    reports: list[BrokerReport] = []
    deadline = time.monotonic() + 10
    while len(reports) < 2 and time.monotonic() < deadline:
        fake.wait_idle()
        reports += facade.poll(clock.now_ns())
    facade.stop()
    assert [type(r) for r in reports] == [OrderAccepted, OrderFilled]


@given(steps=st.lists(st.integers(min_value=0, max_value=200_000_000), min_size=1, max_size=300))
def test_the_token_bucket_never_grants_more_than_its_window_allows_property(
    steps: list[int],
) -> None:
    """In any 10 s window at most 250 (+ what refilled inside it) calls are granted."""
    clock = VirtualClock(START_NS)
    bucket = TokenBucket(clock, 250, 10 * SECOND)
    granted: list[int] = []
    for delta in steps:
        clock.advance_by(delta)
        if bucket.try_take():
            granted.append(clock.now_ns())
    for i, start in enumerate(granted):
        inside = [t for t in granted[i:] if t < start + 10 * SECOND]
        assert len(inside) <= 250 + 250 * (inside[-1] - start) // (10 * SECOND) + 1
    assert len(granted) + bucket.refused == len(steps)


def test_a_failed_status_query_reports_the_reconcile_as_still_unknown(
    facade: ShioajiFacade, fake: FakeShioaji
) -> None:
    """If list_trades cannot be had, reconcile answers OrderOutcomeUnknown(action=reconcile)."""
    facade.place(_order("s1"))
    _settle(facade, fake)
    fake.logged_in = False  # the next venue call fails with AuthError
    facade.reconcile(IntentId("s1"))
    reports = _settle(facade, fake)
    assert [(type(r), getattr(r, "action", "")) for r in reports] == [
        (OrderOutcomeUnknown, "reconcile")
    ]


def test_the_intent_table_stays_bounded_by_forgetting_finished_intents(
    clock: VirtualClock, fake: FakeShioaji
) -> None:
    """Past max_tracked_intents, the oldest finished intents are forgotten; working ones stay."""
    facade = build_facade(clock, fake, orders=OrdersConfig(max_tracked_intents=3))
    facade.start()
    facade.place(_order("keep-working"))
    for i in range(6):
        facade.place(_order(f"done-{i}", px=10_020_000))  # off grid: rejected at once
    _settle(facade, fake)
    assert facade.orders.tag_of(IntentId("keep-working")) is not None
    assert facade.orders.tag_of(IntentId("done-0")) is None
    assert facade.orders.tag_of(IntentId("done-5")) is not None
