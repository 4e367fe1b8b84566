"""Value objects: prices as scaled integers on a tick ladder, quantities, notional, sides.

Money never touches a float here. A price is an integer count of `1 / PRICE_SCALE` currency
units; whether that count is tradable is a question for the instrument's `TickTable`, because
Taiwan's stock tick size changes with the price band (0.01 below 10 TWD ... 5 TWD from 1,000).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NewType

import attrs

from hft.domain.enums import IdentityEnum
from hft.domain.errors import InvalidValue

PRICE_SCALE = 10_000
"""Prices are integers in units of 1/10,000 of the quote currency (TWD, or index points)."""

IntentId = NewType("IntentId", str)
StrategyId = NewType("StrategyId", str)
AccountId = NewType("AccountId", str)
TraceId = NewType("TraceId", str)


def _strict_int(value: object, what: str) -> int:
    # bool is an int subclass and float is a frequent edge leak: both are refused by name.
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidValue(f"{what} must be an int, got {type(value).__name__}: {value!r}")
    return value


@attrs.frozen(order=True)
class Price:
    """A price in `1/PRICE_SCALE` units. Positive; grid checks belong to `TickTable`."""

    scaled: int

    def __attrs_post_init__(self) -> None:
        if _strict_int(self.scaled, "price") <= 0:
            raise InvalidValue(f"price must be positive, got {self.scaled}")


@attrs.frozen(order=True)
class Qty:
    """A strictly positive quantity in the instrument's unit (shares, lots or contracts)."""

    value: int

    def __attrs_post_init__(self) -> None:
        if _strict_int(self.value, "qty") <= 0:
            raise InvalidValue(f"qty must be positive, got {self.value}")


def notional(price: Price, qty: Qty, multiplier: int = 1) -> int:
    """Notional in `1/PRICE_SCALE` currency units: price x qty x contract multiplier."""
    return price.scaled * qty.value * multiplier


class Side(IdentityEnum):
    BUY = "B"
    SELL = "S"

    @property
    def sign(self) -> int:
        return 1 if self is Side.BUY else -1

    @property
    def opposite(self) -> Side:
        return Side.SELL if self is Side.BUY else Side.BUY


@attrs.frozen
class Symbol:
    """An instrument code as the venue spells it (`2330`, `TXFL6`)."""

    code: str

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.code, str) or not self.code or not self.code.isascii():
            raise InvalidValue(f"symbol must be a non-empty ASCII string, got {self.code!r}")
        if self.code != self.code.strip():
            raise InvalidValue(f"symbol has surrounding whitespace: {self.code!r}")

    def __str__(self) -> str:
        return self.code


@attrs.frozen
class TickBand:
    """From `floor` (scaled, inclusive) upward, prices move in steps of `tick` (scaled)."""

    floor: int
    tick: int


@attrs.frozen
class TickTable:
    """A price ladder: ascending bands, each with its own tick size."""

    name: str
    bands: tuple[TickBand, ...]

    def __attrs_post_init__(self) -> None:
        floors = [b.floor for b in self.bands]
        if not self.bands or floors[0] != 0 or floors != sorted(set(floors)):
            raise InvalidValue(f"tick table {self.name}: bands must start at 0 and ascend")
        if any(b.tick <= 0 or b.floor % b.tick for b in self.bands):
            raise InvalidValue(f"tick table {self.name}: every band floor must sit on its grid")

    def price(self, scaled: int) -> Price:
        """Named constructor: a positive integer price that sits on this ladder."""
        return self.require_on_grid(Price(scaled))

    def tick_at(self, price: Price) -> int:
        """The tick size that applies at `price` (the band containing it)."""
        return self._tick_for(price.scaled)

    def _tick_for(self, scaled: int) -> int:
        # On plain ints: `step` walks tick by tick and a Price per tick was most of its cost.
        tick = self.bands[0].tick
        for band in self.bands:
            if scaled < band.floor:
                break
            tick = band.tick
        return tick

    def on_grid(self, price: Price) -> bool:
        return price.scaled % self.tick_at(price) == 0

    def require_on_grid(self, price: Price) -> Price:
        if not self.on_grid(price):
            raise InvalidValue(
                f"price {price.scaled} is off the {self.name} grid (tick {self.tick_at(price)})"
            )
        return price

    def step(self, price: Price, ticks: int) -> Price:
        """Move `ticks` ticks up (positive) or down (negative) along the ladder."""
        scaled = self.require_on_grid(price).scaled
        for _ in range(abs(ticks)):
            scaled = self._next_up(scaled) if ticks > 0 else self._next_down(scaled)
        return Price(scaled)

    def _next_up(self, scaled: int) -> int:
        return scaled + self._tick_for(scaled)

    def _next_down(self, scaled: int) -> int:
        # Below a band floor the lower band's tick applies: 500.0 - one tick is 499.5, not 499.
        below = scaled - 1
        if below <= 0:
            raise InvalidValue("cannot step below the lowest tick")
        return scaled - self._tick_for(below)


def _ladder(name: str, pairs: Sequence[tuple[str, str]]) -> TickTable:
    def scaled(text: str) -> int:
        whole, _, frac = text.partition(".")
        return int(whole) * PRICE_SCALE + int((frac + "0000")[:4])

    return TickTable(name, tuple(TickBand(scaled(f), scaled(t)) for f, t in pairs))


TW_STOCK_TICKS = _ladder(
    "TWSE stock",
    [("0", "0.01"), ("10", "0.05"), ("50", "0.1"), ("100", "0.5"), ("500", "1"), ("1000", "5")],
)
TW_ETF_TICKS = _ladder("TWSE ETF", [("0", "0.01"), ("50", "0.05")])
TW_INDEX_FUTURES_TICKS = _ladder("TAIFEX index future", [("0", "1")])
TW_INDEX_OPTION_TICKS = _ladder(
    "TAIFEX index option",
    [("0", "0.1"), ("10", "0.5"), ("50", "1"), ("500", "5"), ("1000", "10")],
)


class InstrumentKind(IdentityEnum):
    STOCK = "STK"
    FUTURE = "FUT"
    OPTION = "OPT"


@attrs.frozen
class Instrument:
    """What the domain needs to know of a tradable contract; prices scaled, limits inclusive."""

    symbol: Symbol
    kind: InstrumentKind
    ticks: TickTable
    reference: Price
    limit_up: Price
    limit_down: Price
    lot_size: int = 1
    multiplier: int = 1

    def __attrs_post_init__(self) -> None:
        if not self.limit_down <= self.reference <= self.limit_up:
            raise InvalidValue(f"{self.symbol}: reference outside its price limits")
        if _strict_int(self.lot_size, "lot_size") <= 0 or self.multiplier <= 0:
            raise InvalidValue(f"{self.symbol}: lot size and multiplier must be positive")

    def within_limits(self, price: Price) -> bool:
        # On the ints: attrs' generated ordering builds a tuple per comparison.
        return self.limit_down.scaled <= price.scaled <= self.limit_up.scaled
