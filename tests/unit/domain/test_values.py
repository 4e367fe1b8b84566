"""Value objects: integer money on the Taiwan tick ladders, and what they refuse."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hft.domain.errors import InvalidValue
from hft.domain.values import (
    PRICE_SCALE,
    TW_INDEX_FUTURES_TICKS,
    TW_INDEX_OPTION_TICKS,
    TW_STOCK_TICKS,
    Instrument,
    InstrumentKind,
    Price,
    Qty,
    Side,
    Symbol,
    TickBand,
    TickTable,
    notional,
)


def px(text: str) -> int:
    whole, _, frac = text.partition(".")
    return int(whole) * PRICE_SCALE + int((frac + "0000")[:4])


@pytest.mark.parametrize("bad", [0, -1, 1.5, True, "10", None])
def test_price_refuses_non_positive_float_bool_and_text(bad: object) -> None:
    with pytest.raises(InvalidValue):
        Price(bad)  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", [0, -3, 2.0, False])
def test_qty_refuses_zero_negative_float_and_bool(bad: object) -> None:
    with pytest.raises(InvalidValue):
        Qty(bad)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("price", "tick"),
    [
        ("9.99", "0.01"),
        ("10", "0.05"),
        ("49.95", "0.05"),
        ("50", "0.1"),
        ("99.9", "0.1"),
        ("100", "0.5"),
        ("499.5", "0.5"),
        ("500", "1"),
        ("999", "1"),
        ("1000", "5"),
        ("1085", "5"),
    ],
)
def test_twse_stock_ladder_tick_by_band(price: str, tick: str) -> None:
    assert TW_STOCK_TICKS.tick_at(Price(px(price))) == px(tick)


@pytest.mark.parametrize(
    ("price", "ok"),
    [("10.05", True), ("10.03", False), ("575", True), ("575.5", False), ("1003", False)],
)
def test_stock_grid_membership(price: str, ok: bool) -> None:
    assert TW_STOCK_TICKS.on_grid(Price(px(price))) is ok


def test_named_constructor_rejects_off_grid_price() -> None:
    with pytest.raises(InvalidValue, match="off the TWSE stock grid"):
        TW_STOCK_TICKS.price(px("100.1"))
    assert TW_STOCK_TICKS.price(px("100.5")) == Price(px("100.5"))


def test_step_crosses_band_boundaries_both_ways() -> None:
    assert TW_STOCK_TICKS.step(Price(px("499.5")), 1) == Price(px("500"))
    assert TW_STOCK_TICKS.step(Price(px("500")), -1) == Price(px("499.5"))
    assert TW_STOCK_TICKS.step(Price(px("1000")), -2) == Price(px("998"))
    assert TW_INDEX_FUTURES_TICKS.step(Price(px("23000")), 10) == Price(px("23010"))
    assert TW_INDEX_OPTION_TICKS.step(Price(px("49.5")), 2) == Price(px("51"))


def test_step_below_the_lowest_tick_is_refused() -> None:
    with pytest.raises(InvalidValue):
        TW_STOCK_TICKS.step(Price(px("0.01")), -1)


@given(st.integers(min_value=1, max_value=5_000 * PRICE_SCALE), st.integers(0, 30))
def test_step_up_then_down_returns_to_start_property(raw: int, n: int) -> None:
    tick = TW_STOCK_TICKS.tick_at(Price(raw))
    start = Price(raw - raw % tick) if raw - raw % tick > 0 else Price(tick)
    up = TW_STOCK_TICKS.step(start, n)
    assert TW_STOCK_TICKS.on_grid(up)
    assert TW_STOCK_TICKS.step(up, -n) == start
    assert (up > start) is (n > 0)


def test_tick_table_refuses_unsorted_or_off_grid_bands() -> None:
    with pytest.raises(InvalidValue):
        TickTable("bad", (TickBand(5, 1), TickBand(0, 1)))
    with pytest.raises(InvalidValue):
        TickTable("bad", (TickBand(0, 2), TickBand(5, 2)))


def test_notional_is_integer_price_times_qty_times_multiplier() -> None:
    assert notional(Price(px("23000")), Qty(2), multiplier=200) == px("23000") * 2 * 200


def test_side_sign_and_opposite() -> None:
    assert (Side.BUY.sign, Side.SELL.sign) == (1, -1)
    assert Side.BUY.opposite is Side.SELL


@pytest.mark.parametrize("bad", ["", " 2330", "台積電", 2330])
def test_symbol_refuses_empty_padded_non_ascii_and_non_text(bad: object) -> None:
    with pytest.raises(InvalidValue):
        Symbol(bad)  # type: ignore[arg-type]


def test_instrument_requires_reference_within_limits() -> None:
    with pytest.raises(InvalidValue, match="reference outside"):
        Instrument(
            Symbol("2330"),
            InstrumentKind.STOCK,
            TW_STOCK_TICKS,
            reference=Price(px("1200")),
            limit_up=Price(px("1100")),
            limit_down=Price(px("900")),
        )


@given(st.integers(1, 2_000 * PRICE_SCALE))
def test_within_limits_holds_exactly_for_prices_between_the_limits_inclusive(raw: int) -> None:
    """A price is within limits iff limit_down <= price <= limit_up (both limits included)."""
    inst = Instrument(
        Symbol("2330"),
        InstrumentKind.STOCK,
        TW_STOCK_TICKS,
        reference=Price(px("1000")),
        limit_up=Price(px("1100")),
        limit_down=Price(px("900")),
    )
    assert inst.within_limits(Price(raw)) is (px("900") <= raw <= px("1100"))
    assert inst.within_limits(inst.limit_up)
    assert inst.within_limits(inst.limit_down)


@given(st.integers(1, 2_000 * PRICE_SCALE), st.integers(-60, 60))
def test_step_moves_one_tick_of_the_current_band_at_a_time(raw: int, n: int) -> None:
    """`step(p, n)` equals n single steps, each by the tick of the band it leaves (down: of
    the band just below), for any on-grid start."""
    tick = TW_STOCK_TICKS.tick_at(Price(raw))
    start = TW_STOCK_TICKS.price(max(raw - raw % tick, tick))
    expected = start.scaled
    for _ in range(abs(n)):
        if n > 0:
            expected += TW_STOCK_TICKS.tick_at(Price(expected))
        elif expected > 1:
            expected -= TW_STOCK_TICKS.tick_at(Price(expected - 1))
        else:
            expected = 0
            break
    if expected <= 0:
        with pytest.raises(InvalidValue):
            TW_STOCK_TICKS.step(start, n)
    else:
        assert TW_STOCK_TICKS.step(start, n) == Price(expected)
