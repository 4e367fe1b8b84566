"""Plain-data views (JSON-able dicts) of pipeline objects, for `--json` and tables."""

from __future__ import annotations

from typing import Any

import attrs

from hft.app.alpha.artifacts import ExperimentRecord
from hft.app.alpha.service import ValidationReport
from hft.domain.canary import CanaryDecision
from hft.domain.gates import GateVerdict
from hft.domain.promotion import AlphaPromotion


def state_view(state: AlphaPromotion) -> dict[str, Any]:
    return {
        "alpha_id": state.alpha_id,
        "kind": state.kind,
        "strategy": state.strategy,
        "status": state.status.value,
        "version": state.version,
        "round": state.round,
        "passed_gates": [g.value for g in state.passed_gates],
        "weight_bps": state.weight_bps,
        "tiers_bps": list(state.tiers_bps),
        "reasons": list(state.reasons),
    }


def verdict_view(verdict: GateVerdict) -> dict[str, Any]:
    return {
        "gate": verdict.gate.value,
        "passed": verdict.passed,
        "measures": [attrs.asdict(m) | {"passed": m.passed} for m in verdict.measures],
    }


def report_view(report: ValidationReport) -> dict[str, Any]:
    return {
        "alpha_id": report.alpha_id,
        "passed": report.passed,
        "run_id": report.run_id,
        "tests_output": report.tests_output,
        "verdicts": [verdict_view(v) for v in report.verdicts],
    }


def decision_view(decision: CanaryDecision, state: AlphaPromotion) -> dict[str, Any]:
    return {
        "alpha_id": state.alpha_id,
        "action": decision.action.value,
        "reasons": list(decision.reasons),
        "status": state.status.value,
        "weight_bps": state.weight_bps,
    }


def experiment_view(record: ExperimentRecord, bad_files: list[str] | None = None) -> dict[str, Any]:
    view = {
        "run_id": record.run_id,
        "alpha_id": record.alpha_id,
        "created_ns": record.created_ns,
        "code_version": record.code_version,
        "data_fingerprints": list(record.data_fingerprints),
        "files": dict(record.files),
        "scorecard": dict(record.scorecard),
        "path": str(record.path),
    }
    if bad_files is not None:
        view["intact"] = not bad_files
        view["bad_files"] = bad_files
    return view
