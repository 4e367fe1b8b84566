"""AlphaPromotion commands: each takes the state (and the time, ids and config hashes it
needs) and returns one event, or raises a named error. Nothing here reads a clock.
"""

from __future__ import annotations

from typing import TypedDict

from hft.domain.errors import InvalidTransition, InvalidValue
from hft.domain.events import DomainEvent
from hft.domain.gates import GATE_ORDER, Gate, GateVerdict
from hft.domain.promotion import (
    LIVE_WEIGHT_BPS,
    AlphaAlreadyRegistered,
    AlphaPromotion,
    ConfigChange,
    GateOutOfOrder,
    GatesIncomplete,
    PromotionStatus,
)
from hft.domain.promotion_events import (
    AlphaPromoted,
    AlphaRegistered,
    AlphaRolledBack,
    AlphaWentLive,
    CanaryEscalated,
    CanaryHeld,
    GateEvaluated,
)


class _Stamp(TypedDict):
    originator_id: str
    originator_version: int
    ts_event_ns: int
    ts_init_ns: int
    alpha_id: str
    actor: str


def _stamp(state: AlphaPromotion, ts_ns: int, actor: str) -> _Stamp:
    return {
        "originator_id": state.stream_id,
        "originator_version": state.version + 1,
        "ts_event_ns": ts_ns,
        "ts_init_ns": ts_ns,
        "alpha_id": state.alpha_id,
        "actor": actor,
    }


def _guard(state: AlphaPromotion, event_type: type[DomainEvent]) -> None:
    if not state.allows(event_type):
        raise InvalidTransition(state.status.value, event_type.__name__)


def register_alpha(
    state: AlphaPromotion | None,
    *,
    stream_id: str,
    alpha_id: str,
    kind: str,
    strategy: str,
    spec_sha256: str,
    artifacts: tuple[str, ...],
    ts_ns: int,
    actor: str = "pipeline",
) -> AlphaRegistered:
    """Open the stream. Raises AlphaAlreadyRegistered if it exists, InvalidValue on a bad kind."""
    if state is not None:
        raise AlphaAlreadyRegistered(f"alpha {alpha_id!r} is already registered")
    if kind not in ("rule", "rl"):
        raise InvalidValue(f"alpha kind must be 'rule' or 'rl', got {kind!r}")
    return AlphaRegistered(
        originator_id=stream_id,
        originator_version=1,
        ts_event_ns=ts_ns,
        ts_init_ns=ts_ns,
        alpha_id=alpha_id,
        kind=kind,
        strategy=strategy,
        spec_sha256=spec_sha256,
        artifacts=artifacts,
        actor=actor,
    )


def gates_passed_this_round(state: AlphaPromotion) -> tuple[Gate, ...]:
    return () if state.status is PromotionStatus.ROLLED_BACK else state.passed_gates


def record_gate(
    state: AlphaPromotion,
    verdict: GateVerdict,
    *,
    input_hashes: tuple[str, ...],
    thresholds_version: str,
    ts_ns: int,
    actor: str = "pipeline",
) -> GateEvaluated:
    """Record one verdict. Raises GateOutOfOrder unless every earlier gate passed this round."""
    _guard(state, GateEvaluated)
    earlier = GATE_ORDER[: GATE_ORDER.index(verdict.gate)]
    missing = [g.value for g in earlier if g not in gates_passed_this_round(state)]
    if missing:
        raise GateOutOfOrder(f"gate {verdict.gate.value} needs gates {missing} passed first")
    round_ = state.round + 1 if state.status is PromotionStatus.ROLLED_BACK else state.round
    return GateEvaluated(
        **_stamp(state, ts_ns, actor),
        round=round_,
        gate=verdict.gate.value,
        passed=verdict.passed,
        measures=verdict.measures,
        reasons=verdict.reasons,
        input_hashes=input_hashes,
        thresholds_version=thresholds_version,
    )


def _require_tiers(tiers_bps: tuple[int, ...]) -> None:
    ascending = list(tiers_bps) == sorted(set(tiers_bps))
    if not tiers_bps or not ascending or not all(0 < t < LIVE_WEIGHT_BPS for t in tiers_bps):
        raise InvalidValue(f"canary tiers must ascend strictly within (0, 10000): {tiers_bps}")


def promote(
    state: AlphaPromotion,
    *,
    tiers_bps: tuple[int, ...],
    config: ConfigChange,
    ts_ns: int,
    actor: str = "pipeline",
) -> AlphaPromoted:
    """Promote at the first tier. Raises GatesIncomplete unless A..E all passed this round."""
    missing = [g.value for g in GATE_ORDER if g not in state.passed_gates]
    if state.status is PromotionStatus.REGISTERED or (
        state.status is PromotionStatus.GATING and missing
    ):
        raise GatesIncomplete(f"alpha {state.alpha_id!r}: gates {missing} have not passed")
    _guard(state, AlphaPromoted)
    _require_tiers(tiers_bps)
    return AlphaPromoted(
        **_stamp(state, ts_ns, actor),
        round=state.round,
        weight_bps=tiers_bps[0],
        tiers_bps=tiers_bps,
        config_before_sha256=config.before_sha256,
        config_after_sha256=config.after_sha256,
    )


def next_weight_bps(state: AlphaPromotion) -> int:
    """The weight an escalation would move to: the next tier, or the full live weight."""
    later = [t for t in state.tiers_bps if t > state.weight_bps]
    return later[0] if later else LIVE_WEIGHT_BPS


def escalate(
    state: AlphaPromotion,
    *,
    reasons: tuple[str, ...],
    config: ConfigChange,
    ts_ns: int,
    actor: str = "pipeline",
) -> CanaryEscalated | AlphaWentLive:
    """Move up one tier; past the last tier the alpha goes live."""
    target = next_weight_bps(state)
    cls: type[CanaryEscalated | AlphaWentLive]
    cls = AlphaWentLive if target == LIVE_WEIGHT_BPS else CanaryEscalated
    _guard(state, cls)
    return cls(
        **_stamp(state, ts_ns, actor),
        from_weight_bps=state.weight_bps,
        weight_bps=target,
        reasons=reasons,
        config_before_sha256=config.before_sha256,
        config_after_sha256=config.after_sha256,
    )


def hold(
    state: AlphaPromotion, *, reasons: tuple[str, ...], ts_ns: int, actor: str = "pipeline"
) -> CanaryHeld:
    """Keep the current canary weight."""
    _guard(state, CanaryHeld)
    return CanaryHeld(**_stamp(state, ts_ns, actor), weight_bps=state.weight_bps, reasons=reasons)


def roll_back(
    state: AlphaPromotion,
    *,
    reasons: tuple[str, ...],
    config: ConfigChange,
    ts_ns: int,
    actor: str = "pipeline",
) -> AlphaRolledBack:
    """Take the alpha out; `reasons` must say why (an empty reason is refused)."""
    _guard(state, AlphaRolledBack)
    if not reasons or not all(reasons):
        raise InvalidValue("a rollback needs a reason")
    return AlphaRolledBack(
        **_stamp(state, ts_ns, actor),
        from_weight_bps=state.weight_bps,
        reasons=reasons,
        config_before_sha256=config.before_sha256,
        config_after_sha256=config.after_sha256,
    )
