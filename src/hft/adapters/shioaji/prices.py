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


class ScaledPriceMemo:
    """`scaled_from_decimal`, remembered by each Decimal's text, for the per-quote hot path.

    Decimal conversion costs about as much as the rest of a quote's mapping, while a session
    sees a few hundred distinct prices per symbol. `str(Decimal)` round-trips exactly (same
    value and exponent), so the remembered answer for a text is the answer for any Decimal
    with that text. A value `scaled_from_decimal` refuses is refused again (`OffGridPriceError`)
    and never remembered. Holds at most `limit` texts: when full it forgets them all, so memory
    stays bounded whatever the feed sends. Callers serialize access (the feed's lock).
    """

    def __init__(self, limit: int = 65_536) -> None:
        if limit <= 0:
            raise ValueError("memo limit must be positive")
        self._limit = limit
        self.known: dict[str, int] = {}
        """Text -> scaled int; hot paths read it directly (`known.get(str(v))`)."""

    def scaled(self, value: Decimal) -> int:
        """The scaled int of `value`; raises `OffGridPriceError` as `scaled_from_decimal` does."""
        found = self.known.get(str(value))
        return self.learn(value) if found is None else found

    def learn(self, value: Decimal) -> int:
        """Convert `value` the reference way and remember it (the memo's miss path)."""
        scaled = scaled_from_decimal(value)
        if len(self.known) >= self._limit:
            self.known.clear()
        self.known[str(value)] = scaled
        return scaled


def scaled_from_float(value: float) -> int:
    """A venue float (`1002.5`) to scaled int, via its shortest decimal repr."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise OffGridPriceError(f"price must be a number, got {type(value).__name__}")
    return scaled_from_decimal(Decimal(str(value)))


def float_from_scaled(scaled: int) -> float:
    """A scaled int back to the float the SDK's order objects take (exact for 4 decimals)."""
    return float(Decimal(scaled).scaleb(-_SCALE_EXP))
