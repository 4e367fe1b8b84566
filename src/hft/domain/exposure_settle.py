"""Exposure decisions that free or move what is held: release, fill, amend confirm/rollback.

None of these can breach a cap, so none takes limits (except a late fill that needs a new key).
Import them from `hft.domain.exposure`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hft.domain.errors import DomainError, ExposureCapacityExceeded
from hft.domain.exposure_book import (
    ExposureBook,
    ExposureEntry,
    ExposureKey,
    Reservation,
    UnknownReservation,
    reservation_of,
    stamp,
)
from hft.domain.exposure_events import (
    ExposureAmendConfirmed,
    ExposureAmendRolledBack,
    ExposureEvent,
    ExposureFilled,
    ExposureKeyEvicted,
    ExposureReleased,
    ReleaseReason,
)
from hft.domain.values import Price, Qty, Side, notional

if TYPE_CHECKING:
    from hft.domain.exposure_limits import ExposureLimits


class ReservationConflict(DomainError):
    """An intent's reservation does not match what the caller says (key or side)."""


class NoPendingAmend(DomainError):
    """A rollback or confirm named an intent that has no unconfirmed amend."""


def evictable_key(book: ExposureBook) -> ExposureKey | None:
    """The least recently touched zero-balance key (ties by key order), if any."""
    idle = [(entry.touched, key) for key, entry in book.entries.items() if entry.zero_balance]
    return min(idle)[1] if idle else None


def decide_release(
    book: ExposureBook, intent_id: str, reason: ReleaseReason, ts_ns: int
) -> tuple[ExposureEvent, ...]:
    """Free exactly what `intent_id` still holds (order rejected, cancelled or expired).

    `()` when the intent holds no reservation (never reserved, already released or filled),
    so a duplicate report releases nothing twice.
    """
    res = book.reservations.get(intent_id)
    if res is None:
        return ()
    fields = stamp(book, 1, res.key, ts_ns)
    return (ExposureReleased(**fields, intent_id=intent_id, amount=res.amount, reason=reason),)


def _settle(book: ExposureBook, intent_id: str) -> tuple[Reservation, int, int]:
    res = reservation_of(book, intent_id)
    if res.pending_delta is None:
        raise NoPendingAmend(f"intent {intent_id} has no unconfirmed amend")
    return res, res.pending_delta, res.pending_qty_delta


def decide_amend_rollback(
    book: ExposureBook, intent_id: str, ts_ns: int
) -> tuple[ExposureEvent, ...]:
    """The venue refused the amend: take back the increase it held (restoring the old order).

    Raises `UnknownReservation` or `NoPendingAmend`.
    """
    res, delta, qty_delta = _settle(book, intent_id)
    amount = max(res.amount - max(delta, 0), 0)
    qty = max(res.open_qty - max(qty_delta, 0), 0)
    fields = stamp(book, 1, res.key, ts_ns)
    return (ExposureAmendRolledBack(**fields, intent_id=intent_id, amount=amount, qty=qty),)


def decide_amend_confirm(
    book: ExposureBook, intent_id: str, ts_ns: int
) -> tuple[ExposureEvent, ...]:
    """The venue confirmed the amend: free the decrease it asked for, if any.

    Raises `UnknownReservation` or `NoPendingAmend`.
    """
    res, delta, qty_delta = _settle(book, intent_id)
    amount = max(res.amount - max(-delta, 0), 0)
    qty = max(res.open_qty - max(-qty_delta, 0), 0)
    fields = stamp(book, 1, res.key, ts_ns)
    return (ExposureAmendConfirmed(**fields, intent_id=intent_id, amount=amount, qty=qty),)


def position_after(entry: ExposureEntry, side: Side, qty: int, cost: int) -> tuple[int, int]:
    """Signed (qty, cost) after filling `qty` on `side` for `cost`; average-cost on reduction."""
    held, held_cost = abs(entry.position_qty), abs(entry.position_cost)
    if entry.position_qty * side.sign >= 0:
        return entry.position_qty + side.sign * qty, entry.position_cost + side.sign * cost
    if qty > held:
        opened = qty - held
        return side.sign * opened, side.sign * (cost * opened // qty)
    sign = -side.sign
    return sign * (held - qty), sign * (held_cost - held_cost * qty // held)


def _fill_key(
    book: ExposureBook, intent_id: str, side: Side, key: ExposureKey | None
) -> tuple[ExposureKey, Reservation | None]:
    res = book.reservations.get(intent_id)
    if res is None:
        if key is None:
            raise UnknownReservation(f"fill for {intent_id}: no reservation and no key given")
        return key, None
    if (key is not None and key != res.key) or side is not res.side:
        raise ReservationConflict(f"fill for {intent_id} ({side}, {key}) does not match {res}")
    return res.key, res


def decide_fill(
    book: ExposureBook,
    intent_id: str,
    *,
    side: Side,
    qty: Qty,
    price: Price,
    ts_ns: int,
    multiplier: int = 1,
    key: ExposureKey | None = None,
    limits: ExposureLimits | None = None,
) -> tuple[ExposureEvent, ...]:
    """Move the filled part of `intent_id`'s reservation into the (signed) position.

    The reservation gives up its share pro rata to qty (all of it on the last fill). A late
    fill (the reservation is already gone) needs `key`; if that key is no longer in a full
    book, `limits` lets a zero-balance key be evicted, else `ExposureCapacityExceeded`.
    Raises `UnknownReservation` or `ReservationConflict` when the fill cannot be placed.
    """
    key, res = _fill_key(book, intent_id, side, key)
    events: list[ExposureEvent] = []
    if key not in book.entries and limits is not None and len(book.entries) >= limits.max_keys:
        victim = evictable_key(book)
        if victim is None:
            raise ExposureCapacityExceeded(f"no room for {key} ({limits.max_keys} keys in use)")
        events.append(ExposureKeyEvicted(**stamp(book, 1, victim, ts_ns)))
    taken = qty.value if res is None else min(qty.value, res.open_qty)
    closed = res is not None and taken == res.open_qty
    released = 0 if res is None else res.amount if closed else res.amount * taken // res.open_qty
    cost = notional(price, qty, multiplier)
    position_qty, position_cost = position_after(book.entry(key), side, qty.value, cost)
    filled = ExposureFilled(
        **stamp(book, len(events) + 1, key, ts_ns),
        intent_id=intent_id,
        side=side,
        qty=qty.value,
        price=price.scaled,
        multiplier=multiplier,
        released=released,
        position_qty=position_qty,
        position_cost=position_cost,
        closed=closed,
    )
    return (*events, filled)
