"""SubmitIntent: malformed commands cannot be built; `validate_submit` names the broken rule."""

from __future__ import annotations

from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from hft.domain.errors import DomainError
from hft.domain.intent import (
    SCHEMA_VERSION,
    IntentType,
    MalformedIntentError,
    SubmitIntent,
    validate_submit,
)
from hft.domain.orders import TimeInForce
from hft.domain.reasons import RejectReason
from hft.domain.values import PRICE_SCALE, Instrument, Side
from tests.strategies.intent import (
    TSMC,
    command,
    instruments,
    off_grid_prices,
    on_grid_prices,
)

NOW = 1_000  # == command().created_ns


def for_instrument(instrument: Instrument, **overrides: Any) -> SubmitIntent:
    return command(symbol=instrument.symbol.code, **overrides)


# --- shape: refused at construction -------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("price", 580.0),
        ("price", True),
        ("price", "5800000"),
        ("qty", 10.0),
        ("qty", True),
        ("ttl_ns", 1.5),
        ("created_ns", None),
        ("schema_version", False),
        ("intent_id", ""),
        ("idempotency_key", ""),
        ("idempotency_key", 7),
        ("strategy_id", None),
        ("account", b"acct"),
        ("symbol", ""),
        ("trace_id", ""),
        ("target_intent_id", ""),
        ("intent_type", "NEW"),
        ("side", "B"),
        ("tif", "ROD"),
        ("reduce_only", 1),
    ],
)
def test_a_wrongly_typed_field_is_a_malformed_intent(field: str, value: object) -> None:
    """Floats, bools posing as ints, raw strings for enums and empty ids never build."""
    with pytest.raises(MalformedIntentError) as caught:
        command(**{field: value})
    assert field in str(caught.value)
    assert isinstance(caught.value, DomainError)


def test_a_well_typed_command_keeps_every_field_and_defaults() -> None:
    """Defaults: no target, not reduce-only, the current schema version."""
    cmd = command()
    assert (cmd.target_intent_id, cmd.reduce_only, cmd.schema_version) == (None, False, 1)
    assert SCHEMA_VERSION == 1
    assert cmd.price == 5_800_000


def test_a_command_is_frozen() -> None:
    """A command cannot be altered after validation."""
    cmd = command()
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        cmd.qty = 5  # type: ignore[misc]


# --- rules: validate_submit ---------------------------------------------------------------


def test_a_valid_limit_order_passes() -> None:
    """On grid, within limits, positive qty, alive, known symbol: no reason."""
    assert validate_submit(command(), TSMC, NOW) is None


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"schema_version": 2}, RejectReason.INVALID_SCHEMA),
        ({"schema_version": 0}, RejectReason.INVALID_SCHEMA),
        ({"ttl_ns": 0}, RejectReason.INVALID_TTL),
        ({"ttl_ns": -5}, RejectReason.INVALID_TTL),
        ({"symbol": "2317"}, RejectReason.INVALID_SYMBOL),
        ({"target_intent_id": "other"}, RejectReason.INVALID_TARGET),
        ({"price": 5_800_001}, RejectReason.INVALID_PRICE),
        ({"price": 0}, RejectReason.INVALID_PRICE),
        ({"price": -5_800_000}, RejectReason.INVALID_PRICE),
        ({"price": 639 * PRICE_SCALE}, RejectReason.INVALID_PRICE),
        ({"price": 521 * PRICE_SCALE}, RejectReason.INVALID_PRICE),
        ({"price": None}, RejectReason.INVALID_PRICE),
        ({"qty": 0}, RejectReason.INVALID_QTY),
        ({"qty": -1}, RejectReason.INVALID_QTY),
    ],
)
def test_each_broken_rule_has_its_exact_reason(
    overrides: dict[str, Any], reason: RejectReason
) -> None:
    """One broken rule, one named reason (a market order may not rest: ROD without price)."""
    assert validate_submit(command(**overrides), TSMC, NOW) is reason


@pytest.mark.parametrize("intent_type", [IntentType.NEW, IntentType.FORCE_FLAT, IntentType.AMEND])
def test_one_is_the_smallest_valid_qty(intent_type: IntentType) -> None:
    """Boundary: qty 1 passes, qty 0 does not (a CANCEL alone carries qty 0)."""
    target = None if intent_type is not IntentType.AMEND else "intent-0"
    cmd = command(intent_type=intent_type, qty=1, target_intent_id=target)
    assert validate_submit(cmd, TSMC, NOW) is None
    assert validate_submit(attrs.evolve(cmd, qty=0), TSMC, NOW) is RejectReason.INVALID_QTY


def test_an_unknown_instrument_is_an_invalid_symbol() -> None:
    """No reference data for the symbol: INVALID_SYMBOL."""
    assert validate_submit(command(), None, NOW) is RejectReason.INVALID_SYMBOL


@pytest.mark.parametrize(
    ("now", "reason"),
    [(NOW, None), (NOW + 999_999, None), (NOW + 1_000_000, RejectReason.TTL_EXPIRED)],
)
def test_ttl_is_alive_until_created_plus_ttl_exclusive(
    now: int, reason: RejectReason | None
) -> None:
    """An intent created at t with ttl d is valid for now < t + d and expired from t + d."""
    assert validate_submit(command(), TSMC, now) is reason


