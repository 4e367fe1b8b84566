"""The order book: price-time priority, queue position behind synthetic liquidity, FOK checks,
and agreement with a naive list-based book under random operations."""

from __future__ import annotations

from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    consumes,
    invariant,
    rule,
)

from hft.adapters.simbroker import OrderBook
from hft.adapters.simbroker.book import Liquidity, OnTrade, Resting


class Ours:
    """A test order: an id and a resting quantity."""

    __slots__ = ("name", "rest")

    def __init__(self, name: str, rest: int) -> None:
        self.name = name
        self.rest = rest


Trades = list[tuple[str, int, int]]


def recorder(trades: Trades) -> OnTrade:
    def on_trade(maker: Resting, price: int, qty: int) -> None:
        trades.append((getattr(maker, "name", "synthetic"), price, qty))

    return on_trade


def test_better_price_trades_first_then_time_priority_within_a_level() -> None:
    """A buyer lifts the lowest ask first; at one price the earlier order fills first."""
    book, trades = OrderBook(), Trades()
    book.add(False, 101, Ours("late-101", 5))
    book.add(False, 100, Ours("first-100", 2))
    book.add(False, 100, Ours("second-100", 2))
    done = book.match(True, 101, 6, recorder(trades))
    assert done == 6
    assert trades == [("first-100", 100, 2), ("second-100", 100, 2), ("late-101", 101, 2)]
    best = book.best(False)
    assert best is not None
    assert (best.price, best.total) == (101, 3)


def test_a_limit_stops_the_sweep_and_an_empty_level_disappears() -> None:
    """A buyer limited at 100 leaves 101 alone; the emptied 100 level is removed."""
    book, trades = OrderBook(), Trades()
    book.add(False, 100, Ours("a", 1))
    book.add(False, 101, Ours("b", 1))
    assert book.match(True, 100, 5, recorder(trades)) == 1
    assert list(book.asks) == [101]


def test_our_order_waits_behind_the_synthetic_size_already_at_its_level() -> None:
    """Prints at our level consume the synthetic queue ahead before touching our order."""
    book, trades = OrderBook(), Trades()
    on_trade = recorder(trades)
    book.set_synthetic(True, 100, 100, on_trade)
    ours = Ours("ours", 10)
    book.add(True, 100, ours)
    assert book.queue_ahead(True, 100, ours) == 100
    book.match(False, 100, 60, on_trade)
    assert (book.queue_ahead(True, 100, ours), ours.rest) == (40, 10)
    book.match(False, 100, 45, on_trade)
    assert (book.queue_ahead(True, 100, ours), ours.rest) == (0, 5)
    assert trades[-1] == ("ours", 100, 5)


def test_synthetic_shrink_cancels_from_the_back_of_the_queue_first() -> None:
    """Synthetic size that joined behind us cancels before the size ahead of us does."""
    book = OrderBook()
    on_trade = recorder([])
    book.set_synthetic(True, 100, 100, on_trade)
    ours = Ours("ours", 1)
    book.add(True, 100, ours)
    book.set_synthetic(True, 100, 150, on_trade)
    book.set_synthetic(True, 100, 120, on_trade)
    assert book.queue_ahead(True, 100, ours) == 100
    book.set_synthetic(True, 100, 60, on_trade)
    assert book.queue_ahead(True, 100, ours) == 60
    assert book.synthetic_at(True, 100) == 60


def test_new_synthetic_size_that_crosses_our_resting_order_trades_with_it() -> None:
    """Synthetic asks placed at or below our bid execute against it before resting."""
    book, trades = OrderBook(), Trades()
    ours = Ours("ours", 3)
    book.add(True, 100, ours)
    book.set_synthetic(False, 99, 5, recorder(trades))
    assert trades == [("ours", 100, 3)]
    assert book.best(True) is None
    assert book.synthetic_at(False, 99) == 2


