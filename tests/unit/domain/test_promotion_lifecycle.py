"""AlphaPromotion: the transition table, gate ordering, re-promotion rules and a stateful model."""

from __future__ import annotations

import attrs
import pytest
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from hft.domain.errors import InvalidTransition, InvalidValue
from hft.domain.events import DomainEvent
from hft.domain.gates import GATE_ORDER, Gate, GateVerdict, Measure
from hft.domain.promotion import (
    LIVE_WEIGHT_BPS,
    TRANSITIONS,
    AlphaAlreadyRegistered,
    AlphaPromotion,
    ConfigChange,
    GateOutOfOrder,
    GatesIncomplete,
    PromotionStatus,
    evolve,
    project,
)
from hft.domain.promotion_commands import (
    escalate,
    hold,
    promote,
    record_gate,
    register_alpha,
    roll_back,
)
from hft.domain.promotion_events import PROMOTION_EVENTS, AlphaRegistered

CFG = ConfigChange(before_sha256="a" * 64, after_sha256="b" * 64)
TIERS = (500, 2_000, 5_000)


def verdict(gate: Gate, passed: bool = True) -> GateVerdict:
    m = Measure(name="x", value=1 if passed else 0, threshold=1, rule="ge", unit="u")
    return GateVerdict(gate=gate, measures=(m,))


def registered() -> tuple[AlphaPromotion, list[DomainEvent]]:
    ev = register_alpha(
        None,
        stream_id="s-1",
        alpha_id="mm",
        kind="rule",
        strategy="pkg:Cls",
        spec_sha256="c" * 64,
        artifacts=(),
        ts_ns=1,
    )
    state = evolve(None, ev)
    return state, [ev]


def step(state: AlphaPromotion, events: list[DomainEvent], ev: DomainEvent) -> AlphaPromotion:
    events.append(ev)
    return evolve(state, ev)


def all_gates(state: AlphaPromotion, events: list[DomainEvent]) -> AlphaPromotion:
    for gate in GATE_ORDER:
        ev = record_gate(state, verdict(gate), input_hashes=(), thresholds_version="v", ts_ns=2)
        state = step(state, events, ev)
    return state


def test_happy_path_reaches_live_through_each_tier() -> None:
    """Gates A..E, promotion at 5%, escalations to 20% and 50%, then live at 100%."""
    state, events = registered()
    state = all_gates(state, events)
    state = step(state, events, promote(state, tiers_bps=TIERS, config=CFG, ts_ns=3))
    weights = [state.weight_bps]
    while state.status is not PromotionStatus.LIVE:
        state = step(state, events, escalate(state, reasons=("ok",), config=CFG, ts_ns=4))
        weights.append(state.weight_bps)
    assert weights == [500, 2_000, 5_000, LIVE_WEIGHT_BPS]
    assert [e.originator_version for e in events] == list(range(1, len(events) + 1))
    assert project(None, events) == state


def test_gate_out_of_order_is_refused() -> None:
    """Gate C before A and B passed raises GateOutOfOrder naming the missing gates."""
    state, _ = registered()
    with pytest.raises(GateOutOfOrder, match=r"\['A', 'B'\]"):
        record_gate(state, verdict(Gate.BACKTEST), input_hashes=(), thresholds_version="v", ts_ns=2)


def test_failed_gate_blocks_promotion_and_re_evaluation_drops_later_results() -> None:
    """Re-running gate B after A..E passed forgets C..E; a failed B blocks promotion."""
    state, events = registered()
    state = all_gates(state, events)
    fail_b = record_gate(
        state,
        verdict(Gate.CORRECTNESS, passed=False),
        input_hashes=(),
        thresholds_version="v",
        ts_ns=5,
    )
    state = step(state, events, fail_b)
    assert state.passed_gates == (Gate.FEASIBILITY,)
    with pytest.raises(GatesIncomplete):
        promote(state, tiers_bps=TIERS, config=CFG, ts_ns=6)


def test_rollback_needs_fresh_gates_in_a_new_round() -> None:
    """After a rollback the round advances and promotion needs all five gates again."""
    state, events = registered()
    state = all_gates(state, events)
    state = step(state, events, promote(state, tiers_bps=TIERS, config=CFG, ts_ns=3))
    state = step(state, events, roll_back(state, reasons=("slippage",), config=CFG, ts_ns=4))
    assert (state.status, state.weight_bps, state.passed_gates) == (
        PromotionStatus.ROLLED_BACK,
        0,
        (),
    )
    with pytest.raises(InvalidTransition):
        promote(state, tiers_bps=TIERS, config=CFG, ts_ns=5)
    state = all_gates(state, events)
    assert state.round == 2
    assert state.status is PromotionStatus.GATING
    assert promote(state, tiers_bps=TIERS, config=CFG, ts_ns=6).round == 2


