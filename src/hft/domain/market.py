"""Market data as domain events: top of book and trades in scaled integers, UTC nanoseconds."""

from __future__ import annotations

import attrs

from hft.domain.events import DomainEvent, register


@register("QuoteReceived", 1)
@attrs.frozen(kw_only=True)
class QuoteReceived(DomainEvent):
    """A tick or book update for `symbol` (the originator). 0 means "no such side/price".

    `simtrade` marks trial-match ticks published before an auction: they are not trades.
    `ts_event_ns` is the exchange time in UTC nanoseconds.
    """

    symbol: str
    bid_px: int = 0
    bid_qty: int = 0
    ask_px: int = 0
    ask_qty: int = 0
    last_px: int = 0
    last_qty: int = 0
    simtrade: bool = False


@register("FeedGapDetected", 1)
@attrs.frozen(kw_only=True)
class FeedGapDetected(DomainEvent):
    """Quotes were dropped (bounded queue full) or the feed went silent; `dropped` counts them."""

    source: str
    dropped: int
    reason: str


@register("QuoteShapeRejected", 1)
@attrs.frozen(kw_only=True)
class QuoteShapeRejected(DomainEvent):
    """A quote payload of an unexpected schema version or shape was refused (alerting)."""

    source: str
    shape: str
    detail: str
