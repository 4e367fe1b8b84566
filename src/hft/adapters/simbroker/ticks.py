"""Recorded ticks: load a CSV or Parquet file and replay it as the simulated market.

Column layout (one row per top-of-book update, rows in non-decreasing time):

- `ts`: event time, integer nanoseconds since the Unix epoch (UTC), or ISO-8601 text with
  an explicit offset (`2026-11-23T09:00:00.5+08:00`); Parquet may use a tz-aware timestamp.
- `symbol`: the instrument code as the venue spells it (`2330`, `TXF`).
- `bid_px`, `ask_px`, `last_px`: prices in currency units (TWD or index points) as decimal
  text (`1085.5`), Parquet decimal, integer or float; empty or 0 means no such side.
- `bid_px_scaled`, `ask_px_scaled`, `last_px_scaled`: instead of the above, the same prices
  as integers in 1/10,000 units (`10855000`).
- `bid_qty`, `ask_qty`, `last_qty`: integers, lots for stocks/ETFs and contracts for
  futures; empty means 0.

Prices become scaled integers at this edge through `Decimal` (floats via their shortest
repr). A price with more than 4 decimals or off the instrument's tick grid raises
`OffGridPriceError` naming the row; other bad input raises a `TickDataError` subclass.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import attrs

from hft.adapters.simbroker.book import OrderBook
from hft.adapters.simbroker.instruments import with_reference
from hft.adapters.simbroker.market import StepPlan
from hft.domain.values import PRICE_SCALE, Instrument, Price

PRICE_FIELDS = ("bid_px", "ask_px", "last_px")
QTY_FIELDS = ("bid_qty", "ask_qty", "last_qty")
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_TS_UNIT_NS = {"s": 1_000_000_000, "ms": 1_000_000, "us": 1_000, "ns": 1}


class TickDataError(ValueError):
    """A recorded tick file cannot be used; the message names the file, row and column."""


class MissingColumnError(TickDataError):
    """A required column is absent."""


class OffGridPriceError(TickDataError):
    """A price that is not a whole number of 1/10,000 units or not on the tick grid."""


class BadTickValueError(TickDataError):
    """A value of the wrong type or range (negative qty, naive time, crossed book...)."""


class UnorderedTicksError(TickDataError):
    """Rows go back in time."""


class UnlistedSymbolError(TickDataError):
    """A symbol the simulated venue does not list."""


@attrs.frozen
class RecordedTick:
    """One top-of-book update: scaled prices (0 = none), quantities in lots/contracts."""

    ts_ns: int
    symbol: str
    bid_px: int
    bid_qty: int
    ask_px: int
    ask_qty: int
    last_px: int
    last_qty: int


def load_ticks(path: str | Path, instruments: Mapping[str, Instrument]) -> list[RecordedTick]:
    """Read `path` (`.csv` or `.parquet`) into ticks checked against `instruments`' grids."""
    source = Path(path)
    if source.suffix.lower() == ".parquet":
        rows: Iterable[Mapping[str, Any]] = _parquet_rows(source)
    elif source.suffix.lower() == ".csv":
        rows = _csv_rows(source)
    else:
        raise TickDataError(f"{source}: expected a .csv or .parquet file")
    ticks: list[RecordedTick] = []
    for number, row in enumerate(rows, start=1):
        where = f"{source} row {number}"
        tick = _tick(row, instruments, where)
        if ticks and tick.ts_ns < ticks[-1].ts_ns:
            raise UnorderedTicksError(f"{where}: ts {tick.ts_ns} is before {ticks[-1].ts_ns}")
        ticks.append(tick)
    return ticks


def _csv_rows(source: Path) -> Iterable[Mapping[str, Any]]:
    with source.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        _require_columns(source, reader.fieldnames or [])
        yield from reader


def _parquet_rows(source: Path) -> Iterable[Mapping[str, Any]]:
    import pyarrow as pa  # noqa: PLC0415  # ~0.5 s to import: only when a Parquet file is read
    import pyarrow.parquet as pq  # noqa: PLC0415

    table = pq.read_table(source)
    _require_columns(source, table.column_names)
    columns: dict[str, list[Any]] = {}
    for name in table.column_names:
        column = table.column(name)
        if pa.types.is_timestamp(column.type):
            if column.type.tz is None:
                raise BadTickValueError(f"{source}: column {name} has no time zone")
            factor = _TS_UNIT_NS[column.type.unit]
            columns[name] = [v * factor for v in column.cast(pa.int64()).to_pylist()]
        else:
            columns[name] = column.to_pylist()
    names = list(columns)
    for values in zip(*columns.values(), strict=True):
        yield dict(zip(names, values, strict=True))


def _require_columns(source: Path, names: Sequence[str]) -> None:
    missing = [n for n in ("ts", "symbol") if n not in names]
    missing += [f for f in PRICE_FIELDS if f not in names and f"{f}_scaled" not in names]
    if missing:
        raise MissingColumnError(f"{source}: missing columns {missing}; found {list(names)}")


