"""Schema changes may not break the loader: every column it writes exists with the type it
writes, and a WAL written by an earlier version still loads to the same rows."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from hft.app.bootstrap import clickhouse as ch
from hft.app.loader.projection import TABLES
from hft.app.loader.run import load_run
from hft.ports.analytics import SinkRejectedError

FIXTURES = Path(__file__).parent / "fixtures"


def incompatibilities(store: ch.ClickHouseStore) -> list[str]:
    """What the loader writes that the bootstrapped schema lacks or types differently."""
    problems = []
    for table in TABLES:
        try:
            actual = store.column_types(table.name)
        except SinkRejectedError:
            problems.append(f"{table.name}: table missing")
            continue
        for column, ch_type in table.written:
            if column not in actual:
                problems.append(f"{table.name}.{column}: column missing")
            elif actual[column] != ch_type:
                problems.append(f"{table.name}.{column}: {actual[column]} is not {ch_type}")
    return problems


def _bootstrapped(dsn: str, schemas: Path | None = None) -> ch.ClickHouseStore:
    store = ch.open_store(dsn)
    ch.schema_migrator(store, schemas).apply()
    return store


def test_schema_holds_every_column_the_loader_writes_with_its_type(chdb_dsn: str) -> None:
    """The canonical schema accepts every (table, column, type) the projection declares."""
    store = _bootstrapped(chdb_dsn)
    try:
        assert incompatibilities(store) == []
    finally:
        store.close()


def test_a_dropped_or_retyped_column_is_caught(chdb_dsn: str, tmp_path: Path) -> None:
    """A schema edit that drops fills.fill_id and turns fills.qty into Int32 is reported."""
    schemas = tmp_path / "schemas"
    shutil.copytree(ch.schema_dir(), schemas)
    runtime = schemas / "clickhouse.sql"
    text = runtime.read_text()
    fills = text.index("CREATE TABLE IF NOT EXISTS fills")
    head, tail = text[:fills], text[fills:]
    tail = tail.replace("    fill_id String,\n", "", 1)
    tail = tail.replace("    qty Int64,\n", "    qty Int32,\n", 1)
    runtime.write_text(head + tail)
    store = _bootstrapped(chdb_dsn, schemas)
    try:
        assert incompatibilities(store) == [
            "fills.fill_id: column missing",
            "fills.qty: Int32 is not Int64",
        ]
    finally:
        store.close()


def test_wal_written_by_schema_version_1_still_loads_to_the_same_rows(tmp_path: Path) -> None:
    """The committed v1 WAL (quotes, order lifecycles, a halt/resume, an alpha's promotion
    steps) loads with no dead letter into the current schema, and every table gets the rows
    and seq sums version 1 produced."""
    fixture = FIXTURES / "wal_v1"
    shutil.copytree(fixture / "wal", tmp_path / "wal")
    result = load_run(tmp_path)
    assert (result.events, result.dead_letters) == (409, 0)
    expected = json.loads((fixture / "expected.json").read_text())
    store = ch.open_store(ch.embedded_dsn(tmp_path))
    try:
        actual = {t.name: [store.digest(t.name).distinct_rows, store.digest(t.name).seq_sum]
                  for t in TABLES}  # fmt: skip
    finally:
        store.close()
    assert actual == expected
