"""The matching side of the simulated venue: books, our orders, and the reports they produce.

Everything here happens at `now` (virtual nanoseconds) set by the venue. Reports are queued
with a due time (now + a latency draw) and drained in (due, production order); reports of one
intent never overtake each other. Reject reasons start with a stable code from `RejectCode`.
"""

from __future__ import annotations

import random
from collections import deque
from collections.abc import Mapping, Sequence

from hft.adapters.simbroker.book import OrderBook, Resting
from hft.adapters.simbroker.latency import LatencyModel, Leg
from hft.adapters.simbroker.market import StepPlan, TopOfBook
from hft.adapters.simbroker.orders import (
    CANCELLED,
    FILLED,
    LOST,
    PENDING,
    REJECTED,
    WORKING,
    FinishedOrder,
    SimFill,
    SimOrder,
    VenueOrder,
)
from hft.adapters.simbroker.outbox import Outbox
from hft.adapters.simbroker.rules import PriceRules, RejectCode
from hft.domain.orders import (
    BrokerOrder,
    BrokerReport,
    OrderAccepted,
    OrderAmended,
    OrderCancelled,
    OrderFilled,
    OrderOutcomeUnknown,
    OrderRejected,
    OrderStatusReport,
    TimeInForce,
    VenueOrderState,
)
from hft.domain.values import Instrument, IntentId, Price, Qty

SWEEP = 1 << 62  # a taker size larger than any book: "everything up to the limit"


_NOT_FOUND = VenueOrderState.NOT_FOUND
_VENUE_STATE = {
    WORKING: VenueOrderState.WORKING,
    FILLED: VenueOrderState.FILLED,
    CANCELLED: VenueOrderState.CANCELLED,
    REJECTED: VenueOrderState.REJECTED,
}


