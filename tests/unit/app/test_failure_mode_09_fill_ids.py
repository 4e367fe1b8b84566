"""Failure mode 9 (docs/failure-modes.md) at the gateway: a fill counts once per fill id,
however often and in whatever order the venue repeats it (a reconnect replays executions),
and a fill without an id is recorded as an anomaly, never counted.
"""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from hft.domain.orders import BrokerReport, OrderFilled
from hft.domain.values import IntentId, Price, Qty
from tests.unit.app.harness import LOT_NOTIONAL, PX, Rig
from tests.unit.app.stubs import StubBroker

FILL_QTY = {"F1": 1, "F2": 2, "F3": 3, "F4": 4}  # together exactly the order's 10 lots


class ReplayingVenue(StubBroker):
    """The stub broker, plus fill reports the test chooses, delivered on the next poll."""

    def deliver(self, *reports: BrokerReport) -> None:
        self._reports.extend(reports)


def fill(fill_id: str, qty: int) -> OrderFilled:
    return OrderFilled(
        intent_id=IntentId("i1"), fill_id=fill_id, price=Price(PX), qty=Qty(qty), ts_ns=0
    )


def working_order() -> tuple[Rig, ReplayingVenue]:
    """A 10-lot buy of 2330, acknowledged by the venue."""
    venue = ReplayingVenue()
    rig = Rig(broker=venue)
    rig.submit(qty=10)
    rig.settle()
    assert rig.status("i1") == "ACKED"
    return rig, venue


@given(deliveries=st.lists(st.sampled_from(sorted(FILL_QTY)), min_size=1, max_size=12))
def test_each_fill_id_counts_once_whatever_the_venue_repeats(deliveries: list[str]) -> None:
    """Any sequence of fill reports with repeats: one IntentFilled per distinct id, in order
    of first delivery; filled and the position equal the sum over distinct ids; the order is
    FILLED exactly when all four ids (10 lots) arrived."""
    rig, venue = working_order()
    for fill_id in deliveries:
        venue.deliver(fill(fill_id, FILL_QTY[fill_id]))
        rig.settle(rounds=2)
    distinct = list(dict.fromkeys(deliveries))
    expected = sum(FILL_QTY[f] for f in distinct)
    assert [e.fill_id for e in rig.events_named("IntentFilled")] == distinct
    order = rig.gateway.core.state.intents["i1"]
    assert order.filled == expected
    assert order.status.value == ("FILLED" if expected == 10 else "PARTIALLY_FILLED")
    (entry,) = rig.gateway.core.state.book.entries.values()
    assert (entry.position_qty, entry.position_cost) == (expected, expected * LOT_NOTIONAL)


def test_a_fill_without_an_id_is_an_anomaly_and_is_never_counted() -> None:
    """An execution report whose fill id is empty would escape fill dedup: the gateway
    records AnomalyRecorded(kind EmptyFillId) naming the intent, counts nothing, and a real
    fill afterwards still counts."""
    rig, venue = working_order()
    venue.deliver(fill("", 3))
    rig.settle(rounds=2)
    anomalies = rig.events_named("AnomalyRecorded")
    assert [(a.kind, a.subject) for a in anomalies] == [("EmptyFillId", "i1")]
    assert rig.events_named("IntentFilled") == []
    assert rig.gateway.core.state.intents["i1"].filled == 0
    venue.deliver(fill("F1", 1))
    rig.settle(rounds=2)
    assert rig.gateway.core.state.intents["i1"].filled == 1
