"""What crosses the broker boundary, in domain terms: orders we send and reports we get back.

Reports are plain values; the gateway turns each into an event of the intent it belongs to.
"""

from __future__ import annotations

import attrs

from hft.domain.enums import IdentityEnum
from hft.domain.values import IntentId, Price, Qty, Side, Symbol


class TimeInForce(IdentityEnum):
    ROD = "ROD"  # rest of day
    IOC = "IOC"  # immediate or cancel
    FOK = "FOK"  # fill or kill


class PriceType(IdentityEnum):
    LIMIT = "LMT"
    MARKET = "MKT"


class OpenClose(IdentityEnum):
    """Futures/options position effect; AUTO lets the venue decide (Shioaji's `Auto`)."""

    AUTO = "AUTO"
    OPEN = "OPEN"
    CLOSE = "CLOSE"


@attrs.frozen(kw_only=True)
class BrokerOrder:
    """One order to place. `price` is None only for market orders."""

    intent_id: IntentId
    symbol: Symbol
    side: Side
    qty: Qty
    price: Price | None
    tif: TimeInForce = TimeInForce.ROD
    price_type: PriceType = PriceType.LIMIT
    open_close: OpenClose = OpenClose.AUTO
    odd_lot: bool = False


@attrs.frozen(kw_only=True)
class OrderAccepted:
    """The venue acknowledged the order and gave it an id."""

    intent_id: IntentId
    broker_order_id: str
    ts_ns: int


@attrs.frozen(kw_only=True)
class OrderFilled:
    """A fill. `fill_id` is unique per venue execution and is what fill dedup keys on."""

    intent_id: IntentId
    fill_id: str
    price: Price
    qty: Qty
    ts_ns: int


@attrs.frozen(kw_only=True)
class OrderRejected:
    """The venue refused the order (or the amend/cancel named by `action`)."""

    intent_id: IntentId
    reason: str
    ts_ns: int
    action: str = "place"


@attrs.frozen(kw_only=True)
class OrderCancelled:
    """The venue confirmed the order is no longer working; `remaining` was never filled."""

    intent_id: IntentId
    remaining: int
    ts_ns: int


@attrs.frozen(kw_only=True)
class OrderAmended:
    """The venue confirmed a price/qty change of a working order."""

    intent_id: IntentId
    price: Price | None
    qty: Qty | None
    ts_ns: int


@attrs.frozen(kw_only=True)
class OrderOutcomeUnknown:
    """A call timed out: the order may or may not exist. Reconcile; never resend."""

    intent_id: IntentId
    action: str
    ts_ns: int


class VenueOrderState(IdentityEnum):
    """The venue's own account of an order, as a reconciliation query returns it."""

    WORKING = "WORKING"
    FILLED = "FILLED"
    CANCELLED = "CANCELLED"
    REJECTED = "REJECTED"
    NOT_FOUND = "NOT_FOUND"


@attrs.frozen(kw_only=True)
class OrderStatusReport:
    """The answer to a reconciliation query. Any fills it implies come first as OrderFilled
    reports (fill ids make repeats harmless); `filled_qty` is the venue's total."""

    intent_id: IntentId
    state: VenueOrderState
    filled_qty: int
    ts_ns: int


BrokerReport = (
    OrderAccepted
    | OrderFilled
    | OrderRejected
    | OrderCancelled
    | OrderAmended
    | OrderOutcomeUnknown
    | OrderStatusReport
)
