"""Operator control wired beside a gateway: an outcome is never newer than the status."""

from __future__ import annotations

import time
from pathlib import Path

from hft.app.ops.files import ControlRequest, control_paths, read_json, write_json_atomic
from hft.app.ops.status import read_status
from hft.app.ops.wiring import start_operator_control
from tests.unit.app.harness import Rig


def test_when_the_halt_outcome_appears_the_status_already_shows_halt(tmp_path: Path) -> None:
    """The inbox refreshes status.json before it writes an outcome, so an operator who reads
    "applied" and then the status sees HALT; closing the gateway stops both threads."""
    rig = Rig()
    inbox, status = start_operator_control(tmp_path, rig.gateway, poll_s=0.01, interval_s=3600)
    request = ControlRequest(command="halt", operator="alice", reason="drill", id="w")
    paths = control_paths(tmp_path)
    write_json_atomic(paths.inbox / "w.json", request.to_json())
    answer = None
    for _ in range(5_000):  # a wait, not a timing assertion
        rig.settle(1)
        answer = read_json(paths.outcome_of("w.json"))
        if answer is not None:
            break
        time.sleep(0.002)
    assert answer is not None
    assert answer["outcome"] == "applied"
    current = read_status(tmp_path)
    assert current is not None
    assert current["metrics"]["policy_mode"] == "HALT"
    rig.gateway.close()
    final = read_status(tmp_path)
    assert final is not None
    assert final["running"] is False
    assert inbox.counts["applied"] == 1
    assert status.io_errors == inbox.io_errors == 0


def test_the_status_counts_the_inbox_outcomes(tmp_path: Path) -> None:
    """status.json carries the inbox's counts: a malformed file shows as rejected 1."""
    rig = Rig()
    inbox, _status = start_operator_control(tmp_path, rig.gateway, poll_s=0.01, interval_s=3600)
    (control_paths(tmp_path).inbox / "bad.json").write_text("[]")
    for _ in range(5_000):  # a wait, not a timing assertion
        if inbox.counts["rejected"]:
            break
        time.sleep(0.002)
    rig.gateway.close()
    final = read_status(tmp_path)
    assert final is not None
    assert final["control"]["rejected"] == 1
    assert final["control"]["applied"] == 0
