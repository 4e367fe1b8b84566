"""Shioaji v1 quote objects to `QuoteReceived`: the mapping that runs inside SDK callbacks.

Shape guard (CE2-11): each callback accepts exactly one SDK class (`TickSTKv1`, `BidAskSTKv1`,
`TickFOPv1`, `BidAskFOPv1`, all quote_version v1). Anything else, a price that does not fit
`PRICE_SCALE`, or a field the SDK cannot decode (it raises pyo3's `PanicException`, which is a
`BaseException`) becomes a `QuoteShapeRefusal` to be counted and alerted, never a crash.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import attrs
import shioaji as sj

from hft.adapters.shioaji.prices import scaled_from_decimal
from hft.domain.market import QuoteReceived
from hft.domain.values import PRICE_SCALE
from hft.ports.clock import Clock

_TAIPEI_EPOCH = dt.datetime(1970, 1, 1, 8)  # noqa: DTZ001 - the Unix epoch on Taipei's wall clock
_NS = 1_000_000_000

TICK_STK = "tick_stk_v1"
BIDASK_STK = "bidask_stk_v1"
TICK_FOP = "tick_fop_v1"
BIDASK_FOP = "bidask_fop_v1"
EXPECTED_SHAPES: dict[str, type] = {
    TICK_STK: sj.TickSTKv1,
    BIDASK_STK: sj.BidAskSTKv1,
    TICK_FOP: sj.TickFOPv1,
    BIDASK_FOP: sj.BidAskFOPv1,
}
"""The only SDK class each callback accepts (quote_version v1)."""


def taipei_naive_to_utc_ns(when: dt.datetime) -> int:
    """A naive Taipei wall time (UTC+8 all year: Taiwan has no DST) to UTC nanoseconds."""
    delta = when - _TAIPEI_EPOCH
    return (delta.days * 86_400 + delta.seconds) * _NS + delta.microseconds * 1_000


@attrs.frozen
class QuoteShapeRefusal:
    """Why one callback payload was refused; `shape` is what arrived, `channel` what expected."""

    channel: str
    shape: str
    detail: str


def _px(value: Decimal) -> int:
    # 0 is the SDK's "no price" on an empty book level; the domain uses 0 for that too.
    return scaled_from_decimal(value) if value else 0


def _is_panic(exc: BaseException) -> bool:
    return type(exc).__name__ == "PanicException"


class QuoteMapper:
    """Maps one payload per call to a `QuoteReceived` or a `QuoteShapeRefusal`.

    Not thread-safe across callers: each SDK callback thread must own its own mapper, or the
    per-symbol version counters (which give every quote a distinct event id) can collide.
    """

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._versions: dict[str, int] = {}
        self._build = {
            TICK_STK: self._tick,
            TICK_FOP: self._tick,
            BIDASK_STK: self._bidask,
            BIDASK_FOP: self._bidask,
        }

    def map(
        self, channel: str, payload: Any, now_ns: int | None = None
    ) -> QuoteReceived | QuoteShapeRefusal:
        """Map `payload` received on `channel` (one of `EXPECTED_SHAPES`) at `now_ns`
        (the receive time; read from the clock when not given)."""
        if type(payload) is not EXPECTED_SHAPES[channel]:
            shape = type(payload).__name__
            return QuoteShapeRefusal(channel, shape, "not a quote_version v1 shape")
        try:
            received = self._clock.now_ns() if now_ns is None else now_ns
            return self._build[channel](payload, received)
        except (ValueError, TypeError, AttributeError, ArithmeticError) as bad:
            return QuoteShapeRefusal(channel, type(payload).__name__, f"bad field: {bad}")
        except BaseException as bad:
            if not _is_panic(bad):
                raise
            return QuoteShapeRefusal(channel, type(payload).__name__, f"undecodable field: {bad}")

    def _next_version(self, code: str) -> int:
        version = self._versions.get(code, 0) + 1
        self._versions[code] = version
        return version

    def _tick(self, tick: Any, received_ns: int) -> QuoteReceived:
        # The per-tick path: helpers are inlined here because each Python call costs about as
        # much as one of the conversions it would wrap.
        code = tick.code
        numerator, denominator = tick.close.as_integer_ratio()
        factor, remainder = divmod(PRICE_SCALE, denominator)
        if remainder or numerator <= 0:
            raise ValueError(f"tick close {tick.close} is not a positive price on the scale")
        version = self._versions.get(code, 0) + 1
        self._versions[code] = version
        delta = tick.datetime - _TAIPEI_EPOCH
        return QuoteReceived(
            originator_id=code,
            originator_version=version,
            ts_event_ns=(delta.days * 86_400 + delta.seconds) * _NS + delta.microseconds * 1_000,
            ts_init_ns=received_ns,
            symbol=code,
            last_px=numerator * factor,
            last_qty=tick.volume,
            simtrade=tick.simtrade is True,
        )

    def _bidask(self, book: Any, received_ns: int) -> QuoteReceived:
        code = book.code
        bid_px, ask_px = book.bid_price, book.ask_price
        bid_qty, ask_qty = book.bid_volume, book.ask_volume
        return QuoteReceived(
            originator_id=code,
            originator_version=self._next_version(code),
            ts_event_ns=taipei_naive_to_utc_ns(book.datetime),
            ts_init_ns=received_ns,
            symbol=code,
            bid_px=_px(bid_px[0]),
            bid_qty=bid_qty[0],
            ask_px=_px(ask_px[0]),
            ask_qty=ask_qty[0],
            simtrade=bool(book.simtrade),
        )
