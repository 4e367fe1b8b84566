"""Hypothesis strategies for exposure and gateway policy: keys, limits, amounts, reasons."""

from __future__ import annotations

from hypothesis import strategies as st

from hft.domain.exposure import ExposureKey, ExposureLimits, ReleaseReason
from hft.domain.intent import IntentType
from hft.domain.values import Price, Qty, Side

ACCOUNTS = ("acc-1", "acc-2")
STRATEGIES = ("alpha", "beta")
SYMBOLS = ("2330", "2317", "TXFL6")

keys = st.builds(
    ExposureKey,
    st.sampled_from(ACCOUNTS),
    st.sampled_from(STRATEGIES),
    st.sampled_from(SYMBOLS),
)
"""A small pool (12 keys) so that random runs meet the same key again and hit capacity."""

sides = st.sampled_from(list(Side))
qtys = st.integers(min_value=1, max_value=20)
prices = st.integers(min_value=1, max_value=50).map(Price)
fill_qtys = st.integers(min_value=1, max_value=25).map(Qty)
amounts = st.integers(min_value=0, max_value=1_500)
release_reasons = st.sampled_from(list(ReleaseReason))
intent_types = st.sampled_from(list(IntentType))
reasons = st.sampled_from(("disk full", "feed gap", "broker down", "manual"))
operators = st.sampled_from(("alice", "bob"))


@st.composite
def limits(draw: st.DrawFn) -> ExposureLimits:
    """Caps small enough that random reserves meet them, with one override of each kind."""
    cap = st.integers(min_value=0, max_value=4_000)
    return ExposureLimits(
        symbol_default=draw(cap),
        strategy_default=draw(cap),
        global_limit=draw(cap),
        max_keys=draw(st.integers(min_value=1, max_value=6)),
        symbol_overrides={draw(st.sampled_from(SYMBOLS)): draw(cap)},
        strategy_overrides={draw(st.sampled_from(STRATEGIES)): draw(cap)},
    )
