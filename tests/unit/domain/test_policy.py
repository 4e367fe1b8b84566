"""GatewayPolicy: the admission matrix, latched HALT, attributed resume, the transition table."""

from __future__ import annotations

import re

import attrs
import pytest

from hft.domain.errors import InvalidTransition, InvalidValue
from hft.domain.events import fold
from hft.domain.intent import IntentType
from hft.domain.policy import (
    GatewayPolicy,
    NotHalted,
    PolicyMode,
    ResumeUnattributed,
    decide_admit,
    decide_degrade,
    decide_halt,
    decide_recover,
    decide_resume,
    decide_start,
    evolve,
)
from hft.domain.policy_events import (
    GatewayDegraded,
    GatewayHalted,
    GatewayRecovered,
    GatewayResumed,
    GatewayStarted,
    PolicyEvent,
)
from hft.domain.reasons import RejectReason

HOLDOFF_END = 1_000
NEW, AMEND, CANCEL, FLAT = (
    IntentType.NEW,
    IntentType.AMEND,
    IntentType.CANCEL,
    IntentType.FORCE_FLAT,
)
HALT, DEGRADED, HOLDOFF = RejectReason.HALT, RejectReason.DEGRADED, RejectReason.STARTUP_HOLDOFF


def run(policy: GatewayPolicy, events: tuple[PolicyEvent, ...]) -> GatewayPolicy:
    result: GatewayPolicy = fold(evolve, policy, events)
    return result


def started(mode: PolicyMode) -> GatewayPolicy:
    """A gateway started with a hold-off until HOLDOFF_END, then moved to `mode`."""
    policy = run(GatewayPolicy(), decide_start(GatewayPolicy(), HOLDOFF_END, 0))
    if mode is PolicyMode.DEGRADED:
        policy = run(policy, decide_degrade(policy, "feed gap", 1))
    if mode is PolicyMode.HALT:
        policy = run(policy, decide_halt(policy, "disk full", "wal", 1))
    return policy


# (mode, in hold-off, intent type, reduces position) -> verdict; written out, not computed.
MATRIX = [
    *[
        (m, h, t, r, None)
        for m in PolicyMode
        for h in (False, True)
        for t in (CANCEL, FLAT)
        for r in (False, True)
    ],
    *[(m, h, t, True, None) for m in PolicyMode for h in (False, True) for t in (NEW, AMEND)],
    (PolicyMode.NORMAL, False, NEW, False, None),
    (PolicyMode.NORMAL, False, AMEND, False, None),
    (PolicyMode.NORMAL, True, NEW, False, HOLDOFF),
    (PolicyMode.NORMAL, True, AMEND, False, HOLDOFF),
    (PolicyMode.DEGRADED, False, NEW, False, DEGRADED),
    (PolicyMode.DEGRADED, False, AMEND, False, DEGRADED),
    (PolicyMode.DEGRADED, True, NEW, False, DEGRADED),
    (PolicyMode.DEGRADED, True, AMEND, False, DEGRADED),
    (PolicyMode.HALT, False, NEW, False, HALT),
    (PolicyMode.HALT, False, AMEND, False, HALT),
    (PolicyMode.HALT, True, NEW, False, HALT),
    (PolicyMode.HALT, True, AMEND, False, HALT),
]


def test_the_matrix_covers_every_state_intent_and_reduction_exactly_once() -> None:
    """3 modes x hold-off or not x 4 intent types x reducing or not = 48 distinct rows."""
    assert len({row[:4] for row in MATRIX}) == len(MATRIX) == 48


@pytest.mark.parametrize(("mode", "in_holdoff", "intent", "reducing", "verdict"), MATRIX)
def test_admission_matrix(
    mode: PolicyMode,
    in_holdoff: bool,
    intent: IntentType,
    reducing: bool,
    verdict: RejectReason | None,
) -> None:
    """Cancel, force-flat and reducing orders always pass; other NEW/AMEND get the mode's no."""
    now = HOLDOFF_END - 1 if in_holdoff else HOLDOFF_END
    assert decide_admit(started(mode), intent, reducing, now) is verdict


