"""PromotionService: runs the gates, promotes, evaluates canaries and rolls back.

Every decision is decided by the pure domain and appended to the promotion store before
anything else reads it; config changes are written first and named by hash in the event,
so an audit row always points at the exact config that was in force. Blocking (runs
backtests and subprocesses); one caller at a time per alpha (the store refuses a second
writer's conflicting version with IntegrityError and stores nothing).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import attrs
from eventsourcing.persistence import IntegrityError

from hft.app.alpha.artifacts import ExperimentRegistry
from hft.app.alpha.audit import audit_rows
from hft.app.alpha.canary import CanaryMetricsSource
from hft.app.alpha.gateway_config import StrategyConfigFile
from hft.app.alpha.gating import GateEvidence
from hft.app.alpha.research import BacktestRunner
from hft.app.alpha.smoke import SmokeRunner
from hft.app.alpha.spec import DEFAULT_LATENCY_PROFILES, AlphaSpec
from hft.app.alpha.store import PromotionStore, stream_id_for
from hft.app.alpha.thresholds import PipelineConfig
from hft.domain import promotion_commands as cmd
from hft.domain.canary import CanaryAction, CanaryDecision, decide_canary
from hft.domain.errors import InvalidTransition
from hft.domain.events import DomainEvent
from hft.domain.gates import Gate, GateVerdict
from hft.domain.promotion import AlphaPromotion, ConfigChange, PromotionStatus
from hft.domain.promotion_events import AlphaPromoted, GateEvaluated
from hft.ports.clock import Clock

POOL_STATUSES = (PromotionStatus.CANARY, PromotionStatus.HELD, PromotionStatus.LIVE)


@attrs.frozen(kw_only=True)
class ValidationReport:
    """The verdicts recorded by one `validate` call, in gate order (stops at the first fail)."""

    alpha_id: str
    verdicts: tuple[GateVerdict, ...]
    run_id: str
    tests_output: str = ""

    @property
    def passed(self) -> bool:
        return len(self.verdicts) == len(Gate) and all(v.passed for v in self.verdicts)


@attrs.define(kw_only=True)
class PromotionService:
    """The pipeline, over injected ports. See module doc for ordering and blocking."""

    store: PromotionStore
    registry: ExperimentRegistry
    gateway_config: StrategyConfigFile
    backtest: BacktestRunner
    smoke: SmokeRunner
    metrics: CanaryMetricsSource
    clock: Clock
    config: PipelineConfig
    code_version: str
    test_timeout_s: float = 300.0
    latency_profiles: tuple[str, ...] = DEFAULT_LATENCY_PROFILES

    def register(
        self, spec: AlphaSpec, *, artifacts: tuple[str, ...] = (), actor: str = "pipeline"
    ) -> AlphaPromotion:
        """Open the alpha's stream (AlphaAlreadyRegistered if it exists)."""
        event = cmd.register_alpha(
            self.store.find(spec.alpha_id),
            stream_id=stream_id_for(spec.alpha_id),
            alpha_id=spec.alpha_id,
            kind=spec.kind,
            strategy=spec.strategy,
            spec_sha256=spec.sha256,
            artifacts=(f"spec:{spec.sha256}", *artifacts),
            ts_ns=self.clock.now_ns(),
            actor=actor,
        )
        self.store.append(event)
        return self.store.get(spec.alpha_id)

    def validate(
        self,
        spec: AlphaSpec,
        *,
        actor: str = "pipeline",
        on_verdict: Callable[[GateVerdict], None] | None = None,
    ) -> ValidationReport:
        """Evaluate gates A..E in order, recording each verdict; stop at the first failure."""
        if not self.store.get(spec.alpha_id).allows(GateEvaluated):
            raise InvalidTransition(self.store.get(spec.alpha_id).status.value, "validation")
        gating = GateEvidence(
            spec=spec,
            backtest=self.backtest,
            smoke=self.smoke,
            registry=self.registry,
            clock=self.clock,
            config=self.config,
            code_version=self.code_version,
            test_timeout_s=self.test_timeout_s,
            latency_profiles=self.latency_profiles,
            pool_returns=lambda: self._pool_returns(exclude=spec.alpha_id),
        )
        verdicts = []
        for gate in Gate:
            verdict = gating.evaluate(gate)
            state = self.store.get(spec.alpha_id)
            self.store.append(
                cmd.record_gate(
                    state,
                    verdict,
                    input_hashes=gating.inputs.get(gate, ()),
                    thresholds_version=self.config.version,
                    ts_ns=self.clock.now_ns(),
                    actor=actor,
                )
            )
            verdicts.append(verdict)
            if on_verdict is not None:
                on_verdict(verdict)
            if not verdict.passed:
                break
        return ValidationReport(
            alpha_id=spec.alpha_id,
            verdicts=tuple(verdicts),
            run_id=gating.run_id,
            tests_output=gating.tests_output,
        )

    def _pool_returns(self, exclude: str) -> list[list[float]]:
        members = [s.alpha_id for s in self.statuses() if s.status in POOL_STATUSES]
        return [self.latest_returns(a) for a in members if a != exclude]

    def latest_returns(self, alpha_id: str) -> list[float]:
        """Daily returns of the alpha's latest research run that passed Gate C ([] if none)."""
        run_ids = passed_backtest_runs(self.store.history(alpha_id))
        record = self.registry.find(run_ids[-1]) if run_ids else None
        return self.registry.returns(record) if record is not None else []

    def promote(self, alpha_id: str, *, actor: str = "pipeline") -> AlphaPromotion:
        """Promote at the first canary tier: the gateway config gets the weight first."""
        state = self.store.get(alpha_id)
        tiers = self.config.canary.tiers_bps
        # Decide on a placeholder change first so an illegal promotion writes no config.
        cmd.promote(state, tiers_bps=tiers, config=_NO_CHANGE, ts_ns=0)
        change = self.gateway_config.set_weight(alpha_id, state.strategy, tiers[0])
        event = cmd.promote(
            state, tiers_bps=tiers, config=change, ts_ns=self.clock.now_ns(), actor=actor
        )
        self._append_changed(event, change)
        return self.store.get(alpha_id)

    def evaluate_canary(self, alpha_id: str) -> tuple[CanaryDecision, AlphaPromotion]:
        """One canary evaluation: read the metrics snapshot, decide, apply, record."""
        state = self.store.get(alpha_id)
        if state.status not in (PromotionStatus.CANARY, PromotionStatus.HELD):
            raise InvalidTransition(state.status.value, "canary evaluation")
        decision = decide_canary(self.metrics.snapshot(alpha_id), self.config.canary)
        now = self.clock.now_ns()
        if decision.action is CanaryAction.ROLLBACK:
            return decision, self.rollback(alpha_id, reasons=decision.reasons)
        if decision.action is CanaryAction.HOLD:
            self.store.append(cmd.hold(state, reasons=decision.reasons, ts_ns=now))
            return decision, self.store.get(alpha_id)
        target = cmd.next_weight_bps(state)
        cmd.escalate(state, reasons=decision.reasons, config=_NO_CHANGE, ts_ns=now)
        change = self.gateway_config.set_weight(alpha_id, state.strategy, target)
        event = cmd.escalate(state, reasons=decision.reasons, config=change, ts_ns=now)
        self._append_changed(event, change)
        return decision, self.store.get(alpha_id)

    def rollback(
        self, alpha_id: str, *, reasons: tuple[str, ...], actor: str = "pipeline"
    ) -> AlphaPromotion:
        """Restore the alpha's config entry to before its last promotion, then record it."""
        state = self.store.get(alpha_id)
        now = self.clock.now_ns()
        cmd.roll_back(state, reasons=reasons, config=_NO_CHANGE, ts_ns=now, actor=actor)
        promoted = last_promotion(self.store.history(alpha_id))
        change = self.gateway_config.restore_entry(alpha_id, promoted.config_before_sha256)
        event = cmd.roll_back(state, reasons=reasons, config=change, ts_ns=now, actor=actor)
        self._append_changed(event, change)
        return self.store.get(alpha_id)

    def _append_changed(self, event: DomainEvent, change: ConfigChange) -> None:
        # Another writer recorded first: undo our config change so file and history agree.
        try:
            self.store.append(event)
        except IntegrityError:
            self.gateway_config.revert(change)
            raise

    def statuses(self) -> list[AlphaPromotion]:
        return [self.store.get(a) for a in self.store.alpha_ids()]

    def history(self, alpha_id: str) -> list[DomainEvent]:
        self.store.get(alpha_id)
        return self.store.history(alpha_id)

    def audit_rows(self, alpha_id: str) -> list[dict[str, Any]]:
        """One audit-table row per event of the alpha, in order (see `audit.audit_rows`)."""
        return audit_rows(self.history(alpha_id))

    def retention_inputs(self) -> tuple[set[str], set[str]]:
        """Run ids that passed gate C, and alphas that were ever promoted (both kept by gc)."""
        runs: set[str] = set()
        promoted: set[str] = set()
        for alpha_id in self.store.alpha_ids():
            history = self.store.history(alpha_id)
            runs.update(passed_backtest_runs(history))
            if any(isinstance(e, AlphaPromoted) for e in history):
                promoted.add(alpha_id)
        return runs, promoted


_NO_CHANGE = ConfigChange(before_sha256="", after_sha256="")


def passed_backtest_runs(history: list[DomainEvent]) -> list[str]:
    """Research run ids that a passing Gate C read, oldest first."""
    return [
        h.removeprefix("run:")
        for e in history
        if isinstance(e, GateEvaluated) and e.gate == Gate.BACKTEST.value and e.passed
        for h in e.input_hashes
        if h.startswith("run:")
    ]


def last_promotion(history: list[DomainEvent]) -> AlphaPromoted:
    promotions = [e for e in history if isinstance(e, AlphaPromoted)]
    if not promotions:
        raise LookupError("no promotion in this history")  # the domain refuses rollback first
    return promotions[-1]
