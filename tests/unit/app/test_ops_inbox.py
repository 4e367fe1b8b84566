"""ControlInbox: operator command files applied to a gateway exactly once, with outcomes."""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from hft.app.gateway.core import GatewayConfig
from hft.app.ops.files import (
    ControlRequest,
    MalformedCommandError,
    control_paths,
    parse_request,
    read_json,
    write_json_atomic,
)
from hft.app.ops.inbox import ControlInbox
from tests.strategies.ops import malformed_payloads, valid_requests
from tests.unit.app.harness import Rig, limits


def drop(
    run_dir: Path, name: str, command: str, operator: str = "alice", reason: str = "drill"
) -> str:
    request = ControlRequest(command=command, operator=operator, reason=reason, id=name)
    write_json_atomic(control_paths(run_dir).inbox / f"{name}.json", request.to_json())
    return f"{name}.json"


def outcome(run_dir: Path, name: str) -> dict[str, Any] | None:
    return read_json(control_paths(run_dir).outcome_of(name))


class Desk:
    """A started gateway (in-memory log, virtual clock) with an inbox driven by hand."""

    def __init__(self, run_dir: Path, config: GatewayConfig | None = None) -> None:
        self.run_dir = run_dir
        self.rig = Rig(config=config)
        self.inbox = ControlInbox(run_dir, self.rig.gateway)
        self.inbox.paths.ensure()

    def turn(self) -> None:
        """The inbox takes or settles a command, the loop runs, the inbox settles again."""
        self.inbox.poll_once()
        self.rig.settle()
        self.inbox.poll_once()

    def names(self, event: str) -> list[Any]:
        return self.rig.events_named(event)


def test_a_halt_file_is_applied_once_and_answered_applied_with_its_log_sequence(
    tmp_path: Path,
) -> None:
    """A halt file halts the gateway with the operator as source, once, however often the
    inbox polls afterwards; the file moves to done/ with outcome applied and the event's seq."""
    desk = Desk(tmp_path)
    name = drop(tmp_path, "h1", "halt")
    for _ in range(5):
        desk.turn()
    halted = desk.names("GatewayHalted")
    assert [(h.source, h.reason) for h in halted] == [("alice", "drill")]
    answer = outcome(tmp_path, name)
    assert answer is not None
    assert answer["outcome"] == "applied"
    assert answer["event"] == "GatewayHalted"
    assert answer["policy_mode"] == "HALT"
    seqs = [e.seq for e in desk.rig.log.read(1) if type(e.event).__name__ == "GatewayHalted"]
    assert answer["seq"] == seqs[0]
    assert sorted(p.name for p in control_paths(tmp_path).inbox.glob("*.json")) == []
    assert (control_paths(tmp_path).done / name).exists()


def test_a_claimed_file_is_never_applied_again_by_a_new_inbox(tmp_path: Path) -> None:
    """A second inbox over the same run directory (a restart) does not re-apply a command
    the first one already claimed: exactly one GatewayResumed for one resume file."""
    desk = Desk(tmp_path)
    desk.rig.gateway.halt("ops", "set up")
    desk.rig.settle()
    drop(tmp_path, "r1", "resume")
    desk.turn()
    second = ControlInbox(tmp_path, desk.rig.gateway)
    for _ in range(3):
        second.poll_once()
        desk.rig.settle()
    assert [r.operator for r in desk.names("GatewayResumed")] == ["alice"]
    assert second.counts["applied"] == 0


def test_commands_apply_in_name_order_one_at_a_time(tmp_path: Path) -> None:
    """Halt, resume and kill dropped together are applied in name order, each settled before
    the next is taken: the log shows halt, resume, halt (kill) in that order."""
    desk = Desk(tmp_path)
    names = [
        drop(tmp_path, "1", "halt"),
        drop(tmp_path, "2", "resume"),
        drop(tmp_path, "3", "kill"),
    ]
    for _ in range(6):
        desk.turn()
    policy = [
        type(e.event).__name__
        for e in desk.rig.log.read(1)
        if type(e.event).__name__ in ("GatewayHalted", "GatewayResumed")
    ]
    assert policy == ["GatewayHalted", "GatewayResumed", "GatewayHalted"]
    answers = [outcome(tmp_path, n) for n in names]
    assert [a["outcome"] for a in answers if a] == ["applied", "applied", "applied"]
    assert [a["seq"] for a in answers if a] == sorted(a["seq"] for a in answers if a)


