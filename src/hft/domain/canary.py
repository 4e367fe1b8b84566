"""The canary rule: from one runtime metrics snapshot to hold, escalate or roll back.

Missing metrics are a rollback (a canary that cannot be observed is not trusted). Units:
slippage against the research backtest and drawdown contribution in basis points, error
rate in basis points of orders sent.
"""

from __future__ import annotations

import enum

import attrs

from hft.domain.scorecard import BPS


class CanaryAction(enum.Enum):
    HOLD = "hold"
    ESCALATE = "escalate"
    ROLLBACK = "rollback"


@attrs.frozen(kw_only=True)
class CanaryMetrics:
    """One snapshot of the canary's runtime metrics; a None field was not reported."""

    fills: int | None
    orders: int | None
    errors: int | None
    slippage_vs_backtest_bps: int | None
    drawdown_contribution_bps: int | None


@attrs.frozen(kw_only=True)
class CanaryThresholds:
    """Rollback limits and the evidence needed before escalating."""

    max_slippage_bps: int = 50
    min_drawdown_contribution_bps: int = -200
    max_error_rate_bps: int = 100
    min_fills_to_escalate: int = 100
    tiers_bps: tuple[int, ...] = (500, 2_000, 5_000)


@attrs.frozen(kw_only=True)
class CanaryDecision:
    action: CanaryAction
    reasons: tuple[str, ...]


@attrs.frozen
class _Observed:
    fills: int
    orders: int
    errors: int
    slippage_bps: int
    drawdown_bps: int


def _observed(m: CanaryMetrics) -> _Observed | None:
    values = (m.fills, m.orders, m.errors, m.slippage_vs_backtest_bps, m.drawdown_contribution_bps)
    if any(v is None for v in values):
        return None
    return _Observed(*(int(v or 0) for v in values))


def _missing(m: CanaryMetrics) -> tuple[str, ...]:
    return tuple(f"metric {k} missing" for k, v in attrs.asdict(m).items() if v is None)


def _breaches(m: _Observed, t: CanaryThresholds) -> tuple[str, ...]:
    error_rate = m.errors * BPS // m.orders if m.orders > 0 else 0
    found = []
    if m.slippage_bps > t.max_slippage_bps:
        found.append(f"slippage {m.slippage_bps} bps > {t.max_slippage_bps}")
    if m.drawdown_bps < t.min_drawdown_contribution_bps:
        found.append(
            f"drawdown contribution {m.drawdown_bps} bps < {t.min_drawdown_contribution_bps}"
        )
    if error_rate > t.max_error_rate_bps:
        found.append(f"error rate {error_rate} bps > {t.max_error_rate_bps}")
    return tuple(found)


def decide_canary(metrics: CanaryMetrics | None, thresholds: CanaryThresholds) -> CanaryDecision:
    """Roll back on missing metrics or any breach; hold until enough fills; else escalate."""
    if metrics is None:
        return CanaryDecision(action=CanaryAction.ROLLBACK, reasons=("no metrics snapshot",))
    observed = _observed(metrics)
    if observed is None:
        return CanaryDecision(action=CanaryAction.ROLLBACK, reasons=_missing(metrics))
    breaches = _breaches(observed, thresholds)
    if breaches:
        return CanaryDecision(action=CanaryAction.ROLLBACK, reasons=breaches)
    if observed.fills < thresholds.min_fills_to_escalate:
        need = thresholds.min_fills_to_escalate
        return CanaryDecision(
            action=CanaryAction.HOLD, reasons=(f"fills {observed.fills} < {need} to escalate",)
        )
    return CanaryDecision(action=CanaryAction.ESCALATE, reasons=("canary metrics within limits",))
