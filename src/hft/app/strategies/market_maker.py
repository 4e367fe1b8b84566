"""A simple market maker: one bid and one ask around the touch, skewed by inventory.

For each symbol it keeps at most one resting order a side, `edge_ticks` behind the touch,
re-quoting when the touch moves by more than `requote_ticks`. Inventory beyond `max_position`
stops quoting the side that would grow it. Integer ticks throughout.
"""

from __future__ import annotations

from hft.app.strategy import Strategy, StrategyContext
from hft.domain.intent import IntentCancelled, IntentFilled, IntentRejected, is_working
from hft.domain.market import QuoteReceived
from hft.domain.values import Price, Side


class MarketMaker(Strategy):
    strategy_id = "mm"

    def __init__(
        self, edge_ticks: int = 1, requote_ticks: int = 2, max_position: int = 5, qty: int = 1
    ) -> None:
        self.edge_ticks = edge_ticks
        self.requote_ticks = requote_ticks
        self.max_position = max_position
        self.qty = qty
        self.resting: dict[tuple[str, Side], tuple[str, int]] = {}  # -> (intent id, price)
        self.fills = 0
        self.rejects = 0

    def on_quote(self, ctx: StrategyContext, quote: QuoteReceived) -> None:
        if quote.bid_px <= 0 or quote.ask_px <= 0 or quote.simtrade:
            return
        ticks = ctx.instrument(quote.symbol).ticks
        position = ctx.position(quote.symbol)
        targets = {
            Side.BUY: ticks.step(Price(quote.bid_px), -self.edge_ticks).scaled,
            Side.SELL: ticks.step(Price(quote.ask_px), self.edge_ticks).scaled,
        }
        for side, price in targets.items():
            grows = position * side.sign >= self.max_position
            self._quote(ctx, quote.symbol, side, None if grows else price)

    def _quote(self, ctx: StrategyContext, symbol: str, side: Side, price: int | None) -> None:
        current = self.resting.get((symbol, side))
        if current is not None:
            intent_id, at = current
            live = ctx.intent(intent_id)
            near = price is not None and abs(price - at) <= self._tolerance(ctx, symbol, at)
            if near and live is not None:
                return
            if live is not None and is_working(live.status):
                ctx.cancel(intent_id)
            del self.resting[(symbol, side)]
        if price is not None:
            placed = ctx.order(symbol, side, price, self.qty)
            if placed is not None:
                self.resting[(symbol, side)] = (placed, price)

    def _tolerance(self, ctx: StrategyContext, symbol: str, at: int) -> int:
        return ctx.instrument(symbol).ticks.tick_at(Price(at)) * self.requote_ticks

    def on_fill(self, ctx: StrategyContext, event: IntentFilled) -> None:
        self.fills += 1
        if event.leaves == 0:
            self._forget(event.originator_id)

    def on_cancel(self, ctx: StrategyContext, event: IntentCancelled) -> None:
        self._forget(event.originator_id)

    def on_reject(self, ctx: StrategyContext, event: IntentRejected) -> None:
        self.rejects += 1
        self._forget(event.originator_id)

    def _forget(self, intent_id: str) -> None:
        for key, (resting_id, _) in list(self.resting.items()):
            if resting_id == intent_id:
                del self.resting[key]
