"""The strategy interface: what a strategy developer writes, and the context it trades through.

A strategy reacts to quotes, fills, rejects and timers, and acts only by submitting intents
through the gateway (`ctx.buy`, `ctx.sell`, `ctx.cancel`, `ctx.amend`). It hears about its
intents only once the log has made them durable. The same class runs in `hft sim`, in a
runner script, and live.
"""

from __future__ import annotations

import heapq
import itertools

from hft.app.gateway.channel import ChannelFullError
from hft.app.gateway.service import Gateway
from hft.domain import intent
from hft.domain.events import DomainEvent
from hft.domain.exposure import ExposureKey
from hft.domain.intent import IntentType, OrderIntent, SubmitIntent
from hft.domain.market import QuoteReceived
from hft.domain.orders import TimeInForce
from hft.domain.values import Instrument, Side

DEFAULT_TTL_NS = 5 * 1_000_000_000


class Strategy:
    """Base class: override what you need. Every callback runs on the gateway's loop."""

    strategy_id: str = "strategy"

    def on_start(self, ctx: StrategyContext) -> None:
        """Once, before the first quote."""

    def on_quote(self, ctx: StrategyContext, quote: QuoteReceived) -> None:
        """Every top-of-book update of a subscribed symbol (prices scaled by PRICE_SCALE)."""

    def on_ack(self, ctx: StrategyContext, event: intent.IntentAcked) -> None:
        """The venue acknowledged one of this strategy's orders."""

    def on_fill(self, ctx: StrategyContext, event: intent.IntentFilled) -> None:
        """An execution of one of this strategy's orders."""

    def on_reject(self, ctx: StrategyContext, event: intent.IntentRejected) -> None:
        """The gateway or the venue refused one of this strategy's intents (see `reason`)."""

    def on_cancel(self, ctx: StrategyContext, event: intent.IntentCancelled) -> None:
        """One of this strategy's orders is no longer working."""

    def on_timer(self, ctx: StrategyContext, ts_ns: int) -> None:
        """A timer set with `ctx.set_timer` came due."""

    def on_stop(self, ctx: StrategyContext) -> None:
        """Once, when the session ends."""


