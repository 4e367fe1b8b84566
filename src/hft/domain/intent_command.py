"""`SubmitIntent`: a strategy's request as it enters the gateway, and its validation.

Two layers of refusal. A command of the wrong *shape* (a float price, a bool qty, an empty id)
cannot even be built: `MalformedIntentError` at construction, nothing reaches the log. A
well-typed command that breaks a *rule* (off the tick grid, expired, unknown symbol) is
answered by `validate_submit` with the `RejectReason` the gateway records.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import attrs

from hft.domain.errors import DomainError
from hft.domain.intent_events import IntentType
from hft.domain.orders import TimeInForce
from hft.domain.reasons import RejectReason
from hft.domain.values import Instrument, Price, Side

SCHEMA_VERSION = 1
"""The only `SubmitIntent.schema_version` this build accepts."""


class MalformedIntentError(DomainError, TypeError):
    """A command field has the wrong type or an empty identifier: refused before the log."""


def _text(_: object, field: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, str) or not value:
        raise MalformedIntentError(f"{field.name} must be a non-empty str, got {value!r}")


def _optional_text(inst: object, field: attrs.Attribute[Any], value: object) -> None:
    if value is not None:
        _text(inst, field, value)


def _int(_: object, field: attrs.Attribute[Any], value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise MalformedIntentError(f"{field.name} must be an int, got {value!r}")


def _optional_int(inst: object, field: attrs.Attribute[Any], value: object) -> None:
    if value is not None:
        _int(inst, field, value)


def _instance_of(*types: type) -> Callable[[object, attrs.Attribute[Any], object], None]:
    def check(_: object, field: attrs.Attribute[Any], value: object) -> None:
        if not isinstance(value, types):
            raise MalformedIntentError(f"{field.name} has the wrong type: {value!r}")

    return check


@attrs.frozen(kw_only=True)
class SubmitIntent:
    """A strategy's intent. Prices are scaled by `PRICE_SCALE` (None: market, or a CANCEL);
    `qty` is the order's total quantity (0 for a CANCEL, which removes all that is open);
    times are UTC nanoseconds; the intent lives until `created_ns + ttl_ns` (exclusive).
    AMEND and CANCEL name the order they act on in `target_intent_id`.
    """

    intent_id: str = attrs.field(validator=_text)
    idempotency_key: str = attrs.field(validator=_text)
    strategy_id: str = attrs.field(validator=_text)
    account: str = attrs.field(validator=_text)
    symbol: str = attrs.field(validator=_text)
    intent_type: IntentType = attrs.field(validator=_instance_of(IntentType))
    side: Side = attrs.field(validator=_instance_of(Side))
    price: int | None = attrs.field(validator=_optional_int)
    qty: int = attrs.field(validator=_int)
    tif: TimeInForce = attrs.field(validator=_instance_of(TimeInForce))
    ttl_ns: int = attrs.field(validator=_int)
    trace_id: str = attrs.field(validator=_text)
    created_ns: int = attrs.field(validator=_int)
    target_intent_id: str | None = attrs.field(default=None, validator=_optional_text)
    reduce_only: bool = attrs.field(default=False, validator=_instance_of(bool))
    schema_version: int = attrs.field(default=SCHEMA_VERSION, validator=_int)


_TARGETED = frozenset({IntentType.AMEND, IntentType.CANCEL})
_MARKET_TIFS = frozenset({TimeInForce.IOC, TimeInForce.FOK})


def validate_submit(  # noqa: PLR0911  # one return per rule reads as the list of rules
    cmd: SubmitIntent, instrument: Instrument | None, now_ns: int
) -> RejectReason | None:
    """The first rule `cmd` breaks at `now_ns`, or None when it may proceed to dedup.

    Order of checks: schema, TTL, symbol, target, price, qty.
    """
    if cmd.schema_version != SCHEMA_VERSION:
        return RejectReason.INVALID_SCHEMA
    if cmd.ttl_ns <= 0:
        return RejectReason.INVALID_TTL
    if now_ns >= cmd.created_ns + cmd.ttl_ns:
        return RejectReason.TTL_EXPIRED
    if instrument is None or instrument.symbol.code != cmd.symbol:
        return RejectReason.INVALID_SYMBOL
    if not _target_ok(cmd):
        return RejectReason.INVALID_TARGET
    if not _price_ok(cmd, instrument):
        return RejectReason.INVALID_PRICE
    if not _qty_ok(cmd):
        return RejectReason.INVALID_QTY
    return None


def _target_ok(cmd: SubmitIntent) -> bool:
    if cmd.intent_type in _TARGETED:
        return cmd.target_intent_id is not None and cmd.target_intent_id != cmd.intent_id
    return cmd.target_intent_id is None


def _price_ok(cmd: SubmitIntent, instrument: Instrument) -> bool:
    if cmd.intent_type is IntentType.CANCEL:
        return cmd.price is None
    if cmd.price is None:
        # An amend without a price keeps the order's price; a market order cannot rest.
        return cmd.intent_type is IntentType.AMEND or cmd.tif in _MARKET_TIFS
    if cmd.price <= 0:
        return False
    price = Price(cmd.price)
    return instrument.ticks.on_grid(price) and instrument.within_limits(price)


def _qty_ok(cmd: SubmitIntent) -> bool:
    if cmd.intent_type is IntentType.CANCEL:
        return cmd.qty == 0
    return cmd.qty > 0
