"""Failure mode 12 (docs/failure-modes.md): a table that lost a column must stop the load
loudly, never send its rows to the dead-letter folder where nobody looks.

The store here is bootstrapped from a copy of the schema files whose `fills` table lacks
`fill_id` (what a table rebuild that forgot a column leaves behind). The loader refuses the
first batch for `fills` with a named error, writes no dead letter and marks nothing shipped;
once an appended ALTER (the only way the schema may change) puts the column back, the next
load ships every event exactly once.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from hft.app.bootstrap import clickhouse as ch
from hft.app.loader.run import run_paths
from hft.app.loader.service import Loader
from hft.app.loader.state import LoaderState
from hft.app.loader.status import load_status
from hft.ports.analytics import SinkRejectedError
from tests.integration.clickhouse.walfixtures import sample_run, store_digests, wal_digests

FILLS = "CREATE TABLE IF NOT EXISTS fills"


def _schemas_without_fill_id(tmp_path: Path) -> Path:
    schemas = tmp_path / "schemas"
    shutil.copytree(ch.schema_dir(), schemas)
    runtime = schemas / "clickhouse.sql"
    text = runtime.read_text()
    at = text.index(FILLS)
    tail = text[at:].replace("    fill_id String,\n", "", 1)
    assert tail != text[at:], "the fills table no longer declares fill_id as expected"
    runtime.write_text(text[:at] + tail)
    return schemas


def _loader(run: Path, store: ch.ClickHouseStore) -> tuple[Loader, LoaderState]:
    paths = run_paths(run)
    state = LoaderState(paths.state_dir)
    source = ch.open_segment_source(paths.wal_dir)
    return Loader(source, ch.open_claims(state.claims_dir), store, state), state


def test_a_table_missing_a_column_stops_the_load_with_no_dead_letter(tmp_path: Path) -> None:
    """fills without fill_id: load_sealed raises SinkRejectedError naming the table and the
    column; no dead letter is written and no segment is marked shipped. After an appended
    ALTER restores the column, a new load ships all 3,000 events with no dead letter and
    every table equals the WAL's rows, none twice."""
    run = tmp_path / "run"
    sample_run(run, 3_000)
    schemas = _schemas_without_fill_id(tmp_path)
    store = ch.open_store(ch.embedded_dsn(run))
    try:
        ch.schema_migrator(store, schemas).apply()
        loader, state = _loader(run, store)
        with pytest.raises(SinkRejectedError, match="fills has no column 'fill_id'"):
            loader.load_sealed()
        assert state.dead_letters() == {}
        status = load_status(run)
        assert (status.shipped_segments, status.dead_letters) == (0, 0)
        assert status.backlog_segments == status.sealed_segments >= 2

        runtime = schemas / "clickhouse.sql"
        runtime.write_text(runtime.read_text() + "\nALTER TABLE fills ADD COLUMN fill_id String;\n")
        ch.schema_migrator(store, schemas).apply()
        loader, state = _loader(run, store)
        result = loader.load_sealed()
        result.events += loader.load_tail(result)
        assert (result.events, result.dead_letters) == (3_000, 0)
        assert state.dead_letters() == {}
        digests = store_digests(store)
        assert digests == wal_digests(run / "wal")
        assert digests["fills"][0] > 0
    finally:
        store.close()
