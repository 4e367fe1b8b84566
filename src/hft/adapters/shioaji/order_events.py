"""The venue's order and deal events (and returned trades) to `BrokerReport`s, in order, once.

Rules: an order event with op_code other than "00" is a rejection carrying the broker's
message; a deal may arrive before its order event, so the first deal accepts the order; deals
are deduplicated by market + exchange sequence; events for a trade id we have not learned yet
(the callback beat `place_order`'s return) are held and replayed once the id is known.
Not thread-safe: the owner (`ShioajiBroker`) calls it under its lock.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterable
from typing import Any

import attrs

from hft.adapters.shioaji.order_mapping import (
    ACTION_OF_OP,
    DEAL_STATES,
    OP_OK,
    enum_text,
    ts_ns_from_seconds,
)
from hft.adapters.shioaji.prices import scaled_from_float
from hft.domain.orders import (
    BrokerOrder,
    BrokerReport,
    OrderAccepted,
    OrderAmended,
    OrderCancelled,
    OrderFilled,
    OrderRejected,
    OrderStatusReport,
    VenueOrderState,
)
from hft.domain.values import IntentId, Price, Qty
from hft.ports.clock import Clock

MAX_ORPHAN_EVENTS = 4_096
MAX_SEEN_DEALS = 200_000
_LIVE = frozenset({"Submitted", "PartFilled", "Filled"})
_VENUE_STATE = {
    "Cancelled": VenueOrderState.CANCELLED,
    "Filled": VenueOrderState.FILLED,
    "Failed": VenueOrderState.REJECTED,
}
"""SDK order status -> the venue state of a reconciliation; the rest are still WORKING."""


@attrs.define
class Working:
    """What the adapter knows of one placed intent."""

    order: BrokerOrder
    tag: str
    market: str
    trade: Any = None
    trade_id: str = ""
    accepted: bool = False
    terminal: bool = False
    filled: int = 0
    qty_total: int = 0
    unknown_action: str = ""
    reconcile_due_ns: int = 0
    reconcile_attempts: int = 0
    pending_amend: tuple[Price | None, Qty | None] | None = None

    def __attrs_post_init__(self) -> None:
        self.qty_total = self.qty_total or self.order.qty.value

    @property
    def intent_id(self) -> IntentId:
        return self.order.intent_id


class OrderEventRouter:
    """Turns SDK order/deal events and trades into reports through `emit`."""

    def __init__(self, emit: Callable[[BrokerReport], None], clock: Clock) -> None:
        self._emit = emit
        self._clock = clock
        self._by_trade: dict[str, Working] = {}
        self._orphans: OrderedDict[str, list[tuple[str, Any]]] = OrderedDict()
        self._orphan_count = 0
        self._seen: OrderedDict[str, None] = OrderedDict()
        self.duplicate_deals = 0
        self.orphans_dropped = 0

    # -- inbound --------------------------------------------------------------------------
    def on_event(self, state: Any, msg: Any) -> None:
        kind = enum_text(state)
        trade_id = str(msg["trade_id"] if kind in DEAL_STATES else msg["order"]["id"])
        working = self._by_trade.get(trade_id)
        if working is None:
            self._hold(trade_id, kind, msg)
            return
        self._dispatch(working, kind, msg)

    def absorb_trade(self, working: Working, trade: Any) -> None:
        """Learn the trade id of `working` from a trade object and report what it shows."""
        working.trade, working.trade_id = trade, str(trade.order.id)
        self._by_trade[working.trade_id] = working
        status = trade.status
        state = enum_text(status.status)
        if state == "Failed":
            self._rejected(working, "place", f"{status.status_code or ''} {status.msg or ''}")
        elif state in _LIVE:
            self._accept(working)
        for deal in list(status.deals):
            self._deal(working, str(deal.seq), deal.price, deal.quantity, deal.ts)
        if state == "Cancelled":
            self._cancelled(working, int(status.cancel_quantity or 0))
        for kind, msg in self._orphans.pop(working.trade_id, []):
            self._orphan_count -= 1
            self._dispatch(working, kind, msg)

    def find_trade(self, working: Working, trades: Iterable[Any]) -> Any:
        """The venue trade that is `working`'s: by trade id if known, else by tag and symbol."""
        for trade in trades:
            if working.trade_id and str(trade.order.id) == working.trade_id:
                return trade
            same_tag = (trade.order.custom_field or "") == working.tag
            if (
                not working.trade_id
                and same_tag
                and trade.contract.code == working.order.symbol.code
            ):
                return trade
        return None

    def settle_unknown(self, working: Working, trade: Any) -> None:
        """After reconciliation: report what the venue's trade shows for the unknown call."""
        action, working.unknown_action = working.unknown_action, ""
        self.absorb_trade(working, trade)
        if action == "amend" and working.pending_amend is not None:
            self._settle_amend(working, trade)
        if action == "cancel" and not working.terminal:
            self._rejected(working, "cancel", "not cancelled per the venue's status")

    def answer_status(self, working: Working, trade: Any) -> None:
        """A reconciliation answer: every fill of `trade` (same fill ids), then its status."""
        if not working.trade_id:
            self.absorb_trade(working, trade)
        deals = list(trade.status.deals)
        for deal in deals:
            key = self._fill_key(working, str(deal.seq), deal.ts, deal.quantity)
            self._seen[key] = None
            self._emit(self._filled(working, key, deal.price, deal.quantity, deal.ts))
        state = _VENUE_STATE.get(enum_text(trade.status.status), VenueOrderState.WORKING)
        filled = int(trade.status.deal_quantity or 0) or sum(int(d.quantity) for d in deals)
        self._emit(
            OrderStatusReport(
                intent_id=working.intent_id, state=state, filled_qty=filled, ts_ns=self._now()
            )
        )

    def forget(self, working: Working) -> None:
        """Drop a finished intent's trade id (late events for it are then held as orphans)."""
        self._by_trade.pop(working.trade_id, None)

    def give_up(self, working: Working, attempts: int) -> None:
        """The venue has no trace of the order after `attempts` reconciliations."""
        action, working.unknown_action = working.unknown_action, ""
        self._rejected(working, action, f"absent at the venue after {attempts} reconciliations")

    # -- reports --------------------------------------------------------------------------
    def _dispatch(self, working: Working, kind: str, msg: Any) -> None:
        if kind in DEAL_STATES:
            self._deal(working, str(msg["exchange_seq"]), msg["price"], msg["quantity"], msg["ts"])
        else:
            self._order_event(working, msg)

    def _order_event(self, working: Working, msg: Any) -> None:
        op = msg["operation"]
        op_type, code = enum_text(op["op_type"]), str(op["op_code"])
        action = ACTION_OF_OP.get(op_type, "place")
        if code != OP_OK or op_type == "Reject":
            self._rejected(working, action, f"{code} {op['op_msg']}".strip())
            return
        status = msg["status"]
        if op_type == "New":
            self._accept(working)
        elif op_type == "Cancel":
            self._cancelled(working, int(status["cancel_quantity"]))
        elif op_type == "UpdatePrice":
            price = Price(scaled_from_float(status["modified_price"]))
            self._emit(
                OrderAmended(intent_id=working.intent_id, price=price, qty=None, ts_ns=self._now())
            )
        elif op_type == "UpdateQty":
            self._qty_amended(
                working, int(status["order_quantity"]) - int(status["cancel_quantity"])
            )

    def _qty_amended(self, working: Working, remaining: int) -> None:
        working.qty_total = remaining
        qty = Qty(remaining) if remaining > 0 else None
        self._emit(
            OrderAmended(intent_id=working.intent_id, price=None, qty=qty, ts_ns=self._now())
        )

    def _deal(self, working: Working, seq: str, price: float, qty: int, ts: float) -> None:
        key = self._fill_key(working, seq, ts, qty)
        if key in self._seen:
            self.duplicate_deals += 1
            return
        self._seen[key] = None
        if len(self._seen) > MAX_SEEN_DEALS:
            self._seen.popitem(last=False)
        self._accept(working)
        working.filled += int(qty)
        working.terminal = working.terminal or working.filled >= working.qty_total
        self._emit(self._filled(working, key, price, qty, ts))

    def _filled(self, working: Working, key: str, price: float, qty: int, ts: float) -> OrderFilled:
        ts_ns = ts_ns_from_seconds(ts) if ts else self._now()
        price_px = Price(scaled_from_float(price))
        return OrderFilled(
            intent_id=working.intent_id, fill_id=key, price=price_px, qty=Qty(int(qty)), ts_ns=ts_ns
        )

    @staticmethod
    def _fill_key(working: Working, seq: str, ts: float, qty: int) -> str:
        # An empty sequence must not bypass dedup: fall back to what identifies the deal.
        if seq:
            return f"{working.market}:{seq}"
        return f"{working.market}:{working.trade_id}:{ts}:{qty}"

    def _accept(self, working: Working) -> None:
        if working.accepted:
            return
        working.accepted = True
        broker_id = working.trade_id or working.tag
        self._emit(
            OrderAccepted(intent_id=working.intent_id, broker_order_id=broker_id, ts_ns=self._now())
        )

    def _cancelled(self, working: Working, remaining: int) -> None:
        if working.terminal:
            return
        working.terminal = True
        self._emit(
            OrderCancelled(intent_id=working.intent_id, remaining=remaining, ts_ns=self._now())
        )

    def _rejected(self, working: Working, action: str, reason: str) -> None:
        if action == "place":
            if working.terminal:
                return
            working.terminal = True
        self._emit(
            OrderRejected(
                intent_id=working.intent_id, reason=reason, ts_ns=self._now(), action=action
            )
        )

    def _settle_amend(self, working: Working, trade: Any) -> None:
        price, _qty = working.pending_amend or (None, None)
        working.pending_amend = None
        modified = trade.status.modified_price
        if price is not None and modified and scaled_from_float(modified) == price.scaled:
            self._emit(
                OrderAmended(intent_id=working.intent_id, price=price, qty=None, ts_ns=self._now())
            )
        else:
            self._rejected(working, "amend", "not applied per the venue's status")

    def _hold(self, trade_id: str, kind: str, msg: Any) -> None:
        if self._orphan_count >= MAX_ORPHAN_EVENTS:
            self.orphans_dropped += 1
            return
        self._orphans.setdefault(trade_id, []).append((kind, msg))
        self._orphan_count += 1

    def _now(self) -> int:
        return self._clock.now_ns()
