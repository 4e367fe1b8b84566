"""`hft ops` exit codes against an in-process session whose loop runs on its own thread."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from hft.app.cli.main import cli
from hft.app.ops.status import read_status
from hft.app.ops.wiring import start_operator_control
from tests.unit.app.harness import Rig


@pytest.fixture
def session(tmp_path: Path) -> Iterator[tuple[Path, Rig]]:
    """A started gateway with operator control, its loop stepping on a thread until closed."""
    rig = Rig()
    start_operator_control(tmp_path, rig.gateway, poll_s=0.01, interval_s=3600)
    stop = threading.Event()

    def loop() -> None:
        while not stop.is_set():
            rig.settle(1)
            time.sleep(0.001)

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    while read_status(tmp_path) is None:  # the first write is the status thread's
        time.sleep(0.005)
    yield tmp_path, rig
    stop.set()
    thread.join()
    rig.gateway.close()


def ops(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["ops", *args])
    return result.exit_code, result.output


def test_applied_exits_0_refused_exits_1_and_the_outcome_json_says_why(
    session: tuple[Path, Rig],
) -> None:
    """halt --wait answers applied (0); a second resume is refused NotHalted (1)."""
    run_dir, rig = session
    who = ("--operator", "alice", "--reason", "drill", "--wait", "60", "--json")
    code, out = ops("halt", str(run_dir), *who)
    assert code == 0, out
    assert json.loads(out)["outcome"] == "applied"
    assert ops("resume", str(run_dir), *who)[0] == 0
    code, out = ops("resume", str(run_dir), *who)
    assert code == 1
    assert json.loads(out)["error"] == "NotHalted"
    assert rig.gateway.core.state.policy.mode.value == "NORMAL"


def test_status_json_is_live_and_shows_the_metrics(session: tuple[Path, Rig]) -> None:
    """`hft ops status --json` of a running session exits 0 with live true and the metrics."""
    run_dir, _rig = session
    code, out = ops("status", str(run_dir), "--json")
    assert code == 0, out
    status = json.loads(out)
    assert status["live"] is True
    assert status["metrics"]["policy_mode"] == "NORMAL"


def test_a_bad_id_is_a_usage_error_and_writes_nothing(session: tuple[Path, Rig]) -> None:
    """An --id the inbox would reject is refused up front (exit 2); no file is written."""
    run_dir, _rig = session
    code, _ = ops("halt", str(run_dir), "--operator", "a", "--reason", "b", "--id", "a b")
    assert code == 2
    assert list((run_dir / "control").glob("*.json")) == []


def test_no_session_exits_3_and_writes_nothing(tmp_path: Path) -> None:
    """Without a status.json (no session ever ran there) every command exits 3."""
    assert ops("halt", str(tmp_path), "--operator", "a", "--reason", "b")[0] == 3
    assert ops("status", str(tmp_path))[0] == 3
    assert not (tmp_path / "control").exists()


def test_a_wait_that_runs_out_exits_3_and_leaves_the_command_queued(tmp_path: Path) -> None:
    """A live-looking session whose inbox never answers: --wait 0.2 times out (exit 3)."""
    status = {"running": True, "pid": 1, "wall_time_unix_s": time.time(), "interval_s": 3600}
    (tmp_path / "status.json").write_text(json.dumps(status))
    (tmp_path / "control").mkdir()
    code, out = ops("kill", str(tmp_path), "--operator", "a", "--reason", "b", "--wait", "0.2")
    assert code == 3, out
    assert "timed_out" in out
    assert len(list((tmp_path / "control").glob("*-kill-*.json"))) == 1
