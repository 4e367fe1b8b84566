"""Research artifact registry (content hashes, idempotent record) and retention."""

from __future__ import annotations

from pathlib import Path

from hft.app.alpha.artifacts import ExperimentRegistry, ResearchRun, run_id_of
from hft.app.alpha.gc import NS_PER_DAY, apply_gc, plan_gc
from hft.app.alpha.research import BacktestRequest, SyntheticMarketMaker

NOW = 1_700_000_000 * 1_000_000_000


def run(alpha_id: str, seed: int = 1) -> ResearchRun:
    req = BacktestRequest(
        alpha_id=alpha_id, strategy="p:C", symbol="2330", parameters=(), seed=seed, fold=0, folds=1
    )
    result = SyntheticMarketMaker(bars_per_fold=200).run(req)
    return ResearchRun(
        alpha_id=alpha_id,
        config={"seed": seed},
        base=[result],
        stress=[result],
        scorecard={"out_of_sample": {"sharpe_milli": 1}},
        returns=[0.1, -0.05],
        code_version="t",
    )


def test_record_is_idempotent_and_hashes_every_file(tmp_path: Path) -> None:
    """Recording the same run twice keeps the first; the manifest hashes each file."""
    registry = ExperimentRegistry(tmp_path)
    first = registry.record(run("a"), created_ns=NOW)
    again = registry.record(run("a"), created_ns=NOW + 5)
    assert again == first
    assert first.run_id == run_id_of(run("a"))
    assert sorted(first.files) == [
        "config.json",
        "equity.csv",
        "fills.csv",
        "returns.json",
        "scorecard.json",
    ]
    assert registry.verify(first) == []
    assert registry.returns(first) == [0.1, -0.05]
    assert [r.run_id for r in registry.runs()] == [first.run_id]


def test_verify_names_a_tampered_file(tmp_path: Path) -> None:
    """Changing a recorded file makes verify name it."""
    registry = ExperimentRegistry(tmp_path)
    record = registry.record(run("a"), created_ns=NOW)
    (record.path / "fills.csv").write_text("edited\n")
    assert registry.verify(record) == ["fills.csv"]


def test_gc_keeps_gate_c_promoted_and_young_runs(tmp_path: Path) -> None:
    """Old runs are deleted unless they passed gate C or belong to a promoted alpha."""
    registry = ExperimentRegistry(tmp_path)
    old = NOW - 40 * NS_PER_DAY
    passed = registry.record(run("a", 1), created_ns=old)
    promoted = registry.record(run("b", 2), created_ns=old)
    stale = registry.record(run("c", 3), created_ns=old)
    young = registry.record(run("c", 4), created_ns=NOW - NS_PER_DAY)
    plan = plan_gc(
        registry,
        protected_runs={passed.run_id},
        promoted_alphas={"b"},
        now_ns=NOW,
        keep_days=30,
    )
    assert [r.run_id for r in plan.delete] == [stale.run_id]
    assert {r.run_id: why for r, why in plan.keep} == {
        passed.run_id: "passed gate C",
        promoted.run_id: "alpha was promoted",
        young.run_id: "younger than 30 days",
    }
    assert len(registry.runs()) == 4  # planning deletes nothing
    assert apply_gc(registry, plan) == 1
    assert stale.run_id not in {r.run_id for r in registry.runs()}
