"""Gathers each gate's evidence from the runners, the registry and the live pool.

Floats (statistics) stay here and in `metrics`; what goes to the domain is scaled ints.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path

import attrs

from hft.app.alpha.artifacts import ResearchRun
from hft.app.alpha.metrics import correlation, daily_returns, parity_bps, scorecard_of
from hft.app.alpha.research import BacktestRequest, BacktestResult, BacktestRunner
from hft.app.alpha.smoke import SmokeRequest, SmokeResult, SmokeRunner
from hft.app.alpha.spec import AlphaSpec
from hft.domain.scorecard import BPS, BacktestEvidence, ReadinessEvidence


@attrs.frozen(kw_only=True)
class ResearchOutcome:
    """The walk-forward runs, their scorecards and the Gate C evidence built from them."""

    run: ResearchRun
    evidence: BacktestEvidence


def _request(spec: AlphaSpec, fold: int, folds: int, stress_milli: int) -> BacktestRequest:
    return BacktestRequest(
        alpha_id=spec.alpha_id,
        strategy=spec.strategy,
        symbol=spec.symbol,
        parameters=spec.parameter_values(),
        seed=spec.seed,
        fold=fold,
        folds=folds,
        latency_multiplier_milli=stress_milli,
        fee_multiplier_milli=stress_milli,
    )


def _engine_of(results: Sequence[BacktestResult]) -> tuple[str, str]:
    engine = "research" if all(r.engine == "research" for r in results) else "runtime"
    equity = "fills" if all(r.equity_source == "fills" for r in results) else "synthetic"
    return engine, equity


def research(
    spec: AlphaSpec, runner: BacktestRunner, *, folds: int, stress_milli: int, code_version: str
) -> ResearchOutcome:
    """Walk-forward over `folds` folds, then the same folds at `stress_milli` latency/fees."""
    base = [runner.run(_request(spec, k, folds, 1_000)) for k in range(folds)]
    stress = [runner.run(_request(spec, k, folds, stress_milli)) for k in range(folds)]
    oos, stressed = scorecard_of(base), scorecard_of(stress)
    fold_sharpes = tuple(scorecard_of([b]).sharpe_milli for b in base)
    engine, equity = _engine_of([*base, *stress])
    config = {
        "alpha_id": spec.alpha_id,
        "strategy": spec.strategy,
        "symbol": spec.symbol,
        "parameters": dict(spec.parameter_values()),
        "seed": spec.seed,
        "folds": folds,
        "stress_multiplier_milli": stress_milli,
        "spec_sha256": spec.sha256,
        "engine": engine,
    }
    card = {
        "out_of_sample": attrs.asdict(oos),
        "stress": attrs.asdict(stressed),
        "fold_sharpes_milli": list(fold_sharpes),
    }
    returns = [r for res in base for r in daily_returns(res)]
    run = ResearchRun(
        alpha_id=spec.alpha_id,
        config=config,
        base=base,
        stress=stress,
        scorecard=card,
        returns=returns,
        code_version=code_version,
    )
    evidence = BacktestEvidence(
        source=engine,
        equity_source=equity,
        out_of_sample=oos,
        fold_sharpes_milli=fold_sharpes,
        stress=stressed,
    )
    return ResearchOutcome(run=run, evidence=evidence)


def smoke_request(spec: AlphaSpec, seed: int) -> SmokeRequest:
    return SmokeRequest(
        alpha_id=spec.alpha_id,
        strategy=spec.strategy,
        symbol=spec.symbol,
        parameters=spec.parameter_values(),
        seed=seed,
    )


def replay_parity_bps(outcome: ResearchOutcome, smoke: SmokeResult) -> int:
    """Parity of the runtime smoke session against the research run of the same seed/window."""
    return parity_bps(outcome.run.base[0].fills, smoke.fills)


def max_pool_correlation_bps(returns: Sequence[float], pool: Sequence[Sequence[float]]) -> int:
    """The highest correlation with any live-pool member's daily returns (0 for an empty pool)."""
    return max((round(correlation(returns, other) * BPS) for other in pool), default=0)


def paper_sessions(spec: AlphaSpec, runner: SmokeRunner, sessions: int) -> ReadinessEvidence:
    """Stand-in paper trading: `sessions` simulator sessions on fresh seeds. A session that did
    not complete or replayed with violations counts as a drift alert."""
    results = [runner.run(smoke_request(spec, spec.seed + 1 + i)) for i in range(sessions)]
    return ReadinessEvidence(
        paper_sessions=sum(1 for r in results if r.completed),
        orders=sum(r.orders for r in results),
        rejects=sum(r.rejects for r in results),
        drift_alerts=sum(1 for r in results if not r.completed or r.replay_violations),
    )


def tree_sha256(directory: Path) -> str:
    """A content hash of every file under `directory` (paths and bytes), "" if absent."""
    if not directory.is_dir():
        return ""
    digest = hashlib.sha256()
    for path in sorted(
        p for p in directory.rglob("*") if p.is_file() and "__pycache__" not in p.parts
    ):
        digest.update(str(path.relative_to(directory)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()
