"""Contracts to Instruments: tick ladders, integer limits via Decimal, lots; refusals; refresh."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hft.adapters.shioaji import OffGridPriceError, UnknownSymbolError
from hft.adapters.shioaji.contracts import (
    RefreshSchedule,
    ShioajiReferenceData,
    instrument_from_contract,
)
from hft.adapters.shioaji.prices import float_from_scaled, scaled_from_float
from hft.domain.values import (
    TW_ETF_TICKS,
    TW_INDEX_FUTURES_TICKS,
    TW_INDEX_OPTION_TICKS,
    TW_STOCK_TICKS,
    Instrument,
    InstrumentKind,
    Price,
    Symbol,
)
from tests.fakes.fake_shioaji import START_NS
from tests.fixtures import shioaji_payloads as p

HOUR = 3_600_000_000_000


def test_a_stock_maps_to_an_instrument_with_lot_size_and_scaled_limits() -> None:
    """2330 @ 1000 with +/-10% limits: stock ladder, 1,000-share lots, prices x 10,000."""
    assert instrument_from_contract(p.stock()) == Instrument(
        symbol=Symbol("2330"),
        kind=InstrumentKind.STOCK,
        ticks=TW_STOCK_TICKS,
        reference=Price(10_000_000),
        limit_up=Price(11_000_000),
        limit_down=Price(9_000_000),
        lot_size=1_000,
        multiplier=1,
    )


def test_futures_options_and_etfs_get_their_own_ladders_and_multipliers() -> None:
    """TXF ticks by 1 point x 200; TXO on the option ladder x 50; ETFs (00xx) on the ETF ladder."""
    fut = instrument_from_contract(p.future())
    opt = instrument_from_contract(p.option())
    etf = instrument_from_contract(
        p.stock(code="0050", reference=150.0, limit_up=165.0, limit_down=135.0)
    )
    assert (fut.kind, fut.ticks, fut.multiplier, fut.lot_size) == (
        InstrumentKind.FUTURE, TW_INDEX_FUTURES_TICKS, 200, 1,
    )  # fmt: skip
    assert (opt.kind, opt.ticks, opt.multiplier, opt.limit_down) == (
        InstrumentKind.OPTION, TW_INDEX_OPTION_TICKS, 50, Price(1_000),
    )  # fmt: skip
    assert etf.ticks == TW_ETF_TICKS


def test_float_limits_go_through_their_decimal_repr_not_binary() -> None:
    """A 0.1-point option limit is exactly 1,000 scaled, not 999 from binary float error."""
    assert scaled_from_float(0.1) == 1_000
    assert scaled_from_float(1002.5) == 10_025_000
    with pytest.raises(OffGridPriceError):
        scaled_from_float(1002.00001)


@given(st.integers(min_value=1, max_value=10**11))
def test_scaled_prices_survive_the_sdk_float_roundtrip_property(scaled: int) -> None:
    """Any scaled price sent as the SDK's float comes back as the same integer."""
    assert scaled_from_float(float_from_scaled(scaled)) == scaled


def test_load_keeps_good_contracts_and_names_the_refused_ones() -> None:
    """An off-grid limit or a zero reference refuses that contract with a reason; others load."""
    reference = ShioajiReferenceData()
    report = reference.load(
        [
            p.stock(),
            p.stock(code="2317", reference=100.0, limit_up=110.3, limit_down=90.0),
            p.stock(code="1101", reference=0.0, limit_up=0.0, limit_down=0.0),
            p.future(),
        ],
        START_NS,
    )
    assert report.loaded == 2
    assert sorted(report.rejected) == ["1101", "2317"]
    assert "limit up 110.3" in report.rejected["2317"]
    assert reference.symbols() == ["2330", "TXFF6"]
    assert reference.instrument("2317") is None
    with pytest.raises(UnknownSymbolError):
        reference.contract("2317")


def test_load_can_be_limited_to_the_symbols_in_use() -> None:
    """`only` keeps the table to the codes a run trades."""
    reference = ShioajiReferenceData()
    reference.load([p.stock(), p.future(), p.option()], START_NS, only={"TXFF6"})
    assert reference.symbols() == ["TXFF6"]
    assert type(reference.contract("TXFF6")).__name__ == "Future"


def test_contracts_are_refreshed_once_a_day_before_the_open() -> None:
    """Loaded at 09:00 Taipei: not due that day; due from 07:45 Taipei the next morning."""
    schedule = RefreshSchedule()
    loaded = START_NS  # 09:00 Taipei
    assert schedule.due(loaded, loaded + 20 * HOUR) is False  # 05:00 Taipei next day
    assert schedule.due(loaded, loaded + 23 * HOUR) is True  # 08:00 Taipei next day
    assert schedule.due(loaded - 2 * HOUR, loaded) is True  # loaded 07:00, now 09:00
