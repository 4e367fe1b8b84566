"""Builders shared by the simulated-venue tests."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from hft.adapters.simbroker import OrderBook, SimVenue, StepPlan
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
