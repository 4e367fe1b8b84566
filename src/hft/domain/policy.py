"""GatewayPolicy: what the gateway lets through in NORMAL, DEGRADED and HALT.

Admission matrix (`decide_admit`), for NEW and AMEND that do not reduce the position; CANCEL,
FORCE_FLAT and position-reducing NEW/AMEND pass in every mode and during the hold-off:
  HALT -> HALT, DEGRADED -> DEGRADED, startup hold-off -> STARTUP_HOLDOFF, else pass.
(DEGRADED blocks new risk like HALT does, but is set and cleared by automatic triggers.)

HALT is latched: halting again keeps the first reason and emits nothing, automatic triggers
(degrade/recover) cannot touch it, and only `decide_resume` with an operator and a reason
clears it. The verdict reads only the state it is given: the gateway must fold a halt before
its next admission and dispatch what it admitted in the same step, with no await between.
"""

from __future__ import annotations

from typing import TypedDict

from hft.domain.errors import DomainError, InvalidValue
from hft.domain.intent import IntentType
from hft.domain.policy_events import (
    GatewayDegraded,
    GatewayHalted,
    GatewayRecovered,
    GatewayResumed,
    GatewayStarted,
    PolicyEvent,
)
from hft.domain.policy_state import POLICY_ORIGINATOR, GatewayPolicy, PolicyMode, evolve
from hft.domain.reasons import RejectReason

__all__ = [
    "POLICY_ORIGINATOR",
    "GatewayPolicy",
    "NotHalted",
    "PolicyMode",
    "ResumeUnattributed",
    "decide_admit",
    "decide_degrade",
    "decide_halt",
    "decide_recover",
    "decide_resume",
    "decide_start",
    "evolve",
]


class NotHalted(DomainError):
    """A resume was asked while the gateway is not halted."""


class ResumeUnattributed(DomainError):
    """A resume without an operator or without a reason: nobody would answer for it."""


_ALWAYS_PASS = frozenset({IntentType.CANCEL, IntentType.FORCE_FLAT})
_MODE_REJECTS = {PolicyMode.HALT: RejectReason.HALT, PolicyMode.DEGRADED: RejectReason.DEGRADED}


def decide_admit(
    policy: GatewayPolicy, intent_type: IntentType, reduces_position: bool, now_ns: int
) -> RejectReason | None:
    """None if the intent may pass now, else the reason it may not (see the module matrix)."""
    if intent_type in _ALWAYS_PASS or reduces_position:
        return None
    blocked = _MODE_REJECTS.get(policy.mode)
    if blocked is None and now_ns < policy.holdoff_until_ns:
        return RejectReason.STARTUP_HOLDOFF
    return blocked


def _text(value: str, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidValue(f"{what} must be non-empty text, got {value!r}")
    return value


class _Meta(TypedDict):
    originator_id: str
    originator_version: int
    ts_event_ns: int
    ts_init_ns: int


def _meta(policy: GatewayPolicy, ts_ns: int) -> _Meta:
    return _Meta(
        originator_id=policy.originator_id,
        originator_version=policy.version + 1,
        ts_event_ns=ts_ns,
        ts_init_ns=ts_ns,
    )


def decide_start(
    policy: GatewayPolicy, holdoff_until_ns: int, ts_ns: int
) -> tuple[PolicyEvent, ...]:
    """The gateway started at `ts_ns`; non-reducing NEW/AMEND wait until `holdoff_until_ns`."""
    if isinstance(holdoff_until_ns, bool) or not isinstance(holdoff_until_ns, int):
        raise InvalidValue(f"holdoff_until_ns must be an int, got {holdoff_until_ns!r}")
    return (GatewayStarted(**_meta(policy, ts_ns), holdoff_until_ns=holdoff_until_ns),)


def decide_halt(
    policy: GatewayPolicy, reason: str, source: str, ts_ns: int
) -> tuple[PolicyEvent, ...]:
    """Latch HALT with `reason` from `source`; `()` if already halted (the first reason stays)."""
    _text(reason, "halt reason")
    _text(source, "halt source")
    if policy.mode is PolicyMode.HALT:
        return ()
    return (GatewayHalted(**_meta(policy, ts_ns), reason=reason, source=source),)


def decide_degrade(policy: GatewayPolicy, reason: str, ts_ns: int) -> tuple[PolicyEvent, ...]:
    """An automatic trigger fired: NORMAL -> DEGRADED; `()` when DEGRADED or HALT already."""
    _text(reason, "degrade reason")
    if policy.mode is not PolicyMode.NORMAL:
        return ()
    return (GatewayDegraded(**_meta(policy, ts_ns), reason=reason),)


def decide_recover(policy: GatewayPolicy, reason: str, ts_ns: int) -> tuple[PolicyEvent, ...]:
    """The trigger's condition cleared: DEGRADED -> NORMAL; `()` otherwise (never clears HALT)."""
    _text(reason, "recover reason")
    if policy.mode is not PolicyMode.DEGRADED:
        return ()
    return (GatewayRecovered(**_meta(policy, ts_ns), reason=reason),)


def decide_resume(
    policy: GatewayPolicy, operator: str, reason: str, ts_ns: int
) -> tuple[PolicyEvent, ...]:
    """`operator` clears the HALT for `reason`: HALT -> NORMAL.

    Raises `ResumeUnattributed` without a non-blank operator and reason, `NotHalted` outside
    HALT. Triggers whose condition still holds re-assert DEGRADED after the resume.
    """
    for value in (operator, reason):
        if not isinstance(value, str) or not value.strip():
            raise ResumeUnattributed(
                f"resume needs an operator and a reason: {operator!r}, {reason!r}"
            )
    if policy.mode is not PolicyMode.HALT:
        raise NotHalted(f"resume asked in {policy.mode.value}")
    return (GatewayResumed(**_meta(policy, ts_ns), operator=operator, reason=reason),)
