"""Account snapshots (integers, rate limited) and the facade's per-part health snapshot."""

from __future__ import annotations

import json

import pytest
import shioaji as sj

from hft.adapters.memory import VirtualClock
from hft.adapters.shioaji import NotLoggedInError, RateLimitedError, ShioajiFacade
from hft.adapters.shioaji.account import (
    BalanceSnapshot,
    MarginSnapshot,
    PositionSnapshot,
    TradingLimitsSnapshot,
    UsageSnapshot,
)
from hft.domain.values import Side
from tests.fakes.fake_shioaji import FakeShioaji, build_facade

SECOND = 1_000_000_000


def test_account_queries_become_integer_snapshots(facade: ShioajiFacade) -> None:
    """Positions, balance, margin, limits and usage: floats become scaled ints at the edge."""
    account = facade.account
    assert account.positions() == [
        PositionSnapshot(
            symbol="2330", side=Side.BUY, qty=3, avg_price=9_985_000, last_price=10_020_000,
            pnl=105_000_000,
        )
    ]  # fmt: skip
    assert account.balance() == BalanceSnapshot(balance=12_345_675_000, date="2026-05-04")
    assert account.margin() == MarginSnapshot(
        equity=5_000_000_000, available_margin=3_000_000_000, initial_margin=1_840_000_000,
        maintenance_margin=1_410_000_000, margin_call=0, risk_indicator_bp=27_174,
    )  # fmt: skip
    assert account.trading_limits() == TradingLimitsSnapshot(
        trading_limit=10_000_000, trading_used=2_500_000, trading_available=7_500_000
    )
    usage = account.usage()
    assert usage == UsageSnapshot(
        connections=1, bytes_used=1_000, limit_bytes=500_000_000, remaining_bytes=499_999_000
    )
    assert usage.quota_used_pct == 0


def test_the_26th_account_query_in_5_s_is_refused_locally(
    facade: ShioajiFacade, clock: VirtualClock
) -> None:
    """25 queries pass; the 26th raises RateLimitedError; after 5 s the bucket has refilled."""
    for _ in range(25):
        facade.account.usage()
    with pytest.raises(RateLimitedError):
        facade.account.balance()
    clock.advance_by(5 * SECOND)
    assert facade.account.balance().balance == 12_345_675_000


def test_account_queries_need_a_session(clock: VirtualClock, fake: FakeShioaji) -> None:
    """Before login an account query raises NotLoggedInError (a BrokerUnavailableError)."""
    with pytest.raises(NotLoggedInError):
        build_facade(clock, fake).account.positions()


def test_health_names_every_part_and_serialises_to_json(
    facade: ShioajiFacade, fake: FakeShioaji, clock: VirtualClock
) -> None:
    """The snapshot covers session, contracts, quotes, orders, account with their counters."""
    facade.account.usage()
    clock.advance_by(SECOND)
    health = facade.health(clock.now_ns())
    assert [c.name for c in health.components] == [
        "session", "contracts", "quotes", "orders", "account",
    ]  # fmt: skip
    assert health.healthy is True
    assert health.component("contracts").last_message_age_ns == SECOND
    assert health.component("contracts").detail == "2 instruments"
    assert health.component("quotes").last_message_age_ns == -1
    assert health.component("account").api_calls == 1
    assert health.component("session").api_calls == 1  # one login
    assert json.loads(json.dumps(health.as_dict()))["healthy"] is True
    fake.drop_session()
    fake.wait_idle()
    down = facade.health(clock.now_ns())
    assert down.healthy is False
    assert down.component("session").connected is False


def test_the_operator_summary_shows_environment_accounts_and_limits(facade: ShioajiFacade) -> None:
    """What a production run prints before asking for confirmation, in plain integers."""
    summary = facade.operator_summary()
    assert summary["environment"] == "simulation"
    assert summary["accounts"] == ["Stock 9A95-1234567", "Future F002000-1234567"]
    assert summary["trading_limits"] == {
        "trading_limit": 10_000_000, "trading_used": 2_500_000, "trading_available": 7_500_000,
    }  # fmt: skip
    margin = summary["margin"]
    assert isinstance(margin, dict)
    assert margin["equity"] == 5_000_000_000


def test_the_operator_summary_shows_a_failed_query_instead_of_raising(
    facade: ShioajiFacade, clock: VirtualClock
) -> None:
    """Past the account query limit, the summary says so rather than failing the run."""
    for _ in range(25):
        facade.account.usage()
    summary = facade.operator_summary()
    assert str(summary["margin"]).startswith("unavailable: RateLimitedError")


def test_a_failed_contract_fetch_logs_out_again(clock: VirtualClock, fake: FakeShioaji) -> None:
    """start() that cannot load contracts leaves no session holding one of our 5 connections."""
    facade = build_facade(clock, fake)

    fake.contract_fetch_failure = sj.ShioajiTimeoutError("contracts download timed out")
    with pytest.raises(sj.ShioajiTimeoutError):
        facade.start()
    assert fake.logged_in is False
    assert facade.session.connected is False
