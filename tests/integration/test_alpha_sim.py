"""The simulator-backed alpha runners: the smoke session and the research fold, on the real
gateway over the simulated venue, with fills read back from the session's log."""

from __future__ import annotations

import functools
import json
import os
import random
import subprocess
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hft.app.alpha.research import BacktestRequest, BacktestResult
from hft.app.alpha.sim_runners import (
    SimResearchBacktest,
    SimSmokeRunner,
    fold_seed,
    nearest_preset,
)
from hft.app.alpha.sim_session import TaiwanFees, cash_flow
from hft.app.alpha.smoke import SmokeRequest
from hft.app.bootstrap.alpha import latency_menu, promotion_service
from hft.app.bootstrap.sim import SimConfig, build_sim_venue
from hft.app.strategies.market_maker import MarketMaker
from hft.app.strategy import StrategyContext
from hft.domain.market import QuoteReceived
from hft.domain.values import PRICE_SCALE, Instrument, Side

MM = "hft.app.strategies.market_maker:MarketMaker"
PARAMS = (("edge_ticks", 3), ("requote_ticks", 20), ("max_position", 2), ("qty", 1))
TICKS = 600
REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "examples" / "alpha_mm" / "alpha.toml"


class ExplodingMaker(MarketMaker):
    """A market maker whose 50th quote raises (an alpha bug mid-session)."""

    def __init__(self, **kw: int) -> None:
        super().__init__(**kw)
        self.seen = 0

    def on_quote(self, ctx: StrategyContext, quote: QuoteReceived) -> None:
        self.seen += 1
        if self.seen == 50:
            raise RuntimeError("alpha bug at quote 50")
        super().on_quote(ctx, quote)


def smoke_request(strategy: str = MM, seed: int = 7) -> SmokeRequest:
    return SmokeRequest(
        alpha_id="a", strategy=strategy, symbol="2330", parameters=PARAMS, seed=seed
    )


def fold_request(fold: int, *, latency: int = 1_000, fee: int = 1_000) -> BacktestRequest:
    return BacktestRequest(
        alpha_id="a",
        strategy=MM,
        symbol="2330",
        parameters=PARAMS,
        seed=7,
        fold=fold,
        folds=5,
        latency_multiplier_milli=latency,
        fee_multiplier_milli=fee,
    )


def research() -> SimResearchBacktest:
    return SimResearchBacktest(latency_menu=latency_menu(), ticks_per_fold=TICKS)


@functools.cache
def fold(k: int, latency: int = 1_000, fee: int = 1_000) -> BacktestResult:
    return research().run(fold_request(k, latency=latency, fee=fee))


def test_smoke_of_the_market_maker_completes_clean_and_is_deterministic() -> None:
    """Two smoke sessions of the real MarketMaker complete with zero replay violations,
    trade, and record the same state digest."""
    runner = SimSmokeRunner(ticks=TICKS)
    first, second = runner.run(smoke_request()), runner.run(smoke_request())
    assert (first.completed, first.replay_violations) == (True, 0)
    assert first.orders > 0
    assert len(first.fills) > 0
    assert len(first.log_digest) == 64
    assert first == second


def test_smoke_of_a_strategy_that_raises_is_not_completed() -> None:
    """A strategy raising mid-session gives completed=False naming the error; nothing raises."""
    result = SimSmokeRunner(ticks=TICKS).run(smoke_request(f"{__name__}:ExplodingMaker"))
    assert result.completed is False
    assert "alpha bug at quote 50" in result.log_digest


def test_smoke_of_a_strategy_that_cannot_be_built_is_not_completed() -> None:
    """An unknown parameter for the strategy class is a failed smoke, not an exception."""
    request = SmokeRequest(
        alpha_id="a", strategy=MM, symbol="2330", parameters=(("nope", 1),), seed=7
    )
    result = SimSmokeRunner(ticks=TICKS).run(request)
    assert (result.completed, result.fills) == (False, ())
    assert "nope" in result.log_digest


def test_research_fold_equity_ends_at_capital_plus_fill_cash_plus_marked_position() -> None:
    """The last equity point is exactly capital + every fill's cash flow + the position marked
    at the last mid (the fold's equity is built from its fills only)."""
    run = research().run_fold(fold_request(0))
    result = run.result
    assert (result.engine, result.equity_source) == ("research", "fills")
    assert len(result.equity_scaled) == len(run.step_mid) == TICKS
    assert result.fills
    position = sum(f.qty if f.side == "B" else -f.qty for f in result.fills)
    cash = sum(cash_flow(f) for f in result.fills)
    mark = position * run.step_mid[-1]
    assert result.equity_scaled[-1] == result.capital_scaled + cash + mark


def test_research_fills_are_stock_shares_with_taiwan_fees() -> None:
    """Each fill is whole 1,000-share lots of 2330 and pays 0.1425% (+0.3% tax on sells)."""
    for f in fold(0).fills:
        assert f.qty % 1_000 == 0
        rate = 1_425 + (3_000 if f.side == "S" else 0)
        assert f.fee_scaled == f.price_scaled * f.qty * rate // 1_000_000


