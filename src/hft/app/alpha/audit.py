"""Audit rows of the promotion history, one per event, shaped as `schemas/audit.sql` tables.

Tables: `alpha_gate_results` (gate evaluations), `promotions` (registration, promotion,
going live, rollback) and `canary_actions` (escalations and holds). Keyed by
(`log_id` = "alpha:<alpha_id>", `seq` = the event's version), times in integer ns (the
loader converts with fromUnixTimestamp64Nano). Each row also names its `table`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import attrs

from hft.domain.catalog import event_registry
from hft.domain.events import DomainEvent
from hft.domain.promotion import AlphaPromotion, evolve
from hft.domain.promotion_events import (
    AlphaPromoted,
    AlphaRegistered,
    CanaryEscalated,
    CanaryHeld,
    GateEvaluated,
)


def _base(event: DomainEvent, alpha_id: str, actor: str) -> dict[str, Any]:
    return {
        "log_id": f"alpha:{alpha_id}",
        "seq": event.originator_version,
        "ts_event": event.ts_event_ns,
        "ts_init": event.ts_init_ns,
        "alpha_id": alpha_id,
        "type": event_registry().of(event).name,
        "actor": actor,
    }


def _gate_detail(event: GateEvaluated) -> str:
    return json.dumps(
        {
            "round": event.round,
            "thresholds_version": event.thresholds_version,
            "input_hashes": list(event.input_hashes),
            "measures": [attrs.asdict(m) for m in event.measures],
        },
        sort_keys=True,
    )


def _reason(event: DomainEvent) -> str:
    if isinstance(event, AlphaRegistered):
        return f"{event.kind} alpha {event.strategy} spec {event.spec_sha256[:12]}"
    if isinstance(event, AlphaPromoted):
        return f"gates A-E passed in round {event.round}; weight {event.weight_bps} bps"
    reasons = "; ".join(getattr(event, "reasons", ()))
    after = getattr(event, "config_after_sha256", "")
    return f"{reasons} [config {after[:12]}]" if after else reasons


def audit_row(event: DomainEvent, state: AlphaPromotion) -> dict[str, Any]:
    """The row of one event; `state` is the promotion state right after it."""
    alpha_id, actor = state.alpha_id, str(getattr(event, "actor", ""))
    row = _base(event, alpha_id, actor)
    if isinstance(event, GateEvaluated):
        row |= {"table": "alpha_gate_results", "gate": event.gate, "passed": event.passed}
        row["detail"] = _gate_detail(event)
    elif isinstance(event, CanaryEscalated | CanaryHeld):
        row |= {"table": "canary_actions", "tier": str(event.weight_bps)}
        row["reason"] = _reason(event)
    else:
        row |= {"table": "promotions", "stage": state.status.value, "reason": _reason(event)}
    return row


def audit_rows(events: Sequence[DomainEvent]) -> list[dict[str, Any]]:
    """Rows of a whole stream, in event order (one row per event, nothing else)."""
    rows, state = [], None
    for event in events:
        state = evolve(state, event)
        rows.append(audit_row(event, state))
    return rows
