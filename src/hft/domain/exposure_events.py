"""Events of the exposure book (one aggregate per gateway, originator id `"exposure"`).

All amounts are notional in `1/PRICE_SCALE` currency units (see `hft.domain.values.notional`).
Each event names the (account, strategy, symbol) key it touches so projections need no lookup.
"""

from __future__ import annotations

import attrs

from hft.domain.enums import IdentityEnum
from hft.domain.events import DomainEvent, register
from hft.domain.values import Side


class ReleaseReason(IdentityEnum):
    """Why a reservation ends without (further) fills. The gateway says which."""

    REJECTED = "REJECTED"  # refused by a pipeline step after the reserve, or by the venue
    CANCELLED = "CANCELLED"  # the venue confirmed the cancel of the unfilled rest
    EXPIRED = "EXPIRED"  # the order's TTL ran out, or the session closed
    DISPATCH_FAILED = "DISPATCH_FAILED"  # never reached the venue (queue full, not leader...)


@attrs.frozen(kw_only=True)
class KeyedExposureEvent(DomainEvent):
    """Base of exposure events: the (account, strategy, symbol) key they touch."""

    account: str
    strategy: str
    symbol: str


@register("ExposureReserved", 1)
@attrs.frozen(kw_only=True)
class ExposureReserved(KeyedExposureEvent):
    """`amount` is held for the open order `intent_id` (`qty` open, on `side`).

    A position-reducing order is recorded with `reducing=True` and `amount=0`: it needs no
    new exposure, but its open qty counts against later reducing orders.
    """

    intent_id: str
    side: Side
    qty: int
    amount: int
    reducing: bool


@register("ExposureAmended", 1)
@attrs.frozen(kw_only=True)
class ExposureAmended(KeyedExposureEvent):
    """An amend of `intent_id` was sent: the charge moves by `delta`, the open qty by `qty_delta`.

    Increases (positive parts) are held at once; decreases are only freed when the venue
    confirms (`ExposureAmendConfirmed`), because until then the larger order is still live.
    `reducing` tells whether the amended order reduces the position (then it is charged 0).
    """

    intent_id: str
    delta: int
    qty_delta: int
    reducing: bool


@register("ExposureAmendRolledBack", 1)
@attrs.frozen(kw_only=True)
class ExposureAmendRolledBack(KeyedExposureEvent):
    """The venue refused the amend: the reservation holds `amount` for `qty` open again."""

    intent_id: str
    amount: int
    qty: int


@register("ExposureAmendConfirmed", 1)
@attrs.frozen(kw_only=True)
class ExposureAmendConfirmed(KeyedExposureEvent):
    """The venue confirmed the amend: the reservation holds `amount` for `qty` open from now."""

    intent_id: str
    amount: int
    qty: int


@register("ExposureReleased", 1)
@attrs.frozen(kw_only=True)
class ExposureReleased(KeyedExposureEvent):
    """The reservation of `intent_id` ended; `amount` (all it still held) is free again."""

    intent_id: str
    amount: int
    reason: ReleaseReason


@register("ExposureFilled", 1)
@attrs.frozen(kw_only=True)
class ExposureFilled(KeyedExposureEvent):
    """`qty` filled at `price` (scaled): `released` left the reservation, the position moved.

    `position_qty` (signed: + long) and `position_cost` (signed notional at average cost) are
    the key's position after the fill. `closed=True` when the order has nothing left open
    (its reservation is gone); a late fill that no open reservation explains has `released=0`.
    """

    intent_id: str
    side: Side
    qty: int
    price: int
    multiplier: int
    released: int
    position_qty: int
    position_cost: int
    closed: bool


@register("ExposureKeyEvicted", 1)
@attrs.frozen(kw_only=True)
class ExposureKeyEvicted(KeyedExposureEvent):
    """A zero-balance key (nothing reserved, flat) left the book to make room for a new one."""


ExposureEvent = (
    ExposureReserved
    | ExposureAmended
    | ExposureAmendRolledBack
    | ExposureAmendConfirmed
    | ExposureReleased
    | ExposureFilled
    | ExposureKeyEvicted
)