def test_different_folds_are_different_market_slices() -> None:
    """Folds 0 and 1 run on different seeds: different fingerprints, fills and equity."""
    a, b = fold(0), fold(1)
    assert fold_seed(7, 0) == 7
    assert fold_seed(7, 1) != 7
    assert a.data_fingerprint != b.data_fingerprint
    assert a.fills != b.fills
    assert a.equity_scaled != b.equity_scaled


def test_research_fold_is_deterministic() -> None:
    """The same request run again gives an equal result, fill for fill."""
    assert research().run(fold_request(0)) == fold(0)


def test_more_fees_never_raise_final_equity_and_keep_the_fills() -> None:
    """At 1.5x and 3x fees the fills are the same executions and final equity is lower."""
    base, stressed, heavy = fold(0), fold(0, fee=1_500), fold(0, fee=3_000)
    key = [(f.ts_ns, f.side, f.price_scaled, f.qty) for f in base.fills]
    assert key == [(f.ts_ns, f.side, f.price_scaled, f.qty) for f in stressed.fills]
    assert base.equity_scaled[-1] > stressed.equity_scaled[-1] > heavy.equity_scaled[-1]


def test_latency_below_one_market_step_leaves_the_fills_unchanged() -> None:
    """At 500x colo the fold runs on the shioaji-sim preset (a different fingerprint), but
    every delay is shorter than the 50 ms market step, so the executions are the same."""
    slow = fold(0, latency=500_000)
    assert slow.data_fingerprint != fold(0).data_fingerprint
    assert slow.fills == fold(0).fills


def test_latency_beyond_a_market_step_changes_the_fold() -> None:
    """On a 5 ms market step the shioaji-sim delays (9-23 ms) span steps: the fold's
    executions and final equity change."""
    fast_market = SimResearchBacktest(
        latency_menu=latency_menu(), ticks_per_fold=TICKS, quote_interval_ns=5_000_000
    )
    base = fast_market.run(fold_request(0))
    slow = fast_market.run(fold_request(0, latency=500_000))
    assert slow.fills != base.fills
    assert slow.equity_scaled[-1] != base.equity_scaled[-1]


def test_smoke_and_research_fold_zero_fills_agree() -> None:
    """The smoke session and research fold 0 (same seed, window and preset) trade the same
    executions: replay parity 100% on the simulated venue."""
    smoke = SimSmokeRunner(ticks=TICKS).run(smoke_request())
    key = sorted((f.ts_ns, f.side, f.price_scaled, f.qty) for f in smoke.fills)
    assert key == sorted((f.ts_ns, f.side, f.price_scaled, f.qty) for f in fold(0).fills)


MENU = latency_menu()
PRESETS = [name for name, _ in MENU]


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(PRESETS), st.integers(0, 10**7), st.integers(0, 10**7))
def test_a_larger_latency_multiplier_never_picks_a_faster_preset(
    base: str, low: int, high: int
) -> None:
    """nearest_preset is non-decreasing in the multiplier (mean delay of the pick)."""
    low, high = sorted((low, high))
    means = dict(MENU)
    assert means[nearest_preset(MENU, base, low)] <= means[nearest_preset(MENU, base, high)]


def test_unit_multiplier_keeps_the_base_preset() -> None:
    """1x latency is the base preset itself, for every preset."""
    assert [nearest_preset(MENU, name, 1_000) for name in PRESETS] == PRESETS


def _stock() -> Instrument:
    found = build_sim_venue(SimConfig(symbols=("2330",))).reference.instrument("2330")
    assert found is not None
    return found


STOCK = _stock()


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from([Side.BUY, Side.SELL]),
    st.integers(1, 2_000 * PRICE_SCALE),
    st.integers(1, 500),
    st.integers(0, 5_000),
    st.integers(0, 5_000),
)
def test_fees_are_non_negative_and_non_decreasing_in_the_multiplier(
    side: Side, price: int, lots: int, low: int, high: int
) -> None:
    """A larger fee multiplier never gives a smaller fee, and no fee is negative."""
    low, high = sorted((low, high))
    fees = TaiwanFees()
    cheap = fees.fee_scaled(STOCK, side, price, lots, low)
    dear = fees.fee_scaled(STOCK, side, price, lots, high)
    assert 0 <= cheap <= dear


def test_promotion_service_defaults_to_the_simulator_runners(tmp_path: Path) -> None:
    """Without injected runners the pipeline runs on the simulator; HFT_ALPHA_ENGINE or
    fast=True picks the stand-ins."""
    real = promotion_service(root=tmp_path / "a", store_kind="popo")
    fast = promotion_service(root=tmp_path / "b", store_kind="popo", fast=True)
    assert isinstance(real.backtest, SimResearchBacktest)
    assert isinstance(real.smoke, SimSmokeRunner)
    assert type(fast.backtest).__name__ == "SyntheticMarketMaker"


