"""The MarketDataFeed contract, run against the simulated venue's feed.

`MarketDataFeedContract` is reusable: subclass it and provide a `feed_harness` fixture with
`feed` (the port), `symbol` (a listed symbol), `unknown_symbol`, `capacity` (the buffer
bound) and `produce(n)` (make the venue publish n quote updates for every subscribed
symbol; returns the time to poll at).
"""

from __future__ import annotations

from typing import Protocol

import pytest

from hft.adapters.simbroker import SimVenue, price_grid
from hft.domain.market import FeedGapDetected, QuoteReceived
from hft.ports.market_data import MarketDataFeed

MS = 1_000_000


class FeedHarness(Protocol):
    feed: MarketDataFeed
    symbol: str
    unknown_symbol: str
    capacity: int

    def produce(self, updates: int) -> int: ...


class MarketDataFeedContract:
    """Behaviour every `MarketDataFeed` adapter shares. Subclasses provide `feed_harness`."""

    def test_subscribing_an_unknown_symbol_is_a_value_error(
        self, feed_harness: FeedHarness
    ) -> None:
        """An unlisted symbol is refused with a ValueError subclass naming it."""
        with pytest.raises(ValueError, match=feed_harness.unknown_symbol):
            feed_harness.feed.subscribe([feed_harness.unknown_symbol])

    def test_quotes_name_their_symbol_and_count_versions_from_one(
        self, feed_harness: FeedHarness
    ) -> None:
        """Each quote's originator is its symbol, with versions 1, 2, 3... in order."""
        h = feed_harness
        h.feed.subscribe([h.symbol])
        events = h.feed.poll(h.produce(3))
        quotes = [e for e in events if isinstance(e, QuoteReceived)]
        assert [(q.originator_id, q.symbol) for q in quotes] == [(h.symbol, h.symbol)] * 3
        assert [q.originator_version for q in quotes] == [1, 2, 3]
        assert [q.ts_event_ns for q in quotes] == sorted(q.ts_event_ns for q in quotes)

    def test_poll_drains_at_most_max_events_and_never_repeats(
        self, feed_harness: FeedHarness
    ) -> None:
        """Polling in small batches yields every event exactly once, then nothing."""
        h = feed_harness
        h.feed.subscribe([h.symbol])
        now = h.produce(5)
        seen: list[QuoteReceived | FeedGapDetected] = []
        while batch := h.feed.poll(now, max_events=2):
            assert len(batch) <= 2
            seen.extend(batch)
        assert [e.originator_version for e in seen] == [1, 2, 3, 4, 5]
        assert h.feed.poll(now) == []

    def test_overflow_is_reported_as_a_counted_gap_after_the_kept_quotes(
        self, feed_harness: FeedHarness
    ) -> None:
        """Past the buffer bound quotes are dropped and one FeedGapDetected counts them."""
        h = feed_harness
        h.feed.subscribe([h.symbol])
        produced = h.capacity + 7
        events = h.feed.poll(h.produce(produced), max_events=10 * produced)
        quotes = [e for e in events if isinstance(e, QuoteReceived)]
        gaps = [e for e in events if isinstance(e, FeedGapDetected)]
        assert len(quotes) == h.capacity
        assert [g.dropped for g in gaps] == [produced - h.capacity]
        assert isinstance(events[-1], FeedGapDetected)

    def test_unsubscribed_symbols_stop_producing_quotes(self, feed_harness: FeedHarness) -> None:
        """After unsubscribe no new quote for that symbol is buffered."""
        h = feed_harness
        h.feed.subscribe([h.symbol])
        h.feed.poll(h.produce(1))
        h.feed.unsubscribe([h.symbol])
        assert h.feed.poll(h.produce(3)) == []


class SimFeedHarness:
    def __init__(self) -> None:
        self.capacity = 8
        self.venue = SimVenue(
            seed=4, symbols=["2330", "TXF"], quote_interval_ns=MS, feed_capacity=self.capacity
        )
        self.feed: MarketDataFeed = self.venue.feed
        self.symbol = "2330"
        self.unknown_symbol = "9999"

    def produce(self, updates: int) -> int:
        self.venue.advance(self.venue.now_ns + updates * MS)
        return self.venue.now_ns


class TestSimFeed(MarketDataFeedContract):
    @pytest.fixture
    def feed_harness(self) -> FeedHarness:
        return SimFeedHarness()


def test_sim_quotes_are_on_grid_uncrossed_and_within_limits() -> None:
    """Every simulated top of book lies on the tick grid inside the limits, bid below ask."""
    venue = SimVenue(seed=9, symbols=["2330", "TXF", "0050"], quote_interval_ns=MS)
    venue.feed.subscribe(["2330", "TXF", "0050"])
    venue.advance(2_000 * MS)
    quotes = [e for e in venue.feed.poll(venue.now_ns, 100_000) if isinstance(e, QuoteReceived)]
    assert len(quotes) == 3 * 2_000
    grids = {
        code: set(price_grid(venue.reference.require(code))) for code in ("2330", "TXF", "0050")
    }
    for q in quotes:
        assert q.bid_px in grids[q.symbol]
        assert q.ask_px in grids[q.symbol]
        assert q.bid_px < q.ask_px
        assert q.bid_qty > 0
        assert q.ask_qty > 0
    assert any(q.last_qty > 0 for q in quotes)
    assert len({q.bid_px for q in quotes if q.symbol == "2330"}) > 5  # the price walks


def test_quotes_of_a_symbol_follow_its_seed_whatever_else_is_listed() -> None:
    """Each symbol has its own stream: listing TXF too does not change 2330's path."""
    alone = SimVenue(seed=2, symbols=["2330"], quote_interval_ns=MS)
    paired = SimVenue(seed=2, symbols=["2330", "TXF"], quote_interval_ns=MS)
    for v in (alone, paired):
        v.feed.subscribe(["2330"])
        v.advance(500 * MS)
    assert alone.feed.poll(alone.now_ns, 10_000) == paired.feed.poll(paired.now_ns, 10_000)
