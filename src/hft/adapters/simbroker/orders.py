"""The venue's record of one of our orders, and the snapshot it gives for reconciliation.

A live order is a `SimOrder`; once it is done the venue keeps a `FinishedOrder` in its place,
which holds only what later readers need (reconciliation, late cancels, report ordering).
"""

from __future__ import annotations

import attrs

from hft.domain.orders import BrokerOrder, PriceType, TimeInForce
from hft.domain.values import IntentId, Side

PENDING = "pending"  # sent, not yet at the venue
LOST = "lost"  # sent during an outage and never reached the venue
WORKING = "working"
FILLED = "filled"
CANCELLED = "cancelled"
REJECTED = "rejected"
TERMINAL = frozenset({LOST, FILLED, CANCELLED, REJECTED})


class SimOrder:
    """Mutable venue-side order; it is also the entry that rests in the book (`rest`)."""

    __slots__ = (
        "broker_order_id",
        "filled",
        "fills",
        "immediate",
        "intent_id",
        "is_buy",
        "last_due_ns",
        "link_due_ns",
        "market",
        "mute_reply",
        "odd_lot",
        "price",
        "qty",
        "rest",
        "status",
        "symbol",
        "tif",
    )

    def __init__(self, order: BrokerOrder, mute_reply: bool) -> None:
        # The BrokerOrder itself is not kept: its wrappers cost more than the fields read here.
        self.intent_id = order.intent_id
        self.symbol = order.symbol.code
        self.is_buy = order.side is Side.BUY
        self.qty = order.qty.value
        self.market = order.price_type is PriceType.MARKET
        self.price = 0 if order.price is None else order.price.scaled
        self.tif = order.tif
        self.odd_lot = order.odd_lot
        # Whatever does not execute on arrival is cancelled: IOC, FOK and market orders.
        self.immediate = self.market or order.tif is not TimeInForce.ROD
        self.broker_order_id = ""
        self.filled = 0
        self.rest = 0
        self.status = PENDING
        self.last_due_ns = 0
        self.link_due_ns = 0  # when the last call sent about this order reaches the venue
        self.mute_reply = mute_reply
        self.fills: list[SimFill] = []


class FinishedOrder:
    """What the venue still knows of an order that is done (filled, cancelled, rejected, lost).

    Enough to answer reconciliation (`snapshot`, the fills again), to refuse a second place of
    the intent or a late cancel or amend, and to keep the order's later reports behind its
    earlier ones (`last_due_ns`). About half the memory of the `SimOrder` it replaces, which
    counts when the venue keeps `retain_terminal` (100,000 by default) of them.
    """

    __slots__ = (
        "broker_order_id",
        "filled",
        "fills",
        "intent_id",
        "is_buy",
        "last_due_ns",
        "price",
        "qty",
        "status",
        "symbol",
    )

    def __init__(self, order: SimOrder, status: str) -> None:
        self.intent_id = order.intent_id
        self.broker_order_id = order.broker_order_id
        self.symbol = order.symbol
        self.is_buy = order.is_buy
        self.price = order.price
        self.qty = order.qty
        self.filled = order.filled
        self.status = status
        self.fills = tuple(order.fills)
        self.last_due_ns = order.last_due_ns


VenueOrder = SimOrder | FinishedOrder
"""An entry of the venue's order table: live, or what is left of it once done."""


@attrs.frozen
class SimFill:
    """One execution of our order at the venue."""

    fill_id: str
    price: int
    qty: int
    ts_ns: int


@attrs.frozen(kw_only=True)
class SimOrderStatus:
    """What the venue knows of one order, as a broker's order list reports it.

    `status` is one of pending, working, filled, cancelled, rejected; `price` is scaled
    (0 for market orders); `filled` and `qty` are in the instrument's unit (lots/contracts).
    """

    intent_id: IntentId
    broker_order_id: str
    symbol: str
    side: Side
    price: int
    qty: int
    filled: int
    status: str
    fills: tuple[SimFill, ...]


def snapshot(order: VenueOrder) -> SimOrderStatus:
    return SimOrderStatus(
        intent_id=order.intent_id,
        broker_order_id=order.broker_order_id,
        symbol=order.symbol,
        side=Side.BUY if order.is_buy else Side.SELL,
        price=order.price,
        qty=order.qty,
        filled=order.filled,
        status=order.status,
        fills=tuple(order.fills),
    )
