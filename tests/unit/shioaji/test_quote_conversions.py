"""The fast quote conversions equal slow, obviously-right references, over wide ranges.

Prices: the `ScaledPriceMemo` (text-keyed memo over `scaled_from_decimal`) against exact
rational arithmetic. Times: the timedelta arithmetic against a tz-aware UTC+8 conversion,
a calendar-ordinal one and the tz database's Asia/Taipei (no DST since 1980).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import shioaji as sj
from hypothesis import given
from hypothesis import strategies as st

from hft.adapters.memory import VirtualClock
from hft.adapters.shioaji import OffGridPriceError, ShioajiFacade
from hft.adapters.shioaji.prices import ScaledPriceMemo, scaled_from_decimal
from hft.adapters.shioaji.quote_mapping import (
    BIDASK_FOP,
    BIDASK_STK,
    TICK_FOP,
    TICK_STK,
    QuoteMapper,
    QuoteShapeRefusal,
    refusal_for,
    taipei_naive_to_utc_ns,
)
from hft.domain.market import QuoteReceived
from tests.fakes.fake_shioaji import START_NS, FakeShioaji
from tests.fixtures import shioaji_payloads as p
from tests.strategies.shioaji import (
    day_edges,
    decimals,
    on_scale_prices,
    reference_scaled,
    reference_utc_ns_aware,
    reference_utc_ns_ordinal,
    sdk_times,
    tzdb_era_times,
    wide_times,
)

_TZDB_TAIPEI = ZoneInfo("Asia/Taipei")
_UTC_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def _outcome(convert: object, value: Decimal) -> int | type[Exception]:
    assert callable(convert)
    try:
        result: int = convert(value)
    except OffGridPriceError:
        return OffGridPriceError
    return result


def _mapper() -> QuoteMapper:
    return QuoteMapper(VirtualClock(START_NS))


@given(st.lists(decimals, min_size=1, max_size=40), st.integers(min_value=1, max_value=8))
def test_the_price_memo_equals_exact_rational_scaling_for_any_decimal_property(
    values: list[Decimal], limit: int
) -> None:
    """Hit or miss, full or not: each Decimal scales exactly or is refused as off-grid."""
    memo = ScaledPriceMemo(limit=limit)
    for value in values + values:  # the second pass is served from the memo where it can be
        expected = _outcome(reference_scaled, value)
        assert _outcome(memo.scaled, value) == expected
        assert _outcome(scaled_from_decimal, value) == expected
        assert len(memo.known) <= limit


@given(on_scale_prices)
def test_equal_prices_written_differently_scale_to_the_same_integer_property(
    price: Decimal,
) -> None:
    """1002.5 and 1002.5000 are one price: the memo keys by text but answers by value."""
    memo = ScaledPriceMemo()
    normalized = price.normalize()
    assert memo.scaled(price) == memo.scaled(normalized) == reference_scaled(price) > 0


def test_a_refused_price_is_never_remembered() -> None:
    """An off-grid or non-finite price is refused on every call and leaves the memo empty."""
    memo = ScaledPriceMemo()
    for value in (Decimal("1000.00001"), Decimal("NaN"), Decimal("-Infinity")):
        for _ in range(2):
            with pytest.raises(OffGridPriceError):
                memo.scaled(value)
    assert memo.known == {}


@given(
    close=st.one_of(on_scale_prices, decimals.filter(lambda d: d.is_finite())),
    volume=st.integers(min_value=1, max_value=2**31 - 1),
    futures=st.booleans(),
)
def test_a_real_tick_close_maps_exactly_or_is_refused_property(
    close: Decimal, volume: int, futures: bool
) -> None:
    """Whatever Decimal the SDK hands over (it reads text it cannot parse as 0), the tick
    carries exactly close x 10,000, or is refused when that is not a positive integer."""
    build, channel = (p.tick_fop, TICK_FOP) if futures else (p.tick_stk, TICK_STK)
    tick = build(close=str(close), volume=volume)
    sdk_close = tick.close
    quote = _mapper().map(channel, tick)
    expected = _outcome(reference_scaled, sdk_close)
    if isinstance(expected, int) and expected > 0:
        assert isinstance(quote, QuoteReceived)
        assert (quote.last_px, quote.last_qty) == (expected, volume)
    else:
        assert isinstance(quote, QuoteShapeRefusal)
        assert "not a positive price on the scale" in quote.detail


@given(
    bid=st.one_of(st.just(Decimal(0)), on_scale_prices),
    ask=st.one_of(st.just(Decimal(0)), on_scale_prices),
    futures=st.booleans(),
)
def test_real_book_levels_map_exactly_and_zero_stays_an_empty_side_property(
    bid: Decimal, ask: Decimal, futures: bool
) -> None:
    """Top-of-book prices scale exactly (stocks and futures alike); 0 maps to 0."""
    build, channel = (p.bidask_fop, BIDASK_FOP) if futures else (p.bidask_stk, BIDASK_STK)
    book = build(bid_price=[bid], bid_volume=[7], ask_price=[ask], ask_volume=[9])
    quote = _mapper().map(channel, book)
    assert isinstance(quote, QuoteReceived)
    assert (quote.bid_px, quote.ask_px) == (
        reference_scaled(book.bid_price[0]),
        reference_scaled(book.ask_price[0]),
    )
    assert (quote.bid_qty, quote.ask_qty) == (7, 9)


def test_a_zero_remembered_from_a_book_never_lets_a_zero_tick_through() -> None:
    """The memo is shared by books (where 0 is an empty side) and ticks (where it is refused)."""
    mapper = _mapper()
    book = mapper.map(
        BIDASK_STK, p.bidask_stk(bid_price=["0"], bid_volume=[0], ask_price=["5"], ask_volume=[1])
    )
    tick = mapper.map(TICK_STK, p.tick_stk(close="0"))
    negative = mapper.map(TICK_STK, p.tick_stk(close="-5"))
    assert isinstance(book, QuoteReceived)
    assert book.bid_px == 0
    assert isinstance(tick, QuoteShapeRefusal)
    assert isinstance(negative, QuoteShapeRefusal)


@given(wide_times)
def test_taipei_naive_time_to_utc_ns_equals_both_references_property(when: dt.datetime) -> None:
    """Years 1 to 9999 and every day edge: the fast conversion is exact to the microsecond."""
    expected = reference_utc_ns_aware(when)
    assert reference_utc_ns_ordinal(when) == expected
    assert taipei_naive_to_utc_ns(when) == expected


@given(tzdb_era_times)
def test_taipei_has_no_dst_so_the_tz_database_agrees_since_1980_property(when: dt.datetime) -> None:
    """Asia/Taipei in the tz database is UTC+8 all year since 1980, as the fixed offset assumes."""
    aware = when.replace(tzinfo=_TZDB_TAIPEI)
    assert (aware - _UTC_EPOCH) // dt.timedelta(microseconds=1) * 1_000 == taipei_naive_to_utc_ns(
        when
    )


@given(st.one_of(sdk_times, day_edges), st.booleans())
def test_real_quote_times_map_to_utc_ns_at_day_boundaries_property(
    when: dt.datetime, book: bool
) -> None:
    """Through the SDK's own date and time fields, ticks and books get the reference UTC ns."""
    payload = (
        p.bidask_stk(when=when, bid_price=["10"], bid_volume=[1], ask_price=["11"], ask_volume=[1])
        if book
        else p.tick_stk(when=when, close="10")
    )
    quote = _mapper().map(BIDASK_STK if book else TICK_STK, payload)
    assert isinstance(quote, QuoteReceived)
    assert quote.ts_event_ns == reference_utc_ns_aware(when)


