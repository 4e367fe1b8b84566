"""The auditor: folds logged events with the same `GatewayState.apply` the live gateway used,
checking after each event the rules the order path promises.

Rules (each violation names the rule, the sequence number and the intent):
- `fold`: every event fits the state it lands on (the domain's own guards: filled <= qty,
  legal transitions, versions in order).
- `dispatch_once`: no idempotency key is dispatched by two intents.
- `halt_blocks_new`: nothing NEW or AMEND that adds risk is dispatched while HALTed.
- `exposure_within_limits`: after every accepted intent that was charged, usage is within
  the symbol, strategy and global caps recorded at session start.
- `filled_le_qty`: no intent is ever filled beyond its quantity.
- `resolved_at_stop`: after a clean stop, no intent is left undecided (submitted/accepted);
  orders still working at the venue are open, explained. A log without a clean stop (a crash)
  explains every open intent by the crash.
- `state_digest`: the digest recorded by the live run equals the digest replay computes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from itertools import chain, count, takewhile
from typing import Any

import attrs

from hft.app.gateway.core import DEFAULT_LIMITS
from hft.app.gateway.state import GatewayState
from hft.domain import intent
from hft.domain.errors import DomainError
from hft.domain.events import DomainEvent
from hft.domain.exposure import ExposureKey
from hft.domain.exposure_events import ExposureAmended, ExposureReserved
from hft.domain.exposure_limits import first_breach
from hft.domain.intent import IntentStatus, IntentType
from hft.domain.policy_state import PolicyMode
from hft.domain.session import SessionStarted, SessionStopped, StateDigestRecorded
from hft.ports.event_log import LoggedEvent

_UNDECIDED = frozenset({IntentStatus.SUBMITTED, IntentStatus.ACCEPTED})


@attrs.frozen
class Violation:
    rule: str
    seq: int
    intent_id: str
    detail: str


@attrs.frozen
class ReplayReport:
    """What replay found. `open_intents` maps intent id -> why it is still open."""

    events: int
    last_seq: int
    state_digest: str
    recorded_digest: str | None
    clean_stop: bool
    violations: tuple[Violation, ...]
    open_intents: dict[str, str]
    counts: dict[str, int]

    @property
    def ok(self) -> bool:
        return not self.violations


Check = Callable[[int, Any], None]


class _Auditor:
    """Folds events and checks the rules. Each event class is looked at once: the first event
    of a class decides which check (if any) runs for every later event of that class."""

    def __init__(self) -> None:
        self.state = GatewayState(DEFAULT_LIMITS, 65_536)
        self.violations: list[Violation] = []
        self.dispatched_keys: dict[str, str] = {}
        self.charged: dict[str, bool] = {}
        self.recorded_digest: str | None = None
        self.clean_stop = False
        self.counts: dict[type, int] = {}
        self.last_seq = 0
        self._checks: dict[type, Check | None] = {}

    def fold_all(self, pairs: Iterable[tuple[int, object]]) -> None:
        """Fold `(seq, event)` pairs in log order, checking each event's rules."""
        apply, checks, counts = self.state.apply, self._checks, self.counts
        seq = self.last_seq
        for seq, event in pairs:
            cls = type(event)
            try:
                check = checks[cls]
            except KeyError:
                check = self._learn(cls)
            counts[cls] += 1
            if check is not None:
                check(seq, event)
                continue
            try:
                apply(event)  # type: ignore[arg-type]
            except DomainError as exc:
                self._fold_failed(seq, event, exc)
        self.last_seq = seq

    def _learn(self, cls: type) -> Check | None:
        self.counts[cls] = 0
        check = next((c for base, c in self._by_base() if issubclass(cls, base)), None)
        self._checks[cls] = check
        return check

    def _by_base(self) -> list[tuple[type, Check]]:
        return [
            (StateDigestRecorded, self._digest_recorded),
            (SessionStarted, self._session_started),
            (SessionStopped, self._session_stopped),
            (ExposureReserved, self._charge_recorded),
            (ExposureAmended, self._charge_recorded),
            (intent.IntentDispatched, self._dispatched),
            (intent.IntentAccepted, self._accepted),
            (intent.IntentFilled, self._filled),
        ]

    def _apply(self, seq: int, event: Any) -> bool:
        try:
            self.state.apply(event)
        except DomainError as exc:
            self._fold_failed(seq, event, exc)
            return False
        return True

    def _fold_failed(self, seq: int, event: object, exc: DomainError) -> None:
        subject = getattr(event, "originator_id", "")
        self._violate("fold", seq, subject, f"{type(event).__name__}: {exc}")

    def _digest_recorded(self, seq: int, event: StateDigestRecorded) -> None:
        self._check_digest(seq, event)
        self._apply(seq, event)

    def _session_started(self, seq: int, event: SessionStarted) -> None:
        self.clean_stop = False
        self._apply(seq, event)

    def _session_stopped(self, seq: int, event: SessionStopped) -> None:
        if self._apply(seq, event):
            self.clean_stop = True

    def _charge_recorded(self, seq: int, event: ExposureReserved | ExposureAmended) -> None:
        if self._apply(seq, event):
            self.charged[event.intent_id] = not event.reducing and _charge(event) > 0

    def _dispatched(self, seq: int, event: intent.IntentDispatched) -> None:
        if self._apply(seq, event):
            self._check_dispatch(seq, event.originator_id)

    def _accepted(self, seq: int, event: intent.IntentAccepted) -> None:
        if self._apply(seq, event):
            self._check_limits(seq, event.originator_id)

    def _filled(self, seq: int, event: intent.IntentFilled) -> None:
        if self._apply(seq, event):
            state = self.state.intents[event.originator_id]
            if state.filled > state.qty:
                self._violate("filled_le_qty", seq, state.intent_id, f"{state.filled}>{state.qty}")

    def _check_digest(self, seq: int, event: StateDigestRecorded) -> None:
        self.recorded_digest = event.digest
        mine = self.state.digest()
        if mine != event.digest:
            self._violate("state_digest", seq, "", f"recorded {event.digest}, replayed {mine}")

    def _check_dispatch(self, seq: int, intent_id: str) -> None:
        state = self.state.intents[intent_id]
        first = self.dispatched_keys.setdefault(state.idempotency_key, intent_id)
        if first != intent_id:
            detail = f"key {state.idempotency_key!r} already dispatched by {first}"
            self._violate("dispatch_once", seq, intent_id, detail)
        adds_risk = state.intent_type in (IntentType.NEW, IntentType.AMEND) and self._charged(state)
        if self.state.policy.mode is PolicyMode.HALT and adds_risk:
            self._violate(
                "halt_blocks_new", seq, intent_id, f"{state.intent_type.value} while HALT"
            )

    def _charged(self, state: intent.OrderIntent) -> bool:
        subject = state.target_intent_id if state.intent_type is IntentType.AMEND else None
        return self.charged.get(subject or state.intent_id, True)

    def _check_limits(self, seq: int, intent_id: str) -> None:
        state = self.state.intents[intent_id]
        subject = state.target_intent_id if state.intent_type is IntentType.AMEND else intent_id
        if state.intent_type is IntentType.CANCEL or not self.charged.get(subject or "", False):
            return
        key = ExposureKey(state.account, state.strategy_id, state.symbol)
        breach = first_breach(self.state.book, self.state.limits, key, 0)
        if breach is not None:
            detail = f"{breach.reason.value}: usage {breach.usage_after} > cap {breach.limit}"
            self._violate("exposure_within_limits", seq, intent_id, detail)

    def _violate(self, rule: str, seq: int, intent_id: str, detail: str) -> None:
        self.violations.append(Violation(rule, seq, intent_id, detail))

    def finish(self) -> ReplayReport:
        open_intents: dict[str, str] = {}
        for state in self.state.open_states():
            if not self.clean_stop:
                open_intents[state.intent_id] = (
                    f"{state.status.value}: the log ends without a clean stop"
                )
            elif state.status in _UNDECIDED:
                self._violate(
                    "resolved_at_stop", self.last_seq, state.intent_id, state.status.value
                )
            else:
                open_intents[state.intent_id] = (
                    f"{state.status.value}: working at the venue at stop"
                )
        return ReplayReport(
            events=self.state.events_folded,
            last_seq=self.last_seq,
            state_digest=self.state.digest(),
            recorded_digest=self.recorded_digest,
            clean_stop=self.clean_stop,
            violations=tuple(self.violations),
            open_intents=open_intents,
            counts=_by_name(self.counts),
        )


