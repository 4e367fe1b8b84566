"""The venue's rules for prices, and the stable codes its rejections start with."""

from __future__ import annotations

from hft.domain.values import Instrument


class RejectCode:
    """Stable prefixes of `OrderRejected.reason` from the simulated venue."""

    UNKNOWN_SYMBOL = "UNKNOWN_SYMBOL"
    OFF_GRID = "OFF_GRID"
    PRICE_LIMIT = "PRICE_LIMIT"
    MISSING_PRICE = "MISSING_PRICE"
    ODD_LOT = "ODD_LOT_UNSUPPORTED"
    DUPLICATE_INTENT = "DUPLICATE_INTENT"
    UNKNOWN_INTENT = "UNKNOWN_INTENT"
    NOT_WORKING = "NOT_WORKING"
    NOTHING_TO_AMEND = "NOTHING_TO_AMEND"
    QTY_INCREASE = "QTY_INCREASE"
    QTY_BELOW_FILLED = "QTY_BELOW_FILLED"


class PriceRules:
    """Where an instrument's orders may be priced: on its tick grid, inside its limits."""

    __slots__ = ("down", "name", "top_down_bands", "up")

    def __init__(self, instrument: Instrument) -> None:
        self.name = instrument.ticks.name
        self.top_down_bands = tuple((b.floor, b.tick) for b in reversed(instrument.ticks.bands))
        self.down = instrument.limit_down.scaled
        self.up = instrument.limit_up.scaled

    def price_problem(self, price: int) -> str | None:
        tick = 1
        for floor, tick in self.top_down_bands:  # noqa: B007 - the tick of the first band wins
            if price >= floor:
                break
        if price % tick:
            return f"{RejectCode.OFF_GRID}: {price} is not on the {self.name} grid (tick {tick})"
        if not self.down <= price <= self.up:
            return f"{RejectCode.PRICE_LIMIT}: {price} outside [{self.down}, {self.up}]"
        return None
