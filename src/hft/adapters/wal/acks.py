"""The durable sequence number as the flusher publishes it, and who is told when it moves.

Waiters park on a gate of their own (a lock held until released), kept in a heap by the
sequence number they need. A publish releases exactly the gates it satisfies, so a waiter
wakes once, when its events are durable, and never to re-check and sleep again; no thread
stands between the flusher and the waiter. Listeners are called by the flusher itself,
right after each publish.
"""

from __future__ import annotations

import heapq
import itertools
import threading
from collections.abc import Callable

DurableListener = Callable[[int], None]


class DurableMark:
    """`value`: the last sequence number covered by a completed sync; only moves forward.

    Thread-safe. `publish` and `release_all` are the flusher's; `wait` blocks any other
    thread; `value` never blocks.
    """

    def __init__(self, start: int) -> None:
        self._lock = threading.Lock()
        self._value = start
        self._waiters: list[tuple[int, int, threading.Lock]] = []
        self._order = itertools.count()
        self._listeners: tuple[DurableListener, ...] = ()
        self._released = False

    @property
    def value(self) -> int:
        return self._value

    @property
    def waiting(self) -> int:
        """How many threads are parked in `wait` now."""
        return len(self._waiters)

    def wait(self, seq: int, timeout_s: float | None = None) -> bool:
        """Block until `value >= seq` (True), the timeout passes or `release_all` was called
        (False unless `seq` is durable by then). A timeout <= 0 only checks."""
        if self._value >= seq:
            return True
        gate = threading.Lock()
        gate.acquire()
        entry = (seq, next(self._order), gate)
        with self._lock:
            if self._value >= seq or self._released:
                return self._value >= seq
            heapq.heappush(self._waiters, entry)
        if timeout_s is not None and timeout_s <= 0:
            woken = False
        else:
            woken = gate.acquire(timeout=-1 if timeout_s is None else timeout_s)
        if not woken:
            self._forget(entry)
        return self._value >= seq

    def _forget(self, entry: tuple[int, int, threading.Lock]) -> None:
        with self._lock:
            try:
                self._waiters.remove(entry)
            except ValueError:
                return  # a publish took it out first and released (or will release) its gate
            heapq.heapify(self._waiters)

    def publish(self, seq: int) -> None:
        """Advance to `seq` (the flusher, after the sync that covers it), wake the waiters it
        satisfies, then call each listener with `seq` on this thread."""
        ready: list[threading.Lock] = []
        with self._lock:
            self._value = seq
            waiters = self._waiters
            while waiters and waiters[0][0] <= seq:
                ready.append(heapq.heappop(waiters)[2])
        for gate in ready:
            gate.release()
        for listener in self._listeners:
            listener(seq)

    def release_all(self) -> None:
        """Wake every waiter and refuse to park new ones (the log failed or closed)."""
        with self._lock:
            self._released = True
            ready, self._waiters = self._waiters, []
        for _seq, _order, gate in ready:
            gate.release()

    def add_listener(self, listener: DurableListener) -> None:
        """Call `listener(durable_seq)` after every publish from now on (see `publish`)."""
        with self._lock:
            self._listeners = (*self._listeners, listener)
