"""The idempotency window: a bounded fold over intent events that answers "seen this key?".

Rules (each prevents a failure seen in production):
- A submission reserves its key IN_FLIGHT only if the key is absent: first wins, a second
  submission with the same key never takes the slot over.
- Only evidence of dispatch by the slot's owner commits it (dispatched, acked, filled,
  outcome unknown): "accepted" alone is not a final answer.
- The owner's pre-dispatch rejection or expiry releases the key so a retry can proceed
  (NOT_LEADER, QUEUE_FULL, a failure inside a step...). The venue's own rejection commits it.
  Nothing another intent does touches the owner's slot.
- Bounded: a new key evicts the least recently committed key; IN_FLIGHT keys are never
  evicted, so when every slot is in flight the window is full.

The window is immutable, yet a change costs about the same at 1 k and 1 M keys: every map in
it is a persistent hash array mapped trie (`immutables.Map`, ADR 0015), so a change copies one
short path instead of the whole window.
"""

from __future__ import annotations

import attrs
from immutables import Map

from hft.domain.enums import IdentityEnum
from hft.domain.errors import InvalidValue
from hft.domain.events import DomainEvent
from hft.domain.intent_events import (
    IntentAcked,
    IntentDispatched,
    IntentExpired,
    IntentFilled,
    IntentOutcomeUnknown,
    IntentRejected,
    IntentSubmitted,
)
from hft.domain.reasons import RejectReason


class DedupStatus(IdentityEnum):
    IN_FLIGHT = "IN_FLIGHT"
    COMMITTED = "COMMITTED"


class DedupCapacityTooSmall(InvalidValue):
    """A window cannot shrink below the number of keys in flight (they are never evicted)."""


@attrs.frozen
class DedupEntry:
    """The key's owner (the first intent that submitted it) and how far it got."""

    owner: str
    status: DedupStatus


@attrs.frozen(eq=False)
class DedupWindow:
    """Build with `empty_window(capacity)`; change only through `evolve_dedup`.

    Committed keys carry consecutive commit numbers `oldest .. next - 1`; eviction takes
    `oldest`. Keys in flight have no order: none of them is ever evicted.
    """

    capacity: int
    _flight: Map[str, str]  # key -> owner intent id
    _flight_keys: Map[str, str]  # owner intent id -> key
    _owners: Map[str, str]  # committed key -> owner intent id
    _order: Map[int, str]  # commit number -> committed key
    _oldest: int  # commit number of the least recently committed key
    _next: int  # commit number the next commit takes

    def __len__(self) -> int:
        return len(self._flight) + self._next - self._oldest

    def lookup(self, key: str) -> DedupEntry | None:
        """Who holds `key` and how far it got, or None when the key is free."""
        owner = self._flight.get(key)
        if owner is not None:
            return DedupEntry(owner, DedupStatus.IN_FLIGHT)
        owner = self._owners.get(key)
        return None if owner is None else DedupEntry(owner, DedupStatus.COMMITTED)

    def in_flight(self) -> int:
        """How many keys are reserved and not yet dispatched or released."""
        return len(self._flight)

    def committed(self) -> int:
        """How many keys hold a final answer (dispatched, or refused by the venue)."""
        return self._next - self._oldest

    def committed_keys(self) -> tuple[str, ...]:
        """Committed keys, least recently committed (next to be evicted) first."""
        return tuple(str(self._order.get(n)) for n in range(self._oldest, self._next))

    def entries(self) -> tuple[tuple[str, DedupEntry], ...]:
        """Every key: committed ones oldest first, then those in flight by key."""
        done = DedupStatus.COMMITTED
        committed = [(k, DedupEntry(str(self._owners.get(k)), done)) for k in self.committed_keys()]
        live = DedupStatus.IN_FLIGHT
        flight = [(k, DedupEntry(o, live)) for k, o in sorted(self._flight.items())]
        return tuple(committed + flight)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, DedupWindow):
            return NotImplemented
        return self.capacity == other.capacity and self.entries() == other.entries()

    __hash__ = None  # type: ignore[assignment]  # equality is by content; keys are not frozen


def empty_window(capacity: int) -> DedupWindow:
    """A window holding at most `capacity` keys (a positive int)."""
    return DedupWindow(_checked(capacity), Map(), Map(), Map(), Map(), 0, 0)


