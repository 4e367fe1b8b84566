"""Exposure decisions: reserve with compare-and-set semantics, amend by delta, release, fill.

Each `decide_*` is pure: it takes the book (and the limits where a charge is made) and the
time, and returns the events to append (`()` when there is nothing to do) or an
`ExposureRejection` naming the first cap broken (symbol, strategy, global, then capacity).
The gateway appends the events and folds them with `evolve` before its next decision, so a
check and its charge cannot be split (compare-and-set).

A reservation lives until the order is filled, cancelled, rejected or expires; the gateway says
which with `decide_release`. Holding the charge until then is what keeps the cap honest.
State and fold: `hft.domain.exposure_book`; events: `hft.domain.exposure_events`;
release, fill and amend settlement: `hft.domain.exposure_settle` (all re-exported here).
"""

from __future__ import annotations

from hft.domain.errors import DomainError, ExposureCapacityExceeded, InvalidValue
from hft.domain.exposure_book import (
    ExposureBook,
    ExposureKey,
    UnknownReservation,
    reservation_of,
    stale_reservations,
    stamp,
)
from hft.domain.exposure_events import (
    ExposureAmended,
    ExposureEvent,
    ExposureKeyEvicted,
    ExposureReserved,
    ReleaseReason,
)
from hft.domain.exposure_fold import evolve
from hft.domain.exposure_limits import (
    ExposureLimitBreached,
    ExposureLimits,
    ExposureRejection,
    first_breach,
    nonnegative,
)
from hft.domain.exposure_settle import (
    NoPendingAmend,
    ReservationConflict,
    decide_amend_confirm,
    decide_amend_rollback,
    decide_fill,
    decide_release,
    evictable_key,
)
from hft.domain.reasons import RejectReason
from hft.domain.values import Side

__all__ = [
    "AmendInFlight",
    "ExposureBook",
    "ExposureCapacityExceeded",
    "ExposureDecision",
    "ExposureKey",
    "ExposureLimitBreached",
    "ExposureLimits",
    "ExposureRejection",
    "NoPendingAmend",
    "ReleaseReason",
    "ReservationConflict",
    "UnknownReservation",
    "decide_amend",
    "decide_amend_confirm",
    "decide_amend_rollback",
    "decide_fill",
    "decide_release",
    "decide_reserve",
    "evolve",
    "reduces_position",
    "stale_reservations",
]


ExposureDecision = tuple[ExposureEvent, ...] | ExposureRejection


class AmendInFlight(DomainError):
    """An amend was asked while the previous one is still unconfirmed by the venue."""


def reduces_position(
    book: ExposureBook, key: ExposureKey, side: Side, qty: int, *, excluding: str = ""
) -> bool:
    """Whether an order of `qty` on `side` brings |position| down without crossing zero.

    Every open order already on that side counts as if it filled first, so two reducing orders
    can never together flip the position; `excluding` leaves one intent out (its own amend).
    The gateway hands the answer to `decide_admit` (reducing NEW/AMEND pass HALT and
    DEGRADED); `decide_reserve` and `decide_amend` charge such an order nothing.
    """
    entry = book.entry(key)
    pending = entry.open_qty(side)
    own = book.reservations.get(excluding)
    if own is not None and own.key == key and own.side is side:
        pending -= own.open_qty
    # Positive only when `side` trades against the position; a same-side or flat key never fits.
    reducible = -side.sign * entry.position_qty
    return pending + qty <= reducible


def decide_reserve(
    book: ExposureBook,
    limits: ExposureLimits,
    key: ExposureKey,
    intent_id: str,
    *,
    amount: int,
    side: Side,
    qty: int,
    ts_ns: int,
) -> ExposureDecision:
    """Hold `amount` for a new order of `qty` on `side`, or say which cap it would break.

    Succeeds only if usage stays <= every cap after the charge (landing exactly on a cap
    passes). A position-reducing order is charged 0, and a charge of 0 passes even where
    usage is already over a cap (a lowered cap, a fill at a worse price): it adds nothing.
    At `max_keys` a new key first evicts the least recently touched zero-balance key, else
    rejects with EXPOSURE_CAPACITY.
    Idempotent: an intent already holding a reservation on `key` and `side` returns `()`;
    one holding a different reservation raises `ReservationConflict`.
    """
    nonnegative(amount, "amount")
    if nonnegative(qty, "qty") == 0:
        raise InvalidValue("qty must be positive")
    held = book.reservations.get(intent_id)
    if held is not None:
        if held.key != key or held.side is not side:
            raise ReservationConflict(f"intent {intent_id} already holds {held}")
        return ()
    reducing = reduces_position(book, key, side, qty)
    charge = 0 if reducing else amount
    rejection = first_breach(book, limits, key, charge) if charge else None
    if rejection is not None:
        return rejection
    events: list[ExposureEvent] = []
    if key not in book.entries and len(book.entries) >= limits.max_keys:
        victim = evictable_key(book)
        if victim is None:
            count = len(book.entries) + 1
            return ExposureRejection(RejectReason.EXPOSURE_CAPACITY, limits.max_keys, count)
        events.append(ExposureKeyEvicted(**stamp(book, 1, victim, ts_ns)))
    fields = stamp(book, len(events) + 1, key, ts_ns)
    reserved = ExposureReserved(
        **fields, intent_id=intent_id, side=side, qty=qty, amount=charge, reducing=reducing
    )
    return (*events, reserved)


def decide_amend(
    book: ExposureBook,
    limits: ExposureLimits,
    intent_id: str,
    new_amount: int,
    ts_ns: int,
    *,
    new_qty: int | None = None,
) -> ExposureDecision:
    """Re-price a working order: charge only the increase; a decrease always passes.

    `new_amount` is the notional of the amended order and `new_qty` its new open qty (None:
    unchanged). An increase is held at once; a decrease is freed only by `decide_amend_confirm`
    (the larger order is live until the venue confirms). `decide_amend_rollback` undoes it.
    Raises `UnknownReservation`, or `AmendInFlight` while an earlier amend is unconfirmed.
    """
    nonnegative(new_amount, "new_amount")
    res = reservation_of(book, intent_id)
    if res.pending_delta is not None:
        raise AmendInFlight(f"intent {intent_id} has an unconfirmed amend")
    qty = res.open_qty if new_qty is None else new_qty
    if nonnegative(qty, "new_qty") == 0:
        raise InvalidValue("new_qty must be positive (cancel the order instead)")
    reducing = reduces_position(book, res.key, res.side, qty, excluding=intent_id)
    delta = (0 if reducing else new_amount) - res.amount
    rejection = first_breach(book, limits, res.key, delta) if delta > 0 else None
    if rejection is not None:
        return rejection
    fields = stamp(book, 1, res.key, ts_ns)
    amended = ExposureAmended(
        **fields, intent_id=intent_id, delta=delta, qty_delta=qty - res.open_qty, reducing=reducing
    )
    return (amended,)
