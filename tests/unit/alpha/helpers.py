"""Builders for pipeline tests: a service on a chosen recorder with a fast stand-in engine."""

from __future__ import annotations

import json
from pathlib import Path

from hft.adapters.memory.clock import VirtualClock
from hft.app.alpha.research import SyntheticMarketMaker
from hft.app.alpha.service import PromotionService
from hft.app.alpha.spec import AlphaSpec, load_spec
from hft.app.alpha.store import stream_id_for
from hft.app.bootstrap.alpha import promotion_service
from hft.domain.gates import GATE_ORDER, GateVerdict, Measure
from hft.domain.promotion_commands import record_gate, register_alpha

SPEC_TEXT = """
id = "{alpha_id}"
kind = "{kind}"
strategy = "hft.app.strategies.market_maker:MarketMaker"
symbol = "2330"
data_fields = ["bid_px", "ask_px"]
latency_profile = "colo"
tests = "tests"
seed = 7
[parameters.edge_ticks]
default = {edge}
low = 0
high = 10
"""

HEALTHY = {
    "fills": 500,
    "orders": 1000,
    "errors": 1,
    "slippage_vs_backtest_bps": 5,
    "drawdown_contribution_bps": -20,
}


def write_spec(
    directory: Path, alpha_id: str = "mm", edge: int = 1, kind: str = "rule"
) -> AlphaSpec:
    """A spec with one trivial passing test of its own, written under `directory`."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "alpha.toml"
    path.write_text(SPEC_TEXT.format(alpha_id=alpha_id, edge=edge, kind=kind))
    tests = directory / "tests"
    tests.mkdir(exist_ok=True)
    (tests / "test_own.py").write_text("def test_it():\n    assert 1 + 1 == 2\n")
    return load_spec(path)


def make_service(
    root: Path, store_kind: str, clock: VirtualClock | None = None
) -> PromotionService:
    return promotion_service(
        root=root,
        store_kind=store_kind,
        backtest=SyntheticMarketMaker(bars_per_fold=600),
        clock=clock or VirtualClock(start_ns=1_700_000_000_000_000_000),
    )


def write_metrics(root: Path, alpha_id: str, metrics: dict[str, int] | None = None) -> None:
    directory = root / "canary-metrics"
    directory.mkdir(parents=True, exist_ok=True)
    (directory / f"{alpha_id}.json").write_text(json.dumps(metrics or HEALTHY))


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
