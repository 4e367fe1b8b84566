"""Drives a simulated venue, its strategies and the gateway on one virtual clock.

The driver jumps from event to event (a market step, a due report, a timer). At each instant
it moves the venue, records and delivers quotes, fires timers, runs the gateway's step, and
waits for the log to make the step's decisions durable (one round trip) and dispatches them
before virtual time moves on: dispatch times, and so the whole event stream, depend only on
the seed and the calls, never on the disk's speed.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable

from hft.app.bootstrap.session import SimWiring
from hft.app.strategy import StrategyRouter
from hft.domain.market import QuoteReceived


class SimDriver:
    """Runs `wiring` forward; `on_tick(n)` is called after the n-th market step."""

    def __init__(
        self,
        wiring: SimWiring,
        router: StrategyRouter,
        on_tick: Callable[[int], None] | None = None,
    ) -> None:
        self.wiring = wiring
        self.router = router
        self.on_tick = on_tick
        self.ticks = 0
        self.mids: dict[str, int] = {}

    def run_ticks(self, ticks: int) -> int:
        """Advance until `ticks` more market steps happened (or the market ends)."""
        target = self.ticks + ticks
        while self.ticks < target:
            t = self._next_instant()
            if t is None:
                break
            clock = self.wiring.clock
            clock.advance_to(max(t, clock.now_ns()))
            self.wiring.venue.advance(clock.now_ns())
            self._deliver_quotes()
            self._fire_timers()
            gateway = self.wiring.gateway
            gateway.step()
            if gateway.has_pending_work():  # quotes alone need not wait for the disk
                gateway.settle()
        return self.ticks

    def _next_instant(self) -> int | None:
        times = [t for t in (self.wiring.venue.next_event_ns(),) if t is not None]
        times += [ctx.timers[0] for _, ctx in self.router.pairs() if ctx.timers]
        return min(times) if times else None

    def _deliver_quotes(self) -> None:
        batch = self.wiring.venue.feed.poll(self.wiring.clock.now_ns(), 4_096)
        if not batch:
            return
        self.wiring.gateway.record(batch)
        quotes = [q for q in batch if isinstance(q, QuoteReceived)]
        for quote in quotes:
            if quote.bid_px and quote.ask_px:
                self.mids[quote.symbol] = (quote.bid_px + quote.ask_px) // 2
            for strategy, ctx in self.router.pairs():
                strategy.on_quote(ctx, quote)
        if quotes:
            self.ticks += 1
            if self.on_tick is not None:
                self.on_tick(self.ticks)

    def _fire_timers(self) -> None:
        now = self.wiring.clock.now_ns()
        for strategy, ctx in self.router.pairs():
            while ctx.timers and ctx.timers[0] <= now:
                strategy.on_timer(ctx, heapq.heappop(ctx.timers))
