"""Gathers and judges one gate at a time for `PromotionService.validate`.

Gates run in order and later gates reuse earlier evidence: B's smoke session feeds D's
replay parity; C's research run feeds D's scorecard and pool correlation. Every input is
named by content hash in `inputs[gate]`, which the gate's event records.
"""

from __future__ import annotations

from collections.abc import Callable

import attrs

from hft.app.alpha import evidence
from hft.app.alpha.artifacts import ExperimentRegistry
from hft.app.alpha.research import BacktestRunner
from hft.app.alpha.smoke import SmokeResult, SmokeRunner, run_alpha_tests
from hft.app.alpha.spec import AlphaSpec
from hft.app.alpha.thresholds import PipelineConfig
from hft.domain.gates import Gate, GateVerdict, gate_a, gate_b, gate_c, gate_d, gate_e
from hft.domain.scorecard import BacktestEvidence, CorrectnessEvidence, PromotionEvidence
from hft.ports.clock import Clock


@attrs.define(kw_only=True)
class GateEvidence:
    """One validation round's evidence; `evaluate` gates in order A..E."""

    spec: AlphaSpec
    backtest: BacktestRunner
    smoke: SmokeRunner
    registry: ExperimentRegistry
    clock: Clock
    config: PipelineConfig
    code_version: str
    test_timeout_s: float
    latency_profiles: tuple[str, ...]
    pool_returns: Callable[[], list[list[float]]]
    inputs: dict[Gate, tuple[str, ...]] = attrs.Factory(dict)
    run_id: str = ""
    smoke_result: SmokeResult | None = None
    outcome: evidence.ResearchOutcome | None = None
    tests_output: str = ""

    def evaluate(self, gate: Gate) -> GateVerdict:
        """Gather `gate`'s evidence (running what it needs) and judge it."""
        th, spec = self.config.gates, self.spec
        if gate is Gate.FEASIBILITY:
            self.inputs[gate] = (f"spec:{spec.sha256}",)
            return gate_a(spec.feasibility(self.latency_profiles), th)
        if gate is Gate.CORRECTNESS:
            return gate_b(self._correctness(), th)
        if gate is Gate.BACKTEST:
            return gate_c(self._research(), th)
        if gate is Gate.PROMOTION:
            return gate_d(self._promotion_evidence(), th)
        sessions = self.config.gates.readiness.min_paper_sessions
        readiness = evidence.paper_sessions(spec, self.smoke, sessions)
        self.inputs[gate] = (f"paper_sessions:{readiness.paper_sessions}", f"seed:{spec.seed}")
        return gate_e(readiness, th)

    def _correctness(self) -> CorrectnessEvidence:
        tests = run_alpha_tests(self.spec.tests_dir, self.test_timeout_s)
        self.tests_output = tests.output_tail
        smoke = self.smoke.run(evidence.smoke_request(self.spec, self.spec.seed))
        self.smoke_result = smoke
        self.inputs[Gate.CORRECTNESS] = (
            f"tests:{evidence.tree_sha256(self.spec.tests_dir)}",
            f"smoke_log:{smoke.log_digest}",
        )
        return CorrectnessEvidence(
            tests_ran=tests.ran,
            tests_failed=tests.failed,
            tests_timed_out=tests.timed_out,
            smoke_completed=smoke.completed,
            replay_violations=smoke.replay_violations,
        )

    def _research(self) -> BacktestEvidence:
        outcome = evidence.research(
            self.spec,
            self.backtest,
            folds=self.config.folds,
            stress_milli=self.config.gates.backtest.stress_multiplier_milli,
            code_version=self.code_version,
        )
        record = self.registry.record(outcome.run, self.clock.now_ns())
        self.outcome = outcome
        self.run_id = record.run_id
        prints = tuple(f"data:{p}" for p in record.data_fingerprints)
        self.inputs[Gate.BACKTEST] = (f"run:{record.run_id}", *prints)
        return outcome.evidence

    def _promotion_evidence(self) -> PromotionEvidence:
        outcome, smoke = self.outcome, self.smoke_result
        if outcome is None or smoke is None:
            raise RuntimeError("gate D evaluated before gates B and C")  # guarded by the domain
        pool = self.pool_returns()
        evidence_d = PromotionEvidence(
            scorecard=outcome.evidence.out_of_sample,
            max_pool_correlation_bps=evidence.max_pool_correlation_bps(outcome.run.returns, pool),
            replay_parity_bps=evidence.replay_parity_bps(outcome, smoke),
        )
        self.inputs[Gate.PROMOTION] = (f"run:{self.run_id}", f"pool_size:{len(pool)}")
        return evidence_d
