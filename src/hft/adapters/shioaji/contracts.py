"""Contracts: Shioaji's stocks, futures and options as domain `Instrument`s (`ReferenceData`).

Loading iterates the SDK's contract tree off the hot path and swaps in a new table at once;
lookups answer from memory. A contract whose prices do not fit its tick grid is refused and
counted with its reason rather than loaded with a rounded price.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Sequence
from typing import Any

import attrs

from hft.adapters.shioaji.errors import OffGridPriceError, UnknownSymbolError
from hft.adapters.shioaji.prices import scaled_from_float
from hft.domain.errors import InvalidValue
from hft.domain.values import (
    TW_ETF_TICKS,
    TW_INDEX_FUTURES_TICKS,
    TW_INDEX_OPTION_TICKS,
    TW_STOCK_TICKS,
    Instrument,
    InstrumentKind,
    Price,
    Symbol,
    TickTable,
)

SECOND_NS = 1_000_000_000
DAY_NS = 86_400 * SECOND_NS
TAIPEI_OFFSET_NS = 8 * 3_600 * SECOND_NS
STOCK_LOT_SHARES = 1_000
_KINDS = {"STK": InstrumentKind.STOCK, "FUT": InstrumentKind.FUTURE, "OPT": InstrumentKind.OPTION}


def _enum_text(value: Any) -> str:
    return str(getattr(value, "value", value))


def kind_of(contract: Any) -> InstrumentKind | None:
    """The domain kind of an SDK contract; None for what we do not trade (indices)."""
    return _KINDS.get(_enum_text(contract.security_type))


def tick_table_for(contract: Any, kind: InstrumentKind) -> TickTable:
    """TWSE ETFs (codes `00...`) tick finer than stocks; stock futures follow the stock ladder."""
    if kind is InstrumentKind.STOCK:
        return TW_ETF_TICKS if contract.code.startswith("00") else TW_STOCK_TICKS
    if kind is InstrumentKind.FUTURE:
        return TW_STOCK_TICKS if contract.underlying_kind == "S" else TW_INDEX_FUTURES_TICKS
    return TW_INDEX_OPTION_TICKS


def _grid_price(value: float, ticks: TickTable, what: str) -> Price:
    try:
        return ticks.price(scaled_from_float(value))
    except InvalidValue as bad:
        raise OffGridPriceError(f"{what} {value}: {bad}") from bad


def instrument_from_contract(contract: Any) -> Instrument:
    """Map one SDK contract. Raises `OffGridPriceError`/`InvalidValue` when it cannot be traded."""
    kind = kind_of(contract)
    if kind is None:
        raise InvalidValue(f"{contract.code}: security type {contract.security_type} not traded")
    ticks = tick_table_for(contract, kind)
    is_stock = kind is InstrumentKind.STOCK
    return Instrument(
        symbol=Symbol(contract.code),
        kind=kind,
        ticks=ticks,
        reference=_grid_price(contract.reference, ticks, "reference"),
        limit_up=_grid_price(contract.limit_up, ticks, "limit up"),
        limit_down=_grid_price(contract.limit_down, ticks, "limit down"),
        lot_size=int(contract.unit or STOCK_LOT_SHARES) if is_stock else 1,
        multiplier=1 if is_stock else int(contract.multiplier or 1),
    )


@attrs.frozen
class LoadReport:
    """What one load kept and what it refused (symbol -> reason)."""

    loaded: int
    rejected: dict[str, str]


def iter_sdk_contracts(contracts: Any) -> Iterator[Any]:
    """Every contract in the SDK's tree: `Contracts.Stocks/Futures/Options` -> groups -> items."""
    for category in (contracts.Stocks, contracts.Futures, contracts.Options):
        for group in category:
            yield from group


class ShioajiReferenceData:
    """`ReferenceData` over loaded Shioaji contracts. Lookups never block."""

    def __init__(self) -> None:
        self._instruments: dict[str, Instrument] = {}
        self._contracts: dict[str, Any] = {}
        self.last_report = LoadReport(0, {})
        self.loaded_at_ns = 0

    def load(
        self, contracts: Iterable[Any], now_ns: int, only: Collection[str] | None = None
    ) -> LoadReport:
        """Map `contracts` (optionally only the codes in `only`) and replace the table."""
        instruments: dict[str, Instrument] = {}
        sdk: dict[str, Any] = {}
        rejected: dict[str, str] = {}
        for contract in contracts:
            if (only is not None and contract.code not in only) or kind_of(contract) is None:
                continue
            try:
                instruments[contract.code] = instrument_from_contract(contract)
            except (InvalidValue, OffGridPriceError) as refused:
                rejected[contract.code] = str(refused)
                continue
            sdk[contract.code] = contract
        self._instruments, self._contracts = instruments, sdk
        self.loaded_at_ns = now_ns
        self.last_report = LoadReport(len(instruments), rejected)
        return self.last_report

    def instrument(self, symbol: str) -> Instrument | None:
        return self._instruments.get(symbol)

    def symbols(self) -> Sequence[str]:
        return sorted(self._instruments)

    def contract(self, symbol: str) -> Any:
        """The SDK contract object for `symbol` (what subscribe and place_order take)."""
        try:
            return self._contracts[symbol]
        except KeyError:
            raise UnknownSymbolError(f"unknown symbol {symbol!r}") from None


@attrs.frozen
class RefreshSchedule:
    """Contracts are refreshed once a day at `taipei_minute` (minutes after Taipei midnight).

    Limit prices change daily, so a table loaded before today's refresh time is stale.
    """

    taipei_minute: int = 7 * 60 + 45

    def last_due_ns(self, now_ns: int) -> int:
        """The most recent refresh time at or before `now_ns` (UTC ns)."""
        offset = self.taipei_minute * 60 * SECOND_NS - TAIPEI_OFFSET_NS
        day_start = (now_ns - offset) // DAY_NS * DAY_NS
        return day_start + offset

    def due(self, loaded_at_ns: int, now_ns: int) -> bool:
        """Whether a table loaded at `loaded_at_ns` must be reloaded at `now_ns`."""
        return loaded_at_ns < self.last_due_ns(now_ns)