def test_resume_when_not_halted_is_refused_as_not_halted_and_logged(tmp_path: Path) -> None:
    """The gateway refuses a resume outside HALT; the inbox answers refused/NotHalted and the
    refusal is an AnomalyRecorded event in the log."""
    desk = Desk(tmp_path)
    name = drop(tmp_path, "r", "resume")
    desk.turn()
    answer = outcome(tmp_path, name)
    assert answer is not None
    assert (answer["outcome"], answer["error"]) == ("refused", "NotHalted")
    assert [a.kind for a in desk.names("AnomalyRecorded")] == ["resume_refused"]
    assert desk.names("GatewayResumed") == []


def test_a_resume_without_an_operator_is_refused_as_unattributed(tmp_path: Path) -> None:
    """A blank operator is not malformed: the gateway's API refuses it (ResumeUnattributed)
    and the inbox records that refusal; the gateway stays halted."""
    desk = Desk(tmp_path)
    desk.rig.gateway.halt("ops", "set up")
    desk.rig.settle()
    name = drop(tmp_path, "r", "resume", operator="  ")
    desk.turn()
    answer = outcome(tmp_path, name)
    assert answer is not None
    assert (answer["outcome"], answer["error"]) == ("refused", "ResumeUnattributed")
    assert desk.rig.gateway.core.state.policy.mode.value == "HALT"


def test_a_full_control_queue_refuses_the_command_by_name(tmp_path: Path) -> None:
    """When the gateway's bounded control queue is full the command is refused with
    ControlQueueFullError, never dropped silently."""
    desk = Desk(tmp_path, GatewayConfig(limits=limits(), control_capacity=1))
    desk.rig.gateway.halt("someone", "fills the queue")
    name = drop(tmp_path, "h", "halt")
    desk.inbox.poll_once()
    answer = outcome(tmp_path, name)
    assert answer is not None
    assert (answer["outcome"], answer["error"]) == ("refused", "ControlQueueFullError")


def test_a_halt_while_halted_is_accepted_as_latched(tmp_path: Path) -> None:
    """HALT is latched: a second halt logs nothing and is answered accepted, naming it."""
    desk = Desk(tmp_path)
    desk.rig.gateway.halt("first", "earlier")
    desk.rig.settle()
    name = drop(tmp_path, "h", "halt")
    desk.turn()
    answer = outcome(tmp_path, name)
    assert answer is not None
    assert answer["outcome"] == "accepted"
    assert "latched" in answer["detail"]
    assert [h.source for h in desk.names("GatewayHalted")] == ["first"]


@settings(max_examples=40)
@given(payload=malformed_payloads())
def test_malformed_files_are_rejected_with_a_reason_and_change_nothing(payload: bytes) -> None:
    """Every file that is not a valid command goes to rejected/ with a reason file naming
    MalformedCommandError; the gateway's policy never moves."""
    with tempfile.TemporaryDirectory() as folder:
        run_dir = Path(folder)
        desk = Desk(run_dir)
        (control_paths(run_dir).inbox / "bad.json").write_bytes(payload)
        desk.turn()
        reason = read_json(control_paths(run_dir).reason_of("bad.json"))
        assert reason is not None
        assert reason["error"] == "MalformedCommandError"
        assert reason["reason"]
        assert (control_paths(run_dir).rejected / "bad.json").read_bytes() == payload
        assert desk.rig.gateway.core.state.policy.version == 1  # GatewayStarted only


def test_a_file_not_named_json_is_rejected_and_dot_files_are_left_alone(tmp_path: Path) -> None:
    """A stray notes.txt is rejected with a reason; a .tmp file (a write in flight) is not read."""
    desk = Desk(tmp_path)
    inbox = control_paths(tmp_path).inbox
    (inbox / "notes.txt").write_text("halt please")
    (inbox / ".x.json.tmp").write_text("{")
    desk.turn()
    assert read_json(control_paths(tmp_path).reason_of("notes.txt")) is not None
    assert (inbox / ".x.json.tmp").exists()


@given(request=valid_requests())
def test_valid_requests_round_trip_through_the_file_format(request: dict[str, str]) -> None:
    """What `hft ops` writes is what the inbox reads."""
    parsed = parse_request(json.dumps(request).encode())
    assert parsed.to_json() == request


