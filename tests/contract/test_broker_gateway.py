"""The BrokerGateway contract run against the simulated venue, at zero and Shioaji latency."""

from __future__ import annotations

import pytest

from hft.adapters.simbroker import SimVenue, price_grid
from hft.domain.values import IntentId, Price, Side
from hft.ports.broker import BrokerGateway
from tests.contract.broker_contract import BrokerGatewayContract, VenueHarness


class SimHarness:
    """Drives a `SimVenue` on its virtual clock for the contract tests."""

    def __init__(self, latency: str, seed: int) -> None:
        # A slow market (one step a second) keeps the far-away passive prices out of reach.
        self.venue = SimVenue(seed=seed, latency=latency, quote_interval_ns=1_000_000_000)
        self.broker: BrokerGateway = self.venue.broker
        self.symbol = "2330"
        self.qty = 2
        self.settle_ns = self.venue.latency.timeout_ns + 200_000_000
        instrument = self.venue.reference.instrument(self.symbol)
        assert instrument is not None
        self.instrument = instrument
        self.grid = price_grid(instrument)
        self.venue.advance(1_000_000_000)  # one market step: a book to trade against

    def now_ns(self) -> int:
        return self.venue.now_ns

    def advance(self, delta_ns: int) -> None:
        self.venue.advance(self.venue.now_ns + delta_ns)

    def passive_price(self, side: Side, ticks_away: int = 0) -> Price:
        index = 3 - ticks_away if side is Side.BUY else len(self.grid) - 4 + ticks_away
        return Price(self.grid[index])

    def marketable_price(self, side: Side) -> Price:
        return self.instrument.limit_up if side is Side.BUY else self.instrument.limit_down

    def off_grid_price(self) -> Price:
        return Price(self.instrument.reference.scaled + 1)

    def make_timeout(self) -> None:
        self.venue.timeout_next(1)

    def orders_at_venue(self, intent_id: IntentId) -> int:
        return sum(1 for o in self.venue.broker.list_orders() if o.intent_id == intent_id)


class TestSimBrokerGateway(BrokerGatewayContract):
    # Seed 11 loses a timed-out place, seed 15 lets it reach the venue: both outcomes run.
    @pytest.fixture(params=[("zero", 11), ("zero", 15), ("shioaji-sim", 11), ("colo", 15)])
    def venue_harness(self, request: pytest.FixtureRequest) -> VenueHarness:
        latency, seed = request.param
        return SimHarness(latency, seed)
