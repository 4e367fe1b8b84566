"""Hypothesis strategies and builders for OrderIntent commands, instruments and states."""

from __future__ import annotations

from typing import Any

import attrs
from hypothesis import strategies as st

from hft.domain.intent import IntentStatus, IntentType, OrderIntent, SubmitIntent
from hft.domain.orders import TimeInForce
from hft.domain.values import (
    PRICE_SCALE,
    TW_ETF_TICKS,
    TW_INDEX_FUTURES_TICKS,
    TW_INDEX_OPTION_TICKS,
    TW_STOCK_TICKS,
    Instrument,
    InstrumentKind,
    Price,
    Side,
    Symbol,
    TickTable,
)

TSMC = Instrument(
    symbol=Symbol("2330"),
    kind=InstrumentKind.STOCK,
    ticks=TW_STOCK_TICKS,
    reference=Price(580 * PRICE_SCALE),
    limit_up=Price(638 * PRICE_SCALE),
    limit_down=Price(522 * PRICE_SCALE),
)
"""A stock priced across the 100-500 (0.5 tick) and 500-1000 (1 tick) bands."""

LADDERS: tuple[tuple[TickTable, InstrumentKind], ...] = (
    (TW_STOCK_TICKS, InstrumentKind.STOCK),
    (TW_ETF_TICKS, InstrumentKind.STOCK),
    (TW_INDEX_FUTURES_TICKS, InstrumentKind.FUTURE),
    (TW_INDEX_OPTION_TICKS, InstrumentKind.OPTION),
)


def command(**overrides: Any) -> SubmitIntent:
    """A valid NEW limit order for TSMC at 580.0, with any field overridden."""
    fields: dict[str, Any] = {
        "intent_id": "intent-1",
        "idempotency_key": "key-1",
        "strategy_id": "strat-1",
        "account": "acct-1",
        "symbol": "2330",
        "intent_type": IntentType.NEW,
        "side": Side.BUY,
        "price": 580 * PRICE_SCALE,
        "qty": 10,
        "tif": TimeInForce.ROD,
        "ttl_ns": 1_000_000,
        "trace_id": "trace-1",
        "created_ns": 1_000,
    }
    fields.update(overrides)
    return SubmitIntent(**fields)


def intent_state(status: IntentStatus, **overrides: Any) -> OrderIntent:
    """An OrderIntent (NEW, qty 10, version 5) standing in `status`, fields overridable."""
    fields: dict[str, Any] = {
        "intent_id": "intent-1",
        "idempotency_key": "key-1",
        "strategy_id": "strat-1",
        "account": "acct-1",
        "symbol": "2330",
        "intent_type": IntentType.NEW,
        "side": Side.BUY,
        "price": 580 * PRICE_SCALE,
        "qty": 10,
        "tif": TimeInForce.ROD,
        "ttl_ns": 1_000_000,
        "trace_id": "trace-1",
        "created_ns": 1_000,
        "target_intent_id": None,
        "reduce_only": False,
        "schema_version": 1,
        "status": status,
        "version": 5,
    }
    fields.update(overrides)
    return OrderIntent(**fields)


@st.composite
def instruments(draw: st.DrawFn) -> Instrument:
    """An instrument on one of the Taiwan ladders: reference on grid, limits some ticks away."""
    ticks, kind = draw(st.sampled_from(LADDERS))
    lowest = ticks.bands[0].tick
    raw = draw(st.integers(lowest, 2_000 * PRICE_SCALE))
    reference = Price(raw - raw % ticks.tick_at(Price(raw)))
    up = ticks.step(reference, draw(st.integers(1, 60)))
    down = reference
    for _ in range(draw(st.integers(0, 60))):
        if down.scaled <= lowest:
            break
        down = ticks.step(down, -1)
    symbol = draw(st.sampled_from(["2330", "0050", "TXFL6", "TXO20000L6"]))
    return Instrument(Symbol(symbol), kind, ticks, reference, up, down)


def _ticks_between(instrument: Instrument) -> int:
    count, probe = 0, instrument.limit_down
    while probe < instrument.limit_up:
        probe = instrument.ticks.step(probe, 1)
        count += 1
    return count


@st.composite
def on_grid_prices(draw: st.DrawFn, instrument: Instrument) -> int:
    """A scaled price on the instrument's ladder, within its limits (both inclusive)."""
    steps = draw(st.integers(0, _ticks_between(instrument)))
    return instrument.ticks.step(instrument.limit_down, steps).scaled


@st.composite
def off_grid_prices(draw: st.DrawFn, instrument: Instrument) -> int:
    """A scaled price strictly between two adjacent ticks, inside the instrument's limits."""
    on = draw(on_grid_prices(instrument))
    ticks = instrument.ticks
    if on < instrument.limit_up.scaled:
        return on + draw(st.integers(1, ticks.tick_at(Price(on)) - 1))
    return on - draw(st.integers(1, ticks.tick_at(Price(on - 1)) - 1))


def with_price(cmd: SubmitIntent, price: int | None) -> SubmitIntent:
    return attrs.evolve(cmd, price=price)
