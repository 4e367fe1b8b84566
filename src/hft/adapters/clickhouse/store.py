"""`ClickHouseStore`: the analytics store on ClickHouse, embedded (chdb) or a server by URL.

One code path for both: `clickhouse_connect.get_client(dsn=...)` accepts `chdb:///path` (the
ClickHouse engine in this process) and `http(s)://host:8123/db`. The client library (and chdb,
~1 s and ~230 MB to import) is imported on first use only.

chdb allows one data directory per process and one process per data directory: a second
process on the same directory fails fast ("Cannot lock file"), reported as
`SinkUnavailableError`.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping, Sequence
from typing import Any

from hft.adapters.clickhouse.ddl import DdlOutsideSchemasError, is_ddl
from hft.ports.analytics import SinkRejectedError, TableDigest
from hft.ports.sinks import SinkUnavailableError

# chdb builds default to async_insert=1, which would acknowledge before the rows exist and
# ignore dedup tokens: every insert states its settings. optimize_on_insert=0: a loader block
# holds one row per (log_id, seq), so the replacing pass over each new block finds nothing
# (ReplacingMergeTree still collapses repeats across parts at merge time and under FINAL).
_INSERT_SETTINGS: dict[str, Any] = {
    "async_insert": 0,
    "wait_for_async_insert": 1,
    "optimize_on_insert": 0,
}


_COLUMNS_SQL = (
    "SELECT table, name, type FROM system.columns "
    "WHERE database = currentDatabase() ORDER BY table, position"
)


def _is_unavailable(exc: Exception) -> bool:
    from clickhouse_connect.driver.exceptions import OperationalError  # noqa: PLC0415 (lazy: heavy)

    text = str(exc)
    return isinstance(exc, OperationalError) or "Cannot lock file" in text or "LOCKED" in text


class ClickHouseStore:
    """`AnalyticsStore` + `AnalyticsQuery` + `AnalyticsSink` over one ClickHouse database.

    Thread-safe (one lock around the client). Connects lazily; a failed connection is retried
    on the next call. DDL through `query`/`command` raises `DdlOutsideSchemasError`: only the
    schema migrator may change tables, through `execute_schema_statement`.
    """

    def __init__(self, dsn: str, connect_timeout_s: int = 5) -> None:
        self.dsn = dsn
        self._connect_timeout_s = connect_timeout_s
        self._client: Any = None
        self._lock = threading.RLock()
        self._table_types: dict[str, dict[str, str]] = {}
        self._raw: Any = None

    # -- port: AnalyticsStore -------------------------------------------------------------
    def insert_columns(
        self, table: str, columns: Mapping[str, Sequence[Any]], dedup_token: str
    ) -> int:
        """Insert one columnar batch; repeated `dedup_token`s insert nothing twice."""
        arrow_table = self._to_arrow(table, columns)
        if arrow_table.num_rows == 0:
            return 0
        if self.dsn.startswith("chdb:"):
            self._insert_in_process(table, arrow_table, dedup_token)
        else:
            settings = {**_INSERT_SETTINGS, "insert_deduplication_token": dedup_token}
            self._call(lambda c: c.insert_arrow(table, arrow_table, settings=settings))
        return int(arrow_table.num_rows)

    def digest(self, table: str) -> TableDigest:
        """Physical rows, rows after FINAL, and the sum of seq after FINAL."""
        name = _identifier(table)
        # `name` passed _identifier: letters, digits and underscores only.
        raw = self.query(f"SELECT count() FROM {name}")  # noqa: S608
        final = self.query(f"SELECT count(), sum(seq) FROM {name} FINAL")  # noqa: S608
        return TableDigest(int(raw[0][0]), int(final[0][0]), int(final[0][1]))

    def close(self) -> None:
        with self._lock:
            if self._raw is not None:
                self._raw.close()
                self._raw = None
            if self._client is not None:
                self._client.close()
                self._client = None

    # -- port: AnalyticsQuery -------------------------------------------------------------
    def query(self, sql: str) -> list[tuple[Any, ...]]:
        """Run a read query; result rows as tuples."""
        _refuse_ddl(sql)
        result = self._call(lambda c: c.query(sql))
        return [tuple(row) for row in result.result_rows]

    # -- port: AnalyticsSink (row-at-a-time) ----------------------------------------------
    def insert(self, table: str, rows: Sequence[Mapping[str, Any]], dedup_token: str) -> int:
        """Row-oriented insert for small batches (all rows carry the same keys)."""
        if not rows:
            return 0
        names = list(rows[0])
        columns = {name: [row[name] for row in rows] for name in names}
        return self.insert_columns(table, columns, dedup_token)

    # -- for the schema migrator only -----------------------------------------------------
    def execute_schema_statement(self, sql: str) -> None:
        """Run one statement from a schema file (the only door DDL has)."""
        self._call(lambda c: c.command(sql))
        self._table_types.clear()

    def command(self, sql: str) -> Any:
        """Run a non-DDL command (INSERT ... VALUES for the ledger, OPTIMIZE, SET)."""
        _refuse_ddl(sql)
        return self._call(lambda c: c.command(sql))

    def column_types(self, table: str) -> dict[str, str]:
        """Column name -> ClickHouse type, from `system.columns` (every table's read in one
        query on a miss, and cached: one round trip instead of one per table)."""
        if table not in self._table_types:
            types: dict[str, dict[str, str]] = {}
            for owner, name, ch_type in self.query(_COLUMNS_SQL):
                types.setdefault(str(owner), {})[str(name)] = str(ch_type)
            self._table_types = types
        if table not in self._table_types:
            raise SinkRejectedError(f"table {table!r} does not exist: run `hft schema bootstrap`")
        return self._table_types[table]

    # -- internals ------------------------------------------------------------------------
    def _to_arrow(self, table: str, columns: Mapping[str, Sequence[Any]]) -> Any:
        from hft.adapters.clickhouse.arrow import arrow_table  # noqa: PLC0415 (pyarrow is heavy)

        return arrow_table(columns, self.column_types(table), table)

    def _insert_in_process(self, table: str, batch: Any, dedup_token: str) -> None:
        """Embedded engine: `INSERT ... SELECT FROM Python(batch)` reads the Arrow buffers in
        place, about twice as fast as shipping them through a temporary file. Same engine,
        same database, same settings and dedup token as the client path."""
        names = ", ".join(_identifier(n) for n in batch.column_names)
        token = dedup_token.replace("\\", "").replace("'", "")
        sql = (
            f"INSERT INTO {_identifier(table)} ({names}) SETTINGS async_insert = 0, "  # noqa: S608
            f"optimize_on_insert = 0, insert_deduplication_token = '{token}' "
            "SELECT * FROM Python(batch)"
        )
        with self._lock:
            self._connect()
            try:
                self._raw_connection().query(sql)
            except Exception as exc:
                raise _translate(exc) from exc

    def _raw_connection(self) -> Any:
        if self._raw is None:
            import chdb  # noqa: PLC0415 (already loaded by clickhouse-connect's chdb client)

            self._raw = chdb.connect(os.path.realpath(self._client.path))  # type: ignore[no-untyped-call]
        return self._raw

    def _call(self, action: Any) -> Any:
        with self._lock:
            client = self._connect()
            try:
                return action(client)
            except Exception as exc:
                raise _translate(exc) from exc

    def _connect(self) -> Any:
        if self._client is None:
            try:
                import clickhouse_connect  # noqa: PLC0415 (imports chdb: ~1 s, ~230 MB)

                options: dict[str, Any] = (
                    {}
                    if self.dsn.startswith("chdb:")
                    else {"connect_timeout": max(1, self._connect_timeout_s)}
                )
                self._client = clickhouse_connect.get_client(dsn=self.dsn, **options)
            except Exception as exc:
                raise SinkUnavailableError(f"cannot reach ClickHouse at {self.dsn}: {exc}") from exc
        return self._client


def _translate(exc: Exception) -> Exception:
    if isinstance(exc, (SinkUnavailableError, SinkRejectedError, DdlOutsideSchemasError)):
        return exc
    if _is_unavailable(exc):
        return SinkUnavailableError(f"ClickHouse unavailable: {exc}")
    return SinkRejectedError(f"ClickHouse refused: {exc}")


def _refuse_ddl(sql: str) -> None:
    if is_ddl(sql):
        raise DdlOutsideSchemasError(
            "DDL runs only from schemas/*.sql through `hft schema bootstrap`: "
            + sql.strip().splitlines()[0][:80]
        )


def _identifier(name: str) -> str:
    if not name.replace("_", "").isalnum():
        raise SinkRejectedError(f"not a table name: {name!r}")
    return name
