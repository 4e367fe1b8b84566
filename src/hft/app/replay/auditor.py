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

from collections.abc import Iterable

import attrs

from hft.app.gateway.core import DEFAULT_LIMITS
from hft.app.gateway.state import GatewayState
from hft.domain import intent
from hft.domain.errors import DomainError
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


class _Auditor:
    def __init__(self) -> None:
        self.state = GatewayState(DEFAULT_LIMITS, 65_536)
        self.violations: list[Violation] = []
        self.dispatched_keys: dict[str, str] = {}
        self.charged: dict[str, bool] = {}
        self.recorded_digest: str | None = None
        self.clean_stop = False
        self.counts: dict[str, int] = {}
        self.last_seq = 0

    def fold(self, seq: int, event: object) -> None:
        name = type(event).__name__
        self.counts[name] = self.counts.get(name, 0) + 1
        self.last_seq = seq
        if isinstance(event, StateDigestRecorded):
            self._check_digest(seq, event)
        if isinstance(event, SessionStarted):
            self.clean_stop = False
        try:
            self.state.apply(event)  # type: ignore[arg-type]
        except DomainError as exc:
            subject = getattr(event, "originator_id", "")
            self._violate("fold", seq, subject, f"{name}: {exc}")
            return
        self._after(seq, event)

    def _after(self, seq: int, event: object) -> None:
        if isinstance(event, ExposureReserved | ExposureAmended):
            self.charged[event.intent_id] = not event.reducing and _charge(event) > 0
        elif isinstance(event, intent.IntentDispatched):
            self._check_dispatch(seq, event.originator_id)
        elif isinstance(event, intent.IntentAccepted):
            self._check_limits(seq, event.originator_id)
        elif isinstance(event, intent.IntentFilled):
            state = self.state.intents[event.originator_id]
            if state.filled > state.qty:
                self._violate("filled_le_qty", seq, state.intent_id, f"{state.filled}>{state.qty}")
        elif isinstance(event, SessionStopped):
            self.clean_stop = True

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
        for state in self.state.intents.values():
            if intent.is_terminal(state.status):
                continue
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
            counts=dict(sorted(self.counts.items())),
        )


def _charge(event: ExposureReserved | ExposureAmended) -> int:
    return event.amount if isinstance(event, ExposureReserved) else event.delta


def replay_events(events: Iterable[LoggedEvent], until: int | None = None) -> ReplayReport:
    """Fold `events` (up to `until` inclusive) and check every rule."""
    auditor = _Auditor()
    for logged in events:
        if until is not None and logged.seq > until:
            break
        auditor.fold(logged.seq, logged.event)
    return auditor.finish()
