"""The analytics store seen by the loader: columnar batches in, digests out.

`AnalyticsSink` (in `sinks`) takes rows one mapping at a time; the loader ships millions of
rows, so it talks to this columnar port instead. Both are implemented by the ClickHouse adapter.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

import attrs


@attrs.frozen
class TableDigest:
    """What a table holds, for comparing against the WAL it was loaded from.

    `rows` counts physical rows (a duplicate insert shows here), `distinct_rows` counts rows
    after dedup by the table's key (ClickHouse `FINAL`), `seq_sum` is the sum of `seq` over the
    distinct rows (a gap or a foreign row changes it).
    """

    rows: int
    distinct_rows: int
    seq_sum: int


class AnalyticsStore(Protocol):
    """A columnar, idempotent analytics store (ClickHouse). Never on the hot path.

    `insert_columns` writes one batch: `columns` maps column name to a sequence of values (or a
    pyarrow Array of the column's type), all the same length. It returns the number of rows
    sent. Idempotency: a batch repeated with the same `dedup_token` inserts nothing twice;
    rows are also keyed by `(log_id, seq)` so readers that dedup (`digest`) see each event once.
    Blocking: yes, for the duration of the insert; callers keep it off any latency-sensitive
    thread. Errors: `SinkUnavailableError` (nothing inserted, retry later) or
    `SinkRejectedError` (the batch does not fit the table; retrying will not help).
    """

    def insert_columns(
        self, table: str, columns: Mapping[str, Sequence[Any]], dedup_token: str
    ) -> int: ...

    def digest(self, table: str) -> TableDigest: ...

    def close(self) -> None: ...


class AnalyticsQuery(Protocol):
    """Read-only SQL against the analytics store (for summaries and operators).

    Blocking. Returns result rows as tuples. Errors: `SinkUnavailableError`, or
    `SinkRejectedError` for a query the store refuses.
    """

    def query(self, sql: str) -> list[tuple[Any, ...]]: ...


class SinkRejectedError(ValueError):
    """The store refused a batch or query as invalid (unknown column, type mismatch)."""
