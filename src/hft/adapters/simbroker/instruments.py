"""Simulated Taiwan instruments and the reference data that serves them.

Quantity unit: for stocks and ETFs one `Qty` is one board lot (`lot_size` = 1,000 shares), as
for Shioaji's common orders; odd lots are not simulated. For futures one `Qty` is one contract
and `multiplier` converts index points to TWD (TXF 200, MXF 50). Price limits are +-10% of the
reference price, rounded inward onto the instrument's tick grid.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from hft.domain.values import (
    PRICE_SCALE,
    TW_ETF_TICKS,
    TW_INDEX_FUTURES_TICKS,
    TW_STOCK_TICKS,
    Instrument,
    InstrumentKind,
    Price,
    Symbol,
    TickTable,
)

LIMIT_PCT = 10
"""Daily price limit in percent of the reference price (TWSE stocks/ETFs and TAIFEX index
futures alike)."""

STOCK_LOT_SHARES = 1_000


def price_limits(ticks: TickTable, reference: int) -> tuple[Price, Price]:
    """(limit_down, limit_up) for a scaled reference price: +-10%, rounded inward on the grid."""
    up_raw = reference * (100 + LIMIT_PCT) // 100
    down_raw = -(-reference * (100 - LIMIT_PCT) // 100)
    up = up_raw - up_raw % ticks.tick_at(Price(up_raw))
    down_tick = ticks.tick_at(Price(down_raw))
    down = down_raw + (-down_raw % down_tick)
    return ticks.price(down), ticks.price(up)


def make_instrument(
    code: str,
    kind: InstrumentKind,
    ticks: TickTable,
    reference: int,
    *,
    lot_size: int = 1,
    multiplier: int = 1,
) -> Instrument:
    """An instrument with limits derived from its (scaled, on-grid) reference price."""
    down, up = price_limits(ticks, reference)
    return Instrument(
        symbol=Symbol(code),
        kind=kind,
        ticks=ticks,
        reference=ticks.price(reference),
        limit_up=up,
        limit_down=down,
        lot_size=lot_size,
        multiplier=multiplier,
    )


def _twd(whole: int, frac_scaled: int = 0) -> int:
    return whole * PRICE_SCALE + frac_scaled


def default_instruments() -> dict[str, Instrument]:
    """The simulated universe: 2330, 2317 (stocks), 0050 (ETF), TXF and MXF (index futures)."""
    stk, fut = InstrumentKind.STOCK, InstrumentKind.FUTURE
    lot = STOCK_LOT_SHARES
    items = [
        make_instrument("2330", stk, TW_STOCK_TICKS, _twd(1085), lot_size=lot),
        make_instrument("2317", stk, TW_STOCK_TICKS, _twd(205, 5_000), lot_size=lot),
        make_instrument("0050", stk, TW_ETF_TICKS, _twd(60, 5_000), lot_size=lot),
        make_instrument("TXF", fut, TW_INDEX_FUTURES_TICKS, _twd(23_000), multiplier=200),
        make_instrument("MXF", fut, TW_INDEX_FUTURES_TICKS, _twd(23_000), multiplier=50),
    ]
    return {str(i.symbol): i for i in items}


def with_reference(instrument: Instrument, reference: int) -> Instrument:
    """The same contract re-based on another (scaled, on-grid) reference price."""
    return make_instrument(
        str(instrument.symbol),
        instrument.kind,
        instrument.ticks,
        reference,
        lot_size=instrument.lot_size,
        multiplier=instrument.multiplier,
    )


class UnknownSymbolError(ValueError):
    """A symbol the simulated venue does not list."""


class SimReferenceData:
    """`ReferenceData` over a fixed set of instruments held in memory (never blocks)."""

    def __init__(self, instruments: Mapping[str, Instrument] | Iterable[Instrument]) -> None:
        items = instruments.values() if isinstance(instruments, Mapping) else instruments
        self._by_code: dict[str, Instrument] = {str(i.symbol): i for i in items}

    def instrument(self, symbol: str) -> Instrument | None:
        return self._by_code.get(symbol)

    def symbols(self) -> Sequence[str]:
        return tuple(self._by_code)

    def require(self, symbol: str) -> Instrument:
        """The instrument for `symbol`, or `UnknownSymbolError`."""
        found = self._by_code.get(symbol)
        if found is None:
            raise UnknownSymbolError(f"unknown symbol {symbol!r}; listed: {sorted(self._by_code)}")
        return found
