"""The simulated venue: one virtual clock driving the market, the matching and the reports."""

from __future__ import annotations

import heapq
import random
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from hft.adapters.simbroker.broker import SimBroker
from hft.adapters.simbroker.exchange import Exchange
from hft.adapters.simbroker.feed import SimFeed
from hft.adapters.simbroker.instruments import (
    SimReferenceData,
    UnknownSymbolError,
    default_instruments,
)
from hft.adapters.simbroker.latency import LatencyModel, Leg, OutageSchedule, latency_preset
from hft.adapters.simbroker.market import MarketSource, RandomWalkMarket
from hft.domain.values import Instrument

_NEVER = 1 << 63


class SimVenue:
    """A deterministic exchange on a virtual clock, seen through three ports.

    `.broker` is a `BrokerGateway` (`SimBroker`), `.feed` a `MarketDataFeed` (`SimFeed`),
    `.reference` a `ReferenceData` (`SimReferenceData`). Nothing moves until the owner calls
    `advance(now_ns)` (or `broker.poll`/`feed.poll`, which advance first): market steps and
    in-flight calls due by `now_ns` are then applied in time order (calls first on ties).
    Broker calls are stamped with the venue's current time; steps due before the start
    (recorded ticks older than `start_ns`) run at the start, never back in time. Same seed and
    the same calls at the same virtual times give identical reports and quotes. One thread:
    the venue is driven by the loop that owns it and is not thread-safe.

    `seed` seeds independent streams (market per symbol, latency, outage). `instruments`
    defaults to `default_instruments()`; `symbols` narrows the venue to those codes (each
    listed symbol costs a market step per interval). `latency` is a `LatencyModel` or a
    preset name (`zero`, `colo`, `shioaji-sim`). `market` defaults to a `RandomWalkMarket`
    stepping every `quote_interval_ns` after `start_ns` with `depth_levels` levels a side.
    `outages` schedules windows in which calls time out; a timed-out call still reached the
    venue with probability `reach_probability`. `feed_capacity` bounds the quote buffer;
    `retain_terminal` bounds how many finished orders reconciliation can still see.

    A sim loop on the virtual clock jumps from event to event::

        venue = SimVenue(seed=7, symbols=["2330"], latency="shioaji-sim")
        venue.feed.subscribe(["2330"])
        while (now := venue.next_event_ns()) is not None and now <= end_ns:
            for quote in venue.feed.poll(now):
                ...  # strategy -> gateway -> venue.broker.place/cancel (stamped `now`)
            for report in venue.broker.poll(now):
                ...  # acks, fills, rejects back to the gateway
    """

    def __init__(
        self,
        *,
        seed: int = 0,
        instruments: Mapping[str, Instrument] | None = None,
        symbols: Sequence[str] | None = None,
        latency: LatencyModel | str = "zero",
        market: MarketSource | None = None,
        outages: OutageSchedule | None = None,
        reach_probability: float = 0.5,
        feed_capacity: int = 65_536,
        quote_interval_ns: int = 50_000_000,
        depth_levels: int | None = None,
        start_ns: int = 0,
        retain_terminal: int = 100_000,
    ) -> None:
        chosen = _listed(instruments if instruments is not None else default_instruments(), symbols)
        model = latency_preset(latency) if isinstance(latency, str) else latency
        self.latency = model
        self._now = start_ns
        self._events: list[tuple[int, int, Callable[..., None], tuple[Any, ...]]] = []
        self._seq = 0
        self._latency_rng = random.Random(f"{seed}:latency")
        self._outages = outages or OutageSchedule()
        self._outage_on = False
        self._forced_timeouts = 0
        self._market = market or RandomWalkMarket(
            chosen,
            seed,
            interval_ns=quote_interval_ns,
            start_ns=start_ns,
            depth_levels=depth_levels,
        )
        following = self._market.next_ns()
        self._next_market = _NEVER if following is None else following
        self.exchange = Exchange(chosen, model, self._latency_rng, retain_terminal)
        self.exchange.now = start_ns
        self.reference = SimReferenceData(chosen)
        self.feed = SimFeed(self.reference, feed_capacity, self.advance)
        outage_rng = random.Random(f"{seed}:outage")
        self.broker = SimBroker(self, self.exchange, model, outage_rng, reach_probability)

    @property
    def now_ns(self) -> int:
        """The venue's virtual time: the last `advance` target."""
        return self._now

    def advance(self, now_ns: int) -> None:
        """Apply everything due by `now_ns` in time order. Earlier times are a no-op."""
        events, ex = self._events, self.exchange
        if now_ns <= self._now or (
            (not events or events[0][0] > now_ns) and self._next_market > now_ns
        ):
            # Nothing due: the common case of a poll on the order path.
            if now_ns > self._now:
                self._now = ex.now = now_ns
            return
        while True:
            t_event = events[0][0] if events else _NEVER
            t_market = self._next_market
            if t_event <= t_market:
                if t_event > now_ns:
                    break
                t, _, action, args = heapq.heappop(events)
                self._now = ex.now = max(t, self._now)
                action(*args)
            elif t_market > now_ns:
                break
            else:
                self._now = ex.now = max(t_market, self._now)
                self._step_market(self._now)
        self._now = ex.now = now_ns

    def next_event_ns(self) -> int | None:
        """When something next happens (a market step, an arrival or a due report)."""
        times = [
            t
            for t in (self._market.next_ns(), self.exchange.outbox.next_due_ns(self._now))
            if t is not None
        ]
        if self._events:
            times.append(self._events[0][0])
        return min(times) if times else None

    def _step_market(self, t: int) -> None:
        ex, feed = self.exchange, self.feed
        for plan in self._market.step(ex.books):
            ex.apply_step(plan)
            if feed.wants(plan.symbol):
                feed.publish(plan.symbol, t, ex.top_of_book(plan.symbol))
        following = self._market.next_ns()
        self._next_market = _NEVER if following is None else following

    def dispatch(self, leg: Leg, action: Callable[..., None], *args: Any) -> int:
        """Run `action(*args)` at the venue after a draw of `leg` from now; the arrival time."""
        return self.dispatch_after(0, leg, action, *args)

    def dispatch_after(
        self, not_before_ns: int, leg: Leg, action: Callable[..., None], *args: Any
    ) -> int:
        """As `dispatch`, arriving no earlier than `not_before_ns` (and after anything sent
        before for that time): one link delivers the calls about an order in the order sent."""
        delay = leg.fixed_ns if leg.jitter_ns == 0 else leg.draw(self._latency_rng)
        at = max(self._now + delay, not_before_ns)
        if at <= self._now:
            if self._events and self._events[0][0] <= self._now:
                self.advance(self._now)
            action(*args)
            return self._now
        heapq.heappush(self._events, (at, self._seq, action, args))
        self._seq += 1
        return at

    # ---- outages -------------------------------------------------------------------------

    def set_outage(self, on: bool) -> None:
        """Toggle an outage by hand: while on, every broker call times out."""
        self._outage_on = on

    def timeout_next(self, calls: int = 1) -> None:
        """Make the next `calls` broker calls time out (whatever the schedule says)."""
        self._forced_timeouts += calls

    def outage_now(self) -> bool:
        """Whether a broker call made now times out (consumes one forced timeout)."""
        if self._forced_timeouts:
            self._forced_timeouts -= 1
            return True
        return self._outage_on or (bool(self._outages.windows) and self._outages.active(self._now))


def _listed(
    instruments: Mapping[str, Instrument], symbols: Sequence[str] | None
) -> dict[str, Instrument]:
    if symbols is None:
        return dict(instruments)
    missing = sorted(set(symbols) - set(instruments))
    if missing:
        raise UnknownSymbolError(f"unknown symbols {missing}; listed: {sorted(instruments)}")
    return {code: instruments[code] for code in symbols}
