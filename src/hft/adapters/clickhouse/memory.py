"""`InMemoryAnalyticsStore`: the analytics store as a fake, held to the same contract tests."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from hft.ports.analytics import SinkRejectedError, TableDigest
from hft.ports.sinks import SinkUnavailableError


class InMemoryAnalyticsStore:
    """Keeps rows in lists per table; remembers dedup tokens per table like ClickHouse's
    non-replicated deduplication window; dedups by (log_id, seq) when asked for a digest.

    `available = False` makes every call raise `SinkUnavailableError` (an outage).
    """

    def __init__(self, tables: Mapping[str, Sequence[str]]) -> None:
        self._columns = {name: tuple(cols) for name, cols in tables.items()}
        self.rows: dict[str, list[dict[str, Any]]] = {name: [] for name in tables}
        self._tokens: dict[str, set[str]] = {name: set() for name in tables}
        self.available = True

    def insert_columns(
        self, table: str, columns: Mapping[str, Sequence[Any]], dedup_token: str
    ) -> int:
        self._check_up()
        known = self._known(table)
        unknown = set(columns) - set(known)
        if unknown:
            raise SinkRejectedError(f"{table} has no column {sorted(unknown)[0]!r}")
        lengths = {len(v) for v in columns.values()}
        if len(lengths) > 1:
            raise SinkRejectedError(f"{table}: columns of unequal length {sorted(lengths)}")
        count = lengths.pop() if lengths else 0
        if count == 0:
            return 0
        if dedup_token not in self._tokens[table]:
            self._tokens[table].add(dedup_token)
            names = list(columns)
            plain = [_python_values(columns[n]) for n in names]
            for values in zip(*plain, strict=True):
                self.rows[table].append(dict(zip(names, values, strict=True)))
        return count

    def digest(self, table: str) -> TableDigest:
        self._check_up()
        self._known(table)
        rows = self.rows[table]
        distinct = {(r.get("log_id"), r.get("seq")) for r in rows}
        return TableDigest(len(rows), len(distinct), sum(int(seq or 0) for _, seq in distinct))

    def close(self) -> None:
        """Nothing to release."""

    def _known(self, table: str) -> tuple[str, ...]:
        if table not in self._columns:
            raise SinkRejectedError(f"table {table!r} does not exist")
        return self._columns[table]

    def _check_up(self) -> None:
        if not self.available:
            raise SinkUnavailableError("in-memory store is marked unavailable")


def _python_values(values: Sequence[Any]) -> list[Any]:
    """Python values from a list or an Arrow array (the loader sends Arrow arrays)."""
    to_pylist = getattr(values, "to_pylist", None)
    return list(to_pylist()) if to_pylist is not None else list(values)
