"""Events of the AlphaPromotion lifecycle. Every one is also a row of the alpha audit table.

Weights are basis points of the strategy's full allocation (10_000 = fully live). Config
changes are named by the SHA-256 of the gateway strategy config before and after the change,
so an audit row points at the exact file content that was in force. `actor` is who acted:
an operator's name, or "pipeline" for automated decisions.
"""

from __future__ import annotations

import attrs

from hft.domain.events import DomainEvent, register
from hft.domain.gates import Measure


@register("AlphaRegistered", 1)
@attrs.frozen(kw_only=True)
class AlphaRegistered(DomainEvent):
    """An alpha entered the pipeline. `kind` is "rule" or "rl"; `artifacts` are content hashes
    of what it was registered with (spec, and for RL the policy and its training run)."""

    alpha_id: str
    actor: str
    kind: str
    strategy: str
    spec_sha256: str
    artifacts: tuple[str, ...] = ()


@register("AlphaGateEvaluated", 1)
@attrs.frozen(kw_only=True)
class GateEvaluated(DomainEvent):
    """One gate's verdict in gating round `round`, with what it measured against what.

    `input_hashes` are `name:sha256` of every artifact the gate read; `thresholds_version`
    names the reviewed thresholds config.
    """

    alpha_id: str
    actor: str
    round: int
    gate: str
    passed: bool
    measures: tuple[Measure, ...]
    reasons: tuple[str, ...]
    input_hashes: tuple[str, ...]
    thresholds_version: str


@register("AlphaPromoted", 1)
@attrs.frozen(kw_only=True)
class AlphaPromoted(DomainEvent):
    """All five gates passed in `round`; the alpha trades at the first canary weight."""

    alpha_id: str
    actor: str
    round: int
    weight_bps: int
    tiers_bps: tuple[int, ...]
    config_before_sha256: str
    config_after_sha256: str


@register("AlphaCanaryEscalated", 1)
@attrs.frozen(kw_only=True)
class CanaryEscalated(DomainEvent):
    """Canary metrics were healthy: the weight moved up one tier."""

    alpha_id: str
    actor: str
    from_weight_bps: int
    weight_bps: int
    reasons: tuple[str, ...]
    config_before_sha256: str
    config_after_sha256: str


@register("AlphaCanaryHeld", 1)
@attrs.frozen(kw_only=True)
class CanaryHeld(DomainEvent):
    """Canary metrics were not yet good enough to escalate: the weight stays."""

    alpha_id: str
    actor: str
    weight_bps: int
    reasons: tuple[str, ...]


@register("AlphaWentLive", 1)
@attrs.frozen(kw_only=True)
class AlphaWentLive(DomainEvent):
    """The last canary tier passed: the alpha trades at its full live weight."""

    alpha_id: str
    actor: str
    from_weight_bps: int
    weight_bps: int
    reasons: tuple[str, ...]
    config_before_sha256: str
    config_after_sha256: str


@register("AlphaRolledBack", 1)
@attrs.frozen(kw_only=True)
class AlphaRolledBack(DomainEvent):
    """The alpha was taken out (canary breach, missing metrics or an operator), its config
    restored to what it was before promotion. Promoting again needs fresh gate results."""

    alpha_id: str
    actor: str
    from_weight_bps: int
    reasons: tuple[str, ...]
    config_before_sha256: str
    config_after_sha256: str


PROMOTION_EVENTS = (
    AlphaRegistered,
    GateEvaluated,
    AlphaPromoted,
    CanaryEscalated,
    CanaryHeld,
    AlphaWentLive,
    AlphaRolledBack,
)