def test_reduce_keeps_the_queue_place_and_remove_takes_the_entry_out() -> None:
    """Reducing qty keeps priority; removing the last entry of a level deletes the level."""
    book = OrderBook()
    first, second = Ours("first", 5), Ours("second", 5)
    book.add(True, 100, first)
    book.add(True, 100, second)
    book.reduce(True, 100, first, 3)
    assert book.queue_ahead(True, 100, second) == 2
    book.remove(True, 100, first)
    book.remove(True, 100, second)
    assert book.best(True) is None


def test_fok_availability_counts_every_level_up_to_the_limit() -> None:
    """`available` is true only when the whole size rests at prices within the limit."""
    book = OrderBook()
    book.add(False, 100, Liquidity(3))
    book.add(False, 101, Liquidity(3))
    assert book.available(True, 101, 6)
    assert not book.available(True, 101, 7)
    assert not book.available(True, 100, 4)
    assert book.available(True, None, 6)


class BookAgreesWithNaiveModel(RuleBasedStateMachine):
    """Random adds, reduces, removes and sweeps give the same executions as a naive book that
    sorts every resting order by (price priority, arrival)."""

    entries = Bundle("entries")

    def __init__(self) -> None:
        super().__init__()
        self.book = OrderBook()
        self.model: dict[str, tuple[bool, int, int, Ours]] = {}  # name -> side, price, seq, o
        self.seq = 0

    @rule(target=entries, is_buy=st.booleans(), price=st.integers(95, 105), qty=st.integers(1, 9))
    def add(self, is_buy: bool, price: int, qty: int) -> str:
        self.seq += 1
        name = f"o{self.seq}"
        order = Ours(name, qty)
        self.book.add(is_buy, price, order)
        self.model[name] = (is_buy, price, self.seq, order)
        return name

    @rule(name=consumes(entries))
    def remove(self, name: str) -> None:
        if name in self.model and self.model[name][3].rest:
            is_buy, price, _, order = self.model.pop(name)
            self.book.remove(is_buy, price, order)

    @rule(name=entries, by=st.integers(1, 8))
    def reduce(self, name: str, by: int) -> None:
        if name in self.model and self.model[name][3].rest > by:
            is_buy, price, _, order = self.model[name]
            self.book.reduce(is_buy, price, order, by)

    @rule(
        taker_is_buy=st.booleans(),
        limit=st.one_of(st.none(), st.integers(94, 106)),
        qty=st.integers(1, 40),
    )
    def sweep(self, taker_is_buy: bool, limit: int | None, qty: int) -> None:
        expected = self._naive_match(taker_is_buy, limit, qty)
        trades: Trades = []
        done = self.book.match(taker_is_buy, limit, qty, recorder(trades))
        assert trades == expected
        assert done == sum(q for _, _, q in expected) <= qty
        for name in [n for n, v in self.model.items() if v[3].rest == 0]:
            del self.model[name]

    def _naive_match(self, taker_is_buy: bool, limit: int | None, qty: int) -> Trades:
        makers = [v for v in self.model.values() if v[0] is not taker_is_buy and v[3].rest]
        makers.sort(key=lambda v: (v[1] if taker_is_buy else -v[1], v[2]))
        out: Trades = []
        for _, price, _, order in makers:
            crosses = limit is None or (price <= limit if taker_is_buy else price >= limit)
            if not qty or not crosses:
                break
            take = min(qty, order.rest)
            out.append((order.name, price, take))
            qty -= take
        return out

    @invariant()
    def level_totals_match_their_queues(self) -> None:
        for side in (self.book.bids, self.book.asks):
            for price, level in side.items():
                assert level.price == price
                assert level.queue
                assert level.total == sum(e.rest for e in level.queue)

    @invariant()
    def cached_best_prices_are_the_true_extremes(self) -> None:
        assert self.book.bid_px == (max(self.book.bids) if self.book.bids else None)
        assert self.book.ask_px == (min(self.book.asks) if self.book.asks else None)


TestBookAgreesWithNaiveModel = BookAgreesWithNaiveModel.TestCase
