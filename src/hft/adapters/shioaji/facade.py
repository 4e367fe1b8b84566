"""One object over the Shioaji parts: session, contracts, quotes, orders, account, health.

`ShioajiFacade` is a `BrokerGateway` (place/amend/cancel/poll) and a `ReferenceData`; its
`market_data` attribute is the `MarketDataFeed` (both ports name their drain `poll`, so the feed
is a separate view rather than a second meaning of `poll`). `maintain(now_ns)` is the one
periodic call (off the hot path): it re-logs in when due, refreshes contracts once a day and
runs the quote watchdog.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

import attrs

from hft.adapters.shioaji.account import ShioajiAccount
from hft.adapters.shioaji.client import ClientFactory
from hft.adapters.shioaji.contracts import (
    LoadReport,
    RefreshSchedule,
    ShioajiReferenceData,
    iter_sdk_contracts,
)
from hft.adapters.shioaji.credentials import Credentials
from hft.adapters.shioaji.health import ComponentHealth, ShioajiHealth, age_ns
from hft.adapters.shioaji.orders import OrdersConfig, ShioajiBroker
from hft.adapters.shioaji.quotes import FeedConfig, ShioajiMarketData
from hft.adapters.shioaji.session import (
    PROCESS_LOGIN_GATE,
    LoginGate,
    SessionConfig,
    ShioajiSession,
)
from hft.adapters.shioaji.worker import CallWorker
from hft.domain.events import DomainEvent
from hft.domain.orders import BrokerOrder, BrokerReport
from hft.domain.values import Instrument, IntentId, Price, Qty
from hft.ports.clock import Clock


@attrs.frozen(kw_only=True)
class ShioajiConfig:
    """Everything tunable, per part. `threaded_calls=False` runs SDK calls only on demand."""

    session: SessionConfig = attrs.Factory(SessionConfig)
    feed: FeedConfig = attrs.Factory(FeedConfig)
    orders: OrdersConfig = attrs.Factory(OrdersConfig)
    refresh: RefreshSchedule = attrs.Factory(RefreshSchedule)
    contract_symbols: frozenset[str] | None = None
    threaded_calls: bool = True


class ShioajiFacade:
    """The Shioaji adapter behind our ports. Build with `ShioajiFacade(factory, creds, clock)`.

    `start()` logs in (blocking), loads contracts and starts the call worker; `stop()` stops
    the worker and logs out. Until `start()`, `place` raises `NotLoggedInError`.
    """

    def __init__(
        self,
        client_factory: ClientFactory,
        credentials: Credentials,
        clock: Clock,
        config: ShioajiConfig | None = None,
        gate: LoginGate = PROCESS_LOGIN_GATE,
    ) -> None:
        self.config = config or ShioajiConfig()
        self._clock = clock
        self.session = ShioajiSession(client_factory, credentials, clock, self.config.session, gate)
        self.reference = ShioajiReferenceData()
        self.market_data = ShioajiMarketData(self.session, self.reference, clock, self.config.feed)
        worker = CallWorker(self.config.orders.queue_capacity, threaded=self.config.threaded_calls)
        self.orders = ShioajiBroker(
            self.session, self.reference, clock, self.config.orders, worker=worker
        )
        self.account = ShioajiAccount(self.session, clock)

    # -- lifecycle (blocking; call from a supervisor, never the hot path) -----------------
    def start(self) -> LoadReport:
        """Log in, load contracts, start the call worker. Raises the login's or the contract
        fetch's error (after logging out again)."""
        self.session.login()
        try:
            report = self.refresh_contracts()
        except BaseException:
            self.session.logout()  # never leave a half-started session holding a connection
            raise
        self.orders.start()
        return report

    def stop(self) -> None:
        self.orders.stop()
        if self.session.wanted:
            self.session.logout()

    def refresh_contracts(self, only: Collection[str] | None = None) -> LoadReport:
        """Fetch the venue's contracts and replace the reference table (blocking)."""
        client = self.session.client
        client.fetch_contracts(contract_download=False)
        wanted = only if only is not None else self.config.contract_symbols
        contracts = iter_sdk_contracts(client.Contracts)
        return self.reference.load(contracts, self._clock.now_ns(), wanted)

    def maintain(self, now_ns: int) -> None:
        """Periodic upkeep: re-login when due, daily contract refresh, quote watchdog."""
        self.session.maintain(now_ns)
        if not self.session.connected:
            return
        if self.config.refresh.due(self.reference.loaded_at_ns, now_ns):
            self.refresh_contracts()
        self.market_data.check_silence(now_ns)

    # -- BrokerGateway --------------------------------------------------------------------
    def place(self, order: BrokerOrder) -> None:
        self.orders.place(order)

    def amend(self, intent_id: IntentId, price: Price | None, qty: Qty | None) -> None:
        self.orders.amend(intent_id, price, qty)

    def cancel(self, intent_id: IntentId) -> None:
        self.orders.cancel(intent_id)

    def reconcile(self, intent_id: IntentId) -> None:
        self.orders.reconcile(intent_id)

    def poll(self, now_ns: int, max_reports: int = 1024) -> Sequence[BrokerReport]:
        return self.orders.poll(now_ns, max_reports)

    # -- ReferenceData --------------------------------------------------------------------
    def instrument(self, symbol: str) -> Instrument | None:
        return self.reference.instrument(symbol)

    def symbols(self) -> Sequence[str]:
        return self.reference.symbols()

    # -- venue events and health ----------------------------------------------------------
    def drain_events(self) -> list[DomainEvent]:
        """Session changes and quote-shape rejections since the last drain, for the log."""
        events: list[DomainEvent] = list(self.session.drain_events())
        events.extend(self.market_data.drain_rejections())
        return events

    def operator_summary(self) -> dict[str, object]:
        """Environment, accounts, trading limits and margin, for an operator to confirm before
        trading (blocking: four account queries). A query that fails shows its error instead."""
        summary: dict[str, object] = {
            "environment": "simulation" if self.session.config.simulation else "PRODUCTION",
            "accounts": list(self.session.account_labels()),
        }
        for name, query in (
            ("trading_limits", self.account.trading_limits),
            ("margin", self.account.margin),
        ):
            try:
                summary[name] = attrs.asdict(query())
            except Exception as failure:  # shown to the operator, who decides
                summary[name] = f"unavailable: {type(failure).__name__}: {failure}"
        return summary

    def health(self, now_ns: int) -> ShioajiHealth:
        """A snapshot of every part's health at `now_ns`."""
        session, feed, orders = self.session, self.market_data, self.orders
        connected = session.connected
        parts = (
            ComponentHealth(
                name="session",
                connected=connected,
                reconnects=session.reconnects,
                rejects=session.failures,
                dropped=session.dropped_events,
                api_calls=session.login_attempts,
                api_latency_p50_ns=session.last_login_latency_ns,
                api_latency_p99_ns=session.last_login_latency_ns,
                detail="simulation" if session.config.simulation else "production",
            ),
            ComponentHealth(
                name="contracts",
                connected=self.reference.last_report.loaded > 0,
                last_message_age_ns=age_ns(now_ns, self.reference.loaded_at_ns),
                rejects=len(self.reference.last_report.rejected),
                detail=f"{self.reference.last_report.loaded} instruments",
            ),
            ComponentHealth(
                name="quotes",
                connected=connected,
                last_message_age_ns=age_ns(now_ns, feed.last_message_ns),
                queue_depth=feed.queue_depth,
                reconnects=feed.resubscribes,
                rejects=feed.rejected_total,
                dropped=feed.dropped_total,
                detail=f"{len(feed.subscribed)} symbols",
            ),
            self._latency_part("orders", connected, orders.queue_depth, orders.rejects, orders),
            self._latency_part("account", connected, 0, 0, self.account),
        )
        return ShioajiHealth(ts_ns=now_ns, components=parts)

    @staticmethod
    def _latency_part(
        name: str, connected: bool, depth: int, rejects: int, part: ShioajiBroker | ShioajiAccount
    ) -> ComponentHealth:
        dropped = part.reports_dropped if isinstance(part, ShioajiBroker) else 0
        detail = (
            f"{part.outcome_unknown} outcome unknown" if isinstance(part, ShioajiBroker) else ""
        )
        return ComponentHealth(
            name=name,
            connected=connected,
            queue_depth=depth,
            rejects=rejects,
            dropped=dropped,
            api_calls=part.latency.calls,
            api_latency_p50_ns=part.latency.percentile(50),
            api_latency_p99_ns=part.latency.percentile(99),
            detail=detail,
        )
