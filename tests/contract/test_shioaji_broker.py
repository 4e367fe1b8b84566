"""The BrokerGateway contract run against the Shioaji facade over `FakeShioaji`.

The fake is fed real `sj.StockOrder` objects and answers with order/deal events shaped as the
SDK documents them, from its own callback thread; the facade's SDK calls run on demand here
(`threaded_calls=False`) so that `advance` can settle every reply deterministically.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import shioaji as sj

from hft.adapters.memory import VirtualClock
from hft.adapters.shioaji import ShioajiFacade
from hft.domain.values import IntentId, Price, Side
from hft.ports.broker import BrokerGateway
from tests.contract.broker_contract import BrokerGatewayContract, VenueHarness
from tests.fakes.fake_shioaji import START_NS, FakeShioaji, build_facade


class ShioajiHarness:
    """The facade over a fake venue whose book is 2330 @ 995 / 1005 (tick 5 from 1,000)."""

    def __init__(self) -> None:
        self.clock = VirtualClock(START_NS)
        self.fake = FakeShioaji(self.clock)
        self.fake.book["2330"] = (995.0, 1005.0)
        self.facade: ShioajiFacade = build_facade(self.clock, self.fake)
        self.facade.start()
        self.broker: BrokerGateway = self.facade
        self.symbol = "2330"
        self.qty = 2
        self.settle_ns = 1_000_000_000
        instrument = self.facade.instrument(self.symbol)
        assert instrument is not None
        self.instrument = instrument

    def now_ns(self) -> int:
        return self.clock.now_ns()

    def advance(self, delta_ns: int) -> None:
        self.clock.advance_by(delta_ns)
        while True:
            ran = self.facade.orders.run_pending()
            self.fake.wait_idle()
            if not ran:
                return

    def passive_price(self, side: Side, ticks_away: int = 0) -> Price:
        ticks = self.instrument.ticks
        if side is Side.BUY:
            return ticks.step(ticks.price(9_900_000), -ticks_away)
        return ticks.step(ticks.price(10_100_000), ticks_away)

    def marketable_price(self, side: Side) -> Price:
        return self.instrument.limit_up if side is Side.BUY else self.instrument.limit_down

    def off_grid_price(self) -> Price:
        return Price(10_020_000)  # 1002: the grid is 5 TWD wide from 1,000

    def make_timeout(self) -> None:
        self.fake.fail_next_call(sj.ShioajiTimeoutError("request timed out"), order_created=True)

    def orders_at_venue(self, intent_id: IntentId) -> int:
        tag = self.facade.orders.tag_of(intent_id)
        return self.fake.orders_for_tag(tag) if tag else 0

    def close(self) -> None:
        self.fake.close()


class TestShioajiBrokerGateway(BrokerGatewayContract):
    @pytest.fixture
    def venue_harness(self) -> Iterator[VenueHarness]:
        harness = ShioajiHarness()
        yield harness
        harness.close()
