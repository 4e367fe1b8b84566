"""Our `BrokerOrder` to `sj.StockOrder` / `sj.FuturesOrder`, and the venue's answers back.

Stock quantities are lots (1,000 shares) for common orders and shares for odd lots; an odd-lot
order goes to the intraday odd-lot session (`IntradayOdd`). Futures and options carry an
open/close type: AUTO lets the venue decide, OPEN is `New`, CLOSE is `Cover`.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import shioaji as sj

from hft.adapters.shioaji.errors import ShioajiAdapterError
from hft.adapters.shioaji.prices import float_from_scaled
from hft.domain.orders import BrokerOrder, OpenClose, PriceType, TimeInForce
from hft.domain.values import InstrumentKind, Side

OP_OK = "00"
ACTION_OF_OP = {"New": "place", "Cancel": "cancel", "UpdatePrice": "amend", "UpdateQty": "amend"}
STOCK_STATES = frozenset({"SORDER", "SDEAL"})
DEAL_STATES = frozenset({"SDEAL", "FDEAL"})

_ACTIONS = {Side.BUY: sj.Action.Buy, Side.SELL: sj.Action.Sell}
_TIF = {
    TimeInForce.ROD: sj.TimeInForce.ROD,
    TimeInForce.IOC: sj.TimeInForce.IOC,
    TimeInForce.FOK: sj.TimeInForce.FOK,
}
_STOCK_PRICE = {PriceType.LIMIT: sj.StockPriceType.LMT, PriceType.MARKET: sj.StockPriceType.MKT}
_FUT_PRICE = {PriceType.LIMIT: sj.FuturesPriceType.LMT, PriceType.MARKET: sj.FuturesPriceType.MKT}
_OCTYPE = {
    OpenClose.AUTO: sj.FuturesOCType.Auto,
    OpenClose.OPEN: sj.FuturesOCType.New,
    OpenClose.CLOSE: sj.FuturesOCType.Cover,
}


class InvalidOrderError(ShioajiAdapterError, ValueError):
    """The order cannot be expressed at this venue (nothing was sent)."""


def enum_text(value: Any) -> str:
    """An SDK enum (or plain string) as its wire string: `sj.OrderState.StockDeal` -> 'SDEAL'."""
    return str(getattr(value, "value", value))


def _sdk_price(order: BrokerOrder) -> float:
    if order.price_type is PriceType.MARKET:
        return 0.0
    if order.price is None:
        raise InvalidOrderError(f"{order.intent_id}: a limit order needs a price")
    return float_from_scaled(order.price.scaled)


def build_sdk_order(order: BrokerOrder, kind: InstrumentKind, tag: str) -> Any:
    """The SDK order object for `order` on an instrument of `kind`; `tag` goes in custom_field."""
    common = {
        "action": _ACTIONS[order.side],
        "price": _sdk_price(order),
        "quantity": order.qty.value,
        "time_in_force": _TIF[order.tif],
        "custom_field": tag,
    }
    if kind is InstrumentKind.STOCK:
        if order.open_close is not OpenClose.AUTO:
            raise InvalidOrderError(f"{order.intent_id}: open/close applies to futures only")
        lot = sj.StockOrderLot.IntradayOdd if order.odd_lot else sj.StockOrderLot.Common
        return sj.StockOrder(
            price_type=_STOCK_PRICE[order.price_type],
            order_lot=lot,
            order_cond=sj.StockOrderCond.Cash,
            **common,
        )
    if order.odd_lot:
        raise InvalidOrderError(f"{order.intent_id}: odd lots apply to stocks only")
    return sj.FuturesOrder(
        price_type=_FUT_PRICE[order.price_type], octype=_OCTYPE[order.open_close], **common
    )


def decimal_from_float(value: float) -> Decimal:
    return Decimal(str(value))


def ts_ns_from_seconds(value: float) -> int:
    """The SDK's float epoch seconds to integer ns through its decimal repr (no float drift)."""
    return int(decimal_from_float(value).scaleb(9))


def tag_for(counter: int) -> str:
    """A custom_field tag (at most 6 base-36 characters) naming one order for reconciliation."""
    digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    n, out = counter % 36**6, ""
    while True:
        n, r = divmod(n, 36)
        out = digits[r] + out
        if n == 0:
            return out
