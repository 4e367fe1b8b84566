"""Account queries (positions, balance, margin, trading limits, usage) as snapshot values.

Every query blocks on the network and is meant for a supervisor thread, never the hot path.
The venue allows 25 account queries per 5 s: past that, `RateLimitedError` is raised locally.
Money is converted from the SDK's floats to integers in `1/PRICE_SCALE` TWD.
"""

from __future__ import annotations

from typing import Any

import attrs

from hft.adapters.shioaji.errors import RateLimitedError
from hft.adapters.shioaji.health import LatencyWindow
from hft.adapters.shioaji.order_mapping import enum_text
from hft.adapters.shioaji.prices import scaled_from_float
from hft.adapters.shioaji.ratelimit import ACCOUNT_QUERIES_PER_WINDOW, TokenBucket
from hft.adapters.shioaji.session import ShioajiSession
from hft.domain.values import Side
from hft.ports.clock import Clock


def _money(value: float | None) -> int:
    # Balances are computed sums that can carry more decimals than a price: round to the scale
    # rather than refuse, since this is reporting, not an order price.
    return scaled_from_float(round(float(value or 0.0), 4))


@attrs.frozen(kw_only=True)
class PositionSnapshot:
    """One open position; prices and pnl scaled by PRICE_SCALE, qty in the venue's unit."""

    symbol: str
    side: Side
    qty: int
    avg_price: int
    last_price: int
    pnl: int


@attrs.frozen(kw_only=True)
class BalanceSnapshot:
    """Stock account cash balance (scaled TWD) and the venue's date for it."""

    balance: int
    date: str


@attrs.frozen(kw_only=True)
class MarginSnapshot:
    """Futures account margin figures (scaled TWD); `risk_indicator` in basis points."""

    equity: int
    available_margin: int
    initial_margin: int
    maintenance_margin: int
    margin_call: int
    risk_indicator_bp: int


@attrs.frozen(kw_only=True)
class TradingLimitsSnapshot:
    """Stock trading limits in TWD (the venue gives whole dollars)."""

    trading_limit: int
    trading_used: int
    trading_available: int


@attrs.frozen(kw_only=True)
class UsageSnapshot:
    """Connections in use and market-data bytes used against the daily quota."""

    connections: int
    bytes_used: int
    limit_bytes: int
    remaining_bytes: int

    @property
    def quota_used_pct(self) -> int:
        return 100 * self.bytes_used // self.limit_bytes if self.limit_bytes else 0


def position_from_sdk(row: Any) -> PositionSnapshot:
    side = Side.BUY if enum_text(row.direction) == "Buy" else Side.SELL
    return PositionSnapshot(
        symbol=str(row.code),
        side=side,
        qty=int(row.quantity),
        avg_price=_money(row.price),
        last_price=_money(row.last_price),
        pnl=_money(row.pnl),
    )


class ShioajiAccount:
    """Rate-limited account queries over the session's client (blocking)."""

    def __init__(self, session: ShioajiSession, clock: Clock) -> None:
        self._session = session
        self._clock = clock
        self._bucket = TokenBucket(clock, *ACCOUNT_QUERIES_PER_WINDOW)
        self.latency = LatencyWindow()

    def positions(self, futures: bool = False) -> list[PositionSnapshot]:
        """Open positions of the stock (default) or futures/options account."""
        client = self._session.client
        account = client.futopt_account if futures else client.stock_account
        rows = self._query("list_positions", account)
        return [position_from_sdk(r) for r in rows]

    def balance(self) -> BalanceSnapshot:
        row = self._query("account_balance")
        return BalanceSnapshot(balance=_money(row.acc_balance), date=str(row.date))

    def margin(self) -> MarginSnapshot:
        row = self._query("margin", self._session.client.futopt_account)
        return MarginSnapshot(
            equity=_money(row.equity),
            available_margin=_money(row.available_margin),
            initial_margin=_money(row.initial_margin),
            maintenance_margin=_money(row.maintenance_margin),
            margin_call=_money(row.margin_call),
            risk_indicator_bp=round(float(row.risk_indicator) * 100),
        )

    def trading_limits(self) -> TradingLimitsSnapshot:
        row = self._query("trading_limits", self._session.client.stock_account)
        return TradingLimitsSnapshot(
            trading_limit=int(row.trading_limit),
            trading_used=int(row.trading_used),
            trading_available=int(row.trading_available),
        )

    def usage(self) -> UsageSnapshot:
        row = self._query("usage")
        return UsageSnapshot(
            connections=int(row.connections),
            bytes_used=int(row.bytes),
            limit_bytes=int(row.limit_bytes),
            remaining_bytes=int(row.remaining_bytes),
        )

    def _query(self, method: str, *args: Any) -> Any:
        call = getattr(self._session.client, method)
        if not self._bucket.try_take():
            raise RateLimitedError("account query limit (25 per 5 s) reached; nothing was sent")
        started = self._clock.now_ns()
        try:
            return call(*args)
        finally:
            self.latency.record(self._clock.now_ns() - started)
