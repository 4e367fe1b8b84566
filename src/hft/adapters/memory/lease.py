"""A leadership lease held in memory: for one process, or for tests of standby behaviour."""

from __future__ import annotations


class InMemoryLease:
    """`LeaseStore` for one resource. Expires `ttl_ns` after the last acquire/renew."""

    def __init__(self, holder: str | None = None, expires_ns: int = 2**63 - 1) -> None:
        self._holder = holder
        self._expires_ns = expires_ns if holder else 0
        self._me: str | None = holder

    def try_acquire(self, holder: str, now_ns: int, ttl_ns: int) -> bool:
        if self._holder not in (None, holder) and now_ns < self._expires_ns:
            return False
        self._holder, self._me, self._expires_ns = holder, holder, now_ns + ttl_ns
        return True

    def renew(self, holder: str, now_ns: int, ttl_ns: int) -> bool:
        if self._holder != holder or now_ns >= self._expires_ns:
            return False
        self._expires_ns = now_ns + ttl_ns
        return True

    def is_leader(self, now_ns: int) -> bool:
        return self._me is not None and self._holder == self._me and now_ns < self._expires_ns

    def step_down(self) -> None:
        """Lose leadership at once (a test or an operator demoting this gateway)."""
        self._me = None
