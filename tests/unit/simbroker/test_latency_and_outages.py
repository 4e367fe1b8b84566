"""Latency presets, the per-intent ordering of delayed reports, and the outage mode."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hft.adapters.simbroker import (
    LATENCY_PRESETS,
    OutageSchedule,
    SimVenue,
    UnknownPresetError,
    latency_preset,
)
from hft.domain.orders import (
    OrderAccepted,
    OrderCancelled,
    OrderFilled,
    OrderOutcomeUnknown,
    OrderStatusReport,
    VenueOrderState,
)
from hft.domain.values import IntentId, Qty, Side
from tests.strategies.sim import calls
from tests.unit.simbroker.helpers import (
    Call,
    ScriptedMarket,
    book_2330,
    drive,
    kinds,
    order,
    scripted_venue,
)

MS = 1_000_000
T0 = 1_000


def test_shioaji_sim_round_trip_p95_sits_in_the_measured_35_to_46_ms_band() -> None:
    """Submit + ack over 20,000 seeded draws has its 95th percentile inside 35-46 ms."""
    model, rng = latency_preset("shioaji-sim"), random.Random(1)
    trips = sorted(model.submit.draw(rng) + model.ack.draw(rng) for _ in range(20_000))
    p95 = trips[int(0.95 * len(trips))]
    assert 35 * MS <= p95 <= 46 * MS


def test_zero_preset_takes_no_time_and_draws_nothing_from_the_rng() -> None:
    """Every leg of `zero` is 0 ns and leaves the RNG state untouched."""
    model, rng = LATENCY_PRESETS["zero"], random.Random(1)
    state = rng.getstate()
    assert {model.submit.draw(rng), model.ack.draw(rng), model.fill.draw(rng)} == {0}
    assert model.cancel.draw(rng) == 0
    assert rng.getstate() == state


def test_unknown_preset_is_a_named_error() -> None:
    """Asking for a preset that does not exist names the ones that do."""
    with pytest.raises(UnknownPresetError, match="shioaji-sim"):
        latency_preset("warp")


def test_replies_arrive_only_after_the_round_trip() -> None:
    """With shioaji-sim latency the ack is not due before submit + ack fixed delays (18 ms)."""
    venue = scripted_venue((T0, book_2330()), latency="shioaji-sim")
    venue.broker.place(order("l1", Side.BUY, 1, "1075"))
    assert venue.broker.poll(T0 + 18 * MS - 1) == []
    assert kinds(venue.broker.poll(T0 + 60 * MS)) == ["OrderAccepted"]


@settings(max_examples=25)
@given(st.lists(calls, min_size=1, max_size=40), st.integers(0, 1000))
def test_reports_of_one_intent_never_overtake_each_other(session: list[Call], seed: int) -> None:
    """Property: under jittered latency each intent's reports come out in venue time order."""
    venue = SimVenue(seed=seed, latency="shioaji-sim", quote_interval_ns=20 * MS)
    last_ts: dict[str, int] = {}
    for kind, _, item in drive(venue, session):
        if kind == "report":
            assert item.ts_ns >= last_ts.get(item.intent_id, 0)
            last_ts[item.intent_id] = item.ts_ns


def test_calls_inside_an_outage_window_time_out_and_outside_do_not() -> None:
    """A place in [start, end) yields OrderOutcomeUnknown after timeout_ns; later ones work."""
    venue = SimVenue(seed=1, symbols=["2330"], outages=OutageSchedule.of([(0, 10 * MS)]))
    venue.broker.place(order("o1", Side.BUY, 1, "1075"))
    venue.advance(10 * MS)
    venue.broker.place(order("o2", Side.BUY, 1, "1075"))
    reports = venue.broker.poll(20 * MS)
    unknown = [r for r in reports if isinstance(r, OrderOutcomeUnknown)]
    assert [(r.intent_id, r.action, r.ts_ns) for r in unknown] == [("o1", "place", 0)]
    assert [r.intent_id for r in reports if isinstance(r, OrderAccepted)] == ["o2"]


