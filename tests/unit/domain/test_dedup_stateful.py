"""The dedup window against a plain ordered-dict model, under repeated keys and every outcome."""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from hft.domain.dedup import (
    DedupCapacityTooSmall,
    DedupDecision,
    DedupEntry,
    DedupStatus,
    DedupWindow,
    Duplicate,
    InFlight,
    Reserved,
    WindowFull,
    decide_reserve,
    evolve_dedup,
    with_capacity,
)
from hft.domain.dedup import empty_window as new_window
from hft.domain.events import DomainEvent, fold
from hft.domain.intent import (
    IntentAccepted,
    IntentAcked,
    IntentDispatched,
    IntentExpired,
    IntentOutcomeUnknown,
    IntentRejected,
    decide_deduplicated,
    decide_submit,
)
from hft.domain.reasons import RejectReason
from tests.strategies.intent import command

KEYS = st.sampled_from([f"k{n}" for n in range(6)])


class Model:
    """The rules written the obvious way: committed keys in commit order, then in flight."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self.committed: OrderedDict[str, str] = OrderedDict()
        self.flight: OrderedDict[str, str] = OrderedDict()

    def decide(self, key: str) -> DedupDecision:
        if key in self.committed:
            return Duplicate(self.committed[key])
        if key in self.flight:
            return InFlight(self.flight[key])
        full = len(self.committed) + len(self.flight) >= self.capacity
        return WindowFull() if full and not self.committed else Reserved()

    def reserve(self, key: str, owner: str) -> None:
        if len(self.committed) + len(self.flight) >= self.capacity:
            self.committed.popitem(last=False)
        self.flight[key] = owner

    def key_of(self, owner: str) -> str | None:
        return next((k for k, o in self.flight.items() if o == owner), None)

    def commit(self, owner: str) -> None:
        key = self.key_of(owner)
        if key is not None:
            self.committed[key] = self.flight.pop(key)

    def release(self, owner: str) -> None:
        key = self.key_of(owner)
        if key is not None:
            del self.flight[key]

    def entries(self) -> list[tuple[str, DedupEntry]]:
        done = [(k, DedupEntry(o, DedupStatus.COMMITTED)) for k, o in self.committed.items()]
        live = [(k, DedupEntry(o, DedupStatus.IN_FLIGHT)) for k, o in sorted(self.flight.items())]
        return done + live


class DedupMachine(RuleBasedStateMachine):
    """Random submissions (keys repeat), dispatches, rejections, expiries and resizes."""

    def __init__(self) -> None:
        super().__init__()
        self.intents: list[str] = []
        self.events: list[DomainEvent] = []

    @initialize(capacity=st.integers(1, 4))
    def start(self, capacity: int) -> None:
        self.base = new_window(capacity)
        self.window = self.base
        self.model = Model(capacity)

    def emit(self, event: DomainEvent) -> None:
        flight_before = dict(self.model.flight)
        self.window = evolve_dedup(self.window, event)
        self.events.append(event)
        still = {k for k, _ in self.window.entries()}
        released = {k for k, o in flight_before.items() if o == event.originator_id}
        assert set(flight_before) - released <= still, "a key in flight was evicted"

    def new_intent(self) -> str:
        intent_id = f"i{len(self.intents)}"
        self.intents.append(intent_id)
        return intent_id

    @rule(key=KEYS)
    def submit(self, key: str) -> None:
        intent_id = self.new_intent()
        decision = decide_reserve(self.window, key, intent_id)
        assert decision == self.model.decide(key)
        cmd = command(intent_id=intent_id, idempotency_key=key)
        if isinstance(decision, Duplicate):
            self.emit(decide_deduplicated(cmd, decision.first_intent_id, ts_ns=1)[0])
            return
        self.emit(decide_submit(cmd, ts_ns=1)[0])
        if isinstance(decision, Reserved):
            self.model.reserve(key, intent_id)
        else:
            self.emit(IntentRejected(**self.stamp(intent_id), reason=decision.reason))

    def stamp(self, intent_id: str) -> dict[str, Any]:
        return {
            "originator_id": intent_id,
            "originator_version": 2,
            "ts_event_ns": 1,
            "ts_init_ns": 1,
        }

    @precondition(lambda self: bool(self.intents))
    @rule(data=st.data(), kind=st.sampled_from(["dispatched", "acked", "unknown", "accepted"]))
    def progress(self, data: st.DataObject, kind: str) -> None:
        intent_id = data.draw(st.sampled_from(self.intents))
        stamp = self.stamp(intent_id)
        events: dict[str, DomainEvent] = {
            "dispatched": IntentDispatched(**stamp),
            "acked": IntentAcked(**stamp, broker_order_id="B"),
            "unknown": IntentOutcomeUnknown(**stamp, action="place"),
            "accepted": IntentAccepted(**stamp),
        }
        event = events[kind]
        if kind != "accepted":
            self.model.commit(intent_id)
        self.emit(event)

    @precondition(lambda self: bool(self.intents))
    @rule(data=st.data(), reason=st.sampled_from(RejectReason))
    def reject(self, data: st.DataObject, reason: RejectReason) -> None:
        intent_id = data.draw(st.sampled_from(self.intents))
        if reason.retryable:
            self.model.release(intent_id)
        else:
            self.model.commit(intent_id)
        self.emit(IntentRejected(**self.stamp(intent_id), reason=reason))

    @precondition(lambda self: bool(self.intents))
    @rule(data=st.data())
    def expire(self, data: st.DataObject) -> None:
        intent_id = data.draw(st.sampled_from(self.intents))
        self.model.release(intent_id)
        self.emit(IntentExpired(**self.stamp(intent_id), reason="ttl"))

    @rule(capacity=st.integers(1, 5))
    def resize(self, capacity: int) -> None:
        if len(self.model.flight) > capacity:
            try:
                with_capacity(self.window, capacity)
            except DedupCapacityTooSmall:
                return
            raise AssertionError("shrinking below the keys in flight was allowed")
        self.window = with_capacity(self.window, capacity)
        room = capacity - len(self.model.flight)
        kept = list(self.model.committed.items())[-room:] if room else []
        self.model.committed = OrderedDict(kept)
        self.model.capacity = capacity
        self.base, self.events = self.window, []

    @invariant()
    def agrees_with_the_model(self) -> None:
        assert list(self.window.entries()) == self.model.entries()
        assert self.window.in_flight() == len(self.model.flight)

    @invariant()
    def capacity_is_never_exceeded(self) -> None:
        assert len(self.window) <= self.window.capacity

    @invariant()
    def a_committed_key_in_the_window_is_never_reserved_again(self) -> None:
        for key in self.window.committed_keys():
            decision = decide_reserve(self.window, key, "someone-else")
            assert isinstance(decision, Duplicate)
            entry = self.window.lookup(key)
            assert entry is not None
            assert decision.first_intent_id == entry.owner

    @invariant()
    def the_fold_of_the_events_is_the_window(self) -> None:
        folded: DedupWindow = fold(evolve_dedup, self.base, self.events)
        assert folded == self.window


TestDedupStateful = DedupMachine.TestCase
