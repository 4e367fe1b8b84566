"""A bounded event queue that drops the newest on overflow and says so in the stream.

Producers are SDK callback threads; the consumer polls. When the queue is full the new event is
dropped and counted; the count is reported as one `FeedGapDetected`, placed in the stream where
the loss happened (before the first event accepted after it, or at the end of a drain).
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable

from hft.domain.market import FeedGapDetected, QuoteReceived

Event = QuoteReceived | FeedGapDetected
GapFactory = Callable[[int], FeedGapDetected]


class DropNewestQueue:
    """Holds at most `capacity` events plus one pending gap marker. Thread-safe; never blocks."""

    def __init__(
        self, capacity: int, make_gap: GapFactory, lock: threading.Lock | None = None
    ) -> None:
        if capacity <= 0:
            raise ValueError("queue capacity must be positive")
        self._capacity = capacity
        self._make_gap = make_gap
        self._items: deque[Event] = deque()
        self._lock = lock or threading.Lock()
        self._dropped_run = 0
        self.dropped_total = 0
        self.accepted_total = 0

    def offer(self, event: Event) -> bool:
        """Enqueue `event`; `False` if it was dropped because the queue is full."""
        with self._lock:
            return self.offer_locked(event)

    def offer_locked(self, event: Event) -> bool:
        """`offer` for a caller that already holds the lock this queue was built with."""
        # One test on the common path (room, no loss pending); the rest is `_offer_after_loss`.
        if self._dropped_run or len(self._items) >= self._capacity:
            return self._offer_after_loss(event)
        self._items.append(event)
        self.accepted_total += 1
        return True

    def _offer_after_loss(self, event: Event) -> bool:
        if len(self._items) >= self._capacity:
            self._dropped_run += 1
            self.dropped_total += 1
            return False
        self._items.append(self._make_gap(self._dropped_run))
        self._dropped_run = 0
        self._items.append(event)
        self.accepted_total += 1
        return True

    def put_marker(self, event: Event) -> None:
        """Enqueue a control event (a watchdog gap) even when full: it is never dropped."""
        with self._lock:
            self._items.append(event)

    def drain(self, max_events: int) -> list[Event]:
        """Up to `max_events` events, oldest first; a pending gap comes out once empty."""
        with self._lock:
            n = min(max_events, len(self._items))
            out = [self._items.popleft() for _ in range(n)]
            if not self._items and self._dropped_run and len(out) < max_events:
                out.append(self._make_gap(self._dropped_run))
                self._dropped_run = 0
            return out

    def __len__(self) -> int:
        return len(self._items)
