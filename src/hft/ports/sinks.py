"""Outbound projections: analytics rows, audit rows and metrics."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol


class AnalyticsSink(Protocol):
    """Inserts rows into an analytics store (ClickHouse). Never on the hot path.

    `insert` is idempotent for the same `dedup_token`: a retried batch inserts nothing twice.
    Errors: `SinkUnavailableError` when the store cannot be reached; nothing was inserted.
    """

    def insert(self, table: str, rows: Sequence[Mapping[str, Any]], dedup_token: str) -> int: ...


class SinkUnavailableError(Exception):
    """The analytics store is down or refused the batch; the caller keeps it and retries."""


class MetricsSink(Protocol):
    """Receives metric observations. Must not block or raise on the hot path."""

    def observe(self, name: str, value: int, labels: Mapping[str, str] | None = None) -> None: ...


class AuditSink(Protocol):
    """Records who did what and why (operator actions, promotions). Durable before return."""

    def record(self, kind: str, subject: str, actor: str, reason: str, ts_ns: int) -> None: ...
