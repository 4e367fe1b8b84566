"""Gate thresholds: integers in the units of `hft.domain.scorecard` (bps, milli-units).

Defaults are the documented policy; the reviewed, versioned values ship in the app's
`gates.toml` and are loaded into these classes.
"""

from __future__ import annotations

import attrs


@attrs.frozen(kw_only=True)
class BacktestThresholds:
    """Gate C: out-of-sample floors, fold consistency, and the stress run's multiplier."""

    min_oos_sharpe_milli: int = 0
    min_drawdown_bps: int = -3_000
    min_fold_consistency_bps: int = 6_000
    min_folds: int = 5
    stress_multiplier_milli: int = 1_500


@attrs.frozen(kw_only=True)
class PromotionThresholds:
    """Gate D: full-sample floors, the turnover bound, pool correlation and replay parity."""

    min_sharpe_milli: int = 1_000
    min_drawdown_bps: int = -2_000
    max_turnover_bps: int = 50_000_000
    max_pool_correlation_bps: int = 7_000
    min_replay_parity_bps: int = 9_500


@attrs.frozen(kw_only=True)
class ReadinessThresholds:
    """Gate E: paper sessions, reject rate and drift alerts."""

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