def _checked(capacity: int) -> int:
    if isinstance(capacity, bool) or not isinstance(capacity, int) or capacity <= 0:
        raise InvalidValue(f"dedup capacity must be a positive int, got {capacity!r}")
    return capacity


@attrs.frozen
class Reserved:
    """The key is free: proceed; the intent's IntentSubmitted reserves it."""


@attrs.frozen
class Duplicate:
    """The key is committed by `first_intent_id`: answer with its decision, never dispatch."""

    first_intent_id: str


@attrs.frozen
class InFlight:
    """`owner` holds the key and has not been dispatched or released: reject the newcomer."""

    owner: str
    reason: RejectReason = RejectReason.DEDUP_IN_FLIGHT


@attrs.frozen
class WindowFull:
    """Every slot is in flight, none can be evicted: reject the newcomer."""

    reason: RejectReason = RejectReason.DEDUP_WINDOW_FULL


DedupDecision = Reserved | Duplicate | InFlight | WindowFull


def decide_reserve(window: DedupWindow, key: str, intent_id: str) -> DedupDecision:
    """What the window says about `intent_id` submitting `key` (it agrees with evolve_dedup)."""
    entry = window.lookup(key)
    if entry is None:
        has_room = len(window) < window.capacity or window.committed() > 0
        return Reserved() if has_room else WindowFull()
    if entry.status is DedupStatus.COMMITTED:
        return Duplicate(entry.owner)
    return InFlight(entry.owner)


_DISPATCH_EVIDENCE = (IntentDispatched, IntentAcked, IntentFilled, IntentOutcomeUnknown)


def evolve_dedup(window: DedupWindow, event: DomainEvent) -> DedupWindow:
    """Fold one intent event into the window; events that change nothing return it as is."""
    if isinstance(event, IntentSubmitted):
        return _reserve(window, event.idempotency_key, event.originator_id)
    key = window._flight_keys.get(event.originator_id)
    if key is None:
        return window
    if isinstance(event, _DISPATCH_EVIDENCE):
        return _commit(window, key)
    if isinstance(event, IntentRejected):
        return _release(window, key) if event.reason.retryable else _commit(window, key)
    if isinstance(event, IntentExpired):
        return _release(window, key)
    return window


def _reserve(window: DedupWindow, key: str, owner: str) -> DedupWindow:
    if window.lookup(key) is not None or owner in window._flight_keys:
        return window
    if len(window) >= window.capacity:
        if window.committed() == 0:
            return window
        window = _evict_oldest(window)
    flight = window._flight.set(key, owner)
    flight_keys = window._flight_keys.set(owner, key)
    w = window
    return DedupWindow(w.capacity, flight, flight_keys, w._owners, w._order, w._oldest, w._next)


def _release(window: DedupWindow, key: str) -> DedupWindow:
    owner = window._flight[key]
    flight = window._flight.delete(key)
    flight_keys = window._flight_keys.delete(owner)
    w = window
    return DedupWindow(w.capacity, flight, flight_keys, w._owners, w._order, w._oldest, w._next)


def _commit(window: DedupWindow, key: str) -> DedupWindow:
    w = window
    owner = w._flight[key]
    return DedupWindow(
        w.capacity,
        w._flight.delete(key),
        w._flight_keys.delete(owner),
        w._owners.set(key, owner),
        w._order.set(w._next, key),
        w._oldest,
        w._next + 1,
    )


def _evict_oldest(window: DedupWindow) -> DedupWindow:
    w = window
    key = str(w._order.get(w._oldest))
    owners, order = w._owners.delete(key), w._order.delete(w._oldest)
    return DedupWindow(w.capacity, w._flight, w._flight_keys, owners, order, w._oldest + 1, w._next)


def with_capacity(window: DedupWindow, capacity: int) -> DedupWindow:
    """The same window resized: shrinking keeps the most recently committed keys and every
    key in flight; `DedupCapacityTooSmall` when more keys are in flight than `capacity`."""
    _checked(capacity)
    room = capacity - len(window._flight)
    if room < 0:
        raise DedupCapacityTooSmall(f"{len(window._flight)} keys in flight exceed {capacity}")
    kept = window.committed_keys()[max(0, len(window) - capacity) :]
    owners = Map({key: str(window._owners.get(key)) for key in kept})
    order = Map(enumerate(kept))
    return DedupWindow(capacity, window._flight, window._flight_keys, owners, order, 0, len(kept))
