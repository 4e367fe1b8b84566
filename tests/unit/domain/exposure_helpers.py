"""Small builders shared by the exposure tests: apply decisions, reserve, fill."""

from __future__ import annotations

from hft.domain.events import fold
from hft.domain.exposure import (
    ExposureBook,
    ExposureDecision,
    ExposureKey,
    ExposureLimits,
    decide_fill,
    decide_reserve,
    evolve,
)
from hft.domain.exposure_events import ExposureEvent
from hft.domain.values import Price, Qty, Side

K = ExposureKey("acc-1", "alpha", "2330")
K2 = ExposureKey("acc-1", "alpha", "2317")
K3 = ExposureKey("acc-1", "beta", "2317")
K4 = ExposureKey("acc-2", "beta", "TXFL6")
WIDE = ExposureLimits(
    symbol_default=10**9, strategy_default=10**9, global_limit=10**9, max_keys=100
)


def events_of(decision: ExposureDecision) -> tuple[ExposureEvent, ...]:
    assert isinstance(decision, tuple), f"expected events, got {decision!r}"
    return decision


def apply(book: ExposureBook, decision: ExposureDecision) -> ExposureBook:
    """Fold the events of a decision that must have succeeded."""
    result: ExposureBook = fold(evolve, book, events_of(decision))
    return result


def reserve(
    book: ExposureBook,
    key: ExposureKey,
    intent_id: str,
    amount: int,
    *,
    side: Side = Side.BUY,
    qty: int = 1,
    limits: ExposureLimits = WIDE,
) -> ExposureBook:
    decision = decide_reserve(
        book, limits, key, intent_id, amount=amount, side=side, qty=qty, ts_ns=1
    )
    return apply(book, decision)


def fill(book: ExposureBook, intent_id: str, side: Side, qty: int, price: int) -> ExposureBook:
    return apply(
        book,
        decide_fill(book, intent_id, side=side, qty=Qty(qty), price=Price(price), ts_ns=2),
    )


def position(
    book: ExposureBook, key: ExposureKey, side: Side, qty: int, price: int
) -> ExposureBook:
    """A book holding a filled position of `qty` on `side` at `price` for `key`."""
    book = reserve(book, key, f"pos-{key.symbol}-{book.version}", price * qty, side=side, qty=qty)
    return fill(book, f"pos-{key.symbol}-{book.version - 1}", side, qty, price)
