"""Any run of places, amends, cancels, venue quirks and timeouts keeps the reports sane."""

from __future__ import annotations

import shioaji as sj
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from hft.adapters.memory import VirtualClock
from hft.domain.orders import (
    BrokerOrder,
    BrokerReport,
    OrderAccepted,
    OrderCancelled,
    OrderFilled,
    OrderOutcomeUnknown,
    TimeInForce,
)
from hft.domain.values import IntentId, Price, Qty, Side, Symbol
from tests.fakes.fake_shioaji import START_NS, FakeShioaji, build_facade

PRICES = {
    "passive_buy": (Side.BUY, 9_900_000),
    "passive_sell": (Side.SELL, 10_100_000),
    "market_buy": (Side.BUY, 11_000_000),
    "market_sell": (Side.SELL, 9_000_000),
}


class ShioajiOrderFlow(RuleBasedStateMachine):
    """Drives the facade over the fake venue; checks the reports against what was asked."""

    def __init__(self) -> None:
        super().__init__()
        self.clock = VirtualClock(START_NS)
        self.fake = FakeShioaji(self.clock)
        self.fake.book["2330"] = (995.0, 1005.0)
        self.facade = build_facade(self.clock, self.fake)
        self.facade.start()
        self.placed: dict[str, int] = {}
        self.reports: list[BrokerReport] = []
        self.next_id = 0

    def _settle(self) -> None:
        while self.facade.orders.run_pending():
            self.fake.wait_idle()
        self.fake.wait_idle()
        self.clock.advance_by(50_000_000)
        self.reports += self.facade.poll(self.clock.now_ns())

    @rule(kind=st.sampled_from(sorted(PRICES)), tif=st.sampled_from(list(TimeInForce)))
    def place(self, kind: str, tif: TimeInForce) -> None:
        side, price = PRICES[kind]
        self.next_id += 1
        intent = f"sm-{self.next_id}"
        self.placed[intent] = 2
        order = BrokerOrder(
            intent_id=IntentId(intent), symbol=Symbol("2330"), side=side, qty=Qty(2),
            price=Price(price), tif=tif,
        )  # fmt: skip
        self.facade.place(order)

    @rule(data=st.data())
    def cancel(self, data: st.DataObject) -> None:
        if self.placed:
            intent = data.draw(st.sampled_from(sorted(self.placed)))
            self.facade.cancel(IntentId(intent))

    @rule(data=st.data(), lower=st.booleans())
    def amend(self, data: st.DataObject, lower: bool) -> None:
        if self.placed:
            intent = data.draw(st.sampled_from(sorted(self.placed)))
            if lower:
                self.facade.amend(IntentId(intent), None, Qty(1))
            else:
                self.facade.amend(IntentId(intent), Price(9_890_000), None)

    @rule(created=st.booleans())
    def next_call_times_out(self, created: bool) -> None:
        self.fake.fail_next_call(sj.ShioajiTimeoutError("timeout"), order_created=created)

    @rule(flag=st.booleans())
    def deals_before_orders(self, flag: bool) -> None:
        self.fake.deal_before_order = flag

    @rule(flag=st.booleans())
    def replayed_deals(self, flag: bool) -> None:
        self.fake.duplicate_deals = flag

    @rule()
    def settle(self) -> None:
        self._settle()

    @invariant()
    def reports_are_consistent(self) -> None:
        accepted = [r.intent_id for r in self.reports if isinstance(r, OrderAccepted)]
        assert len(accepted) == len(set(accepted)), "an intent was accepted twice"
        fills = [r for r in self.reports if isinstance(r, OrderFilled)]
        assert len({f.fill_id for f in fills}) == len(fills), "a fill was reported twice"
        for intent, qty in self.placed.items():
            filled = sum(f.qty.value for f in fills if f.intent_id == intent)
            assert filled <= qty
            cancels = [
                r for r in self.reports if isinstance(r, OrderCancelled) and r.intent_id == intent
            ]
            assert len(cancels) <= 1
            first = next((r for r in self.reports if r.intent_id == intent), None)
            if isinstance(first, OrderFilled):
                raise AssertionError("a fill came before its acceptance")
        unknown = {r.intent_id for r in self.reports if isinstance(r, OrderOutcomeUnknown)}
        for intent in unknown:
            tag = self.facade.orders.tag_of(IntentId(intent))
            assert tag is not None
            assert self.fake.orders_for_tag(tag) <= 1, "an unknown outcome was resent"

    @invariant()
    def never_more_venue_orders_than_intents(self) -> None:
        assert self.fake.place_calls <= len(self.placed)

    def teardown(self) -> None:
        self.fake.close()


ShioajiOrderFlow.TestCase.settings = settings(
    max_examples=40, stateful_step_count=25, deadline=None
)
TestShioajiOrderFlow = ShioajiOrderFlow.TestCase
