"""ClickHouse adapter: the analytics store (embedded chdb or a server by URL) and the schema
migrator that applies `schemas/*.sql`, the only DDL in the project."""

from hft.adapters.clickhouse.ddl import DdlOutsideSchemasError, is_ddl
from hft.adapters.clickhouse.memory import InMemoryAnalyticsStore
from hft.adapters.clickhouse.migrator import (
    LEDGER_TABLE,
    ApplyReport,
    SchemaApplyError,
    SchemaDriftError,
    SchemaMigrator,
    StatementStatus,
)
from hft.adapters.clickhouse.statements import (
    SCHEMA_FILES,
    SchemaFilesNotFoundError,
    Statement,
    load_statements,
    schema_dir,
)
from hft.adapters.clickhouse.store import ClickHouseStore

__all__ = [
    "LEDGER_TABLE",
    "SCHEMA_FILES",
    "ApplyReport",
    "ClickHouseStore",
    "DdlOutsideSchemasError",
    "InMemoryAnalyticsStore",
    "SchemaApplyError",
    "SchemaDriftError",
    "SchemaFilesNotFoundError",
    "SchemaMigrator",
    "Statement",
    "StatementStatus",
    "is_ddl",
    "load_statements",
    "schema_dir",
]
