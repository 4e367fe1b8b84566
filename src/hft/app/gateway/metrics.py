"""Gateway metrics: a dispatch latency histogram and counters, read as one snapshot."""

from __future__ import annotations

import bisect
from array import array
from collections import Counter
from collections.abc import Mapping

import attrs

# 1 us .. 5 ms, upper bounds in nanoseconds; one overflow bucket beyond the last.
LATENCY_BUCKETS_NS: tuple[int, ...] = tuple(
    us * 1_000 for us in (1, 2, 5, 10, 20, 50, 100, 200, 500, 1_000, 2_000, 5_000)
)


class LatencyHistogram:
    """Fixed buckets (1 us .. 5 ms, plus overflow); constant memory, O(log buckets) record."""

    def __init__(self, bounds_ns: tuple[int, ...] = LATENCY_BUCKETS_NS) -> None:
        self.bounds_ns = bounds_ns
        self.counts = [0] * (len(bounds_ns) + 1)
        self.total = 0
        self.max_ns = 0

    def record(self, latency_ns: int) -> None:
        self.counts[bisect.bisect_left(self.bounds_ns, latency_ns)] += 1
        self.total += 1
        self.max_ns = max(self.max_ns, latency_ns)

    def quantile_upper_ns(self, q: float) -> int:
        """The upper bound of the bucket holding quantile `q` (overflow reports the max)."""
        if self.total == 0:
            return 0
        rank = q * self.total
        seen = 0
        for i, count in enumerate(self.counts):
            seen += count
            if seen >= rank and count:
                return self.bounds_ns[i] if i < len(self.bounds_ns) else self.max_ns
        return self.max_ns

    def as_dict(self) -> dict[str, int]:
        labels = [f"le_{b // 1_000}us" for b in self.bounds_ns] + ["overflow"]
        return dict(zip(labels, self.counts, strict=True))


@attrs.frozen
class MetricsSnapshot:
    """What an operator sees at one instant. Counts are totals since the gateway started."""

    ts_ns: int
    policy_mode: str
    submitted: int
    accepted: int
    dispatched: int
    fills: int
    rejects_by_reason: Mapping[str, int]
    dedup_hits: int
    channel_depth: int
    dlq_size: int
    dlq_overflow: int
    outbox_depth: int
    exposure_global: int
    open_intents: int
    dispatch_latency: Mapping[str, int]
    dispatch_p50_us: float
    dispatch_p99_us: float


class GatewayCounters:
    """Mutable counters owned by the gateway loop (single writer)."""

    def __init__(self) -> None:
        self.submitted = 0
        self.accepted = 0
        self.dispatched = 0
        self.fills = 0
        self.dedup_hits = 0
        self.rejects: Counter[str] = Counter()
        self.dispatch_latency = LatencyHistogram()
        # Raw timings when sampling (benchmarks), 8 bytes each: a list of ints costs 36.
        self.pipeline_samples_ns = array("q")  # decide + dispatch per intent
        self.ack_samples_ns = array("q")  # submit -> durable decision heard
