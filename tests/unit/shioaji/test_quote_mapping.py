"""Real v1 quote objects map to `QuoteReceived` exactly; other shapes are refused, never crash."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from hft.adapters.memory import VirtualClock
from hft.adapters.shioaji.quote_mapping import (
    BIDASK_FOP,
    BIDASK_STK,
    TICK_FOP,
    TICK_STK,
    QuoteMapper,
    QuoteShapeRefusal,
    taipei_naive_to_utc_ns,
)
from hft.domain.market import QuoteReceived
from tests.fakes.fake_shioaji import START_NS
from tests.fixtures import shioaji_payloads as p

UTC = dt.UTC


def _mapper() -> QuoteMapper:
    return QuoteMapper(VirtualClock(START_NS))


def test_stock_tick_maps_price_qty_time_and_simtrade_flag() -> None:
    """1002.5 TWD x 3 at 09:00:01.123456 Taipei -> 10_025_000 x 3 at 01:00:01.123456 UTC."""
    quote = _mapper().map(TICK_STK, p.tick_stk(close="1002.5", volume=3, simtrade=True))
    assert isinstance(quote, QuoteReceived)
    expected_ts = dt.datetime(2026, 5, 4, 1, 0, 1, 123456, tzinfo=UTC).timestamp()
    assert (quote.symbol, quote.last_px, quote.last_qty) == ("2330", 10_025_000, 3)
    assert quote.ts_event_ns == int(Decimal(str(expected_ts)) * 1_000_000_000)
    assert quote.simtrade is True
    assert (quote.bid_px, quote.ask_px, quote.ts_init_ns) == (0, 0, START_NS)


def test_stock_book_maps_the_top_level_and_leaves_trade_fields_empty() -> None:
    """The best bid/ask and their volumes are taken; an empty side stays 0."""
    book = p.bidask_stk(
        bid_price=["1002.5", "1002"], bid_volume=[10, 20], ask_price=[], ask_volume=[]
    )
    quote = _mapper().map(BIDASK_STK, book)
    assert isinstance(quote, QuoteReceived)
    assert (quote.bid_px, quote.bid_qty, quote.ask_px, quote.ask_qty) == (10_025_000, 10, 0, 0)
    assert (quote.last_px, quote.last_qty, quote.simtrade) == (0, 0, False)


def test_futures_tick_and_book_map_like_stocks() -> None:
    """TAIFEX ticks and books go through the same scaling and time conversion."""
    mapper = _mapper()
    tick = mapper.map(TICK_FOP, p.tick_fop(code="TXFF6", close="22501", volume=2))
    book = mapper.map(
        BIDASK_FOP,
        p.bidask_fop(bid_price=[22500], bid_volume=[4], ask_price=[22502], ask_volume=[1]),
    )
    assert isinstance(tick, QuoteReceived)
    assert isinstance(book, QuoteReceived)
    assert (tick.symbol, tick.last_px, tick.last_qty) == ("TXFF6", 225_010_000, 2)
    assert (book.bid_px, book.bid_qty, book.ask_px, book.ask_qty) == (
        225_000_000,
        4,
        225_020_000,
        1,
    )
    assert (tick.originator_version, book.originator_version) == (1, 2)


def test_event_ids_are_distinct_per_symbol_sequence() -> None:
    """Each quote of a symbol gets the next version, so event ids never collide."""
    mapper = _mapper()
    quotes = [mapper.map(TICK_STK, p.tick_stk(close="1000")) for _ in range(3)]
    assert [q.event_id for q in quotes if isinstance(q, QuoteReceived)] == [
        "2330#1",
        "2330#2",
        "2330#3",
    ]


def test_a_payload_of_another_shape_is_refused_with_its_class_name() -> None:
    """A futures tick on the stock-tick channel (or a dict) is a shape refusal, not a quote."""
    mapper = _mapper()
    wrong = mapper.map(TICK_STK, p.tick_fop(close="22500"))
    legacy = mapper.map(BIDASK_STK, {"code": "2330", "bid_price": [1000]})
    assert wrong == QuoteShapeRefusal(TICK_STK, "TickFOPv1", "not a quote_version v1 shape")
    assert isinstance(legacy, QuoteShapeRefusal)
    assert legacy.shape == "dict"


def test_an_undecodable_field_becomes_a_refusal_not_a_panic() -> None:
    """A close of the wrong wire type makes the SDK panic (BaseException); we refuse instead."""
    values = p.tick_stk_values(close="1000")
    values[5] = 12  # close must be a decimal string on the wire
    refused = _mapper().map(TICK_STK, p.raw_tick_stk(values))
    assert isinstance(refused, QuoteShapeRefusal)
    assert refused.detail.startswith("undecodable field")


def test_a_price_finer_than_the_scale_or_not_positive_is_refused() -> None:
    """1000.00001 cannot be a scaled int; a zero close is no trade: both refused, none rounded."""
    mapper = _mapper()
    fine = mapper.map(TICK_STK, p.tick_stk(close="1000.00001"))
    zero = mapper.map(TICK_STK, p.tick_stk(close="0"))
    assert isinstance(fine, QuoteShapeRefusal)
    assert "not a positive price on the scale" in fine.detail
    assert isinstance(zero, QuoteShapeRefusal)


@given(
    scaled=st.integers(min_value=1, max_value=99_999_990_000),
    when=st.datetimes(min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2099, 12, 31)),  # noqa: DTZ001
)
def test_any_on_scale_price_and_taipei_time_roundtrip_property(
    scaled: int, when: dt.datetime
) -> None:
    """For every 4-decimal price and naive Taipei time, the mapping is exact."""
    price = Decimal(scaled).scaleb(-4)
    quote = _mapper().map(TICK_STK, p.tick_stk(when=when, close=str(price)))
    assert isinstance(quote, QuoteReceived)
    assert quote.last_px == scaled
    utc = when.replace(tzinfo=dt.timezone(dt.timedelta(hours=8))).astimezone(UTC)
    epoch = dt.datetime(1970, 1, 1, tzinfo=UTC)
    delta = utc - epoch
    expected = (delta.days * 86_400 + delta.seconds) * 1_000_000_000 + delta.microseconds * 1_000
    assert quote.ts_event_ns == expected
    assert taipei_naive_to_utc_ns(when) == expected
