"""Gates A..E: pure functions from evidence and thresholds to a verdict with reasons.

The same inputs always give the same verdict. Every measure compares integers with `>=` or
`<=`, so a strictly better input never fails a gate that a worse one passes (monotonicity).
"""

from __future__ import annotations

import enum

import attrs

from hft.domain.scorecard import (
    BPS,
    BacktestEvidence,
    CorrectnessEvidence,
    FeasibilityEvidence,
    PromotionEvidence,
    ReadinessEvidence,
)


class Gate(enum.Enum):
    FEASIBILITY = "A"
    CORRECTNESS = "B"
    BACKTEST = "C"
    PROMOTION = "D"
    READINESS = "E"


GATE_ORDER: tuple[Gate, ...] = tuple(Gate)


@attrs.frozen(kw_only=True)
class Measure:
    """One check: `value` against `threshold` by `rule` ("ge", "le" or "eq"), in `unit`."""

    name: str
    value: int
    threshold: int
    rule: str
    unit: str

    @property
    def passed(self) -> bool:
        if self.rule == "ge":
            return self.value >= self.threshold
        if self.rule == "le":
            return self.value <= self.threshold
        return self.value == self.threshold

    def reason(self) -> str:
        sign = {"ge": ">=", "le": "<=", "eq": "=="}[self.rule]
        verdict = "ok" if self.passed else "FAILED"
        return f"{self.name} {self.value} {self.unit} (need {sign} {self.threshold}): {verdict}"


@attrs.frozen(kw_only=True)
class GateVerdict:
    """A gate's answer: passed iff every measure passed; `reasons` has one line per measure."""

    gate: Gate
    measures: tuple[Measure, ...]

    @property
    def passed(self) -> bool:
        return bool(self.measures) and all(m.passed for m in self.measures)

    @property
    def reasons(self) -> tuple[str, ...]:
        return tuple(m.reason() for m in self.measures)


@attrs.frozen(kw_only=True)
class BacktestThresholds:
    min_oos_sharpe_milli: int = 0
    min_drawdown_bps: int = -3_000
    min_fold_consistency_bps: int = 6_000
    min_folds: int = 5
    stress_multiplier_milli: int = 1_500


@attrs.frozen(kw_only=True)
class PromotionThresholds:
    min_sharpe_milli: int = 1_000
    min_drawdown_bps: int = -2_000
    max_turnover_bps: int = 50_000_000
    max_pool_correlation_bps: int = 7_000
    min_replay_parity_bps: int = 9_500


@attrs.frozen(kw_only=True)
class ReadinessThresholds:
    min_paper_sessions: int = 3
    max_reject_rate_bps: int = 100
    max_drift_alerts: int = 0


@attrs.frozen(kw_only=True)
class GateThresholds:
    """Every gate's thresholds; `version` names the reviewed config they came from."""

    version: str = "builtin"
    backtest: BacktestThresholds = BacktestThresholds()
    promotion: PromotionThresholds = PromotionThresholds()
    readiness: ReadinessThresholds = ReadinessThresholds()


def _flag(name: str, ok: bool) -> Measure:
    return Measure(name=name, value=int(ok), threshold=1, rule="eq", unit="bool")


def gate_a(ev: FeasibilityEvidence, _: GateThresholds) -> GateVerdict:
    """Feasibility: fields declared and available, latency profile known, parameters coherent."""
    names = [p.name for p in ev.parameters]
    measures = (
        _flag("strategy_declared", bool(ev.strategy)),
        _flag("data_fields_declared", bool(ev.declared_fields)),
        _flag("data_fields_available", set(ev.declared_fields) <= set(ev.available_fields)),
        _flag("latency_profile_known", ev.latency_profile in ev.known_latency_profiles),
        _flag("parameters_unique", len(names) == len(set(names))),
        _flag("parameters_in_range", all(p.low <= p.default <= p.high for p in ev.parameters)),
    )
    return GateVerdict(gate=Gate.FEASIBILITY, measures=measures)


def gate_b(ev: CorrectnessEvidence, _: GateThresholds) -> GateVerdict:
    """Correctness: the alpha's tests ran and passed in time; the smoke session replays clean."""
    measures = (
        Measure(name="tests_ran", value=ev.tests_ran, threshold=1, rule="ge", unit="tests"),
        Measure(name="tests_failed", value=ev.tests_failed, threshold=0, rule="le", unit="tests"),
        _flag("tests_within_timeout", not ev.tests_timed_out),
        _flag("smoke_completed", ev.smoke_completed),
        Measure(
            name="replay_violations",
            value=ev.replay_violations,
            threshold=0,
            rule="le",
            unit="violations",
        ),
    )
    return GateVerdict(gate=Gate.CORRECTNESS, measures=measures)


