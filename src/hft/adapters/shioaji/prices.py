"""Venue numbers to domain integers: the one place where floats and Decimals become prices.

Shioaji gives contract and order prices as `float` and quote prices as `Decimal`. A float goes
through `Decimal(str(x))` (its shortest repr, so 1002.5 stays 1002.5 and 0.1 stays 0.1) and
anything that does not land exactly on `1/PRICE_SCALE` is refused, never rounded.
"""

from __future__ import annotations

from decimal import Decimal

from hft.adapters.shioaji.errors import OffGridPriceError
from hft.domain.values import PRICE_SCALE

_SCALE_EXP = len(str(PRICE_SCALE)) - 1


def scaled_from_decimal(value: Decimal) -> int:
    """`Decimal('1002.5')` -> 10_025_000. Raises `OffGridPriceError` below 1/PRICE_SCALE."""
    try:
        numerator, denominator = value.as_integer_ratio()
    except (ValueError, OverflowError, AttributeError, TypeError) as bad:
        raise OffGridPriceError(f"not a finite price: {value!r}") from bad
    factor, remainder = divmod(PRICE_SCALE, denominator)
    if remainder:
        raise OffGridPriceError(f"price {value} is finer than 1/{PRICE_SCALE}")
    return numerator * factor


def scaled_from_float(value: float) -> int:
    """A venue float (`1002.5`) to scaled int, via its shortest decimal repr."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise OffGridPriceError(f"price must be a number, got {type(value).__name__}")
    return scaled_from_decimal(Decimal(str(value)))


def float_from_scaled(scaled: int) -> float:
    """A scaled int back to the float the SDK's order objects take (exact for 4 decimals)."""
    return float(Decimal(scaled).scaleb(-_SCALE_EXP))