@given(payload=malformed_payloads())
def test_parse_request_names_every_malformed_payload(payload: bytes) -> None:
    """No malformed payload parses; each raises MalformedCommandError."""
    with pytest.raises(MalformedCommandError):
        parse_request(payload)


def test_stop_answers_unconfirmed_and_rejects_unread_files_as_session_ended(
    tmp_path: Path,
) -> None:
    """When the session ends, a command the loop never took is answered unconfirmed and a file
    not yet read is rejected SessionEnded (a stale resume must never apply later)."""
    rig = Rig()
    inbox = ControlInbox(tmp_path, rig.gateway, poll_s=0.01)
    first = drop_after_start(inbox, tmp_path)
    second = drop(tmp_path, "z2", "resume")
    rig.gateway.close()  # the loop never stepped: the halt is still queued
    answer = outcome(tmp_path, first)
    assert answer is not None
    assert answer["outcome"] == "unconfirmed"
    reason = read_json(control_paths(tmp_path).reason_of(second))
    assert reason is not None
    assert reason["error"] == "SessionEnded"


def drop_after_start(inbox: ControlInbox, run_dir: Path) -> str:
    inbox.gateway.on_close(inbox.stop)
    inbox.start()
    name = drop(run_dir, "z1", "halt")
    for _ in range(2_000):  # wait for the thread to claim it (no time limit asserted)
        if (control_paths(run_dir).done / name).exists():
            return name
        time.sleep(0.01)
    raise AssertionError("the inbox thread never claimed the file")


def test_the_thread_applies_a_command_while_the_loop_runs(tmp_path: Path) -> None:
    """Started for real: a halt file dropped while the loop steps is applied and answered."""
    rig = Rig()
    inbox = ControlInbox(tmp_path, rig.gateway, poll_s=0.01)
    rig.gateway.on_close(inbox.stop)
    inbox.start()
    name = drop(tmp_path, "t", "halt")
    for _ in range(5_000):
        rig.settle(1)
        if outcome(tmp_path, name) is not None:
            break
        time.sleep(0.002)
    rig.gateway.close()
    answer = outcome(tmp_path, name)
    assert answer is not None
    assert answer["outcome"] == "applied"
    assert inbox.io_errors == 0


class InboxMachine(RuleBasedStateMachine):
    """Random halts, resumes, kills and junk against a model of the latched policy: every
    file is answered exactly once, as the model says, and the gateway's mode agrees."""

    def __init__(self) -> None:
        super().__init__()
        self.folder = tempfile.TemporaryDirectory()
        self.run_dir = Path(self.folder.name)
        self.desk = Desk(self.run_dir)
        self.halted = False
        self.n = 0
        self.expected: dict[str, tuple[str, str | None]] = {}

    def _name(self) -> str:
        self.n += 1
        return f"{self.n:04d}"

    @rule(command=st.sampled_from(["halt", "kill", "resume"]))
    def command(self, command: str) -> None:
        name = drop(self.run_dir, self._name(), command)
        if command == "resume":
            self.expected[name] = ("applied", None) if self.halted else ("refused", "NotHalted")
            self.halted = False
        else:
            self.expected[name] = ("accepted", None) if self.halted else ("applied", None)
            self.halted = True
        self.desk.turn()

    @rule(payload=malformed_payloads())
    def junk(self, payload: bytes) -> None:
        name = f"{self._name()}.json"
        (control_paths(self.run_dir).inbox / name).write_bytes(payload)
        self.expected[name] = ("rejected", "MalformedCommandError")
        self.desk.turn()

    @invariant()
    def answers_match_the_model(self) -> None:
        paths = control_paths(self.run_dir)
        for name, (want, error) in self.expected.items():
            answer = read_json(paths.outcome_of(name)) or read_json(paths.reason_of(name))
            assert answer is not None, name
            assert (answer.get("outcome", "rejected"), answer["error"]) == (want, error)
        mode = self.desk.rig.gateway.core.state.policy.mode.value
        assert mode == ("HALT" if self.halted else "NORMAL")

    def teardown(self) -> None:
        self.folder.cleanup()


TestInboxMachine = InboxMachine.TestCase
TestInboxMachine.settings = settings(max_examples=15, stateful_step_count=12)
