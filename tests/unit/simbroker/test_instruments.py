"""Simulated instruments: Taiwan tick ladders, +-10% price limits rounded inward, lookups."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hft.adapters.simbroker import (
    SimReferenceData,
    UnknownSymbolError,
    default_instruments,
    price_grid,
    price_limits,
)
from hft.domain.values import PRICE_SCALE, TW_STOCK_TICKS, InstrumentKind, Price, TickTable
from tests.strategies.sim import LADDERS, on_grid_reference


def twd(text: str) -> int:
    whole, _, frac = text.partition(".")
    return int(whole) * PRICE_SCALE + int((frac + "0000")[:4])


@pytest.mark.parametrize(
    ("reference", "down", "up"),
    [
        ("1085", "977", "1190"),  # 976.5 rounds up to 977 (tick 1); 1193.5 down to 1190 (tick 5)
        ("205.5", "185", "226"),  # 184.95 -> 185 (tick 0.5); 226.05 -> 226
        ("10", "9", "11"),
        ("9.5", "8.55", "10.45"),  # 10.45 is on the 0.05 band
    ],
)
def test_stock_limits_are_ten_percent_rounded_inward(reference: str, down: str, up: str) -> None:
    """Limit up/down are the innermost grid prices within +-10% of the reference."""
    low, high = price_limits(TW_STOCK_TICKS, twd(reference))
    assert (low.scaled, high.scaled) == (twd(down), twd(up))


@given(st.sampled_from(LADDERS).flatmap(lambda t: st.tuples(st.just(t), on_grid_reference(t))))
def test_limits_are_on_grid_within_ten_percent_and_one_tick_short_of_beyond(
    case: tuple[TickTable, int],
) -> None:
    """Property: limits sit on the grid, inside +-10%, and the next outward tick leaves it."""
    ticks, reference = case
    low, high = price_limits(ticks, reference)
    assert ticks.on_grid(low)
    assert ticks.on_grid(high)
    assert low.scaled * 100 >= reference * 90
    assert high.scaled * 100 <= reference * 110
    assert ticks.step(high, 1).scaled * 100 > reference * 110
    if low.scaled > ticks.bands[0].tick:
        assert ticks.step(low, -1).scaled * 100 < reference * 90


def test_default_universe_lists_stocks_etf_and_index_futures_with_their_units() -> None:
    """2330/2317 trade in 1,000-share lots, 0050 on the ETF ladder, TXF x200 and MXF x50."""
    universe = default_instruments()
    assert sorted(universe) == ["0050", "2317", "2330", "MXF", "TXF"]
    assert universe["2330"].lot_size == 1_000
    assert universe["2330"].kind is InstrumentKind.STOCK
    assert universe["0050"].ticks.name == "TWSE ETF"
    assert (universe["TXF"].multiplier, universe["MXF"].multiplier) == (200, 50)
    assert universe["TXF"].kind is InstrumentKind.FUTURE


def test_price_grid_lists_every_tradable_price_between_the_limits() -> None:
    """The 2330 grid runs 977..999 in 1s then 1000..1190 in 5s: 23 + 39 prices."""
    grid = price_grid(default_instruments()["2330"])
    assert grid[0] == twd("977")
    assert grid[-1] == twd("1190")
    assert len(grid) == 23 + 39
    assert all(TW_STOCK_TICKS.on_grid(Price(p)) for p in grid)


def test_reference_data_answers_known_symbols_and_none_for_unknown() -> None:
    """`instrument` returns the contract or None; `require` names the unknown symbol."""
    ref = SimReferenceData(default_instruments())
    found = ref.instrument("2330")
    assert found is not None
    assert str(found.symbol) == "2330"
    assert ref.instrument("9999") is None
    assert set(ref.symbols()) == {"0050", "2317", "2330", "MXF", "TXF"}
    with pytest.raises(UnknownSymbolError, match="9999"):
        ref.require("9999")
