"""An EventLog in a list: durable the moment it is appended. For unit tests and backtests."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from hft.domain.events import DomainEvent
from hft.ports.event_log import AppendReceipt, LogClosedError, LoggedEvent


class InMemoryEventLog:
    """`EventLog` over a Python list (policy `none`: durable_seq follows append)."""

    def __init__(self) -> None:
        self._events: list[DomainEvent] = []
        self._closed = False

    def append(self, events: Sequence[DomainEvent]) -> AppendReceipt:
        self._check_open()
        first = len(self._events) + 1
        self._events.extend(events)
        return AppendReceipt(first, len(self._events))

    def durable_seq(self) -> int:
        return len(self._events)

    def wait_durable(self, seq: int, timeout_s: float | None = None) -> bool:
        self._check_open()
        return seq <= len(self._events)

    def read(self, from_seq: int = 1) -> Iterator[LoggedEvent]:
        self._check_open()
        start = max(from_seq, 1)
        for seq in range(start, len(self._events) + 1):
            yield LoggedEvent(seq, self._events[seq - 1])

    def close(self) -> None:
        self._closed = True

    def _check_open(self) -> None:
        if self._closed:
            raise LogClosedError("event log is closed")
