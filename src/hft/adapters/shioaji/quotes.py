"""Shioaji market data as a `MarketDataFeed`: subscriptions, callbacks, a bounded queue, a watchdog.

SDK callbacks do nothing but map the payload and enqueue it. Subscriptions are remembered and
replayed after every (re)login. A feed silent for longer than `silence_ns` while subscribed is
resubscribed by `check_silence`, which also puts a `FeedGapDetected` in the stream.
"""

from __future__ import annotations

import itertools
import threading
from collections import deque
from collections.abc import Callable, Sequence
from typing import Any

import attrs
import shioaji as sj

from hft.adapters.shioaji.client import ShioajiClient
from hft.adapters.shioaji.contracts import ShioajiReferenceData
from hft.adapters.shioaji.errors import NotLoggedInError, SubscriptionLimitError
from hft.adapters.shioaji.queueing import DropNewestQueue
from hft.adapters.shioaji.quote_mapping import (
    BIDASK_FOP,
    BIDASK_STK,
    EXPECTED_SHAPES,
    TICK_FOP,
    TICK_STK,
    QuoteMapper,
    QuoteShapeRefusal,
    refusal_for,
    wrong_shape,
)
from hft.adapters.shioaji.session import ShioajiSession
from hft.domain.market import FeedGapDetected, QuoteReceived, QuoteShapeRejected
from hft.ports.clock import Clock

MAX_SUBSCRIPTIONS = 200
SOURCE = "shioaji.quotes"
QUOTE_TYPES = ("tick", "bidask")
_SDK_QUOTE_TYPES = {"tick": sj.QuoteType.Tick, "bidask": sj.QuoteType.BidAsk}
QuoteCallback = Callable[..., None]


@attrs.frozen(kw_only=True)
class FeedConfig:
    """Queue capacity (events), the quote types per symbol, and the watchdog's silence (ns)."""

    capacity: int = 65_536
    quote_types: tuple[str, ...] = QUOTE_TYPES
    max_subscriptions: int = MAX_SUBSCRIPTIONS
    silence_ns: int = 30_000_000_000
    max_pending_rejections: int = 1_024


