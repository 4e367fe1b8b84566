"""Gates A..E: verdicts are deterministic, monotone in the evidence, and pin the defaults."""

from __future__ import annotations

import attrs
from hypothesis import given
from hypothesis import strategies as st

from hft.domain.gate_thresholds import GateThresholds
from hft.domain.gates import (
    Gate,
    Measure,
    gate_a,
    gate_b,
    gate_c,
    gate_d,
    gate_e,
)
from hft.domain.scorecard import (
    BacktestEvidence,
    CorrectnessEvidence,
    FeasibilityEvidence,
    ParameterSpec,
    PromotionEvidence,
    ReadinessEvidence,
    Scorecard,
)
from tests.strategies.alpha import (
    backtest_evidence,
    correctness_evidence,
    improved_backtest,
    improved_promotion,
    improved_readiness,
    promotion_evidence,
    readiness_evidence,
)

TH = GateThresholds()


def card(sharpe: int = 1_500, dd: int = -1_000, turnover: int = 1_000) -> Scorecard:
    return Scorecard(
        sharpe_milli=sharpe,
        sortino_milli=sharpe,
        max_drawdown_bps=dd,
        turnover_bps=turnover,
        hit_rate_bps=5_500,
        pnl_per_round_trip_scaled=120,
        capacity_twd=1_000_000,
        round_trips=400,
    )


def good_backtest() -> BacktestEvidence:
    return BacktestEvidence(
        source="research",
        equity_source="fills",
        out_of_sample=card(),
        fold_sharpes_milli=(900, 1_200, -100, 800, 1_000),
        stress=card(sharpe=300),
    )


@given(backtest_evidence())
def test_gate_c_property_same_inputs_same_verdict(ev: BacktestEvidence) -> None:
    """Gate C called twice on equal evidence returns equal verdicts (no hidden state)."""
    assert gate_c(ev, TH) == gate_c(attrs.evolve(ev), TH)


@given(st.data(), backtest_evidence())
def test_gate_c_property_monotone(data: st.DataObject, worse: BacktestEvidence) -> None:
    """Evidence at least as good as a passing one also passes Gate C."""
    better = data.draw(improved_backtest(worse))
    if gate_c(worse, TH).passed:
        assert gate_c(better, TH).passed


@given(st.data(), promotion_evidence())
def test_gate_d_property_monotone(data: st.DataObject, worse: PromotionEvidence) -> None:
    """A better scorecard, lower pool correlation and higher parity never fail Gate D."""
    better = data.draw(improved_promotion(worse))
    assert gate_d(worse, TH) == gate_d(worse, TH)
    if gate_d(worse, TH).passed:
        assert gate_d(better, TH).passed


@given(st.data(), readiness_evidence())
def test_gate_e_property_monotone(data: st.DataObject, worse: ReadinessEvidence) -> None:
    """More paper sessions, fewer rejects and fewer drift alerts never fail Gate E."""
    better = data.draw(improved_readiness(worse))
    if gate_e(worse, TH).passed:
        assert gate_e(better, TH).passed


@given(correctness_evidence())
def test_gate_b_property_passes_only_clean_runs(ev: CorrectnessEvidence) -> None:
    """Gate B passes exactly when tests ran and passed in time and the smoke replay was clean."""
    clean = (
        ev.tests_ran > 0
        and ev.tests_failed == 0
        and not ev.tests_timed_out
        and ev.smoke_completed
        and ev.replay_violations == 0
    )
    assert gate_b(ev, TH).passed is clean


def test_gate_c_default_thresholds_pass_a_good_research_run() -> None:
    """A research run on fills with 4/5 positive folds and a positive stress Sharpe passes C."""
    verdict = gate_c(good_backtest(), TH)
    assert verdict.passed
    assert verdict.gate is Gate.BACKTEST
    measured = {m.name: m.value for m in verdict.measures}
    assert measured["fold_consistency"] == 8_000


def test_gate_c_refuses_runtime_and_synthetic_equity() -> None:
    """Runtime-backtest artifacts or synthetic equity fail C, whatever their figures (M4)."""
    runtime = attrs.evolve(good_backtest(), source="runtime")
    synthetic = attrs.evolve(good_backtest(), equity_source="synthetic")
    assert not gate_c(runtime, TH).passed
    assert not gate_c(synthetic, TH).passed
    assert any("research_artifacts" in r and "FAILED" in r for r in gate_c(runtime, TH).reasons)


