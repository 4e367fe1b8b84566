"""The market-data feed: subscription limits, SDK-thread callbacks, bounded queue, watchdog."""

from __future__ import annotations

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from hft.adapters.memory import VirtualClock
from hft.adapters.shioaji import ShioajiFacade, SubscriptionLimitError, UnknownSymbolError
from hft.adapters.shioaji.queueing import DropNewestQueue
from hft.adapters.shioaji.quotes import FeedConfig
from hft.domain.market import FeedGapDetected, QuoteReceived, QuoteShapeRejected
from tests.fakes.fake_shioaji import START_NS, FakeShioaji, build_facade
from tests.fixtures import shioaji_payloads as p

SECOND = 1_000_000_000


def _many_stocks(n: int) -> list[object]:
    return [p.stock(code=f"{1100 + i}", reference=50.0) for i in range(n)]


def test_quotes_arrive_from_the_sdk_thread_and_poll_in_order(
    facade: ShioajiFacade, fake: FakeShioaji
) -> None:
    """Ticks and books pushed on the fake's callback thread come out of poll, oldest first."""
    facade.market_data.subscribe(["2330"])
    fake.push_quote("tick_stk", p.tick_stk(close="1000", volume=2))
    fake.push_quote(
        "bidask_stk",
        p.bidask_stk(bid_price=[995], bid_volume=[3], ask_price=[1005], ask_volume=[4]),
    )
    fake.wait_idle()
    events = facade.market_data.poll(START_NS)
    assert [type(e) for e in events] == [QuoteReceived, QuoteReceived]
    first, second = events
    assert isinstance(first, QuoteReceived)
    assert isinstance(second, QuoteReceived)
    assert (first.last_px, second.bid_px, second.ask_px) == (10_000_000, 9_950_000, 10_050_000)
    assert fake.callback_threads == {"fake-sdk-callbacks"}


def test_subscribe_sends_tick_and_bidask_v1_per_symbol_once(
    facade: ShioajiFacade, fake: FakeShioaji
) -> None:
    """Each new symbol costs one subscription per quote type; repeats cost nothing."""
    facade.market_data.subscribe(["2330", "2330", "TXFF6"])
    facade.market_data.subscribe(["2330"])
    assert sorted(fake.subscriptions) == [
        ("2330", "bid_ask"),
        ("2330", "tick"),
        ("TXFF6", "bid_ask"),
        ("TXFF6", "tick"),
    ]
    facade.market_data.unsubscribe(["2330"])
    assert sorted(fake.subscriptions) == [("TXFF6", "bid_ask"), ("TXFF6", "tick")]
    assert facade.market_data.subscribed == ("TXFF6",)


def test_the_201st_subscription_is_refused_and_nothing_is_subscribed(clock: VirtualClock) -> None:
    """100 symbols x 2 quote types fill the 200 limit; one more symbol raises, sending nothing."""
    fake = FakeShioaji(clock, contracts=_many_stocks(101))
    facade = build_facade(clock, fake)
    facade.start()
    codes = [f"{1100 + i}" for i in range(101)]
    facade.market_data.subscribe(codes[:100])
    sent = fake.subscribe_calls
    with pytest.raises(SubscriptionLimitError, match="202 subscriptions"):
        facade.market_data.subscribe(codes[100:])
    assert (fake.subscribe_calls, sent) == (200, 200)
    assert len(facade.market_data.subscribed) == 100
    fake.close()


def test_an_unknown_symbol_is_refused_before_anything_is_subscribed(
    facade: ShioajiFacade, fake: FakeShioaji
) -> None:
    """One bad code in a batch refuses the whole batch by name."""
    with pytest.raises(UnknownSymbolError, match="NOPE"):
        facade.market_data.subscribe(["2330", "NOPE"])
    assert fake.subscriptions == []


def test_a_full_queue_drops_the_newest_and_reports_a_counted_gap(clock: VirtualClock) -> None:
    """Capacity 3, 5 ticks: 3 kept, 2 dropped, and one FeedGapDetected(dropped=2) after them."""
    fake = FakeShioaji(clock)
    facade = build_facade(clock, fake, feed=FeedConfig(capacity=3))
    facade.start()
    facade.market_data.subscribe(["2330"])
    for px in range(1000, 1005):
        fake.push_quote("tick_stk", p.tick_stk(close=str(px)))
    fake.wait_idle()
    events = facade.market_data.poll(START_NS)
    assert [type(e) for e in events] == [QuoteReceived] * 3 + [FeedGapDetected]
    gap = events[-1]
    assert isinstance(gap, FeedGapDetected)
    assert (gap.dropped, facade.market_data.dropped_total) == (2, 2)
    assert facade.health(START_NS).component("quotes").dropped == 2
    fake.close()