def _by_name(counts: dict[type, int]) -> dict[str, int]:
    named: dict[str, int] = {}
    for cls, n in counts.items():
        named[cls.__name__] = named.get(cls.__name__, 0) + n
    return dict(sorted(named.items()))


def _charge(event: ExposureReserved | ExposureAmended) -> int:
    return event.amount if isinstance(event, ExposureReserved) else event.delta


def replay_events(events: Iterable[LoggedEvent], until: int | None = None) -> ReplayReport:
    """Fold `events` (up to `until` inclusive) and check every rule."""
    return replay_pairs(((logged.seq, logged.event) for logged in events), until)


def replay_frames(
    frames: Iterable[tuple[int, Sequence[DomainEvent]]], until: int | None = None
) -> ReplayReport:
    """`replay_events` over the log's frames: `(first_seq, events)`, the events numbered
    `first_seq, first_seq + 1, ...`. The fast path: no per-event wrapper objects."""
    pairs = chain.from_iterable(zip(count(first), events) for first, events in frames)
    return replay_pairs(pairs, until)


def replay_pairs(pairs: Iterable[tuple[int, object]], until: int | None = None) -> ReplayReport:
    """Fold `(seq, event)` pairs in log order (up to `until` inclusive), check every rule."""
    if until is not None:
        pairs = takewhile(lambda pair: pair[0] <= until, pairs)
    auditor = _Auditor()
    auditor.fold_all(pairs)
    return auditor.finish()