def test_rules_are_checked_in_order_schema_ttl_symbol_target_price_qty() -> None:
    """A command breaking every rule reports the first in the documented order."""
    bad: dict[str, Any] = {
        "schema_version": 9,
        "ttl_ns": 0,
        "symbol": "9999",
        "target_intent_id": "t",
        "price": 1,
        "qty": 0,
    }
    order = [
        ("schema_version", RejectReason.INVALID_SCHEMA),
        ("ttl_ns", RejectReason.INVALID_TTL),
        ("symbol", RejectReason.INVALID_SYMBOL),
        ("target_intent_id", RejectReason.INVALID_TARGET),
        ("price", RejectReason.INVALID_PRICE),
        ("qty", RejectReason.INVALID_QTY),
    ]
    for field, reason in order:
        assert validate_submit(command(**bad), TSMC, NOW) is reason
        del bad[field]
    assert validate_submit(command(**bad), TSMC, NOW) is None


@pytest.mark.parametrize("tif", [TimeInForce.IOC, TimeInForce.FOK])
def test_a_market_order_is_valid_only_immediate(tif: TimeInForce) -> None:
    """No price means market: allowed for IOC and FOK (ROD is refused above)."""
    assert validate_submit(command(price=None, tif=tif), TSMC, NOW) is None


def test_force_flat_is_validated_like_a_new_order() -> None:
    """FORCE_FLAT needs a price on grid (or IOC market), a positive qty and no target."""
    flat = command(intent_type=IntentType.FORCE_FLAT, side=Side.SELL, reduce_only=True)
    assert validate_submit(flat, TSMC, NOW) is None
    assert validate_submit(attrs.evolve(flat, qty=0), TSMC, NOW) is RejectReason.INVALID_QTY
    targeted = attrs.evolve(flat, target_intent_id="x")
    assert validate_submit(targeted, TSMC, NOW) is RejectReason.INVALID_TARGET


def amend(**overrides: Any) -> SubmitIntent:
    fields: dict[str, Any] = {"intent_type": IntentType.AMEND, "target_intent_id": "intent-0"}
    return command(**(fields | overrides))


def cancel(**overrides: Any) -> SubmitIntent:
    fields: dict[str, Any] = {
        "intent_type": IntentType.CANCEL,
        "target_intent_id": "intent-0",
        "price": None,
        "qty": 0,
    }
    return command(**(fields | overrides))


@pytest.mark.parametrize(
    ("cmd", "reason"),
    [
        (amend(), None),
        (amend(price=None), None),
        (amend(target_intent_id=None), RejectReason.INVALID_TARGET),
        (amend(target_intent_id="intent-1"), RejectReason.INVALID_TARGET),
        (amend(price=5_805_000), RejectReason.INVALID_PRICE),
        (amend(qty=0), RejectReason.INVALID_QTY),
        (cancel(), None),
        (cancel(target_intent_id=None), RejectReason.INVALID_TARGET),
        (cancel(target_intent_id="intent-1"), RejectReason.INVALID_TARGET),
        (cancel(price=5_800_000), RejectReason.INVALID_PRICE),
        (cancel(qty=1), RejectReason.INVALID_QTY),
    ],
)
def test_amend_and_cancel_need_a_target_other_than_themselves(
    cmd: SubmitIntent, reason: RejectReason | None
) -> None:
    """AMEND keeps the price when none is given; CANCEL carries no price and qty 0."""
    assert validate_submit(cmd, TSMC, NOW) is reason


# --- properties over the Taiwan ladders --------------------------------------------------


@given(st.data())
def test_on_grid_prices_within_limits_are_accepted_property(data: st.DataObject) -> None:
    """Every price on the instrument's ladder between its limits passes validation."""
    instrument = data.draw(instruments())
    price = data.draw(on_grid_prices(instrument))
    assert validate_submit(for_instrument(instrument, price=price), instrument, NOW) is None


@given(st.data())
def test_off_grid_prices_are_rejected_property(data: st.DataObject) -> None:
    """A price between two ticks is INVALID_PRICE, even inside the limits."""
    instrument = data.draw(instruments())
    price = data.draw(off_grid_prices(instrument))
    cmd = for_instrument(instrument, price=price)
    assert validate_submit(cmd, instrument, NOW) is RejectReason.INVALID_PRICE


@given(st.data(), st.integers(1, 5))
def test_prices_one_tick_outside_the_limits_are_rejected_property(
    data: st.DataObject, ticks_out: int
) -> None:
    """On grid but past limit-up or below limit-down is INVALID_PRICE."""
    instrument = data.draw(instruments())
    above = instrument.ticks.step(instrument.limit_up, ticks_out).scaled
    cmd = for_instrument(instrument, price=above)
    assert validate_submit(cmd, instrument, NOW) is RejectReason.INVALID_PRICE
    lowest = instrument.ticks.bands[0].tick
    if instrument.limit_down.scaled > lowest:
        below = instrument.ticks.step(instrument.limit_down, -1).scaled
        cmd = for_instrument(instrument, price=below)
        assert validate_submit(cmd, instrument, NOW) is RejectReason.INVALID_PRICE


@given(st.integers(-(10**6), 0))
def test_non_positive_qty_is_rejected_property(qty: int) -> None:
    """A NEW order's qty must be at least 1."""
    assert validate_submit(command(qty=qty), TSMC, NOW) is RejectReason.INVALID_QTY


@given(st.integers(1, 10**9), st.integers(0, 10**12), st.integers(0, 10**12))
def test_ttl_boundary_property(ttl: int, created: int, now: int) -> None:
    """Expired exactly when now >= created + ttl; alive otherwise."""
    cmd = command(ttl_ns=ttl, created_ns=created)
    expected = RejectReason.TTL_EXPIRED if now >= created + ttl else None
    assert validate_submit(cmd, TSMC, now) is expected
