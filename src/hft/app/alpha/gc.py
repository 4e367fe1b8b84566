"""Retention of research artifacts: keep what mattered, delete the rest after N days.

Kept forever: any run that an alpha's Gate C passed on, and every run of an alpha that was
ever promoted. Everything else older than `keep_days` (by the injected clock) is deleted.
"""

from __future__ import annotations

from collections.abc import Set

import attrs

from hft.app.alpha.artifacts import ExperimentRecord, ExperimentRegistry

NS_PER_DAY = 86_400 * 1_000_000_000


@attrs.frozen(kw_only=True)
class GcPlan:
    """What a collection keeps and deletes (run ids), and why each kept run is kept."""

    delete: tuple[ExperimentRecord, ...]
    keep: tuple[tuple[ExperimentRecord, str], ...]


def plan_gc(
    registry: ExperimentRegistry,
    *,
    protected_runs: Set[str],
    promoted_alphas: Set[str],
    now_ns: int,
    keep_days: int,
) -> GcPlan:
    """Decide, without touching anything."""
    cutoff = now_ns - keep_days * NS_PER_DAY
    delete, keep = [], []
    for record in registry.runs():
        if record.run_id in protected_runs:
            keep.append((record, "passed gate C"))
        elif record.alpha_id in promoted_alphas:
            keep.append((record, "alpha was promoted"))
        elif record.created_ns >= cutoff:
            keep.append((record, f"younger than {keep_days} days"))
        else:
            delete.append(record)
    return GcPlan(delete=tuple(delete), keep=tuple(keep))


def apply_gc(registry: ExperimentRegistry, plan: GcPlan) -> int:
    """Delete the planned runs; returns how many were deleted."""
    for record in plan.delete:
        registry.delete(record)
    return len(plan.delete)
