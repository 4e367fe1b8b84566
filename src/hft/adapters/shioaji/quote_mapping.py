"""Shioaji v1 quote objects to `QuoteReceived`: the mapping that runs inside SDK callbacks.

Shape guard (CE2-11): each callback accepts exactly one SDK class (`TickSTKv1`, `BidAskSTKv1`,
`TickFOPv1`, `BidAskFOPv1`, all quote_version v1). Anything else, a price that does not fit
`PRICE_SCALE`, or a field the SDK cannot decode (it raises pyo3's `PanicException`, which is a
`BaseException`) becomes a `QuoteShapeRefusal` to be counted and alerted, never a crash.

Cost model (shioaji 1.7.9): the SDK decodes a field each time it is read, a Decimal price
costing ~0.9 us and a datetime ~0.6 us, so each field is read exactly once. Prices go through
a `ScaledPriceMemo`; times through integer arithmetic on one timedelta.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import attrs
import shioaji as sj

from hft.adapters.shioaji.errors import OffGridPriceError
from hft.adapters.shioaji.prices import ScaledPriceMemo
from hft.domain.market import QuoteReceived
from hft.ports.clock import Clock

_TAIPEI_EPOCH = dt.datetime(1970, 1, 1, 8)  # noqa: DTZ001 - the Unix epoch on Taipei's wall clock
_NS = 1_000_000_000
_DAY_S = 86_400

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

FIELD_ERRORS = (ValueError, TypeError, AttributeError, ArithmeticError, KeyError, IndexError)
"""What a malformed field raises while mapping; refused as "bad field"."""

Build = Callable[[Any, int], QuoteReceived]


def taipei_naive_to_utc_ns(when: dt.datetime) -> int:
    """A naive Taipei wall time (UTC+8 all year: Taiwan has no DST) to UTC nanoseconds."""
    delta = when - _TAIPEI_EPOCH
    return (delta.days * _DAY_S + delta.seconds) * _NS + delta.microseconds * 1_000


@attrs.frozen
class QuoteShapeRefusal:
    """Why one callback payload was refused; `shape` is what arrived, `channel` what expected."""

    channel: str
    shape: str
    detail: str


def _is_panic(exc: BaseException) -> bool:
    return type(exc).__name__ == "PanicException"


def refusal_for(channel: str, payload: object, exc: BaseException) -> QuoteShapeRefusal:
    """The refusal for `exc` raised while mapping `payload`; re-raises anything that is neither
    a field error (`FIELD_ERRORS`) nor the SDK's decode panic (e.g. KeyboardInterrupt)."""
    shape = type(payload).__name__
    if isinstance(exc, FIELD_ERRORS):
        return QuoteShapeRefusal(channel, shape, f"bad field: {exc}")
    if _is_panic(exc):
        return QuoteShapeRefusal(channel, shape, f"undecodable field: {exc}")
    raise exc


def wrong_shape(channel: str, payload: object) -> QuoteShapeRefusal:
    """The refusal for a payload that is not `EXPECTED_SHAPES[channel]`."""
    return QuoteShapeRefusal(channel, type(payload).__name__, "not a quote_version v1 shape")


class QuoteMapper:
    """Maps one payload per call to a `QuoteReceived` or a `QuoteShapeRefusal`.

    Not thread-safe: callers serialize their calls (the feed maps under its lock), or the
    per-symbol version counters (which give every quote a distinct event id) can collide.
    The price memo is shared by ticks and books; a tick's close must also be positive.
    """

    def __init__(self, clock: Clock, prices: ScaledPriceMemo | None = None) -> None:
        self._clock = clock
        self._versions: dict[str, int] = {}
        self._prices = prices or ScaledPriceMemo()
        self._build: dict[str, Build] = {
            TICK_STK: self.tick,
            TICK_FOP: self.tick,
            BIDASK_STK: self.bidask,
            BIDASK_FOP: self.bidask,
        }

    def builder(self, channel: str) -> Build:
        """The unguarded builder for `channel`: checks nothing about the payload's class and
        raises what `refusal_for` turns into a refusal. For callers that guard themselves."""
        return self._build[channel]

    def map(
        self, channel: str, payload: Any, now_ns: int | None = None
    ) -> QuoteReceived | QuoteShapeRefusal:
        """Map `payload` received on `channel` (one of `EXPECTED_SHAPES`) at `now_ns`
        (the receive time; read from the clock when not given)."""
        if type(payload) is not EXPECTED_SHAPES[channel]:
            return wrong_shape(channel, payload)
        received = self._clock.now_ns() if now_ns is None else now_ns
        try:
            return self._build[channel](payload, received)
        except BaseException as bad:  # refusal_for re-raises what is not a field error
            return refusal_for(channel, payload, bad)

    def tick(self, tick: Any, received_ns: int) -> QuoteReceived:
        """A trade tick (stock or futures/options): last price and size; `simtrade` flagged."""
        # Inlined conversions: a Python call costs about as much as the work it would wrap.
        code = tick.code
        close = tick.close
        last_px = self._prices.known.get(str(close))
        if last_px is None or last_px <= 0:
            last_px = self._positive_close(close)
        version = self._versions.get(code, 0) + 1
        self._versions[code] = version
        delta = tick.datetime - _TAIPEI_EPOCH
        return QuoteReceived(
            originator_id=code,
            originator_version=version,
            ts_event_ns=(delta.days * _DAY_S + delta.seconds) * _NS + delta.microseconds * 1_000,
            ts_init_ns=received_ns,
            symbol=code,
            last_px=last_px,
            last_qty=tick.volume,
            simtrade=tick.simtrade is not False,  # anything but a plain False is no trade
        )

    def _positive_close(self, close: Decimal) -> int:
        refused = f"tick close {close} is not a positive price on the scale"
        try:
            scaled = self._prices.learn(close)
        except OffGridPriceError as bad:
            raise OffGridPriceError(refused) from bad
        if scaled <= 0:
            raise OffGridPriceError(refused)
        return scaled

    def bidask(self, book: Any, received_ns: int) -> QuoteReceived:
        """The top of a book (stock or futures/options); 0 is an empty side, as in the SDK."""
        code = book.code
        scaled = self._prices.scaled
        version = self._versions.get(code, 0) + 1
        self._versions[code] = version
        delta = book.datetime - _TAIPEI_EPOCH
        return QuoteReceived(
            originator_id=code,
            originator_version=version,
            ts_event_ns=(delta.days * _DAY_S + delta.seconds) * _NS + delta.microseconds * 1_000,
            ts_init_ns=received_ns,
            symbol=code,
            bid_px=scaled(book.bid_price[0]),
            bid_qty=book.bid_volume[0],
            ask_px=scaled(book.ask_price[0]),
            ask_qty=book.ask_volume[0],
            simtrade=book.simtrade is not False,
        )
