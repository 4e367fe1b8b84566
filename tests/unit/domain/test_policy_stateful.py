"""Stateful property: random starts, halts, resumes, degrades, recoveries and admissions.

Invariants: HALT never lets a non-reducing NEW or AMEND through; only an explicit resume with
an operator and a reason leaves HALT; the fold of every event emitted equals the state.
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import count

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

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
from hft.domain.policy_events import PolicyEvent
from hft.domain.reasons import RejectReason
from tests.strategies import risk

blank_or_name = st.sampled_from(("", "  ")) | risk.operators


class PolicyMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.policy = GatewayPolicy()
        self.events: list[PolicyEvent] = []
        self.clock = count(1)

    def _step(self, decide: Callable[[GatewayPolicy], tuple[PolicyEvent, ...]]) -> None:
        """Apply a decision that is not a resume: it can never leave HALT."""
        was_halted = self.policy.mode is PolicyMode.HALT
        reason = self.policy.halt_reason
        for event in decide(self.policy):
            self.policy = evolve(self.policy, event)
            self.events.append(event)
        if was_halted:
            assert self.policy.mode is PolicyMode.HALT
            assert self.policy.halt_reason == reason

    @rule(holdoff=st.integers(min_value=0, max_value=60))
    def start(self, holdoff: int) -> None:
        now = next(self.clock)
        self._step(lambda p: decide_start(p, now + holdoff, now))

    @rule(reason=risk.reasons, source=st.sampled_from(("wal", "feed", "operator")))
    def halt(self, reason: str, source: str) -> None:
        was_halted = self.policy.mode is PolicyMode.HALT
        self._step(lambda p: decide_halt(p, reason, source, next(self.clock)))
        assert self.policy.mode is PolicyMode.HALT
        if not was_halted:
            assert (self.policy.halt_reason, self.policy.halt_source) == (reason, source)

    @rule(reason=risk.reasons)
    def degrade(self, reason: str) -> None:
        before = self.policy.mode
        self._step(lambda p: decide_degrade(p, reason, next(self.clock)))
        expected = PolicyMode.DEGRADED if before is PolicyMode.NORMAL else before
        assert self.policy.mode is expected

    @rule(reason=risk.reasons)
    def recover(self, reason: str) -> None:
        before = self.policy.mode
        self._step(lambda p: decide_recover(p, reason, next(self.clock)))
        expected = PolicyMode.NORMAL if before is PolicyMode.DEGRADED else before
        assert self.policy.mode is expected

    @rule(operator=blank_or_name, reason=st.sampled_from(("", "fixed", " ")))
    def resume(self, operator: str, reason: str) -> None:
        attributed = bool(operator.strip() and reason.strip())
        if not attributed:
            with pytest.raises(ResumeUnattributed):
                decide_resume(self.policy, operator, reason, 0)
        elif self.policy.mode is not PolicyMode.HALT:
            with pytest.raises(NotHalted):
                decide_resume(self.policy, operator, reason, 0)
        else:
            (event,) = decide_resume(self.policy, operator, reason, next(self.clock))
            self.policy = evolve(self.policy, event)
            self.events.append(event)
            assert (self.policy.mode, self.policy.resumed_by) == (PolicyMode.NORMAL, operator)

    @rule(intent=risk.intent_types, reducing=st.booleans(), ahead=st.integers(0, 80))
    def admit(self, intent: IntentType, reducing: bool, ahead: int) -> None:
        now = next(self.clock) + ahead
        verdict = decide_admit(self.policy, intent, reducing, now)
        risky = intent in (IntentType.NEW, IntentType.AMEND) and not reducing
        if not risky:
            assert verdict is None
        elif self.policy.mode is PolicyMode.HALT:
            assert verdict is RejectReason.HALT
        elif self.policy.mode is PolicyMode.DEGRADED:
            assert verdict is RejectReason.DEGRADED
        else:
            in_holdoff = now < self.policy.holdoff_until_ns
            assert verdict is (RejectReason.STARTUP_HOLDOFF if in_holdoff else None)

    @invariant()
    def fold_of_the_events_equals_the_state(self) -> None:
        assert fold(evolve, GatewayPolicy(), self.events) == self.policy
        assert self.policy.version == len(self.events)

    @invariant()
    def halt_always_has_a_reason(self) -> None:
        halted = self.policy.mode is PolicyMode.HALT
        assert bool(self.policy.halt_reason and self.policy.halt_source) is halted


TestPolicyStateful = PolicyMachine.TestCase
