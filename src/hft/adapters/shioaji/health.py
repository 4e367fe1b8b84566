"""Health snapshots of the adapter's parts: plain frozen values, cheap to take at any time."""

from __future__ import annotations

import threading
from collections import deque

import attrs


class LatencyWindow:
    """The last `size` call latencies (ns) and their percentiles. Thread-safe."""

    def __init__(self, size: int = 1_024) -> None:
        self._values: deque[int] = deque(maxlen=size)
        self._lock = threading.Lock()
        self.calls = 0

    def record(self, latency_ns: int) -> None:
        with self._lock:
            self._values.append(max(0, latency_ns))
            self.calls += 1

    def percentile(self, pct: int) -> int:
        """The `pct`-th percentile (nearest rank) of the window; 0 when empty."""
        with self._lock:
            ordered = sorted(self._values)
        if not ordered:
            return 0
        rank = max(1, -(-pct * len(ordered) // 100))
        return ordered[rank - 1]


@attrs.frozen(kw_only=True)
class ComponentHealth:
    """One part of the adapter. Ages and latencies in ns; -1 age means "no message yet"."""

    name: str
    connected: bool
    last_message_age_ns: int = -1
    queue_depth: int = 0
    reconnects: int = 0
    rejects: int = 0
    dropped: int = 0
    api_calls: int = 0
    api_latency_p50_ns: int = 0
    api_latency_p99_ns: int = 0
    detail: str = ""


@attrs.frozen(kw_only=True)
class ShioajiHealth:
    """Every component's health at `ts_ns`; `healthy` when all are connected and none dropped."""

    ts_ns: int
    components: tuple[ComponentHealth, ...]

    @property
    def healthy(self) -> bool:
        return all(c.connected and c.dropped == 0 for c in self.components)

    def component(self, name: str) -> ComponentHealth:
        for c in self.components:
            if c.name == name:
                return c
        raise KeyError(name)

    def as_dict(self) -> dict[str, object]:
        """Plain data for `--json` output and metrics."""
        return {
            "ts_ns": self.ts_ns,
            "healthy": self.healthy,
            "components": [attrs.asdict(c) for c in self.components],
        }


def age_ns(now_ns: int, last_ns: int) -> int:
    return now_ns - last_ns if last_ns else -1