def test_a_gateway_never_started_has_no_hold_off() -> None:
    """The initial state is NORMAL with nothing held off, at any time."""
    assert decide_admit(GatewayPolicy(), NEW, False, 0) is None
    assert GatewayPolicy().mode is PolicyMode.NORMAL


def test_start_records_the_hold_off_end_as_an_event() -> None:
    """GatewayStarted is version 1 of "gateway-policy" and carries holdoff_until_ns."""
    assert decide_start(GatewayPolicy(), 500, 7) == (
        GatewayStarted(
            originator_id="gateway-policy",
            originator_version=1,
            ts_event_ns=7,
            ts_init_ns=7,
            holdoff_until_ns=500,
        ),
    )


@pytest.mark.parametrize("bad", [1.5, True, "9"])
def test_start_refuses_a_hold_off_that_is_not_an_int(bad: object) -> None:
    """Times are integer nanoseconds."""
    with pytest.raises(InvalidValue, match=f"^holdoff_until_ns must be an int, got {bad!r}$"):
        decide_start(GatewayPolicy(), bad, 0)  # type: ignore[arg-type]


def test_a_restart_keeps_a_latched_halt_and_its_reason() -> None:
    """GatewayStarted after GatewayHalted: still HALT with the same reason, new hold-off set."""
    halted = started(PolicyMode.HALT)
    restarted = run(halted, decide_start(halted, 9_000, 5))
    assert (restarted.mode, restarted.halt_reason, restarted.halt_source) == (
        PolicyMode.HALT,
        "disk full",
        "wal",
    )
    assert restarted.holdoff_until_ns == 9_000
    assert decide_admit(restarted, NEW, False, 10_000) is HALT


@pytest.mark.parametrize("mode", [PolicyMode.NORMAL, PolicyMode.DEGRADED])
def test_halt_latches_with_its_reason_and_source(mode: PolicyMode) -> None:
    """From NORMAL or DEGRADED, one GatewayHalted; the state names why and who."""
    policy = started(mode)
    decision = decide_halt(policy, "broker down", "heartbeat", 42)
    assert decision == (
        GatewayHalted(
            originator_id="gateway-policy",
            originator_version=policy.version + 1,
            ts_event_ns=42,
            ts_init_ns=42,
            reason="broker down",
            source="heartbeat",
        ),
    )
    halted = run(policy, decision)
    assert (halted.mode, halted.halt_reason, halted.halt_source) == (
        PolicyMode.HALT,
        "broker down",
        "heartbeat",
    )


def test_halting_while_halted_emits_nothing_and_keeps_the_first_reason() -> None:
    """A second HALT with another reason is a no-op: the first reason stays latched."""
    halted = started(PolicyMode.HALT)
    assert decide_halt(halted, "feed gap", "quotes", 9) == ()
    assert halted.halt_reason == "disk full"


@pytest.mark.parametrize(
    ("reason", "source", "message"),
    [
        ("", "wal", "halt reason must be non-empty text, got ''"),
        ("  ", "wal", "halt reason must be non-empty text, got '  '"),
        ("x", "", "halt source must be non-empty text, got ''"),
        ("x", " ", "halt source must be non-empty text, got ' '"),
    ],
)
def test_halt_needs_a_reason_and_a_source(reason: str, source: str, message: str) -> None:
    """An unexplained halt is refused with InvalidValue naming what is missing."""
    with pytest.raises(InvalidValue, match=f"^{message}$"):
        decide_halt(GatewayPolicy(), reason, source, 1)


def test_degrade_moves_normal_to_degraded_once() -> None:
    """NORMAL -> one GatewayDegraded; DEGRADED and HALT: nothing (a trigger cannot touch HALT)."""
    policy = started(PolicyMode.NORMAL)
    decision = decide_degrade(policy, "feed gap", 3)
    assert decision == (
        GatewayDegraded(
            originator_id="gateway-policy",
            originator_version=2,
            ts_event_ns=3,
            ts_init_ns=3,
            reason="feed gap",
        ),
    )
    degraded = run(policy, decision)
    assert (degraded.mode, degraded.degraded_reason) == (PolicyMode.DEGRADED, "feed gap")
    assert decide_degrade(degraded, "again", 4) == ()
    assert decide_degrade(started(PolicyMode.HALT), "feed gap", 4) == ()