def test_a_refused_shape_is_counted_and_surfaces_as_an_alert_event(
    facade: ShioajiFacade, fake: FakeShioaji
) -> None:
    """A futures tick on the stock channel is not a quote: it is counted and drained as an alert."""
    facade.market_data.subscribe(["2330"])
    fake.push_quote("tick_stk", p.tick_fop(close="22500"))
    fake.wait_idle()
    assert facade.market_data.poll(START_NS) == []
    alerts = [e for e in facade.drain_events() if isinstance(e, QuoteShapeRejected)]
    assert [(a.shape, a.source) for a in alerts] == [("TickFOPv1", "shioaji.quotes.tick_stk_v1")]
    assert facade.health(START_NS).component("quotes").rejects == 1


def test_the_watchdog_resubscribes_a_silent_feed_once_per_silence(
    facade: ShioajiFacade, fake: FakeShioaji, clock: VirtualClock
) -> None:
    """Silent for longer than silence_ns: resubscribe every symbol and put a gap in the stream."""
    facade.market_data.subscribe(["2330"])
    silence = facade.market_data.config.silence_ns
    assert facade.market_data.check_silence(clock.now_ns() + silence // 2) is False
    clock.advance_by(silence + SECOND)
    before = fake.subscribe_calls
    assert facade.market_data.check_silence(clock.now_ns()) is True
    assert facade.market_data.check_silence(clock.now_ns()) is False
    assert fake.subscribe_calls - before == 2
    gaps = facade.market_data.poll(clock.now_ns())
    assert [type(g) for g in gaps] == [FeedGapDetected]
    assert facade.market_data.resubscribes == 1


def test_subscriptions_made_while_down_are_sent_at_the_next_login(
    clock: VirtualClock, fake: FakeShioaji
) -> None:
    """A subscription recorded before login is replayed by the login's registration."""
    facade = build_facade(clock, fake)
    facade.reference.load([p.stock()], START_NS)
    facade.market_data.subscribe(["2330"])
    assert fake.subscriptions == []
    facade.start()
    assert sorted(fake.subscriptions) == [("2330", "bid_ask"), ("2330", "tick")]


class DropNewestQueueMachine(RuleBasedStateMachine):
    """Any interleaving of offers and drains: nothing is lost without being counted."""

    def __init__(self) -> None:
        super().__init__()
        self.clock = VirtualClock(START_NS)
        self.versions = 0
        self.queue = DropNewestQueue(4, self._gap)
        self.offered = 0
        self.delivered: list[QuoteReceived] = []
        self.gap_total = 0

    def _gap(self, dropped: int) -> FeedGapDetected:
        self.versions += 1
        return FeedGapDetected(
            originator_id="q", originator_version=self.versions, ts_event_ns=0, ts_init_ns=0,
            source="q", dropped=dropped, reason="full",
        )  # fmt: skip

    @rule()
    def offer(self) -> None:
        self.offered += 1
        quote = QuoteReceived(
            originator_id="2330", originator_version=self.offered, ts_event_ns=0, ts_init_ns=0,
            symbol="2330", last_px=1, last_qty=1,
        )  # fmt: skip
        self.queue.offer(quote)

    @rule(n=st.integers(min_value=1, max_value=6))
    def drain(self, n: int) -> None:
        batch = self.queue.drain(n)
        assert len(batch) <= n
        for event in batch:
            if isinstance(event, FeedGapDetected):
                assert event.dropped > 0
                self.gap_total += event.dropped
            else:
                self.delivered.append(event)

    @precondition(lambda self: self.offered > 0)
    @invariant()
    def bounded_and_accounted(self) -> None:
        assert len(self.queue) <= 5
        versions = [q.originator_version for q in self.delivered]
        assert versions == sorted(versions)
        assert self.queue.accepted_total + self.queue.dropped_total == self.offered
        assert self.gap_total <= self.queue.dropped_total

    def teardown(self) -> None:
        self.drain(10)
        assert self.gap_total == self.queue.dropped_total


TestDropNewestQueueStateful = DropNewestQueueMachine.TestCase
