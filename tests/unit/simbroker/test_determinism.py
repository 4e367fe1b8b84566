"""Same seed and same calls give identical reports and quotes; the seed matters."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from hft.adapters.simbroker import OutageSchedule, SimVenue
from hft.domain.orders import TimeInForce
from hft.domain.values import Side
from tests.strategies.sim import calls
from tests.unit.simbroker.helpers import Call, drive

MS = 1_000_000


def venue(seed: int, latency: str = "shioaji-sim") -> SimVenue:
    return SimVenue(
        seed=seed,
        latency=latency,
        outages=OutageSchedule.of([(300 * MS, 700 * MS)]),
        quote_interval_ns=20 * MS,
    )


@settings(max_examples=25)
@given(st.lists(calls, min_size=1, max_size=40), st.integers(0, 2**32))
def test_two_runs_with_one_seed_and_the_same_calls_see_the_same_stream(
    session: list[Call], seed: int
) -> None:
    """Property: replaying the same calls on a fresh venue yields an identical stream."""
    assert drive(venue(seed), session) == drive(venue(seed), session)


def test_a_long_session_is_reproducible_and_depends_on_the_seed() -> None:
    """2,000 steps of market plus orders: equal for one seed, different for another."""
    session: list[Call] = []
    for k in range(400):
        session.append(("wait", 25 * MS))
        side = Side.BUY if k % 2 == 0 else Side.SELL
        session.append(("place", side, k % 5 - 2, 3, TimeInForce.ROD))
        session.append(("cancel", k))
    first, again, other = (
        drive(venue(5), session),
        drive(venue(5), session),
        drive(venue(6), session),
    )
    assert first == again
    quotes = [item for item in first if item[0] == "quote"]
    assert len(quotes) >= 400
    assert quotes != [item for item in other if item[0] == "quote"]
