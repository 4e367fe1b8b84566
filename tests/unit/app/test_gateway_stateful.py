"""Stateful property test of the gateway: random intents, cancels, amends, fills, halts,
resumes, broker timeouts and restarts, with the order path's invariants checked throughout."""

from __future__ import annotations

import contextlib
from collections import Counter

from hypothesis import event
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from hft.adapters.memory import InMemoryEventLog
from hft.app.gateway.channel import ChannelFullError
from hft.app.gateway.core import GatewayConfig
from hft.app.gateway.state import GatewayState
from hft.app.replay import replay_events
from hft.domain import intent
from hft.domain.intent import IntentType
from hft.domain.values import Side
from tests.unit.app.harness import LOT_NOTIONAL, PX, Rig, limits
from tests.unit.app.stubs import StubBroker

KEYS = st.sampled_from([f"key-{i}" for i in range(4)])
CONFIG = GatewayConfig(
    limits=limits(symbol_default=4 * LOT_NOTIONAL, strategy_default=6 * LOT_NOTIONAL),
    channel_capacity=8,
    # Larger than the keys one example can submit (50 steps of at most a few intents): no key
    # is evicted, so "never placed twice" below is exact. Eviction is DedupMachine's subject.
    dedup_capacity=512,
    finished_kept=2,  # compaction runs all the time; replay folds with the default
)


