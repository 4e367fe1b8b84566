"""The exposure book's fold: `evolve(book, event) -> book`, copying only the changed paths."""

from __future__ import annotations

import attrs
from immutables import Map

from hft.domain.errors import InvalidTransition
from hft.domain.exposure_book import ExposureBook, ExposureEntry, ExposureKey, Reservation
from hft.domain.exposure_events import (
    ExposureAmendConfirmed,
    ExposureAmended,
    ExposureAmendRolledBack,
    ExposureEvent,
    ExposureFilled,
    ExposureKeyEvicted,
    ExposureReleased,
    ExposureReserved,
)


def _adjusted(totals: Map[str, int], name: str, delta: int) -> Map[str, int]:
    if not delta:
        return totals
    value = totals.get(name, 0) + delta
    return totals.set(name, value) if value else totals.delete(name)


def _commit(
    book: ExposureBook,
    version: int,
    key: ExposureKey,
    entry: ExposureEntry,
    reservations: Map[str, Reservation],
) -> ExposureBook:
    # One constructor call: attrs.evolve's introspection was most of the cost of a fold step.
    delta = entry.usage - book.entry(key).usage
    return ExposureBook(
        book.originator_id,
        version,
        book.entries.set(key, entry),
        reservations,
        _adjusted(book.by_symbol, key.symbol, delta),
        _adjusted(book.by_strategy, key.strategy, delta),
        book.total + delta,
    )


def _with(book: ExposureBook, intent_id: str, res: Reservation | None) -> Map[str, Reservation]:
    if res is None:
        return book.reservations.delete(intent_id)
    return book.reservations.set(intent_id, res)


def _reserved(book: ExposureBook, e: ExposureReserved, v: int) -> ExposureBook:
    key = ExposureKey.of(e)
    entry = book.entry(key).with_open(e.side, e.qty, e.amount, v)
    res = Reservation(key, e.side, e.qty, e.amount, reserved_ns=e.ts_event_ns)
    return _commit(book, v, key, entry, _with(book, e.intent_id, res))


def _amended(book: ExposureBook, e: ExposureAmended, v: int) -> ExposureBook:
    res = book.reservations[e.intent_id]
    charge, more = max(e.delta, 0), max(e.qty_delta, 0)
    entry = book.entry(res.key).with_open(res.side, more, charge, v)
    more_held = res.amount + charge
    new = Reservation(
        res.key, res.side, res.open_qty + more, more_held, e.delta, e.qty_delta, res.reserved_ns
    )
    return _commit(book, v, res.key, entry, _with(book, e.intent_id, new))


def _settled(
    book: ExposureBook, e: ExposureAmendConfirmed | ExposureAmendRolledBack, v: int
) -> ExposureBook:
    res = book.reservations[e.intent_id]
    if res.pending_delta is None:
        raise InvalidTransition("no amend pending", e)
    entry = book.entry(res.key).with_open(res.side, e.qty - res.open_qty, e.amount - res.amount, v)
    new = Reservation(res.key, res.side, e.qty, e.amount, reserved_ns=res.reserved_ns)
    return _commit(book, v, res.key, entry, _with(book, e.intent_id, new))


def _released(book: ExposureBook, e: ExposureReleased, v: int) -> ExposureBook:
    res = book.reservations[e.intent_id]
    entry = book.entry(res.key).with_open(res.side, -res.open_qty, -res.amount, v)
    return _commit(book, v, res.key, entry, _with(book, e.intent_id, None))


def _filled(book: ExposureBook, e: ExposureFilled, v: int) -> ExposureBook:
    key = ExposureKey.of(e)
    entry = book.entry(key)
    reservations = book.reservations
    res = reservations.get(e.intent_id)
    if res is not None:
        taken = min(e.qty, res.open_qty)
        entry = entry.with_open(res.side, -taken, -e.released, v)
        left = None
        if not e.closed:
            left = Reservation(
                res.key,
                res.side,
                res.open_qty - taken,
                res.amount - e.released,
                res.pending_delta,
                res.pending_qty_delta,
                res.reserved_ns,
            )
        reservations = _with(book, e.intent_id, left)
    entry = ExposureEntry(
        entry.reserved, entry.open_buy_qty, entry.open_sell_qty, e.position_qty, e.position_cost, v
    )
    return _commit(book, v, key, entry, reservations)


def _evicted(book: ExposureBook, e: ExposureKeyEvicted, v: int) -> ExposureBook:
    key = ExposureKey.of(e)
    if key not in book.entries or not book.entries[key].zero_balance:
        raise InvalidTransition(f"evict of {key} (absent or not zero-balance)", e)
    return attrs.evolve(book, entries=book.entries.delete(key), version=v)


def evolve(book: ExposureBook, event: ExposureEvent) -> ExposureBook:
    """Apply one exposure event. Events must come in version order for this book."""
    v = event.originator_version
    if event.originator_id != book.originator_id or v != book.version + 1:
        raise InvalidTransition(f"{book.originator_id} at version {book.version}", event)
    match event:
        case ExposureReserved():
            return _reserved(book, event, v)
        case ExposureAmended():
            return _amended(book, event, v)
        case ExposureAmendConfirmed() | ExposureAmendRolledBack():
            return _settled(book, event, v)
        case ExposureReleased():
            return _released(book, event, v)
        case ExposureFilled():
            return _filled(book, event, v)
        case ExposureKeyEvicted():
            return _evicted(book, event, v)
