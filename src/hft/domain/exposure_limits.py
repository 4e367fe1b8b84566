"""Exposure caps (per symbol, per strategy, global, key count) and the rejection value."""

from __future__ import annotations

from collections.abc import Mapping

import attrs

from hft.domain.errors import DomainError, ExposureCapacityExceeded, InvalidValue
from hft.domain.exposure_book import ExposureBook, ExposureKey
from hft.domain.reasons import RejectReason


def nonnegative(value: int, what: str) -> int:
    """`value` if it is a non-negative int (not a bool); `InvalidValue` otherwise."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidValue(f"{what} must be a non-negative int, got {value!r}")
    return value


def _copied(overrides: Mapping[str, int]) -> Mapping[str, int]:
    # A private copy: the caller's dict can change later without moving our caps.
    return dict(overrides)


@attrs.frozen
class ExposureLimits:
    """Inclusive caps on usage (notional, `1/PRICE_SCALE` units) and on the number of keys.

    A symbol's cap covers every account and strategy trading it; a strategy's cap covers all
    its symbols; `global_limit` covers the book. Overrides map a symbol code or strategy id.
    """

    symbol_default: int
    strategy_default: int
    global_limit: int
    max_keys: int
    symbol_overrides: Mapping[str, int] = attrs.field(factory=dict, converter=_copied)
    strategy_overrides: Mapping[str, int] = attrs.field(factory=dict, converter=_copied)

    def __attrs_post_init__(self) -> None:
        caps = [self.symbol_default, self.strategy_default, self.global_limit]
        for cap in [*caps, *self.symbol_overrides.values(), *self.strategy_overrides.values()]:
            nonnegative(cap, "exposure limit")
        if nonnegative(self.max_keys, "max_keys") == 0:
            raise InvalidValue("max_keys must be at least 1")

    def symbol_limit(self, symbol: str) -> int:
        return self.symbol_overrides.get(symbol, self.symbol_default)

    def strategy_limit(self, strategy: str) -> int:
        return self.strategy_overrides.get(strategy, self.strategy_default)


@attrs.frozen
class ExposureRejection:
    """A charge refused: with it, usage under `reason`'s cap `limit` would be `usage_after`.

    For EXPOSURE_CAPACITY, `limit` is `max_keys` and `usage_after` the key count it would need.
    """

    reason: RejectReason
    limit: int
    usage_after: int

    def as_error(self) -> DomainError:
        """The named error for callers that raise: `ExposureCapacityExceeded` or a breach."""
        if self.reason is RejectReason.EXPOSURE_CAPACITY:
            return ExposureCapacityExceeded(f"exposure book is full ({self.limit} keys)")
        return ExposureLimitBreached(self)


class ExposureLimitBreached(DomainError):
    """A charge would take usage past a cap; `rejection` says which and by how much."""

    def __init__(self, rejection: ExposureRejection) -> None:
        self.rejection = rejection
        reason, limit, usage = rejection.reason.value, rejection.limit, rejection.usage_after
        super().__init__(f"{reason}: usage would be {usage}, cap {limit}")


def first_breach(
    book: ExposureBook, limits: ExposureLimits, key: ExposureKey, charge: int
) -> ExposureRejection | None:
    """The first cap (symbol, strategy, global) that `charge` more on `key` would break."""
    symbol, strategy = key.symbol, key.strategy
    checks = (
        (RejectReason.LIMIT_SYMBOL, book.by_symbol.get(symbol, 0), limits.symbol_limit(symbol)),
        (
            RejectReason.LIMIT_STRATEGY,
            book.by_strategy.get(strategy, 0),
            limits.strategy_limit(strategy),
        ),
        (RejectReason.LIMIT_GLOBAL, book.total, limits.global_limit),
    )
    for reason, used, cap in checks:
        if used + charge > cap:
            return ExposureRejection(reason, cap, used + charge)
    return None
