"""The canary rule: missing metrics roll back, breaches roll back, few fills hold."""

from __future__ import annotations

import attrs
from hypothesis import given
from hypothesis import strategies as st

from hft.domain.canary import CanaryAction, CanaryMetrics, CanaryThresholds, decide_canary
from tests.strategies.alpha import canary_metrics

TH = CanaryThresholds()
HEALTHY = CanaryMetrics(
    fills=500, orders=1_000, errors=5, slippage_vs_backtest_bps=10, drawdown_contribution_bps=-50
)


@given(canary_metrics())
def test_canary_property_missing_metric_always_rolls_back(m: CanaryMetrics) -> None:
    """Any snapshot with a missing field is a rollback that names the missing metric."""
    decision = decide_canary(m, TH)
    missing = [k for k, v in attrs.asdict(m).items() if v is None]
    if missing:
        assert decision.action is CanaryAction.ROLLBACK
        assert decision.reasons == tuple(f"metric {k} missing" for k in missing)


@given(canary_metrics(complete=True))
def test_canary_property_deterministic(m: CanaryMetrics) -> None:
    """The same snapshot always yields the same decision."""
    assert decide_canary(m, TH) == decide_canary(attrs.evolve(m), TH)


def test_no_snapshot_rolls_back() -> None:
    """No snapshot at all is a rollback (an unobservable canary is not trusted)."""
    decision = decide_canary(None, TH)
    assert (decision.action, decision.reasons) == (CanaryAction.ROLLBACK, ("no metrics snapshot",))


def test_healthy_canary_escalates_and_few_fills_hold() -> None:
    """Healthy metrics with enough fills escalate; the same with 99 fills hold."""
    assert decide_canary(HEALTHY, TH).action is CanaryAction.ESCALATE
    held = decide_canary(attrs.evolve(HEALTHY, fills=99), TH)
    assert held.action is CanaryAction.HOLD
    assert held.reasons == ("fills 99 < 100 to escalate",)


def test_each_breach_rolls_back_with_its_reason() -> None:
    """Slippage, drawdown contribution and error rate past their limits each roll back."""
    cases = {
        "slippage 51 bps > 50": attrs.evolve(HEALTHY, slippage_vs_backtest_bps=51),
        "drawdown contribution -201 bps < -200": attrs.evolve(
            HEALTHY, drawdown_contribution_bps=-201
        ),
        "error rate 110 bps > 100": attrs.evolve(HEALTHY, errors=11),
    }
    for reason, metrics in cases.items():
        decision = decide_canary(metrics, TH)
        assert decision.action is CanaryAction.ROLLBACK
        assert decision.reasons == (reason,)


GAIN = st.integers(min_value=0, max_value=500)


@given(canary_metrics(complete=True), GAIN, GAIN, GAIN, GAIN)
def test_canary_property_better_metrics_still_escalate(
    m: CanaryMetrics, more_fills: int, fewer_errors: int, less_slip: int, less_dd: int
) -> None:
    """More fills, fewer errors, less slippage or drawdown never undo an escalation."""
    better = attrs.evolve(
        m,
        fills=(m.fills or 0) + more_fills,
        errors=max(0, (m.errors or 0) - fewer_errors),
        slippage_vs_backtest_bps=(m.slippage_vs_backtest_bps or 0) - less_slip,
        drawdown_contribution_bps=min(0, (m.drawdown_contribution_bps or 0) + less_dd),
    )
    if decide_canary(m, TH).action is CanaryAction.ESCALATE:
        assert decide_canary(better, TH).action is CanaryAction.ESCALATE
