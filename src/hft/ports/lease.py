"""Leadership: only the holder of the lease may dispatch orders."""

from __future__ import annotations

from typing import Protocol


class LeaseStore(Protocol):
    """A time-bounded leadership lease for one named resource (e.g. a gateway).

    `is_leader(now_ns)` answers from local state and never blocks; it is asked before every
    dispatch and must not be cached by callers. `try_acquire`/`renew` may do I/O and are
    called off the hot path.
    """

    def try_acquire(self, holder: str, now_ns: int, ttl_ns: int) -> bool: ...

    def renew(self, holder: str, now_ns: int, ttl_ns: int) -> bool: ...

    def is_leader(self, now_ns: int) -> bool: ...
