"""Research scorecards and gate evidence as scaled integers (no floats in the domain).

Scales, used everywhere in the promotion pipeline:
- ratios and fractions in basis points (`_bps`): 10_000 = 100%, so -3_000 is a 30% drawdown;
- Sharpe and Sortino ratios in milli-units (`_milli`): 1_000 = a ratio of 1.0 (annualised);
- money in `PRICE_SCALE` units of the quote currency (`_scaled`), capacity in whole currency.
The research computation (floats, at the app edge) converts into these before the domain sees them.
"""

from __future__ import annotations

import attrs

from hft.domain.errors import InvalidValue

BPS = 10_000
"""One whole in basis points."""
MILLI = 1_000
"""One whole in milli-units."""


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise InvalidValue(message)


@attrs.frozen(kw_only=True)
class Scorecard:
    """What a research run measured, out of sample unless stated. Field units: see module doc."""

    sharpe_milli: int
    sortino_milli: int
    max_drawdown_bps: int
    turnover_bps: int
    hit_rate_bps: int
    pnl_per_round_trip_scaled: int
    capacity_twd: int
    round_trips: int

    def __attrs_post_init__(self) -> None:
        _require(self.max_drawdown_bps <= 0, "max drawdown is a loss: <= 0 bps")
        _require(0 <= self.hit_rate_bps <= BPS, "hit rate must lie in 0..10000 bps")
        _require(self.turnover_bps >= 0, "turnover must be >= 0")
        _require(self.capacity_twd >= 0 and self.round_trips >= 0, "counts must be >= 0")


@attrs.frozen(kw_only=True)
class ParameterSpec:
    """One declared strategy parameter: its default must lie within [low, high]."""

    name: str
    default: int
    low: int
    high: int


@attrs.frozen(kw_only=True)
class FeasibilityEvidence:
    """Gate A input: what the alpha's spec declares against what the platform offers."""

    strategy: str
    declared_fields: tuple[str, ...]
    available_fields: tuple[str, ...]
    latency_profile: str
    known_latency_profiles: tuple[str, ...]
    parameters: tuple[ParameterSpec, ...]


@attrs.frozen(kw_only=True)
class CorrectnessEvidence:
    """Gate B input: the alpha's own test run and one deterministic smoke session."""

    tests_ran: int
    tests_failed: int
    tests_timed_out: bool
    smoke_completed: bool
    replay_violations: int


@attrs.frozen(kw_only=True)
class BacktestEvidence:
    """Gate C input: a walk-forward research backtest and its stressed re-run.

    `source` is "research" or "runtime" (only research artifacts may score a promotion);
    `equity_source` is "fills" (built from actual fills) or "synthetic".
    """

    source: str
    equity_source: str
    out_of_sample: Scorecard
    fold_sharpes_milli: tuple[int, ...]
    stress: Scorecard


@attrs.frozen(kw_only=True)
class PromotionEvidence:
    """Gate D input: the full-sample scorecard, overlap with the live pool and replay parity."""

    scorecard: Scorecard
    max_pool_correlation_bps: int
    replay_parity_bps: int


@attrs.frozen(kw_only=True)
class ReadinessEvidence:
    """Gate E input: paper (or canary-shadow) sessions, their orders and alerts."""

    paper_sessions: int
    orders: int
    rejects: int
    drift_alerts: int