def _consistency_bps(fold_sharpes: tuple[int, ...]) -> int:
    if not fold_sharpes:
        return 0
    return sum(1 for s in fold_sharpes if s > 0) * BPS // len(fold_sharpes)


def gate_c(ev: BacktestEvidence, th: GateThresholds) -> GateVerdict:
    """Backtest: out-of-sample Sharpe and drawdown, fold consistency, the stress run passing."""
    t = th.backtest
    oos, stress = ev.out_of_sample, ev.stress
    measures = (
        _flag("research_artifacts", ev.source == "research"),
        _flag("equity_from_fills", ev.equity_source == "fills"),
        Measure(
            name="folds",
            value=len(ev.fold_sharpes_milli),
            threshold=t.min_folds,
            rule="ge",
            unit="folds",
        ),
        Measure(
            name="oos_sharpe",
            value=oos.sharpe_milli,
            threshold=t.min_oos_sharpe_milli,
            rule="ge",
            unit="milli",
        ),
        Measure(
            name="oos_max_drawdown",
            value=oos.max_drawdown_bps,
            threshold=t.min_drawdown_bps,
            rule="ge",
            unit="bps",
        ),
        Measure(
            name="fold_consistency",
            value=_consistency_bps(ev.fold_sharpes_milli),
            threshold=t.min_fold_consistency_bps,
            rule="ge",
            unit="bps",
        ),
        Measure(
            name="stress_sharpe",
            value=stress.sharpe_milli,
            threshold=t.min_oos_sharpe_milli,
            rule="ge",
            unit="milli",
        ),
        Measure(
            name="stress_max_drawdown",
            value=stress.max_drawdown_bps,
            threshold=t.min_drawdown_bps,
            rule="ge",
            unit="bps",
        ),
    )
    return GateVerdict(gate=Gate.BACKTEST, measures=measures)


def gate_d(ev: PromotionEvidence, th: GateThresholds) -> GateVerdict:
    """Promotion: Sharpe, drawdown, turnover bound, live-pool correlation, replay parity."""
    t, card = th.promotion, ev.scorecard
    measures = (
        Measure(
            name="sharpe",
            value=card.sharpe_milli,
            threshold=t.min_sharpe_milli,
            rule="ge",
            unit="milli",
        ),
        Measure(
            name="max_drawdown",
            value=card.max_drawdown_bps,
            threshold=t.min_drawdown_bps,
            rule="ge",
            unit="bps",
        ),
        Measure(
            name="turnover",
            value=card.turnover_bps,
            threshold=t.max_turnover_bps,
            rule="le",
            unit="bps",
        ),
        Measure(
            name="pool_correlation",
            value=ev.max_pool_correlation_bps,
            threshold=t.max_pool_correlation_bps,
            rule="le",
            unit="bps",
        ),
        Measure(
            name="replay_parity",
            value=ev.replay_parity_bps,
            threshold=t.min_replay_parity_bps,
            rule="ge",
            unit="bps",
        ),
    )
    return GateVerdict(gate=Gate.PROMOTION, measures=measures)


def _reject_rate_bps(ev: ReadinessEvidence) -> int:
    # No orders at all is no evidence: count it as a 100% reject rate.
    return ev.rejects * BPS // ev.orders if ev.orders > 0 else BPS


def gate_e(ev: ReadinessEvidence, th: GateThresholds) -> GateVerdict:
    """Readiness: enough paper sessions, a low reject rate and no drift alert."""
    t = th.readiness
    measures = (
        Measure(
            name="paper_sessions",
            value=ev.paper_sessions,
            threshold=t.min_paper_sessions,
            rule="ge",
            unit="sessions",
        ),
        Measure(
            name="reject_rate",
            value=_reject_rate_bps(ev),
            threshold=t.max_reject_rate_bps,
            rule="le",
            unit="bps",
        ),
        Measure(
            name="drift_alerts",
            value=ev.drift_alerts,
            threshold=t.max_drift_alerts,
            rule="le",
            unit="alerts",
        ),
    )
    return GateVerdict(gate=Gate.READINESS, measures=measures)
