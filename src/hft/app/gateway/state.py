"""The gateway's state as one fold over the log: intents, dedup window, exposure, policy.

Live and replay run this same `apply`: the gateway folds each event it decides, replay folds
each event it reads. `digest()` hashes a canonical rendering of the whole state, so two folds
of the same events give the same digest, byte for byte.
"""

from __future__ import annotations

import enum
import hashlib
from collections.abc import Iterable
from typing import Any

import msgspec

from hft.domain import dedup, exposure, intent, policy
from hft.domain.events import DomainEvent
from hft.domain.exposure_events import ExposureEvent
from hft.domain.exposure_limits import ExposureLimits
from hft.domain.intent import EventOutOfSequence
from hft.domain.intent_events import IntentDeduplicated, IntentSubmitted
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


class GatewayState:
    """Mutable holder of immutable aggregates; single writer (the gateway loop or replay)."""

    def __init__(self, limits: ExposureLimits, dedup_capacity: int) -> None:
        self.limits = limits
        self.intents: dict[str, intent.OrderIntent] = {}
        self.window = dedup.empty_window(dedup_capacity)
        self.book = exposure.ExposureBook()
        self.policy = policy.GatewayPolicy()
        self.session: SessionStarted | None = None
        self.session_version = 0
        self.events_folded = 0
        self.open_intents = 0  # intents not in a terminal status, kept as events fold
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
            if event.dedup_capacity and event.dedup_capacity != self.window.capacity:
                self.window = dedup.with_capacity(self.window, event.dedup_capacity)

    def apply_all(self, events: Iterable[DomainEvent]) -> None:
        for event in events:
            self.apply(event)

    def _apply_intent(self, event: DomainEvent) -> None:
        if type(event) is IntentDeduplicated:
            self.intents[event.originator_id] = intent.evolve(None, event)
            return
        previous = None if type(event) is IntentSubmitted else self.intents[event.originator_id]
        current = intent.evolve(previous, event)
        self.intents[event.originator_id] = current
        was_open = previous is not None and previous.status not in TERMINAL
        self.open_intents += (current.status not in TERMINAL) - was_open
        self.window = dedup.evolve_dedup(self.window, event)

    def digest(self) -> str:
        """sha256 of the canonical state: equal for equal folds, in any process.

        Cached until the next fold step (replay asks twice: at the recorded digest and for
        its report)."""
        if self._digest is None or self._digest[0] != self.events_folded:
            canonical = msgspec.msgpack.encode(self._canonical())
            self._digest = (self.events_folded, hashlib.sha256(canonical).hexdigest())
        return self._digest[1]

    def _canonical(self) -> list[Any]:
        intents = sorted(
            (i.intent_id, i.status.value, i.filled, i.version, i.broker_order_id or "")
            for i in self.intents.values()
        )
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
