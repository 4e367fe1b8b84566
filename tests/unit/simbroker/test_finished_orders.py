"""What the venue keeps of a finished order: the same answers to reconciliation, late calls
and report ordering as while it worked, for a bounded and small amount of memory."""

from __future__ import annotations

import gc
import tracemalloc

import attrs

from hft.adapters.simbroker import RejectCode, SimVenue
from hft.adapters.simbroker.latency import MS, LatencyModel, Leg
from hft.domain.orders import (
    OrderFilled,
    OrderRejected,
    OrderStatusReport,
    TimeInForce,
    VenueOrderState,
)
from hft.domain.values import IntentId, Side
from tests.unit.simbroker.helpers import ScriptedMarket, book_2330, kinds, order, scripted_venue

T0 = 1_000

# Measured 248 bytes per cancelled order retained (640 before finished orders were compacted):
# the record, its venue order id and the order's price (a due time already past is kept as 0).
# The bound leaves room for other CPython versions; it fails if the live order and its
# BrokerOrder are kept.
FINISHED_ORDER_MAX_BYTES = 330


def test_a_finished_order_reads_back_as_it_was_with_its_final_status() -> None:
    """After a cancel, order_status and list_orders give the working snapshot with status
    cancelled, and reconciliation repeats the same fills before a CANCELLED status."""
    venue = scripted_venue((T0, book_2330(size=3)))
    venue.broker.place(order("p1", Side.BUY, 5, "1085"))
    working = venue.broker.order_status(IntentId("p1"))
    first_fills = [r for r in venue.broker.poll(T0) if isinstance(r, OrderFilled)]
    venue.broker.cancel(IntentId("p1"))
    venue.broker.poll(T0)

    finished = venue.broker.order_status(IntentId("p1"))
    assert working is not None
    assert (working.status, working.filled) == ("working", 3)
    assert finished == attrs.evolve(working, status="cancelled")
    assert venue.broker.list_orders() == [finished]

    venue.broker.reconcile(IntentId("p1"))
    answer = venue.broker.poll(T0)
    assert answer[:-1] == first_fills
    assert answer[-1] == OrderStatusReport(
        intent_id=IntentId("p1"), state=VenueOrderState.CANCELLED, filled_qty=3, ts_ns=T0
    )


def test_a_late_cancel_of_a_finished_order_is_answered_after_its_slower_fill() -> None:
    """The refusal of a cancel sent after an order filled comes after that fill's report,
    even when acks travel faster than fills: the finished order keeps its last due time."""
    slow_fills = LatencyModel("slow-fills", ack=Leg(1 * MS), fill=Leg(5 * MS))
    venue = SimVenue(
        seed=3, symbols=["2330"], latency=slow_fills, market=ScriptedMarket([(T0, book_2330())])
    )
    venue.advance(T0)
    venue.broker.place(order("f1", Side.BUY, 1, "1085", tif=TimeInForce.IOC))
    venue.broker.cancel(IntentId("f1"))

    reports = venue.broker.poll(T0 + 10 * MS)
    assert kinds(reports) == ["OrderAccepted", "OrderFilled", "OrderRejected"]
    assert isinstance(reports[2], OrderRejected)
    assert reports[2].reason.startswith(RejectCode.NOT_WORKING)


def test_a_finished_intent_placed_again_is_refused_as_a_duplicate() -> None:
    """An intent whose order is done cannot be placed a second time."""
    venue = scripted_venue((T0, book_2330()))
    venue.broker.place(order("d1", Side.BUY, 1, "1075", tif=TimeInForce.IOC))
    venue.broker.poll(T0)
    venue.broker.place(order("d1", Side.BUY, 1, "1075"))
    reports = venue.broker.poll(T0)
    assert kinds(reports) == ["OrderRejected"]
    assert isinstance(reports[0], OrderRejected)
    assert reports[0].reason.startswith(RejectCode.DUPLICATE_INTENT)
    assert [o.status for o in venue.broker.list_orders()] == ["cancelled"]


def test_a_finished_order_costs_the_venue_a_few_hundred_bytes() -> None:
    """Placing and cancelling orders grows the venue's memory by less than
    FINISHED_ORDER_MAX_BYTES per order (tracemalloc's count, deterministic for a build)."""
    venue = scripted_venue((T0, book_2330()))
    orders = 3_000
    ids = [IntentId(f"mem-{k:08d}") for k in range(orders)]
    gc.collect()
    tracing = tracemalloc.is_tracing()
    if not tracing:
        tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for intent_id in ids:
            venue.broker.place(order(intent_id, Side.BUY, 1, "1070"))
            venue.broker.cancel(intent_id)
            venue.broker.poll(T0)
        gc.collect()
        grown = tracemalloc.get_traced_memory()[0] - before
    finally:
        if not tracing:
            tracemalloc.stop()
    assert [o.status for o in venue.broker.list_orders()] == ["cancelled"] * orders
    assert grown / orders < FINISHED_ORDER_MAX_BYTES
