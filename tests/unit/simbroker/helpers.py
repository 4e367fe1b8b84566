"""Builders shared by the simulated-venue tests."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from hft.adapters.simbroker import OrderBook, SimVenue, StepPlan, price_grid
from hft.domain.orders import BrokerOrder, BrokerReport, PriceType, TimeInForce
from hft.domain.values import PRICE_SCALE, IntentId, Price, Qty, Side, Symbol


def twd(text: str) -> int:
    whole, _, frac = text.partition(".")
    return int(whole) * PRICE_SCALE + int((frac + "0000")[:4])


class ScriptedMarket:
    """A `MarketSource` that plays given plans at given times, then stops."""

    def __init__(self, steps: Sequence[tuple[int, StepPlan]]) -> None:
        self._steps = list(steps)

    def next_ns(self) -> int | None:
        return self._steps[0][0] if self._steps else None

    def step(self, books: Mapping[str, OrderBook]) -> Sequence[StepPlan]:
        return [self._steps.pop(0)[1]]


def book_2330(bid: str = "1080", ask: str = "1085", size: int = 100) -> StepPlan:
    """One level a side on 2330 with `size` lots of synthetic liquidity each."""
    return StepPlan("2330", ((twd(bid), size),), ((twd(ask), size),))


def scripted_venue(*steps: tuple[int, StepPlan], latency: str = "zero") -> SimVenue:
    """A 2330-only venue whose market is exactly `steps`, advanced past the first one."""
    venue = SimVenue(seed=3, symbols=["2330"], latency=latency, market=ScriptedMarket(steps))
    venue.advance(steps[0][0] if steps else 0)
    return venue


def order(
    intent: str,
    side: Side,
    qty: int,
    price: str | None,
    *,
    tif: TimeInForce = TimeInForce.ROD,
    symbol: str = "2330",
) -> BrokerOrder:
    return BrokerOrder(
        intent_id=IntentId(intent),
        symbol=Symbol(symbol),
        side=side,
        qty=Qty(qty),
        price=None if price is None else Price(twd(price)),
        tif=tif,
        price_type=PriceType.MARKET if price is None else PriceType.LIMIT,
    )


def kinds(reports: Sequence[BrokerReport]) -> list[str]:
    return [type(r).__name__ for r in reports]


Call = tuple[Any, ...]
Seen = tuple[str, int, Any]


class Session:
    """Applies `tests.strategies.sim.calls` to a venue: prices are grid offsets from the
    reference, cancels and amends pick an earlier place by index."""

    def __init__(self, venue: SimVenue, symbol: str = "2330") -> None:
        instrument = venue.reference.instrument(symbol)
        assert instrument is not None
        self.venue, self.symbol = venue, symbol
        self.grid = price_grid(instrument)
        self.middle = self.grid.index(instrument.reference.scaled)
        self.placed: list[str] = []

    def apply(self, n: int, call: Call) -> None:
        kind, broker = call[0], self.venue.broker
        if kind == "place":
            _, side, offset, qty, tif = call
            self.placed.append(f"s{n}")
            broker.place(
                BrokerOrder(
                    intent_id=IntentId(f"s{n}"),
                    symbol=Symbol(self.symbol),
                    side=side,
                    qty=Qty(qty),
                    price=Price(self.grid[self.middle + offset]),
                    tif=tif,
                )
            )
        elif kind == "cancel" and self.placed:
            broker.cancel(IntentId(self.placed[call[1] % len(self.placed)]))
        elif kind == "amend" and self.placed:
            _, k, offset, cut = call
            price = Price(self.grid[self.middle + offset])
            broker.amend(
                IntentId(self.placed[k % len(self.placed)]), price, Qty(cut) if cut else None
            )
        elif kind == "wait":
            self.venue.advance(self.venue.now_ns + call[1])


def drive(venue: SimVenue, calls: Sequence[Call], symbol: str = "2330") -> list[Seen]:
    """Run `calls` and return every report and quote seen, tagged with kind and poll time."""
    venue.feed.subscribe([symbol])
    session = Session(venue, symbol)
    seen: list[Seen] = []
    for n, call in enumerate(calls):
        session.apply(n, call)
        now = venue.now_ns
        seen.extend(("report", now, r) for r in venue.broker.poll(now))
        seen.extend(("quote", now, q) for q in venue.feed.poll(now))
    return seen