def test_gate_c_fold_consistency_boundary_is_inclusive() -> None:
    """3 of 5 positive folds is exactly 60%: it passes; 2 of 5 fails."""
    three = attrs.evolve(good_backtest(), fold_sharpes_milli=(1, 1, 1, -1, -1))
    two = attrs.evolve(good_backtest(), fold_sharpes_milli=(1, 1, -1, -1, -1))
    assert gate_c(three, TH).passed
    assert not gate_c(two, TH).passed


def test_gate_c_drawdown_boundary() -> None:
    """An out-of-sample drawdown of exactly -30% passes; -30.01% fails."""
    at = attrs.evolve(good_backtest(), out_of_sample=card(dd=-3_000))
    past = attrs.evolve(good_backtest(), out_of_sample=card(dd=-3_001))
    assert gate_c(at, TH).passed
    assert not gate_c(past, TH).passed


def test_gate_d_defaults() -> None:
    """Gate D: Sharpe 1.0, -20% drawdown, correlation 0.7 and parity 95% are the boundaries."""
    ok = PromotionEvidence(
        scorecard=card(sharpe=1_000, dd=-2_000),
        max_pool_correlation_bps=7_000,
        replay_parity_bps=9_500,
    )
    assert gate_d(ok, TH).passed
    assert not gate_d(attrs.evolve(ok, replay_parity_bps=9_499), TH).passed
    assert not gate_d(attrs.evolve(ok, max_pool_correlation_bps=7_001), TH).passed
    assert not gate_d(attrs.evolve(ok, scorecard=card(sharpe=999)), TH).passed


def test_gate_e_no_orders_is_no_evidence() -> None:
    """Zero paper orders counts as a 100% reject rate, so Gate E fails."""
    ev = ReadinessEvidence(paper_sessions=5, orders=0, rejects=0, drift_alerts=0)
    verdict = gate_e(ev, TH)
    assert not verdict.passed
    assert {m.name: m.value for m in verdict.measures}["reject_rate"] == 10_000


def test_gate_e_reject_rate_boundary() -> None:
    """1 reject in 100 orders is exactly 1%: it passes; 2 in 100 fails."""
    ok = ReadinessEvidence(paper_sessions=3, orders=100, rejects=1, drift_alerts=0)
    assert gate_e(ok, TH).passed
    assert not gate_e(attrs.evolve(ok, rejects=2), TH).passed
    assert not gate_e(attrs.evolve(ok, drift_alerts=1), TH).passed


def feasible() -> FeasibilityEvidence:
    return FeasibilityEvidence(
        strategy="hft.app.strategies.market_maker:MarketMaker",
        declared_fields=("bid_px", "ask_px"),
        available_fields=("bid_px", "ask_px", "last_px"),
        latency_profile="colo",
        known_latency_profiles=("colo", "retail"),
        parameters=(ParameterSpec(name="spread_ticks", default=2, low=1, high=10),),
    )


def test_gate_a_passes_a_consistent_spec_and_names_each_failure() -> None:
    """Gate A passes a coherent spec and fails, by name, an unknown field, profile or range."""
    assert gate_a(feasible(), TH).passed
    cases = {
        "data_fields_available": attrs.evolve(feasible(), declared_fields=("depth10",)),
        "latency_profile_known": attrs.evolve(feasible(), latency_profile="moon"),
        "parameters_in_range": attrs.evolve(
            feasible(), parameters=(ParameterSpec(name="x", default=11, low=1, high=10),)
        ),
        "parameters_unique": attrs.evolve(
            feasible(),
            parameters=(ParameterSpec(name="x", default=1, low=1, high=1),) * 2,
        ),
        "data_fields_declared": attrs.evolve(feasible(), declared_fields=()),
    }
    for name, ev in cases.items():
        failed = [m.name for m in gate_a(ev, TH).measures if not m.passed]
        assert failed == [name]


def test_measure_reason_states_value_rule_and_verdict() -> None:
    """A measure's reason line names the figure, its unit, the rule and the verdict."""
    m = Measure(name="sharpe", value=900, threshold=1_000, rule="ge", unit="milli")
    assert m.reason() == "sharpe 900 milli (need >= 1000): FAILED"
    assert not m.passed
