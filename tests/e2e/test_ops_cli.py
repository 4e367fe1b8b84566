"""`hft ops` as an operator runs it against a running `hft sim`.

The commands are the ones in docs/runbooks/halt-and-resume.md."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from hft.app.bootstrap.replay import read_logged_events
from hft.app.ops.status import read_status, session_is_live
from hft.domain.policy_events import GatewayHalted, GatewayResumed

HFT = [sys.executable, "-m", "hft.app.cli.main"]


def hft(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*HFT, *args], capture_output=True, text=True, timeout=300, check=False)


def wait_until_live(out: Path, sim: subprocess.Popen[bytes]) -> None:
    for _ in range(1_200):  # a wait for start-up, not a timing assertion
        status = read_status(out)
        if status is not None and session_is_live(status):
            return
        assert sim.poll() is None, "hft sim exited before it was running"
        time.sleep(0.1)
    raise AssertionError("hft sim never published a live status")


@pytest.fixture
def running_sim(tmp_path: Path):  # type: ignore[no-untyped-def]
    out = tmp_path / "run"
    sim = subprocess.Popen(
        [*HFT, "sim", "--ticks", "1000000", "--symbols", "2330", "--out", str(out), "--json"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_until_live(out, sim)
        yield out, sim
    finally:
        if sim.poll() is None:
            sim.kill()
        sim.wait(timeout=60)


def test_an_operator_halts_resumes_and_kills_a_running_sim_and_replay_proves_it(
    running_sim: tuple[Path, subprocess.Popen[bytes]],
) -> None:
    """halt -> status shows HALT -> resume -> kill, each answered applied (exit 0); after the
    sim is killed, status exits 3 and replay is clean and names alice and her reasons."""
    out, sim = running_sim
    halt = hft("ops", "halt", str(out), "--operator", "alice", "--reason", "drill", "--wait", "30")
    assert halt.returncode == 0, halt.stdout + halt.stderr
    assert halt.stdout.startswith("applied: halt by alice")
    status = hft("ops", "status", str(out), "--json")
    assert status.returncode == 0, status.stderr
    assert json.loads(status.stdout)["metrics"]["policy_mode"] == "HALT"
    resume = hft(
        "ops", "resume", str(out), "--operator", "alice", "--reason", "drill over", "--wait", "30"
    )
    assert resume.returncode == 0, resume.stdout + resume.stderr
    again = hft("ops", "resume", str(out), "--operator", "bob", "--reason", "x", "--wait", "30")
    assert again.returncode == 1, again.stdout + again.stderr
    assert "NotHalted" in again.stdout
    kill = hft("ops", "kill", str(out), "--operator", "alice", "--reason", "drill", "--wait", "30")
    assert kill.returncode == 0, kill.stdout + kill.stderr
    answer = json.loads(next((out / "control" / "done").glob("*-kill-*.outcome.json")).read_text())
    assert (answer["outcome"], answer["event"], answer["policy_mode"]) == (
        "applied",
        "GatewayHalted",
        "HALT",
    )
    sim.send_signal(signal.SIGTERM)
    sim.wait(timeout=60)
    gone = hft("ops", "status", str(out), "--json")
    assert gone.returncode == 3
    assert json.loads(gone.stdout)["live"] is False
    late = hft("ops", "halt", str(out), "--operator", "alice", "--reason", "late")
    assert late.returncode == 3
    replay = hft("replay", str(out), "--json")
    assert replay.returncode == 0, replay.stdout[-2_000:]
    assert json.loads(replay.stdout)["violations"] == []
    events = [e.event for e in read_logged_events(out)]
    halts = [(e.source, e.reason) for e in events if isinstance(e, GatewayHalted)]
    resumes = [(e.operator, e.reason) for e in events if isinstance(e, GatewayResumed)]
    assert halts == [("alice", "drill"), ("alice", "drill")]
    assert resumes == [("alice", "drill over")]


def test_a_malformed_command_file_is_rejected_with_a_reason_while_the_sim_runs(
    running_sim: tuple[Path, subprocess.Popen[bytes]],
) -> None:
    """A hand-written file that is not a command lands in control/rejected/ with its reason;
    the session keeps running and `hft ops status` (rich table) exits 0."""
    out, _sim = running_sim
    (out / "control" / "by-hand.json").write_text('{"command": "pause"}')
    reason_file = out / "control" / "rejected" / "by-hand.json.reason.json"
    for _ in range(600):  # a wait, not a timing assertion
        if reason_file.exists():
            break
        time.sleep(0.1)
    reason = json.loads(reason_file.read_text())
    assert reason["error"] == "MalformedCommandError"
    assert "pause" in reason["reason"] or "fields" in reason["reason"]
    table = hft("ops", "status", str(out))
    assert table.returncode == 0, table.stderr
    assert "policy mode" in table.stdout
    assert "NORMAL" in table.stdout
