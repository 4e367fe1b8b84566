"""`hft.app.bootstrap.sim`: a simulated venue built from a config and handed out as ports."""

from __future__ import annotations

from pathlib import Path

import pytest

from hft.app.bootstrap.sim import LATENCY_PRESET_NAMES, SimConfig, build_sim_venue
from hft.domain.market import QuoteReceived
from hft.domain.values import IntentId, Side
from tests.unit.simbroker.helpers import order

MS = 1_000_000


def test_random_walk_session_lists_the_chosen_symbols_and_moves_on_advance() -> None:
    """The venue lists only the configured symbols and quotes once per interval."""
    session = build_sim_venue(SimConfig(seed=1, symbols=("2330", "TXF"), quote_interval_ns=MS))
    assert sorted(session.reference.symbols()) == ["2330", "TXF"]
    session.feed.subscribe(["TXF"])
    assert session.next_event_ns() == MS
    session.advance(3 * MS)
    quotes = session.feed.poll(session.now_ns())
    assert [(q.symbol, q.ts_event_ns) for q in quotes if isinstance(q, QuoteReceived)] == [
        ("TXF", MS),
        ("TXF", 2 * MS),
        ("TXF", 3 * MS),
    ]


def test_outage_windows_from_the_config_make_calls_time_out() -> None:
    """A place inside a configured outage window is answered with OrderOutcomeUnknown."""
    config = SimConfig(seed=1, symbols=("2330",), outages=((0, 5 * MS),), reach_probability=0.0)
    session = build_sim_venue(config)
    session.broker.place(order("w1", Side.BUY, 1, "1075"))
    session.advance(6 * MS)
    session.broker.place(order("w2", Side.BUY, 1, "1075"))
    reports = session.broker.poll(7 * MS)
    assert [type(r).__name__ for r in reports] == ["OrderOutcomeUnknown", "OrderAccepted"]
    assert session.order_status(IntentId("w1")) is None
    assert [o.intent_id for o in session.list_orders()] == ["w2"]


def test_a_data_file_replaces_the_walk_and_starts_the_clock_before_its_first_row(
    tmp_path: Path,
) -> None:
    """Recorded ticks drive the quotes; the clock starts 1 ns before the first row."""
    path = tmp_path / "ticks.csv"
    path.write_text(
        "ts,symbol,bid_px,bid_qty,ask_px,ask_qty,last_px,last_qty\n"
        "5000,0050,60.5,3,60.55,4,,\n"
        "6000,0050,60.5,3,60.55,4,60.55,1\n",
        encoding="utf-8",
    )
    session = build_sim_venue(SimConfig(data_file=path))
    assert session.now_ns() == 4_999
    assert list(session.reference.symbols()) == ["0050"]
    session.feed.subscribe(["0050"])
    quotes = session.feed.poll(6_000)
    assert [q.ts_event_ns for q in quotes] == [5_000, 6_000]


@pytest.mark.parametrize(
    ("config", "match"),
    [
        (SimConfig(latency="warp"), "warp"),
        (SimConfig(symbols=("9999",)), "9999"),
        (SimConfig(outages=((5, 1),)), "end > start"),
    ],
)
def test_bad_configs_are_value_errors_that_name_the_problem(config: SimConfig, match: str) -> None:
    """Unknown presets and symbols and reversed outage windows are usage errors."""
    with pytest.raises(ValueError, match=match):
        build_sim_venue(config)


def test_the_presets_on_offer_are_zero_colo_and_shioaji_sim() -> None:
    """The CLI can list the latency presets without importing the adapter."""
    assert set(LATENCY_PRESET_NAMES) == {"zero", "colo", "shioaji-sim"}