def _tick(
    row: Mapping[str, Any], instruments: Mapping[str, Instrument], where: str
) -> RecordedTick:
    symbol = str(row["symbol"]).strip()
    instrument = instruments.get(symbol)
    if instrument is None:
        raise UnlistedSymbolError(f"{where}: symbol {symbol!r} is not listed")
    prices = {f: _price(row, f, instrument, where) for f in PRICE_FIELDS}
    qtys = {f: _qty(row.get(f), f, where) for f in QTY_FIELDS}
    if prices["bid_px"] and prices["ask_px"] and prices["bid_px"] >= prices["ask_px"]:
        raise BadTickValueError(f"{where}: crossed book bid {prices['bid_px']} >= ask")
    return RecordedTick(ts_ns=_ts(row["ts"], where), symbol=symbol, **prices, **qtys)


def _price(row: Mapping[str, Any], field: str, instrument: Instrument, where: str) -> int:
    if f"{field}_scaled" in row:
        scaled = _whole(row[f"{field}_scaled"], field, where)
    else:
        scaled = _scaled(row.get(field), field, where)
    if scaled and not instrument.ticks.on_grid(Price(scaled)):
        tick = instrument.ticks.tick_at(Price(scaled))
        raise OffGridPriceError(f"{where}: {field} {scaled} is off the grid (tick {tick})")
    return scaled


def _scaled(value: Any, field: str, where: str) -> int:
    if value is None or value == "":
        return 0
    if isinstance(value, bool):
        raise BadTickValueError(f"{where}: {field} is a bool")
    try:
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(str(value).strip())
    except InvalidOperation:
        raise BadTickValueError(f"{where}: {field} {value!r} is not a number") from None
    if not number.is_finite() or number < 0:
        raise BadTickValueError(f"{where}: {field} {value!r} must be finite and >= 0")
    scaled = number * PRICE_SCALE
    if scaled != scaled.to_integral_value():
        raise OffGridPriceError(f"{where}: {field} {value!r} has more than 4 decimals")
    return int(scaled)


def _whole(value: Any, field: str, where: str) -> int:
    if value is None or value == "":
        return 0
    text = str(value).strip()
    if isinstance(value, bool | float) or not text.isdigit():
        raise BadTickValueError(f"{where}: {field} {value!r} must be a non-negative integer")
    return int(text)


def _qty(value: Any, field: str, where: str) -> int:
    return _whole(value, field, where)


def _ts(value: Any, where: str) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    text = str(value).strip()
    if text.lstrip("-").isdigit():
        return int(text)
    try:
        stamp = dt.datetime.fromisoformat(text)
    except ValueError:
        raise BadTickValueError(f"{where}: ts {value!r} is neither ns nor ISO-8601") from None
    if stamp.tzinfo is None:
        raise BadTickValueError(f"{where}: ts {text!r} has no offset (e.g. +08:00)")
    delta = stamp - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000_000 + delta.microseconds * 1_000


def rebase_instruments(
    instruments: Mapping[str, Instrument], ticks: Sequence[RecordedTick]
) -> dict[str, Instrument]:
    """Each instrument that appears in `ticks`, re-based on its first price (last, else mid
    side), so that its +-10% limits surround the recorded prices."""
    first: dict[str, int] = {}
    for tick in ticks:
        if tick.symbol not in first:
            price = tick.last_px or tick.bid_px or tick.ask_px
            if price:
                first[tick.symbol] = price
    return {code: with_reference(instruments[code], px) for code, px in first.items()}


class RecordedMarket:
    """A `MarketSource` that replays recorded ticks, one row per step at the row's time.

    Each row sets one depth level per side; a print (`last_qty` at `last_px`) is executed as
    a taker: a buyer if it printed at or above the ask (or up from the previous print), a
    seller otherwise. The source is exhausted after the last row.
    """

    def __init__(self, ticks: Sequence[RecordedTick]) -> None:
        self._ticks = ticks
        self._index = 0
        self._last: dict[str, int] = {}

    def next_ns(self) -> int | None:
        if self._index >= len(self._ticks):
            return None
        return self._ticks[self._index].ts_ns

    def step(self, books: Mapping[str, OrderBook]) -> Sequence[StepPlan]:
        tick = self._ticks[self._index]
        self._index += 1
        bids = ((tick.bid_px, tick.bid_qty),) if tick.bid_px and tick.bid_qty else ()
        asks = ((tick.ask_px, tick.ask_qty),) if tick.ask_px and tick.ask_qty else ()
        trades: tuple[tuple[bool, int, int], ...] = ()
        if tick.last_px and tick.last_qty:
            trades = ((self._buyer_initiated(tick), tick.last_px, tick.last_qty),)
            self._last[tick.symbol] = tick.last_px
        return [StepPlan(tick.symbol, bids, asks, trades)]

    def _buyer_initiated(self, tick: RecordedTick) -> bool:
        if tick.ask_px and tick.last_px >= tick.ask_px:
            return True
        if tick.bid_px and tick.last_px <= tick.bid_px:
            return False
        return tick.last_px >= self._last.get(tick.symbol, tick.last_px)
