"""Thresholds file, spec file, metrics snapshots and the research stand-in's determinism."""

from __future__ import annotations

from pathlib import Path

import attrs
import pytest

from hft.app.alpha.canary import JsonMetricsSource
from hft.app.alpha.metrics import max_drawdown_bps, parity_bps, round_trip_pnls
from hft.app.alpha.research import BacktestRequest, Fill, SyntheticMarketMaker
from hft.app.alpha.spec import SpecError, load_spec
from hft.app.alpha.thresholds import ThresholdsError, load_config, parse_config
from hft.domain.canary import CanaryMetrics

REQ = BacktestRequest(
    alpha_id="a", strategy="p:C", symbol="2330", parameters=(), seed=3, fold=1, folds=5
)


def test_packaged_thresholds_match_the_documented_defaults() -> None:
    """gates.toml ships the issue's defaults and versions itself with its hash."""
    config = load_config()
    assert config.gates.backtest.min_drawdown_bps == -3_000
    assert config.gates.backtest.min_fold_consistency_bps == 6_000
    assert config.gates.promotion.min_sharpe_milli == 1_000
    assert config.gates.promotion.max_pool_correlation_bps == 7_000
    assert config.gates.promotion.min_replay_parity_bps == 9_500
    assert config.gates.readiness.max_reject_rate_bps == 100
    assert config.canary.tiers_bps == (500, 2_000, 5_000)
    assert config.version.endswith("+" + config.sha256[:12])


def test_thresholds_errors_name_the_problem(tmp_path: Path) -> None:
    """A missing key, a float or bad TOML is a ThresholdsError naming it."""
    good = (Path(load_config.__code__.co_filename).parent / "gates.toml").read_text()
    with pytest.raises(ThresholdsError, match="min_folds"):
        parse_config(good.replace("min_folds = 5", "").encode())
    with pytest.raises(ThresholdsError, match="integer"):
        parse_config(good.replace("min_folds = 5", "min_folds = 5.0").encode())
    with pytest.raises(ThresholdsError, match="TOML"):
        parse_config(b"[[[")
    with pytest.raises(ThresholdsError, match="cannot read"):
        load_config(tmp_path / "absent.toml")


def test_spec_errors_name_the_key(tmp_path: Path) -> None:
    """A spec without a strategy, or with a float parameter, is refused by key name."""
    path = tmp_path / "alpha.toml"
    path.write_text('id = "x"\nsymbol = "1"\ndata_fields = []\nlatency_profile = "colo"\n')
    with pytest.raises(SpecError, match="strategy"):
        load_spec(path)
    path.write_text(
        'id = "x"\nstrategy = "p:C"\nsymbol = "1"\ndata_fields = []\nlatency_profile = "colo"\n'
        "[parameters.k]\ndefault = 1.5\nlow = 0\nhigh = 2\n"
    )
    with pytest.raises(SpecError, match="default"):
        load_spec(path)
    with pytest.raises(SpecError, match="cannot read"):
        load_spec(tmp_path / "none.toml")


def test_json_metrics_source_reports_missing_as_none(tmp_path: Path) -> None:
    """No file is None; a non-integer field is None for that field only."""
    source = JsonMetricsSource(tmp_path)
    assert source.snapshot("mm") is None
    (tmp_path / "mm.json").write_text('{"fills": 5, "orders": "7", "errors": 0}')
    assert source.snapshot("mm") == CanaryMetrics(
        fills=5,
        orders=None,
        errors=0,
        slippage_vs_backtest_bps=None,
        drawdown_contribution_bps=None,
    )
    (tmp_path / "mm.json").write_text("[1")
    assert source.snapshot("mm") is None


def test_research_stand_in_is_deterministic_and_stress_costs_more() -> None:
    """The same request gives the same fills; the 1.5x stress run pays more fees."""
    engine = SyntheticMarketMaker(bars_per_fold=500)
    assert engine.run(REQ) == engine.run(REQ)
    stressed = engine.run(
        attrs.evolve(REQ, latency_multiplier_milli=1_500, fee_multiplier_milli=1_500)
    )
    base = engine.run(REQ)
    assert sum(f.fee_scaled for f in stressed.fills) > sum(f.fee_scaled for f in base.fills)
    assert base.engine == "research"
    assert base.equity_source == "fills"


def test_statistics_on_known_values() -> None:
    """Drawdown, FIFO round trips and fill parity on hand-computed examples."""
    assert max_drawdown_bps([100, 120, 90, 130]) == -2_500
    buy = Fill(ts_ns=1, side="B", price_scaled=100, qty=10, fee_scaled=10)
    sell = Fill(ts_ns=2, side="S", price_scaled=103, qty=10, fee_scaled=10)
    assert round_trip_pnls([buy, sell]) == [3 * 10 - 2 * 10]
    assert parity_bps([buy, sell], [buy]) == 5_000
    assert parity_bps([], []) == 10_000