@pytest.mark.parametrize(
    ("channel", "payload"),
    [
        (TICK_STK, p.tick_stk(close="1000", simtrade=True)),
        (TICK_FOP, p.tick_fop(close="22500", simtrade=True)),
        (
            BIDASK_STK,
            p.bidask_stk(
                bid_price=["999"], bid_volume=[1], ask_price=["1000"], ask_volume=[1], simtrade=True
            ),
        ),
        (
            BIDASK_FOP,
            p.bidask_fop(
                bid_price=["22499"],
                bid_volume=[1],
                ask_price=["22500"],
                ask_volume=[1],
                simtrade=True,
            ),
        ),
    ],
)
def test_simtrade_is_flagged_on_every_v1_shape(channel: str, payload: object) -> None:
    """Trial-match quotes carry simtrade=True whatever their shape, so none reads as a trade."""
    quote = _mapper().map(channel, payload)
    assert isinstance(quote, QuoteReceived)
    assert quote.simtrade is True


def test_only_field_errors_and_sdk_panics_become_refusals() -> None:
    """A bad field is refused by name; an interrupt raised while mapping goes through."""
    refused = refusal_for(TICK_STK, "payload", ValueError("bad close"))
    assert refused == QuoteShapeRefusal(TICK_STK, "str", "bad field: bad close")
    with pytest.raises(KeyboardInterrupt):
        refusal_for(TICK_STK, "payload", KeyboardInterrupt())


def test_an_undecodable_tick_on_the_sdk_thread_is_counted_and_never_queued(
    facade: ShioajiFacade, fake: FakeShioaji
) -> None:
    """The SDK panics reading a mistyped close inside our callback: refused, counted, not queued."""
    facade.market_data.subscribe(["2330"])
    values = p.tick_stk_values(close="1000")
    values[5] = 12  # close must be a decimal string on the wire
    fake.push_quote("tick_stk", p.raw_tick_stk(values))
    fake.push_quote("tick_stk", p.tick_stk(close="1001"))
    fake.wait_idle()
    events = facade.market_data.poll(START_NS)
    assert [e.last_px for e in events if isinstance(e, QuoteReceived)] == [10_010_000]
    assert facade.market_data.rejected_total == 1


def test_a_callback_given_the_exchange_first_maps_the_quote_it_was_given_last(
    facade: ShioajiFacade,
) -> None:
    """Older SDK builds call back with (exchange, quote); the quote is still what is mapped."""
    facade.market_data.on_tick_stk(sj.Exchange.TSE, p.tick_stk(close="1000.5", volume=4))
    facade.market_data.on_tick_stk(p.tick_stk(close="1001", volume=5))
    events = facade.market_data.poll(START_NS)
    assert [(e.last_px, e.last_qty) for e in events if isinstance(e, QuoteReceived)] == [
        (10_005_000, 4),
        (10_010_000, 5),
    ]
