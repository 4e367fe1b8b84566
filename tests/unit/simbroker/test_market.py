"""The seeded random walk: moves of at most two ticks, a one- or two-tick spread, depth on
the grid inside the limits, and a long session that does not stick to the limits."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from hft.adapters.simbroker import OrderBook, RandomWalkMarket, default_instruments, price_grid
from tests.strategies.sim import SYMBOLS


@settings(max_examples=20)
@given(st.sampled_from(SYMBOLS), st.integers(0, 2**32))
def test_walk_steps_are_small_uncrossed_and_on_the_grid(symbol: str, seed: int) -> None:
    """Property: per step the bid moves <= 2 ticks, the spread is 1-2 ticks, depth is on grid."""
    instrument = default_instruments()[symbol]
    grid = price_grid(instrument)
    market = RandomWalkMarket({symbol: instrument}, seed, interval_ns=1)
    books = {symbol: OrderBook()}
    previous = grid.index(instrument.reference.scaled)
    for _ in range(300):
        (plan,) = market.step(books)
        bid_i, ask_i = grid.index(plan.bids[0][0]), grid.index(plan.asks[0][0])
        assert abs(bid_i - previous) <= 2
        assert 1 <= ask_i - bid_i <= 2
        prices = [p for p, _ in plan.bids + plan.asks]
        assert set(prices) <= set(grid)
        assert all(q > 0 for _, q in plan.bids + plan.asks)
        previous = bid_i


def test_a_long_session_spends_almost_no_time_at_the_price_limits() -> None:
    """Over 50,000 steps 2330's best bid sits at a limit less than 1% of the time."""
    instrument = default_instruments()["2330"]
    grid = price_grid(instrument)
    market = RandomWalkMarket({"2330": instrument}, 1, interval_ns=1)
    books = {"2330": OrderBook()}
    at_limit = 0
    for _ in range(50_000):
        (plan,) = market.step(books)
        index = grid.index(plan.bids[0][0])
        at_limit += index == 0 or index >= len(grid) - 3
    assert at_limit < 500
