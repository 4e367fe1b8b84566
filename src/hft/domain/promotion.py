"""AlphaPromotion: an alpha's way from registration through Gates A..E to live, reversibly.

registered -> gating (gate A..E results, in order) -> canary (promoted at the first weight
tier) -> canary tiers / held -> live; canary, held and live can be rolled back, and a rolled
back alpha must pass fresh gate results (a new round) before it is promoted again.
Commands are functions from state to one event (or a named error); `evolve` folds events
through one transition table. Ids and times come in as arguments.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping

import attrs

from hft.domain.errors import DomainError, InvalidTransition
from hft.domain.events import DomainEvent, fold
from hft.domain.gates import GATE_ORDER, Gate
from hft.domain.promotion_events import (
    AlphaPromoted,
    AlphaRegistered,
    AlphaRolledBack,
    AlphaWentLive,
    CanaryEscalated,
    CanaryHeld,
    GateEvaluated,
)
from hft.domain.scorecard import BPS

LIVE_WEIGHT_BPS = BPS


class PromotionStatus(enum.Enum):
    REGISTERED = "registered"
    GATING = "gating"
    CANARY = "canary"
    HELD = "held"
    LIVE = "live"
    ROLLED_BACK = "rolled_back"


class GateOutOfOrder(DomainError):
    """A gate was evaluated before every earlier gate passed in the current round."""


class GatesIncomplete(DomainError):
    """Promotion was asked for while some gate has not passed in the current round."""


class AlphaAlreadyRegistered(DomainError):
    """An alpha id can be registered once; its history is never overwritten."""


S = PromotionStatus
TRANSITIONS: Mapping[tuple[PromotionStatus, type[DomainEvent]], PromotionStatus] = {
    (S.REGISTERED, GateEvaluated): S.GATING,
    (S.GATING, GateEvaluated): S.GATING,
    (S.ROLLED_BACK, GateEvaluated): S.GATING,
    (S.GATING, AlphaPromoted): S.CANARY,
    (S.CANARY, CanaryEscalated): S.CANARY,
    (S.HELD, CanaryEscalated): S.CANARY,
    (S.CANARY, CanaryHeld): S.HELD,
    (S.HELD, CanaryHeld): S.HELD,
    (S.CANARY, AlphaWentLive): S.LIVE,
    (S.HELD, AlphaWentLive): S.LIVE,
    (S.CANARY, AlphaRolledBack): S.ROLLED_BACK,
    (S.HELD, AlphaRolledBack): S.ROLLED_BACK,
    (S.LIVE, AlphaRolledBack): S.ROLLED_BACK,
}


@attrs.frozen(kw_only=True)
class ConfigChange:
    """The gateway strategy config before and after a change, by SHA-256 of its content."""

    before_sha256: str
    after_sha256: str


@attrs.frozen(kw_only=True)
class AlphaPromotion:
    """The folded state of one alpha's promotion stream (`stream_id`, at `version`)."""

    stream_id: str
    version: int
    alpha_id: str
    kind: str
    strategy: str
    status: PromotionStatus
    round: int = 1
    passed_gates: tuple[Gate, ...] = ()
    weight_bps: int = 0
    tiers_bps: tuple[int, ...] = ()
    reasons: tuple[str, ...] = ()

    def allows(self, event_type: type[DomainEvent]) -> bool:
        return (self.status, event_type) in TRANSITIONS


def evolve(state: AlphaPromotion | None, event: DomainEvent) -> AlphaPromotion:
    """Apply one event through the transition table; illegal moves raise InvalidTransition."""
    if state is None:
        if not isinstance(event, AlphaRegistered):
            raise InvalidTransition("absent", type(event).__name__)
        return _opened(event)
    status = TRANSITIONS.get((state.status, type(event)))
    if status is None:
        raise InvalidTransition(state.status.value, type(event).__name__)
    return _apply(state, event, status)


def project(state: AlphaPromotion | None, events: Iterable[DomainEvent]) -> AlphaPromotion | None:
    """Fold `events` onto `state` (None before registration)."""
    result: AlphaPromotion | None = fold(evolve, state, events)
    return result


def _opened(event: AlphaRegistered) -> AlphaPromotion:
    return AlphaPromotion(
        stream_id=event.originator_id,
        version=event.originator_version,
        alpha_id=event.alpha_id,
        kind=event.kind,
        strategy=event.strategy,
        status=S.REGISTERED,
    )


def _apply(state: AlphaPromotion, event: DomainEvent, status: PromotionStatus) -> AlphaPromotion:
    moved = attrs.evolve(state, version=event.originator_version, status=status)
    if isinstance(event, GateEvaluated):
        return _gate_applied(moved, event)
    if isinstance(event, AlphaPromoted):
        return attrs.evolve(moved, weight_bps=event.weight_bps, tiers_bps=event.tiers_bps)
    if isinstance(event, CanaryEscalated | AlphaWentLive):
        return attrs.evolve(moved, weight_bps=event.weight_bps, reasons=event.reasons)
    if isinstance(event, CanaryHeld):
        return attrs.evolve(moved, reasons=event.reasons)
    if isinstance(event, AlphaRolledBack):
        return attrs.evolve(moved, weight_bps=0, passed_gates=(), reasons=event.reasons)
    return moved


def _gate_applied(state: AlphaPromotion, event: GateEvaluated) -> AlphaPromotion:
    gate = Gate(event.gate)
    # Re-evaluating a gate invalidates the later gates' results of this round.
    earlier = GATE_ORDER[: GATE_ORDER.index(gate)]
    kept = (
        tuple(g for g in state.passed_gates if g in earlier) if event.round == state.round else ()
    )
    passed = (*kept, gate) if event.passed else kept
    return attrs.evolve(state, round=event.round, passed_gates=passed, reasons=event.reasons)
