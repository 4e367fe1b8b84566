"""The metrics snapshot of a running gateway."""

from __future__ import annotations

from typing import TYPE_CHECKING

from hft.app.gateway.metrics import MetricsSnapshot

if TYPE_CHECKING:
    from hft.app.gateway.service import Gateway


def snapshot(gateway: Gateway) -> MetricsSnapshot:
    core = gateway.core
    counters = core.counters
    hist = counters.dispatch_latency
    return MetricsSnapshot(
        ts_ns=core.now(),
        policy_mode=core.state.policy.mode.value,
        submitted=counters.submitted,
        accepted=counters.accepted,
        dispatched=counters.dispatched,
        fills=counters.fills,
        rejects_by_reason=dict(sorted(counters.rejects.items())),
        dedup_hits=counters.dedup_hits,
        channel_depth=gateway.channel.depth,
        dlq_size=gateway.channel.dlq_size,
        dlq_overflow=gateway.channel.dlq_overflow,
        outbox_depth=len(gateway._outbox) + len(gateway._accepted),
        exposure_global=core.state.book.total,
        open_intents=core.state.open_intents,
        dispatch_latency=hist.as_dict(),
        dispatch_p50_us=hist.quantile_upper_ns(0.5) / 1_000,
        dispatch_p99_us=hist.quantile_upper_ns(0.99) / 1_000,
    )
