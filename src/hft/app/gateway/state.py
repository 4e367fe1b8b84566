"""The gateway's state as one fold over the log: intents, dedup window, exposure, policy.

Live and replay run this same `apply`: the gateway folds each event it decides, replay folds
each event it reads. `digest()` hashes a canonical rendering of the whole state, so two folds
of the same events give the same digest, byte for byte.

Finished intents do not stay in full forever: a long session would hold every intent it ever
saw (about 0.5 KB each). An intent that is settled (terminal, and not a fill still waiting for
its late ack) stays in full among the last `finished_kept` settled ones, then is compacted: only
its id (so the id is never reused) and its strategy (so late notices still find their owner)
remain, and its final row is added into the digest's running sum. The digest sums one hash per
intent row, whichever way the intent is held, so it does not depend on when compaction ran.
The gateway pins intents it will still read (an accepted intent until its dispatch, and that
intent's target); a pinned intent is compacted once unpinned.
"""

from __future__ import annotations

import enum
import hashlib
from collections import deque
from collections.abc import Iterable
from typing import Any

import msgspec

from hft.domain import dedup, exposure, intent, policy
from hft.domain.events import DomainEvent
from hft.domain.exposure_events import ExposureEvent
from hft.domain.exposure_limits import ExposureLimits
from hft.domain.intent import EventOutOfSequence
from hft.domain.intent_events import IntentDeduplicated, IntentStatus, IntentSubmitted
from hft.domain.intent_table import TERMINAL
from hft.domain.policy_events import PolicyEvent
from hft.domain.session import SESSION_ORIGINATOR, SessionStarted

INTENT_EVENTS = tuple(intent.INTENT_EVENT_TYPES)


class _Kind(enum.Enum):
    INTENT = "intent"
    EXPOSURE = "exposure"
    POLICY = "policy"
    OTHER = "other"


def _kind_of(cls: type[DomainEvent]) -> _Kind:
    if issubclass(cls, INTENT_EVENTS):
        return _Kind.INTENT
    if issubclass(cls, ExposureEvent):
        return _Kind.EXPOSURE
    if issubclass(cls, PolicyEvent):
        return _Kind.POLICY
    return _Kind.OTHER


_KINDS: dict[type[DomainEvent], _Kind] = {}  # one isinstance chain per class, not per event

DIGEST_SCHEME = 2
"""How `digest()` renders the intents. 1: every intent's row, sorted (logs written before
compaction existed; a state folding such a log never compacts, so it can still render them).
2: the sum of one hash per row. A log's `SessionStarted` names the scheme its digest uses."""

FINISHED_KEPT = 10_000
"""Settled intents kept in full (for late reports, strategies and operators) before compaction."""
_ROW_SPACE = 1 << 256


class CompactedIntent(EventOutOfSequence):
    """An event for an intent that finished long ago and was compacted: it takes no more."""


def _settled(state: intent.OrderIntent) -> bool:
    """Nothing can change the intent any more (a fill before its ack still takes the ack)."""
    if state.status is IntentStatus.FILLED:
        return state.broker_order_id is not None
    return state.status in TERMINAL


def _row(state: intent.OrderIntent) -> tuple[str, str, int, int, str]:
    return (
        state.intent_id,
        state.status.value,
        state.filled,
        state.version,
        state.broker_order_id or "",
    )


def _row_hash(row: tuple[str, str, int, int, str]) -> int:
    return int.from_bytes(hashlib.sha256(msgspec.msgpack.encode(row)).digest(), "big")


