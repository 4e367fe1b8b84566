"""Wires the ClickHouse adapter: DSN resolution, the store, the schema migrator.

DSN rules, in order: an explicit `--dsn`; the `CLICKHOUSE_URL` environment variable; else the
embedded engine (chdb) in `<run_dir>/clickhouse`. `chdb:///abs/path` and
`http(s)://host:8123/db` take the same code path (clickhouse-connect's `get_client(dsn=...)`).
Nothing here imports chdb: the store connects (and imports it) on first use.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

from hft.adapters.clickhouse import (
    LEDGER_TABLE,
    SCHEMA_FILES,
    ApplyReport,
    ClickHouseStore,
    DdlOutsideSchemasError,
    InMemoryAnalyticsStore,
    SchemaApplyError,
    SchemaDriftError,
    SchemaFilesNotFoundError,
    SchemaMigrator,
    StatementStatus,
    is_ddl,
    schema_dir,
)
from hft.adapters.wal import read_frames, sealed_segments
from hft.adapters.wal.claims import FileClaimRegistry
from hft.app.bootstrap.codec import default_codec
from hft.app.loader.wal_source import WalSegmentSource
from hft.ports.sinks import SinkUnavailableError

__all__ = [
    "EMBEDDED_DIRNAME",
    "LEDGER_TABLE",
    "SCHEMA_FILES",
    "ApplyReport",
    "ClickHouseStore",
    "DdlOutsideSchemasError",
    "FileClaimRegistry",
    "InMemoryAnalyticsStore",
    "SchemaApplyError",
    "SchemaDriftError",
    "SchemaFilesNotFoundError",
    "SchemaMigrator",
    "SinkUnavailableError",
    "StatementStatus",
    "WalSegmentSource",
    "bootstrap_schema",
    "embedded_dsn",
    "is_ddl",
    "open_claims",
    "open_segment_source",
    "open_store",
    "resolve_dsn",
    "schema_dir",
    "schema_migrator",
    "segment_source_factory",
]

EMBEDDED_DIRNAME = "clickhouse"
"""The embedded database lives in this subdirectory of a run directory."""


def embedded_dsn(run_dir: Path) -> str:
    """`chdb:///<abs run_dir>/clickhouse`: one process at a time may open it."""
    return f"chdb://{(run_dir / EMBEDDED_DIRNAME).resolve()}"


def resolve_dsn(dsn: str | None, run_dir: Path) -> str:
    """Explicit DSN, else `CLICKHOUSE_URL`, else the embedded database of `run_dir`."""
    return dsn or os.environ.get("CLICKHOUSE_URL") or embedded_dsn(run_dir)


def open_store(dsn: str) -> ClickHouseStore:
    """The analytics store for `dsn` (AnalyticsStore, AnalyticsQuery and AnalyticsSink)."""
    return ClickHouseStore(dsn)


def schema_migrator(store: ClickHouseStore, directory: Path | None = None) -> SchemaMigrator:
    """The migrator over the canonical schema files (source checkout or packaged copy)."""
    return SchemaMigrator(store, directory)


def bootstrap_schema(dsn: str) -> ApplyReport:
    """Apply both schema files to `dsn` idempotently (what `hft schema bootstrap` does)."""
    store = open_store(dsn)
    try:
        return schema_migrator(store).apply()
    finally:
        store.close()


def open_segment_source(wal_dir: Path) -> WalSegmentSource:
    """The loader's read-only view of a WAL directory (SegmentSource), default codec."""
    return WalSegmentSource(wal_dir, sealed_segments, read_frames, default_codec())


def segment_source_factory(wal_dir: Path) -> functools.partial[WalSegmentSource]:
    """A picklable factory of the same source, for loader worker processes."""
    return functools.partial(open_segment_source, wal_dir)


def open_claims(lock_dir: Path) -> FileClaimRegistry:
    """Segment claims shared by every loader process on this machine (flock files)."""
    return FileClaimRegistry(lock_dir)
