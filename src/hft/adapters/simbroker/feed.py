"""The simulated market data feed: quotes for subscribed symbols in a bounded buffer."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Sequence

from hft.adapters.simbroker.instruments import SimReferenceData
from hft.adapters.simbroker.market import TopOfBook
from hft.domain.market import FeedGapDetected, QuoteReceived

FEED_SOURCE = "simbroker"


class SimFeed:
    """`MarketDataFeed` of a `SimVenue`.

    `poll(now_ns)` first advances the venue to `now_ns`, then drains buffered events in the
    order they were produced. Each subscribed symbol's quotes are `QuoteReceived` events with
    `originator_id` = symbol and `originator_version` counting that symbol's quotes from 1
    (a dropped quote leaves a hole in the versions). When the buffer (`capacity` events) is
    full, new quotes are dropped and counted; one `FeedGapDetected` with the count follows the
    quotes that were kept, as soon as there is room. Quantities are lots or contracts.
    """

    def __init__(
        self, reference: SimReferenceData, capacity: int, advance: Callable[[int], None]
    ) -> None:
        if capacity < 2:
            raise ValueError(f"feed capacity must be at least 2, got {capacity}")
        self._reference = reference
        self._capacity = capacity
        self._advance = advance
        self._buffer: deque[QuoteReceived | FeedGapDetected] = deque()
        self._subscribed: set[str] = set()
        self._versions: dict[str, int] = {}
        self._dropped = 0
        self._gaps = 0
        self.dropped_total = 0
        """Quotes dropped since the start because the buffer was full."""

    def subscribe(self, symbols: Sequence[str]) -> None:
        for symbol in symbols:
            self._reference.require(symbol)
        self._subscribed.update(symbols)

    def unsubscribe(self, symbols: Sequence[str]) -> None:
        self._subscribed.difference_update(symbols)

    def poll(
        self, now_ns: int, max_events: int = 1024
    ) -> Sequence[QuoteReceived | FeedGapDetected]:
        self._advance(now_ns)
        buffer = self._buffer
        batch = [buffer.popleft() for _ in range(min(max_events, len(buffer)))]
        if len(batch) < max_events and self._dropped:
            self._flush_gap(now_ns)  # the buffer is empty now: the gap follows the kept quotes
            batch.append(buffer.popleft())
        return batch

    def wants(self, symbol: str) -> bool:
        """Whether quotes of `symbol` are subscribed (the venue skips building the others)."""
        return symbol in self._subscribed

    def publish(self, symbol: str, ts_ns: int, top: TopOfBook) -> None:
        """Called by the venue after each market step of a subscribed `symbol`."""
        version = self._versions.get(symbol, 0) + 1
        self._versions[symbol] = version
        self._flush_gap(ts_ns)
        if len(self._buffer) >= self._capacity:
            self._dropped += 1
            self.dropped_total += 1
            return
        self._buffer.append(
            QuoteReceived(
                originator_id=symbol,
                originator_version=version,
                ts_event_ns=ts_ns,
                ts_init_ns=ts_ns,
                symbol=symbol,
                bid_px=top.bid_px,
                bid_qty=top.bid_qty,
                ask_px=top.ask_px,
                ask_qty=top.ask_qty,
                last_px=top.last_px,
                last_qty=top.last_qty,
            )
        )

    def _flush_gap(self, ts_ns: int) -> None:
        if not self._dropped or len(self._buffer) >= self._capacity:
            return
        self._gaps += 1
        self._buffer.append(
            FeedGapDetected(
                originator_id=FEED_SOURCE,
                originator_version=self._gaps,
                ts_event_ns=ts_ns,
                ts_init_ns=ts_ns,
                source=FEED_SOURCE,
                dropped=self._dropped,
                reason="buffer_full",
            )
        )
        self._dropped = 0
