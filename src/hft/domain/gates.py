"""Gates A..E: pure functions from evidence and thresholds to a verdict with reasons.

The same inputs always give the same verdict. Every measure compares integers with `>=` or
`<=`, so a strictly better input never fails a gate that a worse one passes (monotonicity).
"""

from __future__ import annotations

import enum

import attrs

from hft.domain.gate_thresholds import GateThresholds
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


def _flag(name: str, ok: bool) -> Measure:
    return Measure(name=name, value=int(ok), threshold=1, rule="eq", unit="bool")


def _ge(name: str, value: int, threshold: int, unit: str) -> Measure:
    return Measure(name=name, value=value, threshold=threshold, rule="ge", unit=unit)


def _le(name: str, value: int, threshold: int, unit: str) -> Measure:
    return Measure(name=name, value=value, threshold=threshold, rule="le", unit=unit)


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
        _ge("tests_ran", ev.tests_ran, 1, "tests"),
        _le("tests_failed", ev.tests_failed, 0, "tests"),
        _flag("tests_within_timeout", not ev.tests_timed_out),
        _flag("smoke_completed", ev.smoke_completed),
        _le("replay_violations", ev.replay_violations, 0, "violations"),
    )
    return GateVerdict(gate=Gate.CORRECTNESS, measures=measures)


def _consistency_bps(fold_sharpes: tuple[int, ...]) -> int:
    if not fold_sharpes:
        return 0
    return sum(1 for s in fold_sharpes if s > 0) * BPS // len(fold_sharpes)


def gate_c(ev: BacktestEvidence, th: GateThresholds) -> GateVerdict:
    """Backtest: out-of-sample Sharpe and drawdown, fold consistency, the stress run passing."""
    t, oos, stress = th.backtest, ev.out_of_sample, ev.stress
    consistency = _consistency_bps(ev.fold_sharpes_milli)
    measures = (
        _flag("research_artifacts", ev.source == "research"),
        _flag("equity_from_fills", ev.equity_source == "fills"),
        _ge("folds", len(ev.fold_sharpes_milli), t.min_folds, "folds"),
        _ge("oos_sharpe", oos.sharpe_milli, t.min_oos_sharpe_milli, "milli"),
        _ge("oos_max_drawdown", oos.max_drawdown_bps, t.min_drawdown_bps, "bps"),
        _ge("fold_consistency", consistency, t.min_fold_consistency_bps, "bps"),
        _ge("stress_sharpe", stress.sharpe_milli, t.min_oos_sharpe_milli, "milli"),
        _ge("stress_max_drawdown", stress.max_drawdown_bps, t.min_drawdown_bps, "bps"),
    )
    return GateVerdict(gate=Gate.BACKTEST, measures=measures)


def gate_d(ev: PromotionEvidence, th: GateThresholds) -> GateVerdict:
    """Promotion: Sharpe, drawdown, turnover bound, live-pool correlation, replay parity."""
    t, card = th.promotion, ev.scorecard
    measures = (
        _ge("sharpe", card.sharpe_milli, t.min_sharpe_milli, "milli"),
        _ge("max_drawdown", card.max_drawdown_bps, t.min_drawdown_bps, "bps"),
        _le("turnover", card.turnover_bps, t.max_turnover_bps, "bps"),
        _le("pool_correlation", ev.max_pool_correlation_bps, t.max_pool_correlation_bps, "bps"),
        _ge("replay_parity", ev.replay_parity_bps, t.min_replay_parity_bps, "bps"),
    )
    return GateVerdict(gate=Gate.PROMOTION, measures=measures)


def _reject_rate_bps(ev: ReadinessEvidence) -> int:
    # No orders at all is no evidence: count it as a 100% reject rate.
    return ev.rejects * BPS // ev.orders if ev.orders > 0 else BPS


def gate_e(ev: ReadinessEvidence, th: GateThresholds) -> GateVerdict:
    """Readiness: enough paper sessions, a low reject rate and no drift alert."""
    t = th.readiness
    measures = (
        _ge("paper_sessions", ev.paper_sessions, t.min_paper_sessions, "sessions"),
        _le("reject_rate", _reject_rate_bps(ev), t.max_reject_rate_bps, "bps"),
        _le("drift_alerts", ev.drift_alerts, t.max_drift_alerts, "alerts"),
    )
    return GateVerdict(gate=Gate.READINESS, measures=measures)
