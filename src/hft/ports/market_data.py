"""Market data in: quotes as domain events, pulled from a bounded buffer."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from hft.domain.market import FeedGapDetected, QuoteReceived


class MarketDataFeed(Protocol):
    """Streams quotes for subscribed symbols.

    Blocking: never; `poll` drains at most `max_events` already-buffered events, in arrival
    order. Overflow: the adapter's buffer is bounded; what it had to drop is reported as a
    `FeedGapDetected` event in the same stream, never silently lost.
    Errors: `ValueError` subclasses for an unknown symbol or a subscription limit.
    """

    def subscribe(self, symbols: Sequence[str]) -> None: ...

    def unsubscribe(self, symbols: Sequence[str]) -> None: ...

    def poll(
        self, now_ns: int, max_events: int = 1024
    ) -> Sequence[QuoteReceived | FeedGapDetected]: ...
