"""Schema bootstrap: idempotent, ledgered, truthful on failure, append-only."""

from __future__ import annotations

import shutil
import tomllib
from pathlib import Path

import pytest

from hft.app.bootstrap import clickhouse as ch

RUNTIME_TABLES = {
    "events", "market_quotes", "intent_events", "orders", "fills", "rejects", "positions",
    "policy_transitions",
}  # fmt: skip
AUDIT_TABLES = {"alpha_gate_results", "promotions", "canary_actions", "operator_actions"}
VIEWS = {"latency", "intent_latency", "pnl"}


def _objects(store: ch.ClickHouseStore) -> set[str]:
    rows = store.query("SELECT name FROM system.tables WHERE database = currentDatabase()")
    return {str(r[0]) for r in rows}


def _copy_schemas(tmp_path: Path) -> Path:
    target = tmp_path / "schemas"
    shutil.copytree(ch.schema_dir(), target)
    return target


def test_bootstrap_twice_applies_every_statement_once(chdb_dsn: str) -> None:
    """The first bootstrap applies all statements; the second applies none and changes nothing."""
    store = ch.open_store(chdb_dsn)
    try:
        migrator = ch.schema_migrator(store)
        first = migrator.apply()
        second = migrator.apply()
        assert len(first.applied) == len(migrator.statements) == 15
        assert second.applied == ()
        assert second.already_applied == 15
        assert RUNTIME_TABLES | AUDIT_TABLES | VIEWS | {ch.LEDGER_TABLE} == _objects(store)
        assert store.query("SELECT count() FROM hft_schema_ledger FINAL") == [(15,)]
        assert {s.state for s in migrator.status()} == {"applied"}
    finally:
        store.close()


def test_status_before_bootstrap_reports_every_statement_pending(chdb_dsn: str) -> None:
    """A database never bootstrapped shows all statements pending and creates nothing."""
    store = ch.open_store(chdb_dsn)
    try:
        states = [s.state for s in ch.schema_migrator(store).status()]
        assert states == ["pending"] * 15
        assert _objects(store) == set()
    finally:
        store.close()


def test_failed_statement_is_named_and_ledger_holds_only_what_ran(
    chdb_dsn: str, tmp_path: Path
) -> None:
    """A bad statement fails with file, statement number and server error; the statements
    before it stay applied and recorded, the bad one and those after are not recorded."""
    schemas = _copy_schemas(tmp_path)
    audit = schemas / "audit.sql"
    good = "ENGINE = ReplacingMergeTree\nORDER BY (log_id, seq)\n"
    audit.write_text(audit.read_text().replace(good, "ENGINE = NoSuchEngine\nORDER BY seq\n", 1))
    store = ch.open_store(chdb_dsn)
    try:
        migrator = ch.schema_migrator(store, schemas)
        with pytest.raises(ch.SchemaApplyError) as raised:
            migrator.apply()
        message = str(raised.value)
        assert "audit.sql statement #1" in message
        assert "CREATE TABLE alpha_gate_results" in message
        assert "NoSuchEngine" in message
        states = {(s.file, s.index): s.state for s in migrator.status()}
        assert [k for k, v in states.items() if v == "applied"] == [
            ("clickhouse.sql", i) for i in range(11)
        ]
        assert states[("audit.sql", 0)] == "pending"
    finally:
        store.close()


def test_edited_applied_statement_is_refused_before_anything_runs(
    chdb_dsn: str, tmp_path: Path
) -> None:
    """Changing an applied statement in place raises SchemaDriftError and shows `drifted`;
    a comment-only edit is not a change."""
    schemas = _copy_schemas(tmp_path)
    store = ch.open_store(chdb_dsn)
    try:
        ch.schema_migrator(store, schemas).apply()
        runtime = schemas / "clickhouse.sql"
        text = runtime.read_text()
        runtime.write_text(text.replace("-- Every event, whatever", "-- Each event, whatever"))
        assert ch.schema_migrator(store, schemas).apply().applied == ()
        runtime.write_text(text.replace("INTERVAL 30 DAY", "INTERVAL 31 DAY"))
        migrator = ch.schema_migrator(store, schemas)
        with pytest.raises(ch.SchemaDriftError, match=r"clickhouse\.sql statement #2"):
            migrator.apply()
        assert [s.index for s in migrator.status() if s.state == "drifted"] == [1]
    finally:
        store.close()


def test_appended_statement_is_applied_by_the_next_bootstrap(chdb_dsn: str, tmp_path: Path) -> None:
    """Schema evolution is an appended ALTER: only the new statement runs."""
    schemas = _copy_schemas(tmp_path)
    store = ch.open_store(chdb_dsn)
    try:
        ch.schema_migrator(store, schemas).apply()
        audit = schemas / "audit.sql"
        audit.write_text(
            audit.read_text() + "\nALTER TABLE operator_actions ADD COLUMN IF NOT EXISTS "
            "ticket String DEFAULT '';\n"
        )
        report = ch.schema_migrator(store, schemas).apply()
        assert [(s.file, s.index) for s in report.applied] == [("audit.sql", 4)]
        assert store.column_types("operator_actions")["ticket"] == "String"
    finally:
        store.close()


def test_schema_files_ship_in_the_wheel_and_an_override_wins(tmp_path: Path) -> None:
    """pyproject packages schemas/ as hft/_schemas (where the installed code looks), and a
    complete directory given explicitly is used instead of the checkout's."""
    pyproject = tomllib.loads((ch.schema_dir().parent / "pyproject.toml").read_text())
    force = pyproject["tool"]["hatch"]["build"]["targets"]["wheel"]["force-include"]
    assert force["schemas"] == "hft/_schemas"
    packaged = _copy_schemas(tmp_path)
    assert ch.schema_dir(packaged) == packaged
    (packaged / "audit.sql").unlink()
    assert ch.schema_dir(packaged) == ch.schema_dir()