def test_recover_moves_degraded_to_normal_and_never_clears_halt() -> None:
    """DEGRADED -> one GatewayRecovered; NORMAL and HALT: nothing."""
    degraded = started(PolicyMode.DEGRADED)
    decision = decide_recover(degraded, "feed back", 5)
    assert decision == (
        GatewayRecovered(
            originator_id="gateway-policy",
            originator_version=3,
            ts_event_ns=5,
            ts_init_ns=5,
            reason="feed back",
        ),
    )
    recovered = run(degraded, decision)
    assert (recovered.mode, recovered.degraded_reason) == (PolicyMode.NORMAL, "")
    assert decide_recover(recovered, "x", 6) == ()
    assert decide_recover(started(PolicyMode.HALT), "x", 6) == ()


@pytest.mark.parametrize(
    ("decide", "what"), [(decide_degrade, "degrade reason"), (decide_recover, "recover reason")]
)
def test_triggers_need_a_reason(decide: object, what: str) -> None:
    """A blank reason from an automatic trigger is InvalidValue."""
    with pytest.raises(InvalidValue, match=f"^{what} must be non-empty text, got ' '$"):
        decide(started(PolicyMode.DEGRADED), " ", 1)  # type: ignore[operator]


def test_resume_with_operator_and_reason_clears_halt_to_normal() -> None:
    """GatewayResumed names the operator; the latched reasons are cleared."""
    halted = run(
        started(PolicyMode.DEGRADED), decide_halt(started(PolicyMode.DEGRADED), "r", "s", 2)
    )
    decision = decide_resume(halted, "alice", "disk cleaned", 8)
    assert decision == (
        GatewayResumed(
            originator_id="gateway-policy",
            originator_version=halted.version + 1,
            ts_event_ns=8,
            ts_init_ns=8,
            operator="alice",
            reason="disk cleaned",
        ),
    )
    resumed = run(halted, decision)
    assert attrs.asdict(resumed) == {
        "originator_id": "gateway-policy",
        "version": halted.version + 1,
        "mode": PolicyMode.NORMAL,
        "halt_reason": "",
        "halt_source": "",
        "degraded_reason": "",
        "holdoff_until_ns": HOLDOFF_END,
        "resumed_by": "alice",
    }


@pytest.mark.parametrize(
    ("operator", "reason"), [("", "x"), (" ", "x"), ("alice", ""), ("a", "\t")]
)
def test_resume_without_an_operator_or_a_reason_is_refused(operator: str, reason: str) -> None:
    """Nobody answers for an unattributed resume: ResumeUnattributed, HALT stays."""
    expected = re.escape(f"resume needs an operator and a reason: {operator!r}, {reason!r}")
    with pytest.raises(ResumeUnattributed, match=expected):
        decide_resume(started(PolicyMode.HALT), operator, reason, 1)


@pytest.mark.parametrize("mode", [PolicyMode.NORMAL, PolicyMode.DEGRADED])
def test_resume_outside_halt_is_refused(mode: PolicyMode) -> None:
    """Only HALT can be resumed: NotHalted otherwise."""
    with pytest.raises(NotHalted, match=f"^resume asked in {mode.value}$"):
        decide_resume(started(mode), "alice", "why", 1)


def _event(kind: type[PolicyEvent], version: int) -> PolicyEvent:
    meta = {
        "originator_id": "gateway-policy",
        "originator_version": version,
        "ts_event_ns": 1,
        "ts_init_ns": 1,
    }
    extra: dict[type[PolicyEvent], dict[str, object]] = {
        GatewayStarted: {"holdoff_until_ns": 5},
        GatewayHalted: {"reason": "r", "source": "s"},
        GatewayResumed: {"operator": "o", "reason": "r"},
        GatewayDegraded: {"reason": "r"},
        GatewayRecovered: {"reason": "r"},
    }
    return kind(**meta, **extra[kind])  # type: ignore[arg-type]


