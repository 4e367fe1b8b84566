"""Canary metrics sources: the port the canary evaluation reads runtime metrics through.

`JsonMetricsSource` reads `<dir>/<alpha_id>.json` (written by the gateway's metrics export,
or by hand); the gateway-metrics / ClickHouse source plugs in behind the same port later.
A missing or unreadable snapshot is reported as None, which the canary rule rolls back.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Protocol

from hft.domain.canary import CanaryMetrics

METRIC_KEYS = (
    "fills",
    "orders",
    "errors",
    "slippage_vs_backtest_bps",
    "drawdown_contribution_bps",
)


class CanaryMetricsSource(Protocol):
    """The latest runtime metrics of one alpha's canary; None when there are none.
    Blocking (a file or a query); must not raise for missing data."""

    def snapshot(self, alpha_id: str) -> CanaryMetrics | None: ...


def _int_or_none(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


class JsonMetricsSource:
    """Reads one JSON object per alpha: the METRIC_KEYS as integers (others are ignored)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def snapshot(self, alpha_id: str) -> CanaryMetrics | None:
        try:
            data = json.loads((self.directory / f"{alpha_id}.json").read_bytes())
        except (OSError, ValueError):
            return None
        if not isinstance(data, dict):
            return None
        values = {k: _int_or_none(data.get(k)) for k in METRIC_KEYS}
        return CanaryMetrics(**values)
