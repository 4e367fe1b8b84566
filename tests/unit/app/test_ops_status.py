"""StatusWriter: RUN_DIR/status.json, written atomically, with a final running=false write."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import attrs
import pytest

from hft.app.gateway.metrics import MetricsSnapshot
from hft.app.ops.status import StatusWriter, read_status, session_is_live
from tests.unit.app.harness import Rig


def test_status_holds_the_gateway_snapshot_pid_and_running(tmp_path: Path) -> None:
    """While running, status.json holds the gateway's metrics as a dict, this pid, and
    running=true."""
    rig = Rig()
    rig.submit()
    rig.settle()
    writer = StatusWriter(tmp_path, rig.gateway, interval_s=3600)
    writer.start()
    status = wait_for_status(tmp_path)
    assert status["running"] is True
    assert status["pid"] == os.getpid()
    assert status["metrics"]["accepted"] == 1
    assert status["metrics"]["policy_mode"] == "NORMAL"
    assert session_is_live(status)
    writer.stop()


def test_the_final_write_says_not_running_and_shows_the_state_at_close(tmp_path: Path) -> None:
    """Closing the gateway stops the writer (on_close): the last status has running=false and
    the policy as it was at the end (HALT after an operator halt)."""
    rig = Rig()
    writer = StatusWriter(tmp_path, rig.gateway, interval_s=3600)
    rig.gateway.on_close(writer.stop)
    writer.start()
    rig.gateway.halt("alice", "drill")
    rig.settle()
    rig.gateway.close()
    status = read_status(tmp_path)
    assert status is not None
    assert status["running"] is False
    assert status["metrics"]["policy_mode"] == "HALT"
    assert not session_is_live(status)
    writer.stop()  # idempotent
    assert [p.name for p in tmp_path.iterdir()] == ["status.json"]  # no temp file left


def test_a_reader_never_sees_a_partial_file(tmp_path: Path) -> None:
    """Readers racing a writer that rewrites as fast as it can always parse a whole object."""
    rig = Rig()
    writer = StatusWriter(tmp_path, rig.gateway, interval_s=0)
    writer.start()
    wait_for_status(tmp_path)
    parsed = 0
    path = tmp_path / "status.json"
    while writer.writes < 50:
        data = json.loads(path.read_bytes())  # a torn file would raise here
        assert set(data["metrics"]) == set(attrs.fields_dict(MetricsSnapshot))
        parsed += 1
    writer.stop()
    assert parsed > 0
    assert writer.io_errors == 0


def test_a_snapshot_that_keeps_tearing_is_skipped_and_counted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """If every read of the gateway's state races a resize (RuntimeError), the writer skips
    the write and counts it in torn_reads instead of dying or writing garbage."""
    rig = Rig()

    def tearing() -> MetricsSnapshot:
        raise RuntimeError("dictionary changed size during iteration")

    monkeypatch.setattr(rig.gateway, "metrics", tearing)
    writer = StatusWriter(tmp_path, rig.gateway, interval_s=3600)
    writer.start()
    writer.stop()
    assert writer.torn_reads == 2  # the first write and the final one
    assert read_status(tmp_path) is None


def test_a_torn_read_is_retried_and_the_write_goes_through(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One RuntimeError, then a clean read: the status is written, nothing counted torn."""
    rig = Rig()
    real = rig.gateway.metrics
    failures = iter([True])

    def once_torn() -> MetricsSnapshot:
        if next(failures, False):
            raise RuntimeError("dictionary changed size during iteration")
        return real()

    monkeypatch.setattr(rig.gateway, "metrics", once_torn)
    writer = StatusWriter(tmp_path, rig.gateway, interval_s=3600)
    writer.start()
    writer.stop()
    assert writer.torn_reads == 0
    status = read_status(tmp_path)
    assert status is not None
    assert status["running"] is False


def test_liveness_needs_running_a_live_pid_and_a_fresh_file() -> None:
    """A status is live only if it says running, its process exists and it is fresh: a
    killed session (dead pid) or a stale file reads as not running."""
    now = time.time()
    fresh = {"running": True, "pid": os.getpid(), "wall_time_unix_s": now, "interval_s": 1.0}
    assert session_is_live(fresh, now)
    assert not session_is_live({**fresh, "running": False}, now)
    assert not session_is_live(fresh, now + 60)
    dead_pid = spawn_and_reap()
    assert not session_is_live({**fresh, "pid": dead_pid}, now)


def spawn_and_reap() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def wait_for_status(run_dir: Path) -> dict[str, Any]:
    seen = threading.Event()
    for _ in range(3_000):  # a wait, not a timing assertion
        status = read_status(run_dir)
        if status is not None:
            return status
        seen.wait(0.01)
    raise AssertionError("no status.json appeared")


def test_a_waiting_refresh_returns_only_once_the_change_is_on_disk(tmp_path: Path) -> None:
    """refresh(wait_s) blocks until a write whose snapshot follows the call is done: a halt
    folded before the call is in status.json when it returns, with no interval passing."""
    rig = Rig()
    writer = StatusWriter(tmp_path, rig.gateway, interval_s=3600)
    writer.start()
    wait_for_status(tmp_path)
    rig.gateway.halt("alice", "drill")
    rig.settle()
    writer.refresh(wait_s=60)
    status = read_status(tmp_path)
    assert status is not None
    assert status["metrics"]["policy_mode"] == "HALT"
    writer.stop()
