"""The exposure book's state. Fold: `hft.domain.exposure_fold`; decisions: `hft.domain.exposure`.

Usage of a key is `reserved + |position_cost|`: what open orders may still add, plus what the
filled position costs at average cost. Totals per symbol, per strategy and for the whole book
are sums of key usages; a total that falls to 0 leaves its map, so the maps stay bounded.
"""

from __future__ import annotations

from typing import TypedDict

import attrs
from immutables import Map

from hft.domain.errors import DomainError, InvalidValue
from hft.domain.exposure_events import KeyedExposureEvent
from hft.domain.values import Side

EXPOSURE_ORIGINATOR = "exposure"


@attrs.frozen(order=True)
class ExposureKey:
    """Where exposure is counted: one account, one strategy, one symbol code."""

    account: str
    strategy: str
    symbol: str

    def __attrs_post_init__(self) -> None:
        if not (self.account and self.strategy and self.symbol):
            raise InvalidValue(f"exposure key needs account, strategy and symbol: {self!r}")

    @classmethod
    def of(cls, event: KeyedExposureEvent) -> ExposureKey:
        return cls(event.account, event.strategy, event.symbol)


@attrs.frozen
class ExposureEntry:
    """One key's balances. `position_cost` carries the sign of `position_qty`."""

    reserved: int = 0
    open_buy_qty: int = 0
    open_sell_qty: int = 0
    position_qty: int = 0
    position_cost: int = 0
    touched: int = 0  # book version of the last event on this key (LRU eviction order)

    @property
    def usage(self) -> int:
        return self.reserved + abs(self.position_cost)

    @property
    def zero_balance(self) -> bool:
        return not (self.reserved or self.position_qty or self.open_buy_qty or self.open_sell_qty)

    def open_qty(self, side: Side) -> int:
        return self.open_buy_qty if side is Side.BUY else self.open_sell_qty

    def with_open(self, side: Side, delta: int, reserved_delta: int, version: int) -> ExposureEntry:
        """This entry with `delta` more open on `side`, `reserved_delta` more held, touched."""
        buy, sell = self.open_buy_qty, self.open_sell_qty
        if side is Side.BUY:
            buy += delta
        else:
            sell += delta
        reserved = self.reserved + reserved_delta
        return ExposureEntry(reserved, buy, sell, self.position_qty, self.position_cost, version)


_NO_ENTRY = ExposureEntry()  # what a key not in the book holds; frozen, so one is shared


@attrs.frozen
class Reservation:
    """What one open order holds. `pending_delta`/`pending_qty_delta`: an unconfirmed amend."""

    key: ExposureKey
    side: Side
    open_qty: int
    amount: int
    pending_delta: int | None = None
    pending_qty_delta: int = 0
    reserved_ns: int = 0  # when the reservation was made (`stale_reservations`)


@attrs.frozen
class ExposureBook:
    """All exposure of one gateway. Build with `ExposureBook()`; change only through `evolve`.

    `by_symbol`, `by_strategy` and `total` are usage (`reserved + |position_cost|`, notional in
    `1/PRICE_SCALE` units) summed over keys; `reservations` maps intent id to what it holds.
    The maps are persistent (`immutables.Map`, ADR 0015): a fold step copies one short path.
    """

    originator_id: str = EXPOSURE_ORIGINATOR
    version: int = 0
    entries: Map[ExposureKey, ExposureEntry] = attrs.field(factory=Map)
    reservations: Map[str, Reservation] = attrs.field(factory=Map)
    by_symbol: Map[str, int] = attrs.field(factory=Map)
    by_strategy: Map[str, int] = attrs.field(factory=Map)
    total: int = 0

    def entry(self, key: ExposureKey) -> ExposureEntry:
        return self.entries.get(key, _NO_ENTRY)


class UnknownReservation(DomainError):
    """An exposure decision named an intent that holds no reservation."""


def reservation_of(book: ExposureBook, intent_id: str) -> Reservation:
    """The reservation `intent_id` holds; raises `UnknownReservation` if none."""
    try:
        return book.reservations[intent_id]
    except KeyError:
        raise UnknownReservation(f"intent {intent_id} holds no exposure reservation") from None


def stale_reservations(book: ExposureBook, now_ns: int, max_age_ns: int) -> tuple[str, ...]:
    """Intents holding exposure for `max_age_ns` or longer at `now_ns`, oldest first.

    A reservation ends only when the gateway reports a fill, cancel, reject or expiry; one
    whose report never came would hold its charge forever. The gateway sweeps with this,
    asks the venue about each intent, and releases (reason EXPIRED) what is no longer working.
    """
    held = sorted((r.reserved_ns, i) for i, r in book.reservations.items())
    return tuple(i for at, i in held if now_ns - at >= max_age_ns)


class Stamp(TypedDict):
    originator_id: str
    originator_version: int
    ts_event_ns: int
    ts_init_ns: int
    account: str
    strategy: str
    symbol: str


def stamp(book: ExposureBook, nth: int, key: ExposureKey, ts_ns: int) -> Stamp:
    """Common fields of the `nth` (1-based) event a decision on `book` emits about `key`."""
    return Stamp(
        originator_id=book.originator_id,
        originator_version=book.version + nth,
        ts_event_ns=ts_ns,
        ts_init_ns=ts_ns,
        account=key.account,
        strategy=key.strategy,
        symbol=key.symbol,
    )