class Exchange:
    """Books and orders of the simulated venue. Driven by `SimVenue`; not a port itself."""

    def __init__(
        self,
        instruments: Mapping[str, Instrument],
        latency: LatencyModel,
        rng: random.Random,
        retain_terminal: int,
    ) -> None:
        self.now = 0
        self.books = {code: OrderBook() for code in instruments}
        self.orders: dict[str, VenueOrder] = {}
        self._specs = {code: PriceRules(i) for code, i in instruments.items()}
        self._latency = latency
        self._retain = retain_terminal
        self._terminal: deque[str] = deque()
        self.outbox = Outbox(rng)
        self._order_seq = 0
        self._fill_seq = 0
        self._taker: SimOrder | None = None
        self._stats = [0, 0]
        self._trade_stats = {code: [0, 0] for code in instruments}

    # ---- reports -------------------------------------------------------------------------

    def _send(self, order: VenueOrder | None, report: BrokerReport, leg: Leg) -> None:
        self.outbox.send(self.now, order, report, leg)

    def _reject(
        self, order: VenueOrder | None, intent_id: IntentId, reason: str, action: str
    ) -> None:
        report = OrderRejected(intent_id=intent_id, reason=reason, ts_ns=self.now, action=action)
        self._send(order, report, self._latency.ack)

    def send_unknown(self, order: VenueOrder | None, intent_id: IntentId, action: str) -> None:
        """The client's call timed out: tell it so `timeout_ns` from now."""
        report = OrderOutcomeUnknown(intent_id=intent_id, action=action, ts_ns=self.now)
        self._send(order, report, Leg(self._latency.timeout_ns))

    # ---- order lifecycle -----------------------------------------------------------------

    def register(self, order: BrokerOrder) -> SimOrder | None:
        """Record a place call; None (and a DUPLICATE_INTENT reject) if the intent was seen."""
        if order.intent_id in self.orders:
            reason = f"{RejectCode.DUPLICATE_INTENT}: {order.intent_id} was already placed"
            self._reject(None, order.intent_id, reason, "place")
            return None
        sim = SimOrder(order, mute_reply=False)
        self.orders[order.intent_id] = sim
        return sim

    def finish(self, order: SimOrder, status: str) -> FinishedOrder:
        """Mark `order` done and keep only its `FinishedOrder` record (returned: reports sent
        after this must go through the record, which carries the order's last due time)."""
        order.status = status
        record = FinishedOrder(order, status)
        self.orders[order.intent_id] = record
        self._terminal.append(order.intent_id)
        if len(self._terminal) > self._retain:
            self.orders.pop(self._terminal.popleft(), None)
        return record

    def lose(self, order: SimOrder) -> None:
        """A place that timed out and never reached the venue."""
        self.finish(order, LOST)

    def _reply(self, order: VenueOrder, report: BrokerReport, mute: bool) -> None:
        if not mute:
            self._send(order, report, self._latency.ack)

    def arrive_place(self, order: SimOrder) -> None:
        mute, order.mute_reply = order.mute_reply, False
        problem = self._place_problem(order)
        if problem is not None:
            self._reply(
                self.finish(order, REJECTED),
                OrderRejected(intent_id=order.intent_id, reason=problem, ts_ns=self.now),
                mute,
            )
            return
        self._order_seq += 1
        order.broker_order_id = f"SIM{self._order_seq:09d}"
        order.status = WORKING
        self._reply(
            order,
            OrderAccepted(
                intent_id=order.intent_id, broker_order_id=order.broker_order_id, ts_ns=self.now
            ),
            mute,
        )
        self._execute(order)

    def _place_problem(self, order: SimOrder) -> str | None:
        spec = self._specs.get(order.symbol)
        if spec is None:
            return f"{RejectCode.UNKNOWN_SYMBOL}: {order.symbol!r} is not listed"
        if order.odd_lot:
            return f"{RejectCode.ODD_LOT}: odd-lot orders are not simulated"
        if order.market:
            return None
        if order.price == 0:
            return f"{RejectCode.MISSING_PRICE}: a limit order needs a price"
        return spec.price_problem(order.price)

    def _execute(self, order: SimOrder) -> None:
        book = self.books[order.symbol]
        limit = None if order.market else order.price
        left = order.qty - order.filled
        if order.tif is TimeInForce.FOK and not book.available(order.is_buy, limit, left):
            self._cancel_rest(order)
            return
        self._taker, self._stats = order, self._trade_stats[order.symbol]
        book.match(order.is_buy, limit, left, self._on_trade)
        self._taker = None
        if order.status != WORKING:
            return
        if order.immediate:
            self._cancel_rest(order)
        else:
            order.rest = order.qty - order.filled
            book.add(order.is_buy, order.price, order)

    def _cancel_rest(self, order: SimOrder) -> None:
        record = self.finish(order, CANCELLED)
        report = OrderCancelled(
            intent_id=order.intent_id, remaining=order.qty - order.filled, ts_ns=self.now
        )
        self._send(record, report, self._latency.ack)

    def _on_trade(self, maker: Resting, price: int, qty: int) -> None:
        stats = self._stats
        stats[0] = price
        stats[1] += qty
        if type(maker) is SimOrder:
            self._fill(maker, price, qty)
        if self._taker is not None:
            self._fill(self._taker, price, qty)

    def _fill(self, order: SimOrder, price: int, qty: int) -> None:
        self._fill_seq += 1
        fill_id = f"SIMF{self._fill_seq:010d}"
        order.filled += qty
        order.fills.append(SimFill(fill_id, price, qty, self.now))
        report = OrderFilled(
            intent_id=order.intent_id,
            fill_id=fill_id,
            price=Price(price),
            qty=Qty(qty),
            ts_ns=self.now,
        )
        self._send(order, report, self._latency.fill)
        if order.filled == order.qty:
            self.finish(order, FILLED)

    def _working(self, intent_id: IntentId, action: str, mute: bool) -> SimOrder | None:
        order = self.orders.get(intent_id)
        if order is None or order.status in (PENDING, LOST):
            if not mute:
                reason = f"{RejectCode.UNKNOWN_INTENT}: no order for {intent_id} at the venue"
                self._reject(order, intent_id, reason, action)
            return None
        if isinstance(order, FinishedOrder):
            if not mute:
                reason = f"{RejectCode.NOT_WORKING}: {intent_id} is {order.status}"
                self._reject(order, intent_id, reason, action)
            return None
        return order

    def arrive_cancel(self, intent_id: IntentId, mute: bool) -> None:
        order = self._working(intent_id, "cancel", mute)
        if order is None:
            return
        self.books[order.symbol].remove(order.is_buy, order.price, order)
        order.rest = 0
        record = self.finish(order, CANCELLED)
        report = OrderCancelled(
            intent_id=intent_id, remaining=order.qty - order.filled, ts_ns=self.now
        )
        self._reply(record, report, mute)

    def arrive_amend(
        self, intent_id: IntentId, price: Price | None, qty: Qty | None, mute: bool
    ) -> None:
        order = self._working(intent_id, "amend", mute)
        if order is None:
            return
        problem = self._amend_problem(order, price, qty)
        if problem is not None:
            if not mute:
                self._reject(order, intent_id, problem, "amend")
            return
        book = self.books[order.symbol]
        if qty is not None and qty.value != order.qty:
            book.reduce(order.is_buy, order.price, order, order.qty - qty.value)
            order.qty = qty.value
        report = OrderAmended(intent_id=intent_id, price=price, qty=qty, ts_ns=self.now)
        self._reply(order, report, mute)
        if price is not None and price.scaled != order.price:
            # A new price is a new arrival: it loses its queue place and may trade at once.
            book.remove(order.is_buy, order.price, order)
            order.price, order.rest = price.scaled, 0
            self._execute(order)

    def _amend_problem(self, order: SimOrder, price: Price | None, qty: Qty | None) -> str | None:
        if price is None and qty is None:
            return f"{RejectCode.NOTHING_TO_AMEND}: give a price, a qty or both"
        if qty is not None and qty.value > order.qty:
            return (
                f"{RejectCode.QTY_INCREASE}: qty can only be reduced ({order.qty} -> {qty.value})"
            )
        if qty is not None and qty.value <= order.filled:
            return f"{RejectCode.QTY_BELOW_FILLED}: {qty.value} <= filled {order.filled}"
        if price is not None:
            return self._specs[order.symbol].price_problem(price.scaled)
        return None

    # ---- reconciliation ------------------------------------------------------------------

    def answer_status(self, intent_id: IntentId) -> None:
        """The venue's account of `intent_id`: every fill again (same fill ids), then one
        `OrderStatusReport`. An order the venue never received is NOT_FOUND."""
        order = self.orders.get(intent_id)
        state = _VENUE_STATE.get(order.status, _NOT_FOUND) if order else _NOT_FOUND
        known = order if state is not _NOT_FOUND else None
        for fill in known.fills if known else ():
            report = OrderFilled(
                intent_id=intent_id,
                fill_id=fill.fill_id,
                price=Price(fill.price),
                qty=Qty(fill.qty),
                ts_ns=fill.ts_ns,
            )
            self._send(order, report, self._latency.ack)
        status = OrderStatusReport(
            intent_id=intent_id,
            state=state,
            filled_qty=known.filled if known else 0,
            ts_ns=self.now,
        )
        self._send(order, status, self._latency.ack)

    # ---- the market ----------------------------------------------------------------------

    def apply_step(self, plan: StepPlan) -> None:
        """Move one symbol's market: levels better than the new touch trade away, prints hit
        the touch, then the synthetic depth is set to the plan's levels."""
        book = self.books[plan.symbol]
        self._taker, self._stats = None, self._trade_stats[plan.symbol]
        on_trade = self._on_trade
        # Checked here first: most steps move nothing through, and a call is not free.
        if plan.bids and book.bid_px is not None and book.bid_px > plan.bids[0][0]:
            book.match(False, plan.bids[0][0] + 1, SWEEP, on_trade)
        if plan.asks and book.ask_px is not None and book.ask_px < plan.asks[0][0]:
            book.match(True, plan.asks[0][0] - 1, SWEEP, on_trade)
        for taker_is_buy, limit, qty in plan.trades:
            book.match(taker_is_buy, limit, qty, on_trade)
        self._refresh(book, True, plan.bids)
        self._refresh(book, False, plan.asks)

    def _refresh(self, book: OrderBook, is_buy: bool, levels: Sequence[tuple[int, int]]) -> None:
        wanted = tuple([price for price, _ in levels])
        on_trade, side = self._on_trade, book.bids if is_buy else book.asks
        for price in book.synthetic_levels[is_buy]:
            if price not in wanted:
                book.set_synthetic(is_buy, price, 0, on_trade)
        for price, qty in levels:
            level = side.get(price)
            if qty != (level.synthetic if level is not None else 0):
                book.set_synthetic(is_buy, price, qty, on_trade)
        book.synthetic_levels[is_buy] = wanted

    def top_of_book(self, symbol: str) -> TopOfBook:
        """Best levels now and the prints since the last call (which resets the print count)."""
        book = self.books[symbol]
        bid, ask = book.best(True), book.best(False)
        stats = self._trade_stats[symbol]
        top = TopOfBook(
            bid_px=bid.price if bid else 0,
            bid_qty=bid.total if bid else 0,
            ask_px=ask.price if ask else 0,
            ask_qty=ask.total if ask else 0,
            last_px=stats[0] if stats[1] else 0,
            last_qty=stats[1],
        )
        stats[1] = 0
        return top
