"""Hypothesis strategies for the promotion pipeline: scorecards, gate evidence, metrics."""

from __future__ import annotations

import attrs
from hypothesis import strategies as st

from hft.domain.canary import CanaryMetrics
from hft.domain.scorecard import (
    BacktestEvidence,
    CorrectnessEvidence,
    PromotionEvidence,
    ReadinessEvidence,
    Scorecard,
)

SHARPE = st.integers(min_value=-5_000, max_value=8_000)
DRAWDOWN = st.integers(min_value=-10_000, max_value=0)
BPS = st.integers(min_value=0, max_value=10_000)


@st.composite
def scorecards(draw: st.DrawFn) -> Scorecard:
    return Scorecard(
        sharpe_milli=draw(SHARPE),
        sortino_milli=draw(SHARPE),
        max_drawdown_bps=draw(DRAWDOWN),
        turnover_bps=draw(st.integers(min_value=0, max_value=10**8)),
        hit_rate_bps=draw(BPS),
        pnl_per_round_trip_scaled=draw(st.integers(min_value=-(10**6), max_value=10**6)),
        capacity_twd=draw(st.integers(min_value=0, max_value=10**9)),
        round_trips=draw(st.integers(min_value=0, max_value=10**6)),
    )


@st.composite
def improved(draw: st.DrawFn, card: Scorecard) -> Scorecard:
    """A scorecard at least as good as `card` in every measure a gate reads."""
    up = st.integers(min_value=0, max_value=3_000)
    return attrs.evolve(
        card,
        sharpe_milli=card.sharpe_milli + draw(up),
        sortino_milli=card.sortino_milli + draw(up),
        max_drawdown_bps=min(0, card.max_drawdown_bps + draw(up)),
        turnover_bps=max(0, card.turnover_bps - draw(up)),
    )


@st.composite
def backtest_evidence(draw: st.DrawFn) -> BacktestEvidence:
    return BacktestEvidence(
        source=draw(st.sampled_from(["research", "research", "runtime"])),
        equity_source=draw(st.sampled_from(["fills", "fills", "synthetic"])),
        out_of_sample=draw(scorecards()),
        fold_sharpes_milli=tuple(draw(st.lists(SHARPE, min_size=0, max_size=8))),
        stress=draw(scorecards()),
    )


@st.composite
def improved_backtest(draw: st.DrawFn, ev: BacktestEvidence) -> BacktestEvidence:
    folds = tuple(
        s + draw(st.integers(min_value=0, max_value=2_000)) for s in ev.fold_sharpes_milli
    )
    return attrs.evolve(
        ev,
        out_of_sample=draw(improved(ev.out_of_sample)),
        stress=draw(improved(ev.stress)),
        fold_sharpes_milli=folds,
    )


@st.composite
def promotion_evidence(draw: st.DrawFn) -> PromotionEvidence:
    return PromotionEvidence(
        scorecard=draw(scorecards()),
        max_pool_correlation_bps=draw(st.integers(min_value=-10_000, max_value=10_000)),
        replay_parity_bps=draw(BPS),
    )


@st.composite
def improved_promotion(draw: st.DrawFn, ev: PromotionEvidence) -> PromotionEvidence:
    return PromotionEvidence(
        scorecard=draw(improved(ev.scorecard)),
        max_pool_correlation_bps=ev.max_pool_correlation_bps
        - draw(st.integers(min_value=0, max_value=5_000)),
        replay_parity_bps=min(10_000, ev.replay_parity_bps + draw(BPS)),
    )


@st.composite
def readiness_evidence(draw: st.DrawFn) -> ReadinessEvidence:
    orders = draw(st.integers(min_value=0, max_value=100_000))
    return ReadinessEvidence(
        paper_sessions=draw(st.integers(min_value=0, max_value=20)),
        orders=orders,
        rejects=draw(st.integers(min_value=0, max_value=orders)),
        drift_alerts=draw(st.integers(min_value=0, max_value=3)),
    )


@st.composite
def improved_readiness(draw: st.DrawFn, ev: ReadinessEvidence) -> ReadinessEvidence:
    return ReadinessEvidence(
        paper_sessions=ev.paper_sessions + draw(st.integers(min_value=0, max_value=5)),
        orders=ev.orders,
        rejects=ev.rejects - draw(st.integers(min_value=0, max_value=ev.rejects)),
        drift_alerts=ev.drift_alerts - draw(st.integers(min_value=0, max_value=ev.drift_alerts)),
    )


@st.composite
def correctness_evidence(draw: st.DrawFn) -> CorrectnessEvidence:
    ran = draw(st.integers(min_value=0, max_value=50))
    return CorrectnessEvidence(
        tests_ran=ran,
        tests_failed=draw(st.integers(min_value=0, max_value=ran)),
        tests_timed_out=draw(st.booleans()),
        smoke_completed=draw(st.booleans()),
        replay_violations=draw(st.integers(min_value=0, max_value=3)),
    )


def optional_int(low: int, high: int) -> st.SearchStrategy[int | None]:
    return st.one_of(st.none(), st.integers(min_value=low, max_value=high))


@st.composite
def canary_metrics(draw: st.DrawFn, complete: bool = False) -> CanaryMetrics:
    def pick(low: int, high: int) -> int | None:
        ints = st.integers(min_value=low, max_value=high)
        return draw(ints if complete else optional_int(low, high))

    return CanaryMetrics(
        fills=pick(0, 1_000),
        orders=pick(0, 10_000),
        errors=pick(0, 200),
        slippage_vs_backtest_bps=pick(-100, 200),
        drawdown_contribution_bps=pick(-1_000, 0),
    )
