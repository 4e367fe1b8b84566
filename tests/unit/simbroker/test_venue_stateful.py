"""The venue's order lifecycle under random calls, latency, outages and a moving market."""

from __future__ import annotations

from typing import Any

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from hft.adapters.simbroker import SimVenue
from hft.adapters.simbroker.orders import TERMINAL, WORKING, FinishedOrder, SimOrder
from hft.domain.orders import OrderFilled, OrderOutcomeUnknown
from hft.domain.values import IntentId
from tests.strategies.sim import sides, tifs
from tests.unit.simbroker.helpers import Session

MS = 1_000_000


class VenueLifecycle(RuleBasedStateMachine):
    """Whatever the calls, fills never exceed an order's qty, a fill id always means the same
    execution, the book never crosses, resting state matches each order's status, and once
    everything has settled the fills reported add up to what the venue filled."""

    def __init__(self) -> None:
        super().__init__()
        self.venue = SimVenue(seed=7, symbols=["2330"], latency="colo", quote_interval_ns=MS)
        self.session = Session(self.venue)
        self.calls = 0
        self.fills: dict[str, tuple[str, int, int]] = {}
        self.last_ts: dict[str, int] = {}
        self.unknown: set[str] = set()

    def _call(self, *call: Any) -> None:
        self.session.apply(self.calls, call)
        self.calls += 1
        self._collect()

    def _collect(self) -> None:
        for report in self.venue.broker.poll(self.venue.now_ns):
            repeat = isinstance(report, OrderFilled) and report.fill_id in self.fills
            if not repeat:  # a reconcile repeats fills with their original execution time
                assert report.ts_ns >= self.last_ts.get(report.intent_id, 0)
                self.last_ts[report.intent_id] = report.ts_ns
            if isinstance(report, OrderFilled):
                fact = (report.intent_id, report.price.scaled, report.qty.value)
                assert self.fills.setdefault(report.fill_id, fact) == fact
            if isinstance(report, OrderOutcomeUnknown):
                self.unknown.add(report.intent_id)

    @rule(side=sides, offset=st.integers(-4, 4), qty=st.integers(1, 40), tif=tifs)
    def place(self, side: Any, offset: int, qty: int, tif: Any) -> None:
        self._call("place", side, offset, qty, tif)

    @rule(k=st.integers(0, 30))
    def cancel(self, k: int) -> None:
        self._call("cancel", k)

    @rule(k=st.integers(0, 30), offset=st.integers(-4, 4), cut=st.integers(0, 3))
    def amend(self, k: int, offset: int, cut: int) -> None:
        self._call("amend", k, offset, cut)

    @rule(wait=st.integers(0, 5 * MS))
    def wait(self, wait: int) -> None:
        self._call("wait", wait)

    @rule()
    def next_call_times_out(self) -> None:
        self.venue.timeout_next()

    @rule(k=st.integers(0, 30))
    def reconcile(self, k: int) -> None:
        if self.session.placed:
            self.venue.broker.reconcile(IntentId(self.session.placed[k % len(self.session.placed)]))
            self._collect()

    @invariant()
    def book_is_never_crossed(self) -> None:
        book = self.venue.exchange.books["2330"]
        if book.bid_px is not None and book.ask_px is not None:
            assert book.bid_px < book.ask_px

    @invariant()
    def resting_state_matches_status(self) -> None:
        book = self.venue.exchange.books["2330"]
        for order in self.venue.exchange.orders.values():
            assert 0 <= order.filled <= order.qty
            if isinstance(order, SimOrder) and order.status == WORKING:
                assert order.rest == order.qty - order.filled > 0
                side = book.bids if order.is_buy else book.asks
                assert order in side[order.price].queue
            elif order.status in TERMINAL:
                assert isinstance(order, FinishedOrder)  # a finished order keeps only a record
        for side in (book.bids, book.asks):
            for level in side.values():
                ours = [e for e in level.queue if isinstance(e, SimOrder)]
                assert all(e.status == WORKING and e.rest > 0 for e in ours)

    def teardown(self) -> None:
        self.venue.advance(self.venue.now_ns + self.venue.latency.timeout_ns + 10 * MS)
        self._collect()
        reported: dict[str, int] = {}
        for intent, _, qty in self.fills.values():
            reported[intent] = reported.get(intent, 0) + qty
        for order in self.venue.exchange.orders.values():
            assert reported.get(order.intent_id, 0) == order.filled


TestVenueLifecycle = VenueLifecycle.TestCase
TestVenueLifecycle.settings = settings(max_examples=30, stateful_step_count=30)
