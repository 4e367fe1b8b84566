"""A price-time priority limit order book over integer prices (scaled) and integer quantities.

Each price level is a FIFO queue of entries. An entry is either one of our orders or a block
of synthetic liquidity (`Liquidity`) standing for the rest of the market. Our order joins a
level behind whatever synthetic size is already there; trades at the level consume the queue
from the front, so the synthetic size ahead of us trades first. When the market generator
shrinks the synthetic size at a level, the shrink is taken from the back of the queue first
(the most recently added liquidity cancels first), so our place improves only when more
synthetic size cancels than stands behind us.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import Protocol

from sortedcontainers import SortedDict


class Resting(Protocol):
    """Anything that can sit in a level queue: it has a remaining resting quantity."""

    rest: int


class Liquidity:
    """Synthetic size from the rest of the market."""

    __slots__ = ("rest",)

    def __init__(self, rest: int) -> None:
        self.rest = rest


OnTrade = Callable[[Resting, int, int], None]
"""Called per execution with (maker entry, price, qty), after the book is updated."""


class Level:
    """One price level: FIFO queue, total resting size and the synthetic part of it."""

    __slots__ = ("price", "queue", "synthetic", "total")

    def __init__(self, price: int) -> None:
        self.price = price
        self.queue: deque[Resting] = deque()
        self.total = 0
        self.synthetic = 0


class OrderBook:
    """Bids and asks of one instrument. `is_buy` selects bids (True) or asks (False)."""

    def __init__(self) -> None:
        self.bids: SortedDict = SortedDict()
        self.asks: SortedDict = SortedDict()
        # Prices the market generator last gave synthetic size, per side: the only places
        # synthetic liquidity can be, so a refresh never scans the whole book.
        self.synthetic_levels: dict[bool, tuple[int, ...]] = {True: (), False: ()}
        # The best prices, kept by hand: a passive order is then told "no cross" without
        # touching the sorted index (the common case on the order path).
        self.bid_px: int | None = None
        self.ask_px: int | None = None

    def side(self, is_buy: bool) -> SortedDict:
        return self.bids if is_buy else self.asks

    def best(self, is_buy: bool) -> Level | None:
        price = self.bid_px if is_buy else self.ask_px
        if price is None:
            return None
        level: Level = (self.bids if is_buy else self.asks)[price]
        return level

    def _new_level(self, is_buy: bool, price: int) -> Level:
        level = Level(price)
        if is_buy:
            self.bids[price] = level
            if self.bid_px is None or price > self.bid_px:
                self.bid_px = price
        else:
            self.asks[price] = level
            if self.ask_px is None or price < self.ask_px:
                self.ask_px = price
        return level

    def _drop_level(self, is_buy: bool, price: int) -> None:
        book = self.bids if is_buy else self.asks
        del book[price]
        if is_buy and price == self.bid_px:
            self.bid_px = book.peekitem(-1)[0] if book else None
        elif not is_buy and price == self.ask_px:
            self.ask_px = book.peekitem(0)[0] if book else None

    def add(self, is_buy: bool, price: int, entry: Resting) -> None:
        """Rest `entry` at the back of the queue at `price` (no matching: see `match`)."""
        level = (self.bids if is_buy else self.asks).get(price)
        if level is None:
            level = self._new_level(is_buy, price)
        level.queue.append(entry)
        level.total += entry.rest
        if type(entry) is Liquidity:
            level.synthetic += entry.rest

    def remove(self, is_buy: bool, price: int, entry: Resting) -> None:
        """Take `entry` out of the queue at `price` (cancel or price amend)."""
        level: Level = (self.bids if is_buy else self.asks)[price]
        level.queue.remove(entry)
        level.total -= entry.rest
        if not level.queue:
            self._drop_level(is_buy, price)

    def reduce(self, is_buy: bool, price: int, entry: Resting, by: int) -> None:
        """Shrink a resting entry in place: it keeps its queue position."""
        level: Level = (self.bids if is_buy else self.asks)[price]
        entry.rest -= by
        level.total -= by

    def queue_ahead(self, is_buy: bool, price: int, entry: Resting) -> int:
        """Resting quantity in front of `entry` at its level."""
        ahead = 0
        for other in (self.bids if is_buy else self.asks)[price].queue:
            if other is entry:
                return ahead
            ahead += other.rest
        raise KeyError("entry is not resting at that price")

    def match(self, taker_is_buy: bool, limit: int | None, qty: int, on_trade: OnTrade) -> int:
        """Execute up to `qty` against the opposite side at prices no worse than `limit`
        (None: any price), best price first, FIFO within a level. Returns the quantity done."""
        book = self.asks if taker_is_buy else self.bids
        left = qty
        while left:
            price = self.ask_px if taker_is_buy else self.bid_px
            if price is None or (
                limit is not None and (price > limit if taker_is_buy else price < limit)
            ):
                break
            level = book[price]
            left = self._consume(level, left, on_trade)
            if not level.queue:
                self._drop_level(not taker_is_buy, price)
        return qty - left

    @staticmethod
    def _consume(level: Level, left: int, on_trade: OnTrade) -> int:
        queue = level.queue
        while left and queue:
            maker = queue[0]
            done = maker.rest if maker.rest < left else left
            maker.rest -= done
            level.total -= done
            left -= done
            if type(maker) is Liquidity:
                level.synthetic -= done
            if maker.rest == 0:
                queue.popleft()
            on_trade(maker, level.price, done)
        return left

    def available(self, taker_is_buy: bool, limit: int | None, need: int) -> bool:
        """Whether `need` could execute now at prices no worse than `limit` (for FOK)."""
        book = self.asks if taker_is_buy else self.bids
        prices = book.irange(maximum=limit) if taker_is_buy else book.irange(limit, reverse=True)
        seen = 0
        for price in prices:
            seen += book[price].total
            if seen >= need:
                return True
        return False

    def synthetic_at(self, is_buy: bool, price: int) -> int:
        level = (self.bids if is_buy else self.asks).get(price)
        return 0 if level is None else int(level.synthetic)

    def set_synthetic(self, is_buy: bool, price: int, target: int, on_trade: OnTrade) -> None:
        """Make the synthetic size at `price` equal `target`. New size that crosses the other
        side trades first (as a synthetic taker); a shrink cancels from the back."""
        level = (self.bids if is_buy else self.asks).get(price)
        current = 0 if level is None else level.synthetic
        if target == current:
            return
        if target > current:
            extra = target - current
            extra -= self.match(is_buy, price, extra, on_trade)
            if extra:
                self._grow(is_buy, price, extra)
        elif target == 0 and level is not None and level.total == current:
            self._drop_level(is_buy, price)  # only synthetic size was there: drop it whole
        else:
            self._shrink(is_buy, price, current - target)

    def _grow(self, is_buy: bool, price: int, extra: int) -> None:
        level = (self.bids if is_buy else self.asks).get(price)
        if level is not None and level.queue and type(level.queue[-1]) is Liquidity:
            level.queue[-1].rest += extra
            level.total += extra
            level.synthetic += extra
        else:
            self.add(is_buy, price, Liquidity(extra))

    def _shrink(self, is_buy: bool, price: int, by: int) -> None:
        level: Level = (self.bids if is_buy else self.asks)[price]
        kept: deque[Resting] = deque()
        for entry in reversed(level.queue):
            if by and type(entry) is Liquidity:
                cut = min(by, entry.rest)
                entry.rest -= cut
                level.total -= cut
                level.synthetic -= cut
                by -= cut
                if entry.rest == 0:
                    continue
            kept.appendleft(entry)
        level.queue = kept
        if not kept:
            self._drop_level(is_buy, price)