def hft(state: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "HFT_STATE_DIR": str(state),
        "HFT_ALPHA_STORE": "sqlite",
        "HFT_ALPHA_ENGINE": "sim",
    }
    return subprocess.run(
        ["hft", "alpha", *args],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        cwd=REPO,
    )


def as_json(done: subprocess.CompletedProcess[str]) -> Any:
    return json.loads(done.stdout)


@pytest.mark.slow
def test_sample_alpha_reaches_canary_on_the_simulator(tmp_path: Path) -> None:
    """The sample alpha passes Gates A..E on the simulated venue (research engine, equity
    from fills, parity 100%) and is promoted to the first canary tier."""
    assert hft(tmp_path, "register", str(SAMPLE)).returncode == 0
    validated = hft(tmp_path, "validate", str(SAMPLE), "--json")
    assert validated.returncode == 0, validated.stdout + validated.stderr
    report = as_json(validated)
    assert report["passed"] is True
    measures = {
        (v["gate"], m["name"]): m["value"] for v in report["verdicts"] for m in v["measures"]
    }
    assert measures[("C", "research_artifacts")] == 1
    assert measures[("C", "equity_from_fills")] == 1
    assert measures[("D", "replay_parity")] == 10_000
    promoted = as_json(hft(tmp_path, "promote", "alpha_mm", "--json"))
    assert (promoted["status"], promoted["weight_bps"]) == ("canary", 500)


def write_ticks(path: Path, rows: int) -> Path:
    """Recorded 2330 ticks: a seeded walk on the 5 TWD grid pulled toward 1,100 TWD, one
    top-of-book row every 50 ms, a print at the touch on every third row."""
    rng = random.Random(11)
    price, lines = 1_100, ["ts,symbol,bid_px,ask_px,bid_qty,ask_qty,last_px,last_qty"]
    for i in range(rows):
        price += 5 * rng.choice((-1, 0, 1)) + (5 if price < 1_080 else -5 if price > 1_120 else 0)
        last = f"{price if i % 6 == 0 else price + 5},{rng.randint(1, 20)}" if i % 3 == 0 else ","
        lines.append(f"{(i + 1) * 50_000_000},2330,{price},{price + 5},50,50,{last}")
    path.write_text("\n".join(lines) + "\n")
    return path


def test_recorded_ticks_split_into_contiguous_folds(tmp_path: Path) -> None:
    """With a data file, fold k runs on the k-th third of its rows: folds differ, each fold's
    equity is built from its fills, and the smoke session trades fold 0's executions."""
    data = write_ticks(tmp_path / "ticks.csv", 900)
    runner = SimResearchBacktest(latency_menu=latency_menu(), data_file=data)
    runs = [runner.run_fold(attrs.evolve(fold_request(k), folds=3)) for k in range(3)]
    assert len({r.result.data_fingerprint for r in runs}) == 3
    assert [len(r.step_mid) for r in runs] == [300, 300, 300]
    first = runs[0].result
    assert first.fills
    position = sum(f.qty if f.side == "B" else -f.qty for f in first.fills)
    cash = sum(cash_flow(f) for f in first.fills)
    assert first.equity_scaled[-1] == first.capital_scaled + cash + position * runs[0].step_mid[-1]
    smoke = SimSmokeRunner(data_file=data, data_folds=3).run(smoke_request())
    assert (smoke.completed, smoke.replay_violations) == (True, 0)
    assert [(f.ts_ns, f.side, f.price_scaled, f.qty) for f in smoke.fills] == [
        (f.ts_ns, f.side, f.price_scaled, f.qty) for f in first.fills
    ]
    assert all(r.result.fills for r in runs)


def test_parquet_ticks_fold_like_the_same_csv(tmp_path: Path) -> None:
    """A Parquet copy of the recorded ticks gives fold 1 the same executions as the CSV."""
    import pyarrow.csv as pacsv  # noqa: PLC0415  (slow import, only this test)
    import pyarrow.parquet as pq  # noqa: PLC0415

    data = write_ticks(tmp_path / "ticks.csv", 600)
    table = pacsv.read_csv(
        data, convert_options=pacsv.ConvertOptions(column_types={"symbol": "string"})
    )
    pq.write_table(table, tmp_path / "ticks.parquet")
    request = attrs.evolve(fold_request(1), folds=2)
    from_csv = SimResearchBacktest(latency_menu=latency_menu(), data_file=data).run(request)
    from_parquet = SimResearchBacktest(
        latency_menu=latency_menu(), data_file=tmp_path / "ticks.parquet"
    ).run(request)
    assert from_csv.fills
    assert from_parquet.fills == from_csv.fills
    assert from_parquet.equity_scaled == from_csv.equity_scaled


def test_a_fold_with_no_market_steps_is_a_named_error(tmp_path: Path) -> None:
    """A data file too short to give every fold a row fails the empty fold with ValueError."""
    data = write_ticks(tmp_path / "ticks.csv", 2)
    runner = SimResearchBacktest(latency_menu=latency_menu(), data_file=data)
    with pytest.raises(ValueError, match="no market steps"):
        runner.run(attrs.evolve(fold_request(0), folds=5))