def test_register_twice_and_bad_inputs_are_named_errors() -> None:
    """A second registration, an unknown kind, bad tiers or an empty reason raise by name."""
    state, _ = registered()
    with pytest.raises(AlphaAlreadyRegistered):
        register_alpha(
            state,
            stream_id="s",
            alpha_id="mm",
            kind="rule",
            strategy="x",
            spec_sha256="",
            artifacts=(),
            ts_ns=1,
        )
    with pytest.raises(InvalidValue):
        register_alpha(
            None,
            stream_id="s",
            alpha_id="mm",
            kind="ml",
            strategy="x",
            spec_sha256="",
            artifacts=(),
            ts_ns=1,
        )
    gated = all_gates(state, [])
    with pytest.raises(InvalidValue):
        promote(gated, tiers_bps=(2_000, 500), config=CFG, ts_ns=1)
    live = evolve(gated, promote(gated, tiers_bps=TIERS, config=CFG, ts_ns=1))
    with pytest.raises(InvalidValue):
        roll_back(live, reasons=("",), config=CFG, ts_ns=1)


@pytest.mark.parametrize("status", list(PromotionStatus))
@pytest.mark.parametrize("event_type", PROMOTION_EVENTS[1:])
def test_transition_table_is_the_only_way_to_move(
    status: PromotionStatus, event_type: type[DomainEvent]
) -> None:
    """Every (status, event) pair either follows the table or raises InvalidTransition."""
    state, _ = registered()
    state = attrs.evolve(state, status=status)
    allowed = (status, event_type) in TRANSITIONS
    assert state.allows(event_type) is allowed
    if not allowed:
        # Build an instance without running its command (which would refuse first).
        fake = object.__new__(event_type)
        object.__setattr__(fake, "originator_version", 2)
        with pytest.raises(InvalidTransition):
            evolve(state, fake)


def test_only_registration_opens_a_stream() -> None:
    """Folding a non-registration event onto nothing raises InvalidTransition."""
    state, events = registered()
    gate = record_gate(
        state, verdict(Gate.FEASIBILITY), input_hashes=(), thresholds_version="v", ts_ns=2
    )
    with pytest.raises(InvalidTransition):
        evolve(None, gate)
    assert isinstance(events[0], AlphaRegistered)


class PromotionMachine(RuleBasedStateMachine):
    """Random command sequences: every accepted event folds to the same state as the model."""

    def __init__(self) -> None:
        super().__init__()
        self.state, self.events = registered()
        self.model_status = PromotionStatus.REGISTERED
        self.model_round = 1

    def _apply(self, event: DomainEvent) -> None:
        self.state = step(self.state, self.events, event)

    @rule(gate=st.sampled_from(GATE_ORDER), passed=st.booleans())
    def evaluate(self, gate: Gate, passed: bool) -> None:
        try:
            ev = record_gate(
                self.state, verdict(gate, passed), input_hashes=(), thresholds_version="v", ts_ns=1
            )
        except (GateOutOfOrder, InvalidTransition):
            assert (
                self.model_status not in (PromotionStatus.REGISTERED, PromotionStatus.GATING)
                or gate is not Gate.FEASIBILITY
            )
            return
        if self.model_status is PromotionStatus.ROLLED_BACK:
            self.model_round += 1
        self.model_status = PromotionStatus.GATING
        self._apply(ev)

    @rule()
    def promote_now(self) -> None:
        try:
            ev = promote(self.state, tiers_bps=TIERS, config=CFG, ts_ns=1)
        except (GatesIncomplete, InvalidTransition):
            assert (
                len(self.state.passed_gates) < 5 or self.model_status is not PromotionStatus.GATING
            )
            return
        assert len(self.state.passed_gates) == 5
        self.model_status = PromotionStatus.CANARY
        self._apply(ev)

    @precondition(lambda self: self.model_status in (PromotionStatus.CANARY, PromotionStatus.HELD))
    @rule(action=st.sampled_from(["escalate", "hold", "rollback"]))
    def canary(self, action: str) -> None:
        if action == "escalate":
            ev: DomainEvent = escalate(self.state, reasons=("ok",), config=CFG, ts_ns=1)
        elif action == "hold":
            ev = hold(self.state, reasons=("wait",), ts_ns=1)
        else:
            ev = roll_back(self.state, reasons=("bad",), config=CFG, ts_ns=1)
        self._apply(ev)
        self.model_status = self.state.status

    @precondition(lambda self: self.model_status is PromotionStatus.LIVE)
    @rule()
    def operator_rollback(self) -> None:
        self._apply(roll_back(self.state, reasons=("operator",), actor="ops", config=CFG, ts_ns=1))
        self.model_status = PromotionStatus.ROLLED_BACK

    @invariant()
    def fold_matches(self) -> None:
        assert self.state.status is self.model_status
        assert self.state.round == self.model_round
        assert project(None, self.events) == self.state
        assert self.state.version == len(self.events)
        live_like = self.state.status in (
            PromotionStatus.CANARY,
            PromotionStatus.HELD,
            PromotionStatus.LIVE,
        )
        assert (self.state.weight_bps > 0) is live_like


TestPromotionStateful = PromotionMachine.TestCase