def test_a_lost_place_leaves_nothing_at_the_venue() -> None:
    """With reach probability 0 a timed-out place never reaches the venue."""
    venue = SimVenue(seed=1, symbols=["2330"], reach_probability=0.0)
    venue.set_outage(True)
    venue.broker.place(order("lost", Side.BUY, 1, "1075"))
    venue.set_outage(False)
    assert kinds(venue.broker.poll(5 * MS)) == ["OrderOutcomeUnknown"]
    assert venue.broker.order_status(IntentId("lost")) is None
    assert venue.broker.list_orders() == []


def test_a_place_that_reached_the_venue_is_silent_but_later_fills_are_reported() -> None:
    """With reach probability 1 the order works without an ack; its fills still arrive."""
    lower = book_2330(bid="1070", ask="1075")
    market = ScriptedMarket([(T0, book_2330()), (2 * T0, lower)])
    venue = SimVenue(seed=1, symbols=["2330"], reach_probability=1.0, market=market)
    venue.advance(T0)
    venue.timeout_next()
    venue.broker.place(order("ghost", Side.BUY, 2, "1075"))
    status = venue.broker.order_status(IntentId("ghost"))
    assert status is not None
    assert status.status == "working"
    # The fill happens at 2*T0 but is held behind the timeout report of the same intent.
    assert venue.broker.poll(3 * T0) == []
    reports = venue.broker.poll(3 * T0 + venue.latency.timeout_ns)
    assert kinds(reports) == ["OrderOutcomeUnknown", "OrderFilled"]
    assert [r.qty.value for r in reports if isinstance(r, OrderFilled)] == [2]


def test_a_timed_out_cancel_may_take_effect_and_reconcile_reveals_it() -> None:
    """A cancel lost in an outage but applied at the venue shows up as CANCELLED on reconcile."""
    venue = scripted_venue((T0, book_2330()))
    venue.broker.place(order("k1", Side.BUY, 4, "1075"))
    assert kinds(venue.broker.poll(T0)) == ["OrderAccepted"]
    venue.timeout_next()
    venue.broker.cancel(IntentId("k1"))
    reports = venue.broker.poll(T0 + 5 * MS)
    assert kinds(reports) == ["OrderOutcomeUnknown"]
    assert not any(isinstance(r, OrderCancelled) for r in reports)
    venue.broker.reconcile(IntentId("k1"))
    status = [r for r in venue.broker.poll(T0 + 5 * MS) if isinstance(r, OrderStatusReport)]
    at_venue = venue.broker.order_status(IntentId("k1"))
    assert at_venue is not None
    expected = (
        VenueOrderState.CANCELLED if at_venue.status == "cancelled" else VenueOrderState.WORKING
    )
    assert [(s.state, s.filled_qty) for s in status] == [(expected, 0)]


def test_reconcile_during_an_outage_times_out_as_a_reconcile() -> None:
    """A reconciliation query in an outage answers OrderOutcomeUnknown(action="reconcile")."""
    venue = scripted_venue((T0, book_2330()))
    venue.set_outage(True)
    venue.broker.reconcile(IntentId("any"))
    reports = venue.broker.poll(T0 + 5 * MS)
    assert [(type(r), getattr(r, "action", None)) for r in reports] == [
        (OrderOutcomeUnknown, "reconcile")
    ]


def test_outage_windows_must_end_after_they_start() -> None:
    """An empty or reversed window is a configuration error."""
    with pytest.raises(ValueError, match="end > start"):
        OutageSchedule.of([(5, 5)])


@settings(max_examples=50)
@given(st.integers(0, 10_000))
def test_a_cancel_sent_right_after_its_place_never_overtakes_it(seed: int) -> None:
    """Property: under jittered latency a cancel (or amend) made just after the place is
    never refused as unknown at the venue: it arrives after the order and takes effect."""
    venue = SimVenue(seed=seed, symbols=["2330"], latency="shioaji-sim")
    venue.broker.place(order("p1", Side.BUY, 2, "1000"))
    venue.broker.amend(IntentId("p1"), None, Qty(1))
    venue.broker.cancel(IntentId("p1"))
    reports = venue.broker.poll(200 * MS)
    assert kinds(reports) == ["OrderAccepted", "OrderAmended", "OrderCancelled"]
    cancelled = [r for r in reports if isinstance(r, OrderCancelled)]
    assert [(r.intent_id, r.remaining) for r in cancelled] == [("p1", 1)]
