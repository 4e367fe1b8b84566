"""`hft alpha canary --every` runs bounded evaluations that move the gateway config."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from hft.app.cli.main import cli
from tests.unit.alpha.helpers import gated_alpha, write_metrics


def test_scheduler_mode_escalates_once_per_iteration(tmp_path: Path) -> None:
    """Two iterations with healthy metrics take the canary from 5% through 20% to 50%."""
    gated_alpha(tmp_path, "mm")
    runner = CliRunner()
    base = ["alpha", "--state-dir", str(tmp_path)]
    promoted = runner.invoke(
        cli, [*base, "promote", "mm", "--json"], env={"HFT_ALPHA_STORE": "sqlite"}
    )
    assert promoted.exit_code == 0, promoted.output
    write_metrics(tmp_path, "mm")
    done = runner.invoke(
        cli,
        [*base, "canary", "--every", "0", "--iterations", "2", "--json"],
        env={"HFT_ALPHA_STORE": "sqlite"},
    )
    assert done.exit_code == 0, done.output
    batches = [json.loads(line) for line in done.output.splitlines()]
    assert [b[0]["weight_bps"] for b in batches] == [2_000, 5_000]
    config = json.loads((tmp_path / "gateway" / "strategies.json").read_text())
    assert config["strategies"]["mm"]["weight_bps"] == 5_000


def test_breach_rolls_back_with_exit_1(tmp_path: Path) -> None:
    """A slippage breach rolls the canary back, restores the config (absent) and exits 1."""
    gated_alpha(tmp_path, "mm")
    runner = CliRunner()
    base = ["alpha", "--state-dir", str(tmp_path)]
    env = {"HFT_ALPHA_STORE": "sqlite"}
    assert runner.invoke(cli, [*base, "promote", "mm"], env=env).exit_code == 0
    write_metrics(
        tmp_path,
        "mm",
        {
            "fills": 500,
            "orders": 1000,
            "errors": 0,
            "slippage_vs_backtest_bps": 80,
            "drawdown_contribution_bps": 0,
        },
    )
    done = runner.invoke(cli, [*base, "canary", "mm", "--evaluate", "--json"], env=env)
    assert done.exit_code == 1
    assert json.loads(done.output)[0]["reasons"] == ["slippage 80 bps > 50"]
    assert not (tmp_path / "gateway" / "strategies.json").exists()  # as before promotion
