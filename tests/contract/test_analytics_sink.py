"""The AnalyticsStore contract, held by the in-memory fake, embedded ClickHouse (chdb) and, when
CLICKHOUSE_URL is set, a ClickHouse server (point it at a scratch database: see
docs/clickhouse.md). Assertions are on differences, so a server with old rows passes too."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from hft.app.bootstrap import clickhouse as ch
from hft.app.loader.projection import TABLES
from hft.ports.analytics import AnalyticsStore, SinkRejectedError, TableDigest
from hft.ports.sinks import SinkUnavailableError

BACKENDS = ["memory", "chdb", pytest.param("server", marks=pytest.mark.live)]


@pytest.fixture(params=BACKENDS)
def sink(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[AnalyticsStore]:
    if request.param == "memory":
        yield ch.InMemoryAnalyticsStore({t.name: [c for c, _ in t.written] for t in TABLES})
        return
    if request.param == "server" and not os.environ.get("CLICKHOUSE_URL"):
        pytest.skip("CLICKHOUSE_URL is not set")
    dsn = os.environ["CLICKHOUSE_URL"] if request.param == "server" else ch.embedded_dsn(tmp_path)
    store = ch.open_store(dsn)
    ch.schema_migrator(store).apply()
    yield store
    store.close()


def _fills(log_id: str, seqs: list[int]) -> dict[str, list[Any]]:
    n = len(seqs)
    return {
        "log_id": [log_id] * n,
        "seq": seqs,
        "ts_event": [1_700_000_000_000_000_000 + s for s in seqs],
        "ts_init": [1_700_000_000_000_000_100 + s for s in seqs],
        "intent_id": [f"i{s}" for s in seqs],
        "fill_id": [f"f{s}" for s in seqs],
        "price": [5_805_000] * n,
        "qty": [1] * n,
    }


def _delta(after: TableDigest, before: TableDigest) -> tuple[int, int, int]:
    return (
        after.rows - before.rows,
        after.distinct_rows - before.distinct_rows,
        after.seq_sum - before.seq_sum,
    )


def _log() -> str:
    return f"contract-{uuid.uuid4().hex[:12]}"  # noqa: TID251 (a test-run label, not domain id)


def test_insert_returns_rows_and_digest_counts_them(sink: AnalyticsStore) -> None:
    """Three rows inserted show up as three physical and three distinct rows, seq sum 6."""
    before = sink.digest("fills")
    assert sink.insert_columns("fills", _fills(_log(), [1, 2, 3]), "t1") == 3
    assert _delta(sink.digest("fills"), before) == (3, 3, 6)


def test_same_dedup_token_inserts_nothing_twice(sink: AnalyticsStore) -> None:
    """A retried batch (same token) adds no physical row."""
    log = _log()
    before = sink.digest("fills")
    sink.insert_columns("fills", _fills(log, [1, 2]), f"{log}:a")
    sink.insert_columns("fills", _fills(log, [1, 2]), f"{log}:a")
    assert _delta(sink.digest("fills"), before) == (2, 2, 3)


def test_same_event_under_a_new_token_is_one_distinct_row(sink: AnalyticsStore) -> None:
    """Rows keyed by (log_id, seq): a reload under another token is deduplicated on read."""
    log = _log()
    before = sink.digest("fills")
    sink.insert_columns("fills", _fills(log, [5]), f"{log}:a")
    sink.insert_columns("fills", _fills(log, [5]), f"{log}:b")
    rows, distinct, seq_sum = _delta(sink.digest("fills"), before)
    assert (distinct, seq_sum) == (1, 5)
    assert rows in (1, 2)  # ClickHouse may already have merged the duplicate away


def test_arrow_columns_are_accepted_like_lists(sink: AnalyticsStore) -> None:
    """The loader sends Arrow arrays: they insert and dedup exactly like Python lists."""
    log = _log()
    before = sink.digest("fills")
    columns = {name: pa.array(values) for name, values in _fills(log, [7, 8]).items()}
    columns["ts_event"] = pa.array([1, 2], pa.int64()).cast(pa.timestamp("ns", tz="UTC"))
    columns["ts_init"] = columns["ts_event"]
    sink.insert_columns("fills", columns, f"{log}:arrow")
    sink.insert_columns("fills", _fills(log, [7, 8]), f"{log}:list")
    rows, distinct, seq_sum = _delta(sink.digest("fills"), before)
    assert (distinct, seq_sum) == (2, 15)
    assert rows in (2, 4)


def test_unknown_column_is_refused_and_nothing_is_inserted(sink: AnalyticsStore) -> None:
    """A column the table does not have raises SinkRejectedError; the table is unchanged."""
    before = sink.digest("fills")
    columns = {**_fills(_log(), [1]), "no_such_column": [1]}
    with pytest.raises(SinkRejectedError, match="no_such_column"):
        sink.insert_columns("fills", columns, "bad")
    assert sink.digest("fills") == before


def test_unequal_column_lengths_are_refused(sink: AnalyticsStore) -> None:
    """Columns of different lengths raise SinkRejectedError and insert nothing."""
    before = sink.digest("fills")
    columns = _fills(_log(), [1, 2])
    columns["qty"] = [1]
    with pytest.raises(SinkRejectedError, match="unequal"):
        sink.insert_columns("fills", columns, "bad")
    assert sink.digest("fills") == before


def test_unknown_table_is_refused(sink: AnalyticsStore) -> None:
    """Inserting into a table that does not exist raises SinkRejectedError."""
    with pytest.raises(SinkRejectedError, match="no_such_table"):
        sink.insert_columns("no_such_table", _fills(_log(), [1]), "x")


def test_empty_batch_inserts_nothing(sink: AnalyticsStore) -> None:
    """A batch without rows returns 0 and changes nothing."""
    before = sink.digest("fills")
    assert sink.insert_columns("fills", _fills(_log(), []), "empty") == 0
    assert sink.digest("fills") == before


def test_unreachable_store_raises_sink_unavailable() -> None:
    """Both doubles of an outage, the fake switched off and a DSN nobody listens on, raise
    SinkUnavailableError (the loader's cue to back off and retry)."""
    fake = ch.InMemoryAnalyticsStore({"fills": ["seq"]})
    fake.available = False
    with pytest.raises(SinkUnavailableError):
        fake.insert_columns("fills", {"seq": [1]}, "x")
    down = ch.open_store("http://127.0.0.1:9/default")
    with pytest.raises(SinkUnavailableError):
        down.digest("fills")
