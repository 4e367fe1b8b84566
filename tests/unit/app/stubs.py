"""Stubs behind our own ports for gateway unit tests: canned broker answers, fixed reference
data, and a log whose durability waits for the test.

`StubBroker` gives canned answers chosen by the test (`mode`: ack, fill, reject, timeout,
refuse), so a test can put the gateway in front of exactly the report it is about. It models
no market (no prices, no matching): that is the simulated venue's job, and the simulated
venue and the Shioaji facade are the adapters held to the BrokerGateway contract suite
(tests/contract/broker_contract.py).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence

from hft.adapters.memory import InMemoryEventLog
from hft.domain.orders import (
    BrokerOrder,
    BrokerReport,
    OrderAccepted,
    OrderAmended,
    OrderCancelled,
    OrderFilled,
    OrderOutcomeUnknown,
    OrderRejected,
    OrderStatusReport,
    VenueOrderState,
)
from hft.domain.values import (
    PRICE_SCALE,
    TW_INDEX_FUTURES_TICKS,
    TW_STOCK_TICKS,
    Instrument,
    InstrumentKind,
    IntentId,
    Price,
    Qty,
    Symbol,
)
from hft.ports.broker import BrokerUnavailableError

TSMC = Instrument(
    Symbol("2330"),
    InstrumentKind.STOCK,
    TW_STOCK_TICKS,
    reference=Price(1_000 * PRICE_SCALE),
    limit_up=Price(1_100 * PRICE_SCALE),
    limit_down=Price(900 * PRICE_SCALE),
    lot_size=1_000,
)
TXF = Instrument(
    Symbol("TXF"),
    InstrumentKind.FUTURE,
    TW_INDEX_FUTURES_TICKS,
    reference=Price(23_000 * PRICE_SCALE),
    limit_up=Price(25_300 * PRICE_SCALE),
    limit_down=Price(20_700 * PRICE_SCALE),
    multiplier=200,
)


class StaticReference:
    """ReferenceData over a fixed set of instruments."""

    def __init__(self, *instruments: Instrument) -> None:
        self._by_code = {i.symbol.code: i for i in instruments or (TSMC, TXF)}

    def instrument(self, symbol: str) -> Instrument | None:
        return self._by_code.get(symbol)

    def symbols(self) -> Sequence[str]:
        return sorted(self._by_code)


class StubBroker:
    """BrokerGateway whose answers are set per call: ack, fill, reject, timeout, refuse."""

    def __init__(self) -> None:
        self.placed: list[BrokerOrder] = []
        self.cancelled: list[str] = []
        self.amended: list[tuple[str, Price | None, Qty | None]] = []
        self.reconciled: list[str] = []
        self.mode = "ack"  # ack | fill | reject | timeout | refuse
        self._reports: deque[BrokerReport] = deque()
        self._orders: dict[str, BrokerOrder] = {}
        self._fills = 0

    def place(self, order: BrokerOrder) -> None:
        if self.mode == "refuse":
            raise BrokerUnavailableError("disconnected")
        self.placed.append(order)
        self._orders[order.intent_id] = order
        if self.mode == "timeout":
            self._reports.append(
                OrderOutcomeUnknown(intent_id=order.intent_id, action="place", ts_ns=0)
            )
        elif self.mode == "reject":
            self._reports.append(OrderRejected(intent_id=order.intent_id, reason="price", ts_ns=0))
        else:
            self._reports.append(
                OrderAccepted(
                    intent_id=order.intent_id, broker_order_id=f"B{len(self.placed)}", ts_ns=0
                )
            )
            if self.mode == "fill":
                self.fill(order.intent_id, order.qty.value)

    def fill(self, intent_id: str, qty: int, price: Price | None = None) -> None:
        order = self._orders[intent_id]
        self._fills += 1
        self._reports.append(
            OrderFilled(
                intent_id=IntentId(intent_id),
                fill_id=f"F{self._fills}",
                price=price or order.price or Price(1),
                qty=Qty(qty),
                ts_ns=0,
            )
        )

    def amend(self, intent_id: IntentId, price: Price | None, qty: Qty | None) -> None:
        self.amended.append((intent_id, price, qty))
        self._reports.append(OrderAmended(intent_id=intent_id, price=price, qty=qty, ts_ns=0))

    def cancel(self, intent_id: IntentId) -> None:
        self.cancelled.append(intent_id)
        order = self._orders.get(intent_id)
        if order is None:
            self._reports.append(
                OrderRejected(intent_id=intent_id, reason="unknown", ts_ns=0, action="cancel")
            )
            return
        self._reports.append(
            OrderCancelled(intent_id=intent_id, remaining=order.qty.value, ts_ns=0)
        )

    def reconcile(self, intent_id: IntentId) -> None:
        self.reconciled.append(intent_id)
        state = VenueOrderState.WORKING if intent_id in self._orders else VenueOrderState.NOT_FOUND
        self._reports.append(
            OrderStatusReport(intent_id=intent_id, state=state, filled_qty=0, ts_ns=0)
        )

    def poll(self, now_ns: int, max_reports: int = 1024) -> Sequence[BrokerReport]:
        out: list[BrokerReport] = []
        while self._reports and len(out) < max_reports:
            out.append(self._reports.popleft())
        return out


class HeldLog(InMemoryEventLog):
    """An in-memory log whose durability lags until `release()`: a slow fsync, on demand."""

    def __init__(self) -> None:
        super().__init__()
        self.durable = 0

    def durable_seq(self) -> int:
        return self.durable

    def wait_durable(self, seq: int, timeout_s: float | None = None) -> bool:
        return seq <= self.durable

    def release(self) -> None:
        self.durable = super().durable_seq()
