"""Time and identity, injected so the domain and replay stay deterministic."""

from __future__ import annotations

from typing import Protocol


class Clock(Protocol):
    """Current time as integer nanoseconds since the Unix epoch, UTC.

    Monotone non-decreasing for one instance. Never blocks. The simulator's clock is virtual
    and advances only when the simulation says so.
    """

    def now_ns(self) -> int: ...


class IdGenerator(Protocol):
    """Makes ids that are unique within one log. Deterministic for a given seed/sequence,
    so that two runs with the same inputs name everything the same way."""

    def next_id(self, prefix: str) -> str: ...
