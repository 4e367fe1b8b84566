"""Applies the schema files idempotently and records each statement in a ledger table.

The ledger holds one row per applied statement (file, index, content hash). It is written
only after the statement succeeded, so it never claims more than the database holds. An applied
statement whose text later changed is refused (`SchemaDriftError`): schema files are
append-only, a change is a new ALTER at the end.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import attrs

from hft.adapters.clickhouse.statements import Statement, load_statements, schema_dir
from hft.adapters.clickhouse.store import ClickHouseStore
from hft.ports.sinks import SinkUnavailableError

LEDGER_TABLE = "hft_schema_ledger"
# The one piece of DDL outside schemas/: the ledger must exist before any file can be recorded.
LEDGER_DDL = f"""CREATE TABLE IF NOT EXISTS {LEDGER_TABLE}
(
    file String,
    idx UInt32,
    sha256 String,
    statement String,
    applied_at DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree
ORDER BY (file, idx, sha256)
SETTINGS non_replicated_deduplication_window = 1000"""


_HAS_LEDGER_SQL = (
    "SELECT count() FROM system.tables "
    "WHERE database = currentDatabase() AND name = 'hft_schema_ledger'"
)


class SchemaApplyError(RuntimeError):
    """A schema statement failed; names the file, the statement and the server's error."""

    def __init__(self, statement: Statement, error: Exception) -> None:
        self.statement = statement
        self.error = error
        super().__init__(
            f"{statement.file} statement #{statement.index + 1} ({statement.summary}...) "
            f"failed: {error}"
        )


class SchemaDriftError(RuntimeError):
    """An applied statement was edited in place: append an ALTER instead."""


@attrs.frozen
class StatementStatus:
    """One statement's state in the database: `applied`, `pending` or `drifted`."""

    file: str
    index: int
    summary: str
    sha256: str
    state: str
    applied_at: str


@attrs.frozen
class ApplyReport:
    """What `apply` did: statements newly applied and statements already in the ledger."""

    applied: tuple[Statement, ...]
    already_applied: int


class SchemaMigrator:
    """Bootstraps and inspects the schema of one ClickHouse database."""

    def __init__(self, store: ClickHouseStore, directory: Path | None = None) -> None:
        self._store = store
        self._statements = load_statements(schema_dir(directory))

    @property
    def statements(self) -> Sequence[Statement]:
        return tuple(self._statements)

    def apply(self) -> ApplyReport:
        """Apply every pending statement in file order; stop at the first failure.

        Errors: `SchemaDriftError` before anything runs; `SchemaApplyError` for a failed
        statement (those before it stay applied and recorded); `SinkUnavailableError`.
        """
        self._store.execute_schema_statement(LEDGER_DDL)
        ledger = self._ledger()
        self._refuse_drift(ledger)
        applied = []
        for statement in self._statements:
            if (statement.file, statement.index) in ledger:
                continue
            self._apply_one(statement)
            applied.append(statement)
        return ApplyReport(tuple(applied), len(self._statements) - len(applied))

    def status(self) -> list[StatementStatus]:
        """Every statement with its state; all `pending` on a database never bootstrapped."""
        ledger = self._ledger() if self._has_ledger() else {}
        return [_status(s, ledger.get((s.file, s.index))) for s in self._statements]

    def _apply_one(self, statement: Statement) -> None:
        try:
            self._store.execute_schema_statement(statement.text)
        except SinkUnavailableError:
            raise
        except Exception as exc:
            raise SchemaApplyError(statement, exc) from exc
        columns: dict[str, Sequence[Any]] = {
            "file": [statement.file],
            "idx": [statement.index],
            "sha256": [statement.sha256],
            "statement": [statement.text],
        }
        token = f"ledger:{statement.file}:{statement.index}:{statement.sha256}"
        self._store.insert_columns(LEDGER_TABLE, columns, token)

    def _refuse_drift(self, ledger: dict[tuple[str, int], tuple[str, str]]) -> None:
        for statement in self._statements:
            recorded = ledger.get((statement.file, statement.index))
            if recorded is not None and recorded[0] != statement.sha256:
                raise SchemaDriftError(
                    f"{statement.file} statement #{statement.index + 1} changed since it was "
                    f"applied ({statement.summary}...): schema files are append-only; "
                    "add an ALTER statement at the end instead"
                )

    def _has_ledger(self) -> bool:
        rows = self._store.query(_HAS_LEDGER_SQL)
        return bool(rows[0][0])

    def _ledger(self) -> dict[tuple[str, int], tuple[str, str]]:
        rows = self._store.query(
            f"SELECT file, idx, sha256, toString(min(applied_at)) FROM {LEDGER_TABLE} "  # noqa: S608
            "GROUP BY file, idx, sha256 ORDER BY file, idx"
        )
        return {(str(f), int(i)): (str(h), str(at)) for f, i, h, at in rows}


def _status(statement: Statement, recorded: tuple[str, str] | None) -> StatementStatus:
    if recorded is None:
        state, at = "pending", ""
    else:
        state = "applied" if recorded[0] == statement.sha256 else "drifted"
        at = recorded[1]
    return StatementStatus(
        statement.file, statement.index, statement.summary, statement.sha256, state, at
    )
