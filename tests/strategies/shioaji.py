"""Hypothesis strategies for the Shioaji quote path: venue Decimals and naive Taipei times."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction

from hypothesis import strategies as st

from hft.adapters.shioaji.errors import OffGridPriceError
from hft.domain.values import PRICE_SCALE

TAIPEI = dt.timezone(dt.timedelta(hours=8))
_UTC_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_EPOCH_ORDINAL = dt.date(1970, 1, 1).toordinal()
_US = dt.timedelta(microseconds=1)


def reference_scaled(value: Decimal) -> int:
    """Exact rational arithmetic: value x PRICE_SCALE if that is an integer, else refused."""
    if not value.is_finite():
        raise OffGridPriceError(f"not a finite price: {value!r}")
    scaled = Fraction(value) * PRICE_SCALE
    if scaled.denominator != 1:
        raise OffGridPriceError(f"price {value} is finer than 1/{PRICE_SCALE}")
    return scaled.numerator


def reference_utc_ns_aware(when: dt.datetime) -> int:
    """Naive Taipei wall time -> UTC ns through a tz-aware datetime (fixed UTC+8)."""
    return (when.replace(tzinfo=TAIPEI) - _UTC_EPOCH) // _US * 1_000


def reference_utc_ns_ordinal(when: dt.datetime) -> int:
    """The same from the calendar day number and the clock fields, in integers only."""
    days = when.toordinal() - _EPOCH_ORDINAL
    seconds = days * 86_400 + when.hour * 3_600 + when.minute * 60 + when.second - 8 * 3_600
    return seconds * 1_000_000_000 + when.microsecond * 1_000


# Decimals as the SDK can hand them over: any sign, up to 30 digits, exponents either side of
# the 1/10,000 grid (so trailing zeros, integers written with an exponent, and off-grid values
# all occur), plus the special values.
decimals = st.one_of(
    st.builds(
        lambda sign, digits, exponent: Decimal((sign, digits, exponent)),
        st.sampled_from([0, 1]),
        st.lists(st.integers(0, 9), min_size=1, max_size=30).map(tuple),
        st.integers(-12, 12),
    ),
    st.sampled_from([Decimal("NaN"), Decimal("sNaN"), Decimal("Infinity"), Decimal("-Infinity")]),
)

on_scale_prices = st.builds(
    lambda scaled, extra_zeros: (
        Decimal(scaled).scaleb(-4).quantize(Decimal(1).scaleb(-4 - extra_zeros))
    ),
    st.integers(min_value=1, max_value=10**12),
    st.integers(min_value=0, max_value=3),
)
"""Positive prices on the grid, written with 4 to 7 decimals (1002.5 as 1002.5000...)."""

# The SDK parses "YYYY/MM/DD HH:MM:SS.ffffff"; four-digit years keep its parser in range.
sdk_times = st.datetimes(min_value=dt.datetime(1970, 1, 1), max_value=dt.datetime(2199, 12, 31))  # noqa: DTZ001

_EDGE_CLOCKS = [
    dt.time(0, 0),
    dt.time(0, 0, 0, 1),
    dt.time(7, 59, 59, 999_999),
    dt.time(8, 0),
    dt.time(8, 0, 0, 1),
    dt.time(23, 59, 59, 999_999),
]
day_edges = st.builds(
    dt.datetime.combine,
    st.dates(min_value=dt.date(1970, 1, 1), max_value=dt.date(2199, 12, 31)),
    st.sampled_from(_EDGE_CLOCKS),
)
"""Taipei midnight, the UTC midnight (08:00 Taipei) and the microseconds either side."""

wide_times = st.one_of(
    st.datetimes(min_value=dt.datetime(1, 1, 2), max_value=dt.datetime(9999, 12, 30)),  # noqa: DTZ001
    day_edges,
)

tzdb_era_times = st.one_of(
    st.datetimes(min_value=dt.datetime(1980, 1, 1), max_value=dt.datetime(2199, 12, 31)),  # noqa: DTZ001
    day_edges.filter(lambda when: when.year >= 1980),
)
"""Times since Taiwan's last DST (1979), where the tz database must agree with UTC+8."""
