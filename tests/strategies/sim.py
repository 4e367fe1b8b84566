"""Hypothesis strategies for the simulated venue: instruments, on-grid prices, orders, calls."""

from __future__ import annotations

from collections.abc import Sequence

from hypothesis import strategies as st

from hft.adapters.simbroker import default_instruments, price_grid
from hft.domain.orders import BrokerOrder, PriceType, TimeInForce
from hft.domain.values import (
    PRICE_SCALE,
    TW_ETF_TICKS,
    TW_INDEX_FUTURES_TICKS,
    TW_STOCK_TICKS,
    Instrument,
    IntentId,
    Price,
    Qty,
    Side,
    Symbol,
    TickTable,
)

INSTRUMENTS = default_instruments()
SYMBOLS = sorted(INSTRUMENTS)
LADDERS: Sequence[TickTable] = (TW_STOCK_TICKS, TW_ETF_TICKS, TW_INDEX_FUTURES_TICKS)

sides = st.sampled_from([Side.BUY, Side.SELL])
tifs = st.sampled_from(list(TimeInForce))


@st.composite
def on_grid_reference(draw: st.DrawFn, ticks: TickTable) -> int:
    """A scaled price on `ticks` between 1 and 5,000 currency units."""
    raw = draw(st.integers(min_value=PRICE_SCALE, max_value=5_000 * PRICE_SCALE))
    tick = ticks.tick_at(Price(raw))
    return raw - raw % tick


def grid_price(instrument: Instrument) -> st.SearchStrategy[Price]:
    """Any tradable price of `instrument` (on its grid, inside its limits)."""
    return st.sampled_from(price_grid(instrument)).map(Price)


@st.composite
def limit_orders(
    draw: st.DrawFn, symbol: str = "2330", intent_prefix: str = "h", max_qty: int = 20
) -> BrokerOrder:
    """A valid limit order on `symbol` with a unique-looking intent id."""
    instrument = INSTRUMENTS[symbol]
    return BrokerOrder(
        intent_id=IntentId(f"{intent_prefix}-{draw(st.integers(0, 10**9))}"),
        symbol=Symbol(symbol),
        side=draw(sides),
        qty=Qty(draw(st.integers(1, max_qty))),
        price=draw(grid_price(instrument)),
        tif=draw(tifs),
        price_type=PriceType.LIMIT,
    )


# One broker call in a random session: ("place", side, grid index from the middle, qty, tif),
# ("cancel", k), ("amend", k, grid offset, qty cut) or ("wait", ns); k picks an earlier place.
calls = st.one_of(
    st.tuples(st.just("place"), sides, st.integers(-8, 8), st.integers(1, 30), tifs),
    st.tuples(st.just("cancel"), st.integers(0, 50)),
    st.tuples(st.just("amend"), st.integers(0, 50), st.integers(-3, 3), st.integers(0, 2)),
    st.tuples(st.just("wait"), st.integers(0, 200_000_000)),
)
