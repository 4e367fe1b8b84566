"""Clocks and id generators: the only sources of time and identity the domain ever sees."""

from __future__ import annotations

import time


class SystemClock:
    """Wall-clock UTC nanoseconds, never going backwards within one instance."""

    def __init__(self) -> None:
        self._last = 0

    def now_ns(self) -> int:
        # NTP can step the wall clock back; the log's timestamps must not.
        now = time.time_ns()
        if now < self._last:
            return self._last
        self._last = now
        return now


class VirtualClock:
    """Simulated time: moves only when told to. Refuses to go backwards."""

    def __init__(self, start_ns: int = 0) -> None:
        self._now = start_ns

    def now_ns(self) -> int:
        return self._now

    def advance_to(self, ts_ns: int) -> None:
        if ts_ns < self._now:
            raise ValueError(f"virtual clock cannot go back from {self._now} to {ts_ns}")
        self._now = ts_ns

    def advance_by(self, delta_ns: int) -> None:
        self.advance_to(self._now + delta_ns)


class SequentialIds:
    """Deterministic ids `<prefix>-<n>` with one counter per prefix, starting after `start`."""

    def __init__(self, namespace: str = "", start: int = 0) -> None:
        self._namespace = namespace
        self._start = start
        self._counters: dict[str, int] = {}

    def next_id(self, prefix: str) -> str:
        n = self._counters.get(prefix, self._start) + 1
        self._counters[prefix] = n
        return f"{self._namespace}{prefix}-{n:09d}"