KINDS = [GatewayStarted, GatewayHalted, GatewayResumed, GatewayDegraded, GatewayRecovered]
TABLE = {
    (PolicyMode.NORMAL, GatewayStarted): PolicyMode.NORMAL,
    (PolicyMode.NORMAL, GatewayHalted): PolicyMode.HALT,
    (PolicyMode.NORMAL, GatewayDegraded): PolicyMode.DEGRADED,
    (PolicyMode.DEGRADED, GatewayStarted): PolicyMode.DEGRADED,
    (PolicyMode.DEGRADED, GatewayHalted): PolicyMode.HALT,
    (PolicyMode.DEGRADED, GatewayRecovered): PolicyMode.NORMAL,
    (PolicyMode.HALT, GatewayStarted): PolicyMode.HALT,
    (PolicyMode.HALT, GatewayResumed): PolicyMode.NORMAL,
}


@pytest.mark.parametrize("mode", list(PolicyMode))
@pytest.mark.parametrize("kind", KINDS)
def test_transition_table_every_mode_by_every_event(
    mode: PolicyMode, kind: type[PolicyEvent]
) -> None:
    """Each (mode, event) either lands on its one next mode or is an InvalidTransition."""
    policy = started(mode)
    event = _event(kind, policy.version + 1)
    expected = TABLE.get((mode, kind))
    if expected is None:
        with pytest.raises(InvalidTransition) as refused:
            evolve(policy, event)
        assert (refused.value.from_, refused.value.event) == (mode, kind.__name__)
    else:
        after = evolve(policy, event)
        assert (after.mode, after.version) == (expected, policy.version + 1)


def test_evolve_refuses_events_out_of_order_or_of_another_aggregate() -> None:
    """A skipped or repeated version, or another originator id, is an InvalidTransition."""
    event = _event(GatewayHalted, 1)
    for bad in (
        attrs.evolve(event, originator_version=2),
        attrs.evolve(event, originator_version=0),
        attrs.evolve(event, originator_id="exposure"),
    ):
        with pytest.raises(InvalidTransition) as refused:
            evolve(GatewayPolicy(), bad)
        assert (refused.value.from_, refused.value.event) == ("gateway-policy at version 0", bad)
    assert evolve(GatewayPolicy(), event).mode is PolicyMode.HALT


def test_field_note_10_a_folded_halt_blocks_the_next_admission_whatever_the_clock_says() -> None:
    """Failure 10: the verdict reads the state only, so no timestamp window lets a NEW slip by."""
    policy = started(PolicyMode.NORMAL)
    assert decide_admit(policy, NEW, False, 5_000) is None
    halted = run(policy, decide_halt(policy, "broker down", "heartbeat", 5_000))
    for now in (0, 4_999, 5_000, 10**18):
        assert decide_admit(halted, NEW, False, now) is HALT
        assert decide_admit(halted, CANCEL, False, now) is None


def test_field_note_11_a_flapping_trigger_cannot_make_halt_oscillate() -> None:
    """Failure 11: 26 halts in 27 minutes, with recoveries between, give one GatewayHalted."""
    policy = started(PolicyMode.NORMAL)
    emitted: list[PolicyEvent] = []
    minute = 60 * 10**9
    for n in range(27):
        now = n * minute
        for trigger in ("halt", "recover", "degrade"):
            if trigger == "halt":
                events = decide_halt(policy, f"disk {90 + n % 5}%", "disk-monitor", now)
            elif trigger == "recover":
                events = decide_recover(policy, "disk ok", now)
            else:
                events = decide_degrade(policy, "disk warm", now)
            emitted.extend(events)
            policy = run(policy, events)
            assert policy.mode is PolicyMode.HALT
    assert [type(e) for e in emitted] == [GatewayHalted]
    assert policy.halt_reason == "disk 90%"
    assert decide_admit(policy, NEW, False, 27 * minute) is HALT
