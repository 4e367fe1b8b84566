"""The live loop: quotes in, strategy, gateway, broker reports, on the system clock.

One thread owns the loop; nothing in it blocks on I/O (the broker adapter runs its SDK calls
on its own workers, the log syncs on its flusher). Stopping (Ctrl-C, a stop event, or a time
limit) halts new orders and cancels every live order through the kill switch, waits for the
venue to confirm (bounded), flushes the log and records the state digest.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol

import attrs

from hft.app.gateway.core import DEFAULT_LIMITS, GatewayConfig
from hft.app.gateway.service import Gateway
from hft.app.sim.runner import load_strategy
from hft.app.strategy import StrategyRouter
from hft.domain import intent
from hft.domain.events import DomainEvent
from hft.domain.exposure_limits import ExposureLimits
from hft.domain.market import FeedGapDetected, QuoteReceived
from hft.ports.broker import BrokerGateway
from hft.ports.clock import Clock
from hft.ports.reference_data import ReferenceData

MAINTAIN_EVERY_NS = 1_000_000_000
SHUTDOWN_GRACE_S = 10.0


class QuoteSource(Protocol):
    def subscribe(self, symbols: Sequence[str]) -> None: ...

    def poll(
        self, now_ns: int, max_events: int = 1024
    ) -> Sequence[QuoteReceived | FeedGapDetected]: ...


class LiveVenue(BrokerGateway, ReferenceData, Protocol):
    """A broker connection as the live loop needs it (the Shioaji facade is one)."""

    @property
    def market_data(self) -> QuoteSource: ...

    def maintain(self, now_ns: int) -> None: ...

    def drain_events(self) -> list[DomainEvent]: ...


@attrs.frozen(kw_only=True)
class LiveRun:
    """A live session. `max_seconds` bounds the run (None: until stopped)."""

    out: Path
    strategy: str
    symbols: tuple[str, ...]
    account: str
    limits: ExposureLimits = DEFAULT_LIMITS
    production: bool = False
    max_seconds: float | None = None


@attrs.frozen
class LiveResult:
    digest: str
    submitted: int
    dispatched: int
    fills: int
    still_working: int


def run_live(
    run: LiveRun,
    venue: LiveVenue,
    build: Callable[[GatewayConfig], Gateway],
    clock: Clock,
    stop: threading.Event,
) -> LiveResult:
    """Trade until `stop` is set (or `max_seconds` pass), then shut down safely."""
    mode = "production" if run.production else "live-simulation"
    config = GatewayConfig(account=run.account, session_id=mode, mode="live", limits=run.limits)
    gateway = build(config)
    router = StrategyRouter(gateway)
    strategy = load_strategy(run.strategy)
    ctx = router.add(strategy, run.account)
    gateway.start()
    venue.market_data.subscribe(list(run.symbols))
    strategy.on_start(ctx)
    deadline = None if run.max_seconds is None else time.monotonic() + run.max_seconds
    next_maintain = 0
    while not stop.is_set() and (deadline is None or time.monotonic() < deadline):
        now = clock.now_ns()
        if now >= next_maintain:
            venue.maintain(now)
            next_maintain = now + MAINTAIN_EVERY_NS
        quotes = venue.market_data.poll(now, 4_096)
        gateway.record(quotes)
        gateway.record(venue.drain_events())
        for quote in quotes:
            if isinstance(quote, QuoteReceived):
                strategy.on_quote(ctx, quote)
        if not gateway.step() and not quotes:
            time.sleep(0.000_2)  # idle: yield the core to the SDK's and the log's threads
    strategy.on_stop(ctx)
    return _shut_down(gateway)


def _shut_down(gateway: Gateway) -> LiveResult:
    gateway.kill_switch("operator", "session stop: halt and cancel everything live")
    give_up = time.monotonic() + SHUTDOWN_GRACE_S
    while time.monotonic() < give_up and (_working(gateway) or gateway.has_pending_work()):
        if not gateway.step():
            time.sleep(0.001)
    counters = gateway.core.counters
    working = _working(gateway)
    digest = gateway.close("session stop")
    return LiveResult(digest, counters.submitted, counters.dispatched, counters.fills, working)


def _working(gateway: Gateway) -> int:
    return sum(
        1
        for i in gateway.core.state.open_states()
        if intent.is_order(i) and intent.is_working(i.status)
    )


def default_out() -> Path:
    return Path("runs") / time.strftime("live-%Y%m%d-%H%M%S")
