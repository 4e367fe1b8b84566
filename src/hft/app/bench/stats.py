"""Percentiles and GC pause measurement shared by the benchmarks."""

from __future__ import annotations

import gc
import time
from collections.abc import Sequence
from typing import Any


def percentile_us(samples_ns: Sequence[int], q: float) -> float:
    """The q-quantile (nearest rank) in microseconds; 0.0 without samples."""
    if not samples_ns:
        return 0.0
    ordered = sorted(samples_ns)
    rank = min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))
    return round(ordered[rank] / 1_000, 2)


class GcPauses:
    """Records the longest garbage-collection pause while active (a context manager)."""

    def __init__(self) -> None:
        self.max_ns = 0
        self._started = 0

    def _callback(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._started = time.perf_counter_ns()
        elif self._started:
            self.max_ns = max(self.max_ns, time.perf_counter_ns() - self._started)

    def __enter__(self) -> GcPauses:
        gc.callbacks.append(self._callback)
        return self

    def __exit__(self, *exc: object) -> None:
        gc.callbacks.remove(self._callback)

    @property
    def max_ms(self) -> float:
        return round(self.max_ns / 1e6, 3)
