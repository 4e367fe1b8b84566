"""Outage drills, automated. Each follows its runbook in docs/runbooks/ with the same commands.

- ClickHouse down (docs/runbooks/clickhouse-down.md): the WAL keeps taking events, nothing is
  lost, the loader retries with backoff and catches up when the store is back.
- ClickHouse slow (docs/runbooks/clickhouse-slow.md): the WAL writer never waits for it.
- Loader SIGKILLed mid-batch (docs/runbooks/loader-killed.md): after a restart, no duplicate
  and no gap: per table, count and seq sum equal the WAL's.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from hft.app.bootstrap import clickhouse as ch
from hft.app.bootstrap import wal as walboot
from hft.app.loader.run import build_loader, run_paths
from hft.app.loader.sample import sample_events
from hft.app.loader.service import LoaderConfig, LoadResult
from hft.ports.analytics import AnalyticsStore, TableDigest
from tests.integration.clickhouse.procs import children, running
from tests.integration.clickhouse.walfixtures import (
    SMALL_SEGMENT,
    sample_run,
    stored_digests,
    wal_digests,
)


def _hft(*args: str, timeout: float = 240) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["hft", *args], capture_output=True, text=True, timeout=timeout, check=False
    )


def _shipped(run_dir: Path) -> int:
    return len(list((run_dir / "loader" / "shipped").glob("*.json")))


def _append_more(run_dir: Path, count: int, start: int) -> None:
    config = walboot.wal_config("fsync", segment_bytes=SMALL_SEGMENT)
    log = walboot.open_event_log(str(run_dir / "wal"), config)
    try:
        events = list(sample_events(start + count))[start:]
        receipt = log.append(events)
        assert log.wait_durable(receipt.last_seq, timeout_s=60)
    finally:
        log.close()


def test_drill_clickhouse_down_wal_keeps_going_and_loader_catches_up(tmp_path: Path) -> None:
    """While another process holds the embedded database (ClickHouse down): events keep being
    made durable in the WAL; a one-shot load gives up with exit 1 and marks nothing shipped;
    a following loader retries until the store is back, then loads everything exactly once."""
    sample_run(tmp_path, 1_500)
    holder = subprocess.Popen(
        [sys.executable, "-m", "tests.integration.clickhouse.hold_db", ch.embedded_dsn(tmp_path)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "ready"
        _append_more(tmp_path, 1_000, 1_500)  # the WAL does not care
        down = _hft("load", str(tmp_path), "--retry-budget", "1", "--json")
        assert down.returncode == 1
        assert "nothing lost" in json.loads(down.stdout)["error"]
        assert _shipped(tmp_path) == 0
        follower = subprocess.Popen(
            ["hft", "load", str(tmp_path), "--follow", "--idle-exit", "3", "--json"],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        )  # fmt: skip
        _append_more(tmp_path, 500, 2_500)
    finally:
        assert holder.stdin is not None
        assert holder.stdout is not None
        holder.stdin.close()
        holder.wait(timeout=60)
        holder.stdout.close()
    out, _ = follower.communicate(timeout=240)
    assert follower.returncode == 0
    assert json.loads(out)["events"] == 3_000
    assert stored_digests(tmp_path) == wal_digests(tmp_path / "wal")
    status = json.loads(_hft("load", str(tmp_path), "--status", "--json").stdout)
    assert (status["backlog_events"], status["unsealed_events"]) == (0, 0)


class GatedStore:
    """An AnalyticsStore whose inserts wait until `gate` opens (a stalled ClickHouse)."""

    def __init__(self, inner: AnalyticsStore, gate: threading.Event) -> None:
        self._inner = inner
        self._gate = gate
        self.waiting = threading.Event()

    def insert_columns(
        self, table: str, columns: Mapping[str, Sequence[Any]], dedup_token: str
    ) -> int:
        self.waiting.set()
        self._gate.wait()
        return self._inner.insert_columns(table, columns, dedup_token)

    def digest(self, table: str) -> TableDigest:
        return self._inner.digest(table)

    def close(self) -> None:
        self._inner.close()


def test_drill_clickhouse_slow_never_holds_up_the_wal_writer(tmp_path: Path) -> None:
    """With every insert stalled, the WAL writer appends and makes 5,000 events durable while
    the loader has stored none of them; when the store recovers the loader catches up."""
    paths = run_paths(tmp_path)
    log = walboot.open_event_log(str(paths.wal_dir), walboot.wal_config("fsync"))
    loader, store = build_loader(paths, ch.embedded_dsn(tmp_path), LoaderConfig())
    gate = threading.Event()
    gated = GatedStore(store, gate)
    loader._store = gated  # the delay sits behind our own sink port
    stop = threading.Event()
    thread = threading.Thread(target=_follow, args=(loader, stop), daemon=True)
    thread.start()
    events = list(sample_events(5_000))
    try:
        first = log.append(events[:100])
        assert log.wait_durable(first.last_seq, timeout_s=60)
        assert gated.waiting.wait(timeout=60)  # the loader is now stuck inside an insert
        for start in range(100, 5_000, 500):
            receipt = log.append(events[start : start + 500])
            assert log.wait_durable(receipt.last_seq, timeout_s=60)
        assert log.durable_seq() == 5_000
        assert loader.loaded_through() == 0
        status = json.loads(_hft("load", str(tmp_path), "--status", "--json").stdout)
        assert status["backlog_events"] + status["unsealed_events"] == 5_000
    finally:
        log.close()
        gate.set()
    deadline = time.monotonic() + 120
    while loader.loaded_through() < 5_000 and time.monotonic() < deadline:
        time.sleep(0.1)
    stop.set()
    thread.join(timeout=60)
    store.close()
    assert stored_digests(tmp_path) == wal_digests(tmp_path / "wal")


def _follow(loader: Any, stop: threading.Event) -> None:
    result = LoadResult("", "")
    while not stop.is_set():
        loader.load_sealed()
        if not loader.load_tail(result):
            stop.wait(0.05)


def test_drill_loader_sigkilled_mid_batch_restarts_without_duplicates_or_gaps(
    tmp_path: Path,
) -> None:
    """`hft load` is SIGKILLed twice while shipping segments (the second time with two worker
    processes, which then exit by themselves); a restart completes the load and every table
    holds exactly the WAL's events: physical rows == distinct rows == expected."""
    sample_run(tmp_path, 12_000)
    for markers_before_kill, workers in ((1, "1"), (4, "2")):
        loader = subprocess.Popen(
            ["hft", "load", str(tmp_path), "--workers", workers, "--json"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        while loader.poll() is None and _shipped(tmp_path) < markers_before_kill:
            time.sleep(0.01)
        workers_of_loader = children(loader.pid)
        if loader.poll() is None:
            os.kill(loader.pid, signal.SIGKILL)
        loader.wait(timeout=60)
        _wait_gone(workers_of_loader)
    finished = _hft("load", str(tmp_path), "--json")
    assert finished.returncode == 0, finished.stderr
    assert stored_digests(tmp_path) == wal_digests(tmp_path / "wal")
    status = json.loads(_hft("load", str(tmp_path), "--status", "--json").stdout)
    assert (status["backlog_segments"], status["unsealed_events"]) == (0, 0)


def _wait_gone(pids: list[int], timeout_s: float = 60) -> None:
    """Every process in `pids` exits (or becomes a zombie) within the timeout."""
    deadline = time.monotonic() + timeout_s
    alive = list(pids)
    while alive and time.monotonic() < deadline:
        alive = [p for p in alive if running(p)]
        time.sleep(0.1)
    assert alive == []
