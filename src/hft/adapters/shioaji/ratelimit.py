"""A token bucket on the injected clock: the venue's limits, enforced before a call leaves us.

Shioaji suspends service for a minute when a limit is broken, so the adapter refuses locally
rather than let the venue punish the whole session.
"""

from __future__ import annotations

import threading

from hft.ports.clock import Clock

ORDERS_PER_WINDOW = (250, 10_000_000_000)
"""Place/update/cancel: 250 calls per 10 s."""
ACCOUNT_QUERIES_PER_WINDOW = (25, 5_000_000_000)
"""Positions, balances, margin, limits, usage: 25 calls per 5 s."""


class TokenBucket:
    """`capacity` tokens refilled continuously over `window_ns`; thread-safe; never blocks.

    Refill is computed in integer token-nanoseconds, so no float rounding lets the bucket
    hand out more than `capacity` tokens in any window.
    """

    def __init__(self, clock: Clock, capacity: int, window_ns: int) -> None:
        if capacity <= 0 or window_ns <= 0:
            raise ValueError("token bucket needs a positive capacity and window")
        self._clock = clock
        self._capacity = capacity
        self._window_ns = window_ns
        self._credit = capacity * window_ns  # tokens x window_ns, so refill stays integral
        self._last_ns = clock.now_ns()
        self._lock = threading.Lock()
        self.refused = 0

    def try_take(self) -> bool:
        """Take one token if there is one; `False` (and count it) if the bucket is empty."""
        with self._lock:
            self._refill()
            if self._credit < self._window_ns:
                self.refused += 1
                return False
            self._credit -= self._window_ns
            return True

    def available(self) -> int:
        """Whole tokens available now."""
        with self._lock:
            self._refill()
            return self._credit // self._window_ns

    def _refill(self) -> None:
        now = self._clock.now_ns()
        elapsed = max(0, now - self._last_ns)
        self._last_ns = max(self._last_ns, now)
        full = self._capacity * self._window_ns
        self._credit = min(full, self._credit + elapsed * self._capacity)
