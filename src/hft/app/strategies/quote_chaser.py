"""The benchmark workload (`hft bench session`), fixed so that engines can be compared.

On every quote: cancel the previous resting order if still open, then submit one passive
limit order `offset_ticks` off the touch; on every `cross_every`-th quote, also a marketable
limit at the touch that fills, with sides B, B, S, B, S, ... so the position stays small.
"""

from __future__ import annotations

from hft.app.strategy import Strategy, StrategyContext
from hft.domain import intent
from hft.domain.market import QuoteReceived
from hft.domain.orders import TimeInForce
from hft.domain.values import Price, Side


class QuoteChaser(Strategy):
    strategy_id = "chaser"

    def __init__(self, offset_ticks: int = 10, cross_every: int = 50) -> None:
        self.offset_ticks = offset_ticks
        self.cross_every = cross_every
        self.quotes = 0
        self.crosses = 0
        self.resting: str | None = None
        self.cancels = 0

    def on_quote(self, ctx: StrategyContext, quote: QuoteReceived) -> None:
        if quote.bid_px <= 0 or quote.ask_px <= 0:
            return
        self.quotes += 1
        if self.resting is not None:
            live = ctx.intent(self.resting)
            if live is not None and intent.is_working(live.status):
                self.cancels += ctx.cancel(self.resting) is not None
            self.resting = None
        ticks = ctx.instrument(quote.symbol).ticks
        bid = ticks.step(Price(quote.bid_px), -self.offset_ticks).scaled
        self.resting = ctx.order(quote.symbol, Side.BUY, bid, 1)
        if self.quotes % self.cross_every == 0:
            side = Side.BUY if self.crosses < 2 or self.crosses % 2 == 1 else Side.SELL
            touch = quote.ask_px if side is Side.BUY else quote.bid_px
            ctx.order(quote.symbol, side, touch, 1, tif=TimeInForce.IOC)
            self.crosses += 1
