"""Where the simulated market's moves come from: a seeded random walk, or recorded ticks.

A source produces `StepPlan`s at virtual times; the exchange applies each plan to its book
(levels better than the new touch trade away, prints hit the touch, then synthetic depth is
reset to the plan's levels). Prices are scaled integers on the instrument's grid.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping, Sequence
from typing import NamedTuple, Protocol

import attrs

from hft.adapters.simbroker.book import Level, OrderBook
from hft.domain.values import Instrument, InstrumentKind


class StepPlan(NamedTuple):
    """One symbol's next market state: depth per side, best first, and prints to execute.

    `trades` holds (taker_is_buy, limit price, qty) for aggressive flow at the touch. A named
    tuple rather than an attrs class: one is built per symbol and step.
    """

    symbol: str
    bids: tuple[tuple[int, int], ...]
    asks: tuple[tuple[int, int], ...]
    trades: tuple[tuple[bool, int, int], ...] = ()


class TopOfBook(NamedTuple):
    """Best levels after a step (our orders included) and the prints since the last quote."""

    bid_px: int
    bid_qty: int
    ask_px: int
    ask_qty: int
    last_px: int
    last_qty: int


class MarketSource(Protocol):
    """Drives the market. `next_ns` is the virtual time of the next step (None: exhausted);
    `step` returns the plans for that time and moves on. Deterministic for a given seed."""

    def next_ns(self) -> int | None: ...

    def step(self, books: Mapping[str, OrderBook]) -> Sequence[StepPlan]: ...


def price_grid(instrument: Instrument) -> list[int]:
    """Every tradable scaled price between the instrument's limits, ascending."""
    ticks = instrument.ticks
    bands = [(b.floor, b.tick) for b in reversed(ticks.bands)]
    prices = []
    price = instrument.limit_down.scaled
    while price <= instrument.limit_up.scaled:
        prices.append(price)
        price += next(tick for floor, tick in bands if price >= floor)
    return prices


@attrs.frozen
class WalkShape:
    """How a symbol's synthetic market looks: depth levels, level sizes and print sizes
    (lots or contracts), and the chance of a print per step."""

    levels: int = 5
    size_min: int = 5
    size_max: int = 150
    trade_max: int = 20
    trade_chance: float = 0.35


STOCK_SHAPE = WalkShape()
FUTURE_SHAPE = WalkShape(size_min=1, size_max=40, trade_max=8)


class _Walker:
    __slots__ = ("grid", "home", "index", "rng", "shape", "spread", "symbol")

    def __init__(self, instrument: Instrument, shape: WalkShape, seed: int) -> None:
        self.symbol = str(instrument.symbol)
        # One stream per symbol: adding a symbol to the session leaves the others' paths alone.
        self.rng = random.Random(f"{seed}:market:{self.symbol}")
        self.grid = price_grid(instrument)
        self.index = self.home = self.grid.index(instrument.reference.scaled)
        self.spread = 1
        self.shape = shape


class RandomWalkMarket:
    """A seeded random walk in ticks for each instrument, one step every `interval_ns`.

    `depth_levels` overrides the shapes' number of depth levels (1 = top of book only, the
    cheapest market for benchmarks).

    Per step and symbol: the best bid moves -2..+2 ticks (mostly 0 or 1, pulled gently
    toward the reference and held at the price limits), the spread is 1 or 2 ticks, each of
    `levels` depth levels per side keeps its synthetic size (70%) or draws a new one, and
    with `trade_chance` a print of 1..trade_max hits the touch. The number of draws per step
    is fixed, so the price path does not depend on our orders (the sizes seen do, because our
    trades consume synthetic liquidity).
    """

    def __init__(
        self,
        instruments: Mapping[str, Instrument],
        seed: int,
        *,
        interval_ns: int = 50_000_000,
        start_ns: int = 0,
        shapes: Mapping[str, WalkShape] | None = None,
        depth_levels: int | None = None,
    ) -> None:
        if interval_ns <= 0:
            raise ValueError(f"interval_ns must be positive, got {interval_ns}")
        self._interval = interval_ns
        self._next = start_ns + interval_ns
        chosen = dict(shapes or {})
        self._walkers = []
        for code, inst in sorted(instruments.items()):
            shape = chosen.get(code) or _default_shape(inst)
            if depth_levels is not None:
                shape = attrs.evolve(shape, levels=depth_levels)
            self._walkers.append(_Walker(inst, shape, seed))

    def next_ns(self) -> int | None:
        return self._next

    def step(self, books: Mapping[str, OrderBook]) -> Sequence[StepPlan]:
        self._next += self._interval
        return [self._plan(w, books[w.symbol]) for w in self._walkers]

    def _plan(self, walker: _Walker, book: OrderBook) -> StepPlan:
        draw = walker.rng.random
        u_move, u_spread, u_trade, u_side, u_size = draw(), draw(), draw(), draw(), draw()
        _move(walker, u_move, 1 if u_spread < 0.75 else 2)
        shape, grid = walker.shape, walker.grid
        bid_i, ask_i = walker.index, walker.index + walker.spread
        bid_prices = grid[max(bid_i - shape.levels + 1, 0) : bid_i + 1][::-1]
        ask_prices = grid[ask_i : ask_i + shape.levels]
        bids = _levels(draw, book.bids, bid_prices, shape)
        asks = _levels(draw, book.asks, ask_prices, shape)
        trades: tuple[tuple[bool, int, int], ...] = ()
        if u_trade < shape.trade_chance:
            taker_is_buy = u_side < 0.5
            touch = grid[ask_i] if taker_is_buy else grid[bid_i]
            trades = ((taker_is_buy, touch, 1 + int(u_size * shape.trade_max)),)
        return StepPlan(walker.symbol, bids, asks, trades)


def _levels(
    draw: Callable[[], float], side: Mapping[int, Level], prices: list[int], shape: WalkShape
) -> tuple[tuple[int, int], ...]:
    span = shape.size_max - shape.size_min + 1
    out = []
    for price in prices:
        keep, u_size = draw() < 0.7, draw()
        level = side.get(price)
        current = level.synthetic if level is not None else 0
        out.append((price, current if keep and current else shape.size_min + int(u_size * span)))
    return tuple(out)


def _move(walker: _Walker, u_move: float, spread: int) -> None:
    # A gentle pull home (a 10% shift of the odds half a grid away) keeps a long session
    # from sticking to the price limits, as a day's market rarely does.
    u_move -= (walker.index - walker.home) * 0.2 / len(walker.grid)
    ticks = -2 if u_move < 0.03 else -1 if u_move < 0.22 else 1 if u_move > 0.78 else 0
    ticks = 2 if u_move > 0.97 else ticks
    target = walker.index + ticks
    if target < 0 or target + spread >= len(walker.grid):
        target = walker.index  # at a price limit the walk holds (and narrows the spread)
    if target + spread >= len(walker.grid):
        spread = 1
        target = min(target, len(walker.grid) - 2)
    walker.index, walker.spread = target, spread


def _default_shape(instrument: Instrument) -> WalkShape:
    return FUTURE_SHAPE if instrument.kind is InstrumentKind.FUTURE else STOCK_SHAPE