class GatewayMachine(RuleBasedStateMachine):
    @initialize()
    def boot(self) -> None:
        self.log = InMemoryEventLog()
        self.broker = StubBroker()
        self.restarts = 0
        self.rig = Rig(config=CONFIG, log=self.log, broker=self.broker)
        self.halted_since: int | None = None

    def _orders(self) -> list[intent.OrderIntent]:
        return [i for i in self.rig.gateway.core.state.intents.values() if intent.is_order(i)]

    @rule(key=KEYS, side=st.sampled_from(Side), ticks=st.integers(-4, 4), qty=st.integers(1, 3))
    def submit_new(self, key: str, side: Side, ticks: int, qty: int) -> None:
        with contextlib.suppress(ChannelFullError):  # the channel is small on purpose
            self.rig.submit(idempotency_key=key, side=side, price=PX + ticks * 50_000, qty=qty)

    @rule(key=KEYS)
    def two_runners_submit_the_same_key(self, key: str) -> None:
        with contextlib.suppress(ChannelFullError):
            self.rig.submit(idempotency_key=key)
            self.rig.submit(idempotency_key=key, price=PX - 50_000)

    @rule(data=st.data())
    def submit_cancel(self, data: st.DataObject) -> None:
        orders = self._orders()
        if orders and self.rig.gateway.channel.depth < CONFIG.channel_capacity:
            target = data.draw(st.sampled_from(orders))
            self.rig.submit(
                intent_type=IntentType.CANCEL,
                price=None,
                qty=0,
                target_intent_id=target.intent_id,
                side=target.side,
            )

    @rule(side=st.sampled_from(Side))
    def submit_an_order_and_its_cancel_at_once(self, side: Side) -> None:
        """The CANCEL names an order still in the channel: it must follow it out."""
        if self.rig.gateway.channel.depth + 2 <= CONFIG.channel_capacity:
            order = self.rig.submit(side=side)
            self.rig.submit(
                intent_type=IntentType.CANCEL,
                price=None,
                qty=0,
                target_intent_id=order.intent_id,
                side=side,
            )

    @rule(data=st.data())
    def cancel_a_long_finished_order(self, data: st.DataObject) -> None:
        compacted = sorted(self.rig.gateway.core.state.compacted)
        if compacted and self.rig.gateway.channel.depth < CONFIG.channel_capacity:
            event("a CANCEL named a compacted order")
            self.rig.submit(
                intent_type=IntentType.CANCEL,
                price=None,
                qty=0,
                target_intent_id=data.draw(st.sampled_from(compacted)),
            )

    @rule(data=st.data(), qty=st.integers(1, 4))
    def submit_amend(self, data: st.DataObject, qty: int) -> None:
        orders = self._orders()
        if orders and self.rig.gateway.channel.depth < CONFIG.channel_capacity:
            target = data.draw(st.sampled_from(orders))
            self.rig.submit(
                intent_type=IntentType.AMEND,
                qty=qty,
                target_intent_id=target.intent_id,
                side=target.side,
            )

    @rule(data=st.data(), qty=st.integers(1, 3))
    def venue_fills(self, data: st.DataObject, qty: int) -> None:
        working = [
            o
            for o in self._orders()
            if o.status in (intent.IntentStatus.ACKED, intent.IntentStatus.PARTIALLY_FILLED)
        ]
        if working:
            order = data.draw(st.sampled_from(working))
            self.broker.fill(order.intent_id, min(qty, order.qty - order.filled))

    @rule(mode=st.sampled_from(["ack", "ack", "timeout", "reject", "refuse"]))
    def broker_mode(self, mode: str) -> None:
        self.broker.mode = mode

    @rule()
    def halt(self) -> None:
        self.rig.gateway.halt("ops", "drill")

    @rule()
    def resume(self) -> None:
        self.rig.gateway.resume("alice", "drill over")

    @rule()
    def settle(self) -> None:
        self.rig.settle()

    @precondition(lambda self: self.restarts < 3)
    @rule()
    def restart(self) -> None:
        """The process dies between steps; a new gateway rebuilds from the log alone."""
        self.restarts += 1
        self.rig = Rig(
            config=CONFIG, log=self.log, broker=self.broker, namespace=f"r{self.restarts}/"
        )

    @invariant()
    def live_state_equals_a_fold_of_the_log(self) -> None:
        folded = GatewayState(CONFIG.limits, CONFIG.dedup_capacity)
        folded.apply_all(e.event for e in self.log.read(1))
        assert folded.digest() == self.rig.gateway.core.state.digest()

    @invariant()
    def replay_finds_no_violation(self) -> None:
        report = replay_events(self.log.read(1))
        assert report.violations == (), report.violations

    @invariant()
    def no_idempotency_key_reaches_the_broker_twice(self) -> None:
        keys = {
            e.event.originator_id: e.event.idempotency_key
            for e in self.log.read(1)
            if isinstance(e.event, intent.IntentSubmitted)
        }
        placed = Counter(keys[o.intent_id] for o in self.broker.placed)
        assert all(n == 1 for n in placed.values()), placed

    @invariant()
    def a_cancel_or_amend_is_dispatched_only_after_its_target(self) -> None:
        """The log shows each request's target dispatched (or in doubt) before the request."""
        targets: dict[str, str] = {}
        sent: set[str] = set()
        for logged in self.log.read(1):
            e = logged.event
            if isinstance(e, intent.IntentSubmitted) and e.target_intent_id is not None:
                targets[e.originator_id] = e.target_intent_id
            elif isinstance(e, intent.IntentDispatched | intent.IntentOutcomeUnknown):
                target = targets.get(e.originator_id)
                if target is not None and isinstance(e, intent.IntentDispatched):
                    assert target in sent, (e.originator_id, target)
                sent.add(e.originator_id)

    @invariant()
    def open_intent_count_is_kept_exactly(self) -> None:
        state = self.rig.gateway.core.state
        expected = [i for i in state.intents.values() if not intent.is_terminal(i.status)]
        assert state.open_states() == expected  # the open index, in submission order
        assert state.open_intents == len(expected)
        assert self.rig.gateway.metrics().open_intents == len(expected)

    @invariant()
    def filled_never_exceeds_qty(self) -> None:
        for state in self.rig.gateway.core.state.intents.values():
            assert 0 <= state.filled <= max(state.qty, 0)


TestGatewayStateful = GatewayMachine.TestCase