class StrategyContext:
    """A strategy's handle on the gateway: ids, time, positions, orders, and submission."""

    def __init__(self, gateway: Gateway, strategy_id: str, account: str) -> None:
        self._gateway = gateway
        self._core = gateway.core
        self.strategy_id = strategy_id
        self.account = account
        self.timers: list[int] = []
        self.refused = 0  # submissions the full channel refused
        self.stale_targets = 0  # cancels/amends of long-finished (compacted) intents, not sent
        self._queued: dict[str, SubmitIntent] = {}  # recent submissions, oldest first
        self._keep = gateway.config.channel_capacity

    def now_ns(self) -> int:
        return self._core.now()

    def instrument(self, symbol: str) -> Instrument:
        found = self._core.reference.instrument(symbol)
        if found is None:
            raise KeyError(f"unknown symbol {symbol!r}")
        return found

    def position(self, symbol: str) -> int:
        key = ExposureKey(self.account, self.strategy_id, symbol)
        return self._core.state.book.entry(key).position_qty

    def open_orders(self, symbol: str | None = None) -> list[OrderIntent]:
        return [
            i
            for i in self._core.state.open_states()
            if i.strategy_id == self.strategy_id
            and intent.is_order(i)
            and (symbol is None or i.symbol == symbol)
        ]

    def intent(self, intent_id: str) -> OrderIntent | None:
        """The intent in full; None if unknown or finished long ago (compacted: the gateway
        keeps only the last `FINISHED_KEPT` finished intents in full)."""
        return self._core.state.intents.get(intent_id)

    def buy(self, symbol: str, price: int | None, qty: int, **kw: object) -> str | None:
        return self.order(symbol, Side.BUY, price, qty, **kw)  # type: ignore[arg-type]

    def sell(self, symbol: str, price: int | None, qty: int, **kw: object) -> str | None:
        return self.order(symbol, Side.SELL, price, qty, **kw)  # type: ignore[arg-type]

    def order(
        self,
        symbol: str,
        side: Side,
        price: int | None,
        qty: int,
        *,
        tif: TimeInForce = TimeInForce.ROD,
        key: str | None = None,
        ttl_ns: int = DEFAULT_TTL_NS,
        reduce_only: bool = False,
    ) -> str | None:
        """Submit a NEW order; its intent id, or None if the channel was full (counted)."""
        return self._submit(
            IntentType.NEW,
            symbol,
            side,
            price=price,
            qty=qty,
            tif=tif,
            key=key,
            ttl_ns=ttl_ns,
            reduce_only=reduce_only,
        )

    def cancel(self, target_id: str, *, key: str | None = None) -> str | None:
        """Ask the venue to cancel what is left of `target_id`; None if the channel was full
        or the target finished long ago (counted in `refused` / `stale_targets`).

        `target_id` may be an order submitted a moment ago, not yet decided or dispatched:
        the gateway sends the cancel after it (or refuses it if the order never went out)."""
        t = self._target(target_id)
        if t is None:
            return None
        return self._submit(
            IntentType.CANCEL, t.symbol, t.side, qty=0, tif=t.tif, key=key, target=t
        )

    def amend(
        self, target_id: str, price: int | None, qty: int, *, key: str | None = None
    ) -> str | None:
        """Change `target_id`'s price (None: keep) and total qty (None as for `cancel`)."""
        t = self._target(target_id)
        if t is None:
            return None
        return self._submit(
            IntentType.AMEND, t.symbol, t.side, price=price, qty=qty, tif=t.tif, key=key, target=t
        )

    def _target(self, target_id: str) -> OrderIntent | SubmitIntent | None:
        """The target as the gateway holds it, or as submitted here if the gateway has not
        read it yet (the request will follow it); None (counted) if it was compacted.
        KeyError if never seen."""
        state = self._core.state
        found = state.intents.get(target_id)
        if found is not None:
            return found
        if target_id in state.compacted:
            self.stale_targets += 1
            return None
        queued = self._queued.get(target_id)
        if queued is None:
            raise KeyError(f"unknown intent {target_id!r}")
        return queued

    def _remember(self, cmd: SubmitIntent) -> None:
        """Keep the submissions the gateway may not have read yet. The channel holds at most
        its capacity, and the gateway reads it in order, so anything older than the newest
        `capacity` submissions of this context has been read: it is forgotten here."""
        queued = self._queued
        queued[cmd.intent_id] = cmd
        if len(queued) > 2 * self._keep:
            for intent_id in list(itertools.islice(queued, len(queued) - self._keep)):
                del queued[intent_id]

    def set_timer(self, ts_ns: int) -> None:
        heapq.heappush(self.timers, ts_ns)

    def _submit(
        self,
        kind: IntentType,
        symbol: str,
        side: Side,
        *,
        qty: int,
        tif: TimeInForce,
        key: str | None,
        price: int | None = None,
        ttl_ns: int = DEFAULT_TTL_NS,
        target: OrderIntent | SubmitIntent | None = None,
        reduce_only: bool = False,
    ) -> str | None:
        intent_id = self._core.ids.next_id(self.strategy_id)
        cmd = SubmitIntent(
            intent_id=intent_id,
            idempotency_key=key or intent_id,
            strategy_id=self.strategy_id,
            account=self.account,
            symbol=symbol,
            intent_type=kind,
            side=side,
            price=price,
            qty=qty,
            tif=tif,
            ttl_ns=ttl_ns,
            trace_id=intent_id,
            created_ns=self.now_ns(),
            target_intent_id=target.intent_id if target is not None else None,
            reduce_only=reduce_only,
        )
        try:
            self._gateway.submit(cmd)
        except ChannelFullError:
            self.refused += 1
            return None
        self._remember(cmd)
        return intent_id


class StrategyRouter:
    """Delivers durable intent events to the strategy that owns the intent."""

    def __init__(self, gateway: Gateway) -> None:
        self._gateway = gateway
        self._by_id: dict[str, tuple[Strategy, StrategyContext]] = {}
        gateway.subscribe(self._deliver)

    def add(self, strategy: Strategy, account: str) -> StrategyContext:
        ctx = StrategyContext(self._gateway, strategy.strategy_id, account)
        self._by_id[strategy.strategy_id] = (strategy, ctx)
        return ctx

    def pairs(self) -> list[tuple[Strategy, StrategyContext]]:
        return list(self._by_id.values())

    def _deliver(self, seq: int, event: DomainEvent) -> None:
        if not isinstance(event, _NOTIFIED):
            return
        owner = self._gateway.core.state.owner(event.originator_id)
        pair = self._by_id.get(owner) if owner is not None else None
        if pair is None:
            return
        strategy, ctx = pair
        if isinstance(event, intent.IntentFilled):
            strategy.on_fill(ctx, event)
        elif isinstance(event, intent.IntentRejected):
            strategy.on_reject(ctx, event)
        elif isinstance(event, intent.IntentAcked):
            strategy.on_ack(ctx, event)
        else:
            strategy.on_cancel(ctx, event)


_NOTIFIED = (intent.IntentFilled, intent.IntentRejected, intent.IntentAcked, intent.IntentCancelled)