class GatewayState:
    """Mutable holder of immutable aggregates; single writer (the gateway loop or replay)."""

    def __init__(
        self, limits: ExposureLimits, dedup_capacity: int, finished_kept: int = FINISHED_KEPT
    ) -> None:
        if finished_kept < 1:
            raise ValueError(f"finished_kept must be >= 1, got {finished_kept}")
        self.limits = limits
        self.intents: dict[str, intent.OrderIntent] = {}  # open, recently finished and pinned
        self.compacted: dict[str, str] = {}  # intent id -> strategy id of a compacted intent
        self._compacted_sum = 0  # sum of the compacted intents' row hashes, mod 2**256
        self._finished_kept = finished_kept
        self._settled: deque[str] = deque()  # settled intents still in full, oldest first
        self._pins: dict[str, int] = {}
        self._held: set[str] = set()  # aged out while pinned: compacted on the last unpin
        self.window = dedup.empty_window(dedup_capacity)
        self.book = exposure.ExposureBook()
        self.policy = policy.GatewayPolicy()
        self.session: SessionStarted | None = None
        self.session_version = 0
        self.events_folded = 0
        self.digest_scheme = DIGEST_SCHEME
        self.open_ids: dict[str, None] = {}  # intents not terminal, in submission order
        self._digest: tuple[int, str] | None = None  # (events_folded, digest)

    def apply(self, event: DomainEvent) -> None:
        """Fold one event. Raises the domain's named error if the event does not fit."""
        kind = _KINDS.get(type(event))
        if kind is None:
            kind = _KINDS.setdefault(type(event), _kind_of(type(event)))
        if kind is _Kind.INTENT:
            self._apply_intent(event)
        elif kind is _Kind.EXPOSURE:
            self.book = exposure.evolve(self.book, event)  # type: ignore[arg-type]
        elif kind is _Kind.POLICY:
            self.policy = policy.evolve(self.policy, event)  # type: ignore[arg-type]
        elif event.originator_id == SESSION_ORIGINATOR:
            self._apply_session(event)
        self.events_folded += 1

    def _apply_session(self, event: DomainEvent) -> None:
        if event.originator_version != self.session_version + 1:
            raise EventOutOfSequence(
                f"session event v{event.originator_version} after v{self.session_version}"
            )
        self.session_version = event.originator_version
        if isinstance(event, SessionStarted):
            self.session = event
            self.limits = event.limits()
            self.digest_scheme = event.digest_scheme
            if event.dedup_capacity and event.dedup_capacity != self.window.capacity:
                self.window = dedup.with_capacity(self.window, event.dedup_capacity)

    def apply_all(self, events: Iterable[DomainEvent]) -> None:
        for event in events:
            self.apply(event)

    def _apply_intent(self, event: DomainEvent) -> None:
        if type(event) is IntentDeduplicated:
            self._check_fresh(event)
            self.intents[event.originator_id] = intent.evolve(None, event)
            self._settle(event.originator_id)
            return
        if type(event) is IntentSubmitted:
            self._check_fresh(event)
            previous = None
        else:
            previous = self._full(event)
        current = intent.evolve(previous, event)
        self.intents[event.originator_id] = current
        was_open = previous is not None and previous.status not in TERMINAL
        is_open = current.status not in TERMINAL
        if was_open != is_open:
            if was_open:
                del self.open_ids[current.intent_id]
            else:
                self.open_ids[current.intent_id] = None
        self.window = dedup.evolve_dedup(self.window, event)
        if is_open or not _settled(current):
            return
        if was_open or (previous is not None and not _settled(previous)):
            self._settle(current.intent_id)  # settled just now (a late ack can finish a fill)

    def _check_fresh(self, event: DomainEvent) -> None:
        if self.known(event.originator_id):
            raise EventOutOfSequence(f"{event.originator_id} was already submitted")

    def _full(self, event: DomainEvent) -> intent.OrderIntent:
        try:
            return self.intents[event.originator_id]
        except KeyError:
            if event.originator_id in self.compacted:
                raise CompactedIntent(
                    f"{event.originator_id} finished and was compacted; "
                    f"{type(event).__name__} v{event.originator_version} cannot follow"
                ) from None
            raise

    @property
    def open_intents(self) -> int:
        return len(self.open_ids)

    def open_states(self) -> list[intent.OrderIntent]:
        """Every intent not in a terminal status, in submission order."""
        intents = self.intents
        return [intents[i] for i in self.open_ids]

    # --- compaction of finished intents -----------------------------------------------------

    def known(self, intent_id: str) -> bool:
        """Whether the id was ever used by an intent, in full or compacted."""
        return intent_id in self.intents or intent_id in self.compacted

    def owner(self, intent_id: str) -> str | None:
        """The strategy of a known intent, in full or compacted."""
        state = self.intents.get(intent_id)
        return state.strategy_id if state is not None else self.compacted.get(intent_id)

    def pin(self, intent_id: str) -> None:
        """Keep the intent in full until `unpin` (the gateway still has to read it)."""
        self._pins[intent_id] = self._pins.get(intent_id, 0) + 1

    def unpin(self, intent_id: str) -> None:
        left = self._pins.pop(intent_id, 0) - 1
        if left > 0:
            self._pins[intent_id] = left
        elif intent_id in self._held:
            self._held.discard(intent_id)
            self._compact(intent_id)

    def _settle(self, intent_id: str) -> None:
        settled = self._settled
        settled.append(intent_id)
        if self.digest_scheme == 1:
            return  # its digest renders every intent in full
        while len(settled) > self._finished_kept:
            oldest = settled.popleft()
            if oldest in self._pins:
                self._held.add(oldest)
            else:
                self._compact(oldest)

    def _compact(self, intent_id: str) -> None:
        state = self.intents.pop(intent_id)
        self.compacted[intent_id] = state.strategy_id
        self._compacted_sum = (self._compacted_sum + _row_hash(_row(state))) % _ROW_SPACE

    def digest(self) -> str:
        """sha256 of the canonical state: equal for equal folds, in any process.

        Cached until the next fold step (replay asks twice: at the recorded digest and for
        its report)."""
        if self._digest is None or self._digest[0] != self.events_folded:
            canonical = msgspec.msgpack.encode(self._canonical())
            self._digest = (self.events_folded, hashlib.sha256(canonical).hexdigest())
        return self._digest[1]

    def _canonical(self) -> list[Any]:
        intents: Any
        if self.digest_scheme == 1:
            intents = sorted(_row(i) for i in self.intents.values())
        else:
            rows = sum((_row_hash(_row(i)) for i in self.intents.values()), self._compacted_sum)
            intents = (rows % _ROW_SPACE).to_bytes(32, "big")
        entries = sorted(
            (k.account, k.strategy, k.symbol, e.reserved, e.position_qty, e.position_cost)
            for k, e in self.book.entries.items()
        )
        reservations = sorted((i, r.amount, r.open_qty) for i, r in self.book.reservations.items())
        pol = self.policy
        return [
            intents,
            entries,
            reservations,
            self.book.total,
            [pol.mode.value, pol.halt_reason, pol.halt_source, pol.version],
            sorted(self.window.committed_keys()),
            sorted(k for k, _ in self.window.entries()),
        ]
