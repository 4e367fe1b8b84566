"""The event log: the source of truth. Batches in, gapless sequence numbers out."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Protocol

import attrs

from hft.domain.events import DomainEvent


@attrs.frozen
class LoggedEvent:
    """An event as read back: its global sequence number (1-based, gapless) and the event."""

    seq: int
    event: DomainEvent


@attrs.frozen
class AppendReceipt:
    """Sequence numbers assigned to one appended batch: `first_seq .. last_seq` inclusive."""

    first_seq: int
    last_seq: int


class EventLogError(Exception):
    """Base of the errors every EventLog raises by name."""


class LogClosedError(EventLogError):
    """The log was closed: nothing more can be appended or read."""


class LogWriteError(EventLogError):
    """A write or sync failed. The log refuses further appends; `durable_seq` stays at the
    last sequence number a completed sync covered, so nothing acknowledged is lost."""


class EventLog(Protocol):
    """Append-only, durable, ordered log of domain events.

    Ordering: sequence numbers are global, strictly increasing and gapless, in append order.
    Blocking: `append` never waits for the disk; it assigns sequence numbers and queues the
    batch. Durability is separate: an event is acknowledged (may be reported as done to anyone
    outside) only once `durable_seq() >= its seq`, i.e. after the fsync that covers it,
    according to the log's durability policy. `wait_durable` is the only call that blocks.
    Errors: `LogClosedError` after `close`; a full disk or a failed sync raises a named
    `LogWriteError` from the next call and the log refuses further appends.
    """

    def append(self, events: Sequence[DomainEvent]) -> AppendReceipt: ...

    def durable_seq(self) -> int: ...

    def wait_durable(self, seq: int, timeout_s: float | None = None) -> bool: ...

    def read(self, from_seq: int = 1) -> Iterator[LoggedEvent]: ...

    def close(self) -> None: ...
