"""Decision D1: the only DDL is in schemas/*.sql, applied by `hft schema bootstrap`."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from hft.app.bootstrap import clickhouse as ch

SRC = Path(ch.__file__).resolve().parents[3]
DDL_TEXT = re.compile(
    r"\b(CREATE|ALTER|DROP|RENAME|TRUNCATE|ATTACH|DETACH)\s+"
    r"(TEMPORARY\s+)?(TABLE|VIEW|MATERIALIZED\s+VIEW|DATABASE|DICTIONARY|FUNCTION|USER|ROLE)\b",
    re.IGNORECASE,
)
# The ledger records which schema statements ran, so it must exist before any of them.
ALLOWED = {("hft/adapters/clickhouse/migrator.py", "LEDGER_DDL")}


def _ddl_sites() -> list[tuple[str, int, str]]:
    sites = []
    for path in sorted(SRC.rglob("*.py")):
        lines = path.read_text(encoding="utf-8").splitlines()
        for number, line in enumerate(lines, start=1):
            if DDL_TEXT.search(line):
                sites.append((str(path.relative_to(SRC)), number, line.strip()))
    return sites


def _allowed(site: tuple[str, int, str]) -> bool:
    rel, number, _ = site
    lines = (SRC / rel).read_text(encoding="utf-8").splitlines()
    owner = next((ln for ln in reversed(lines[:number]) if re.match(r"^[A-Z_]+ = ", ln)), "")
    return any(rel == f and owner.startswith(name) for f, name in ALLOWED)


def test_no_source_file_carries_ddl_outside_the_schema_files() -> None:
    """Scanning src/: DDL text appears only in the ledger's own definition."""
    offending = [s for s in _ddl_sites() if not _allowed(s)]
    assert offending == []
    assert [s[0] for s in _ddl_sites()] == ["hft/adapters/clickhouse/migrator.py"]


def test_scanner_sees_ddl_in_a_source_line() -> None:
    """The scan pattern matches the statements it is there to catch (it can fail)."""
    assert DDL_TEXT.search('client.command("create table x (a Int8) engine=Memory")')
    assert DDL_TEXT.search("sql = 'ALTER TABLE fills DROP COLUMN qty'")
    assert not DDL_TEXT.search("# we create tables only from schemas")


@pytest.mark.parametrize(
    "sql",
    [
        "CREATE TABLE t (x Int8) ENGINE = Memory",
        "  -- a comment first\n drop table fills",
        "ALTER TABLE fills DROP COLUMN qty",
        "/* x */ TRUNCATE TABLE events",
        "RENAME TABLE fills TO fills_old",
    ],
)
def test_store_refuses_ddl_that_does_not_come_from_the_schema_files(
    store: ch.ClickHouseStore, sql: str
) -> None:
    """Executing DDL through the store's query or command raises DdlOutsideSchemasError and
    leaves the tables as they were."""
    before = store.query("SELECT name FROM system.tables WHERE database = currentDatabase()")
    with pytest.raises(ch.DdlOutsideSchemasError):
        store.query(sql)
    with pytest.raises(ch.DdlOutsideSchemasError):
        store.command(sql)
    after = store.query("SELECT name FROM system.tables WHERE database = currentDatabase()")
    assert after == before
    assert store.column_types("fills")["qty"] == "Int64"
