"""`hft alpha canary --every` runs bounded evaluations that move the gateway config."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from hft.app.alpha.store import stream_id_for
from hft.app.bootstrap.alpha import promotion_service
from hft.app.cli.main import cli
from hft.domain.gates import GATE_ORDER, GateVerdict, Measure
from hft.domain.promotion_commands import record_gate, register_alpha
from tests.unit.alpha.helpers import write_metrics


def gated_alpha(root: Path, alpha_id: str) -> None:
    """An alpha whose five gates passed, recorded straight into the SQLite store."""
    service = promotion_service(root=root, store_kind="sqlite")
    service.store.append(
        register_alpha(
            None,
            stream_id=stream_id_for(alpha_id),
            alpha_id=alpha_id,
            kind="rule",
            strategy="p:MM",
            spec_sha256="0" * 64,
            artifacts=(),
            ts_ns=1,
        )
    )
    ok = Measure(name="ok", value=1, threshold=1, rule="eq", unit="bool")
    for gate in GATE_ORDER:
        verdict = GateVerdict(gate=gate, measures=(ok,))
        event = record_gate(
            service.store.get(alpha_id),
            verdict,
            input_hashes=(),
            thresholds_version="t",
            ts_ns=2,
        )
        service.store.append(event)


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
