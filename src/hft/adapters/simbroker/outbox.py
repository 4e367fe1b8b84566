"""Reports on their way from the venue to the client, released by due time."""

from __future__ import annotations

import heapq
import random
from collections import deque

from hft.adapters.simbroker.latency import Leg
from hft.adapters.simbroker.orders import VenueOrder
from hft.domain.orders import BrokerReport


class Outbox:
    """Holds reports until they are due (`now + a latency draw`) and hands them out oldest
    first, production order on ties. The due times of one order's reports never decrease,
    so the reports of one intent never overtake each other."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._later: list[tuple[int, int, BrokerReport]] = []
        self._ready: deque[BrokerReport] = deque()
        self._seq = 0

    def send(self, now_ns: int, order: VenueOrder | None, report: BrokerReport, leg: Leg) -> None:
        due = now_ns + (leg.fixed_ns if leg.jitter_ns == 0 else leg.draw(self._rng))
        if order is not None:
            due = max(due, order.last_due_ns)
            # A due time not in the future holds no later report back (those are due >= now):
            # 0 says the same in a shared small int, where a kept time costs 32 bytes an order.
            order.last_due_ns = due if due > now_ns else 0
        if due <= now_ns:
            if self._later and self._later[0][0] <= due:
                self._release(due)
            self._ready.append(report)
        else:
            heapq.heappush(self._later, (due, self._seq, report))
            self._seq += 1

    def _release(self, now_ns: int) -> None:
        later, ready = self._later, self._ready
        while later and later[0][0] <= now_ns:
            ready.append(heapq.heappop(later)[2])

    def next_due_ns(self, now_ns: int) -> int | None:
        """When the next undelivered report is due (None: nothing pending)."""
        if self._ready:
            return now_ns
        return self._later[0][0] if self._later else None

    def drain(self, now_ns: int, max_reports: int) -> list[BrokerReport]:
        """Reports due by `now_ns`, oldest first, at most `max_reports`; each only once."""
        if self._later and self._later[0][0] <= now_ns:
            self._release(now_ns)
        ready = self._ready
        if not ready:
            return []
        if len(ready) <= max_reports:
            batch = list(ready)
            ready.clear()
            return batch
        return [ready.popleft() for _ in range(max_reports)]