class ShioajiMarketData:
    """`MarketDataFeed` over the session's client. Never blocks in `poll`.

    `subscribe` raises `UnknownSymbolError` for a symbol not in the reference data and
    `SubscriptionLimitError` past 200 subscriptions (each symbol takes one per quote type);
    either way nothing is subscribed.
    """

    def __init__(
        self,
        session: ShioajiSession,
        reference: ShioajiReferenceData,
        clock: Clock,
        config: FeedConfig | None = None,
    ) -> None:
        self._session = session
        self._reference = reference
        self._clock = clock
        self.config = config or FeedConfig()
        self._mapper = QuoteMapper(clock)
        self._gap_versions = itertools.count(1)  # next() is atomic: producer and poller share it
        self._lock = threading.Lock()  # shared with the queue: one lock per callback
        self._queue = DropNewestQueue(self.config.capacity, self._gap, self._lock)
        self.on_tick_stk = self._callback(TICK_STK)
        self.on_bidask_stk = self._callback(BIDASK_STK)
        self.on_tick_fop = self._callback(TICK_FOP)
        self.on_bidask_fop = self._callback(BIDASK_FOP)
        self._symbols: dict[str, None] = {}
        self._rejections: deque[QuoteShapeRejected] = deque()
        self.rejected_total = 0
        self.resubscribes = 0
        self.last_message_ns = 0
        self._last_watchdog_ns = 0
        self._subscribed_ns = 0
        session.add_registrar(self.register)

    # -- MarketDataFeed -------------------------------------------------------------------
    def subscribe(self, symbols: Sequence[str]) -> None:
        new = [s for s in dict.fromkeys(symbols) if s not in self._symbols]
        contracts = [self._reference.contract(s) for s in new]
        total = (len(self._symbols) + len(new)) * len(self.config.quote_types)
        if total > self.config.max_subscriptions:
            raise SubscriptionLimitError(
                f"{total} subscriptions requested; the venue allows {self.config.max_subscriptions}"
            )
        for symbol, contract in zip(new, contracts, strict=True):
            self._symbols[symbol] = None
            self._send(contract, subscribe=True)

    def unsubscribe(self, symbols: Sequence[str]) -> None:
        for symbol in symbols:
            if self._symbols.pop(symbol, 0) is None:
                self._send(self._reference.contract(symbol), subscribe=False)

    def poll(
        self, now_ns: int, max_events: int = 1024
    ) -> Sequence[QuoteReceived | FeedGapDetected]:
        return self._queue.drain(max_events)

    # -- SDK side -------------------------------------------------------------------------
    def register(self, client: ShioajiClient) -> None:
        """Set the four v1 callbacks and replay every subscription (after each login)."""
        client.set_on_tick_stk_v1_callback(self.on_tick_stk)
        client.set_on_bidask_stk_v1_callback(self.on_bidask_stk)
        client.set_on_tick_fop_v1_callback(self.on_tick_fop)
        client.set_on_bidask_fop_v1_callback(self.on_bidask_fop)
        for symbol in list(self._symbols):
            self._send(self._reference.contract(symbol), subscribe=True, client=client)

    def _callback(self, channel: str) -> QuoteCallback:
        # One closure per channel with everything it needs bound up front: this runs once
        # per quote on the SDK's thread and does nothing but guard, map and enqueue.
        shape = EXPECTED_SHAPES[channel]
        build = self._mapper.builder(channel)
        now_ns = self._clock.now_ns
        lock = self._lock
        offer = self._queue.offer_locked

        def on_quote(first: Any, second: Any = None) -> None:
            # The SDK passes the quote last (older builds pass the exchange first); two named
            # parameters rather than *args spare a tuple per quote.
            payload = first if second is None else second
            now = now_ns()
            with lock:
                self.last_message_ns = now
                if type(payload) is not shape:
                    self._reject(wrong_shape(channel, payload))
                    return
                try:
                    event = build(payload, now)
                except BaseException as bad:  # refusal_for re-raises what is not a field error
                    self._reject(refusal_for(channel, payload, bad))
                    return
                offer(event)

        return on_quote

    # -- watchdog, health, alerts ---------------------------------------------------------
    def check_silence(self, now_ns: int) -> bool:
        """Resubscribe everything if subscribed and silent for `silence_ns`; True if it did."""
        quiet_since = max(self.last_message_ns, self._last_watchdog_ns, self._subscribed_ns)
        if not self._symbols or now_ns - quiet_since < self.config.silence_ns:
            return False
        if not self._session.connected:
            return False
        self._last_watchdog_ns = now_ns
        self.resubscribes += 1
        for symbol in list(self._symbols):
            contract = self._reference.contract(symbol)
            self._send(contract, subscribe=False)
            self._send(contract, subscribe=True)
        self._queue.put_marker(self._gap(0, f"silent for {now_ns - quiet_since} ns"))
        return True

    def drain_rejections(self) -> list[QuoteShapeRejected]:
        """Shape rejections since the last drain (alerting events for the log)."""
        with self._lock:
            out = list(self._rejections)
            self._rejections.clear()
        return out

    @property
    def subscribed(self) -> tuple[str, ...]:
        return tuple(self._symbols)

    @property
    def queue_depth(self) -> int:
        return len(self._queue)

    @property
    def dropped_total(self) -> int:
        return self._queue.dropped_total

    def _send(self, contract: Any, subscribe: bool, client: ShioajiClient | None = None) -> None:
        try:
            target = client or self._session.client
        except NotLoggedInError:
            return  # remembered in _symbols; `register` replays it after the next login
        call = target.subscribe if subscribe else target.unsubscribe
        if subscribe:
            self._subscribed_ns = self._clock.now_ns()  # silence is measured from here too
        for quote_type in self.config.quote_types:
            call(contract, quote_type=_SDK_QUOTE_TYPES[quote_type], version=sj.QuoteVersion.v1)

    def _reject(self, refusal: QuoteShapeRefusal) -> None:
        self.rejected_total += 1
        now = self._clock.now_ns()
        event = QuoteShapeRejected(
            originator_id=SOURCE,
            originator_version=self.rejected_total,
            ts_event_ns=now,
            ts_init_ns=now,
            source=f"{SOURCE}.{refusal.channel}",
            shape=refusal.shape,
            detail=refusal.detail[:200],
        )
        if len(self._rejections) < self.config.max_pending_rejections:
            self._rejections.append(event)

    def _gap(self, dropped: int, reason: str = "queue full: newest dropped") -> FeedGapDetected:
        now = self._clock.now_ns()
        return FeedGapDetected(
            originator_id=SOURCE,
            originator_version=next(self._gap_versions),
            ts_event_ns=now,
            ts_init_ns=now,
            source=SOURCE,
            dropped=dropped,
            reason=reason,
        )
