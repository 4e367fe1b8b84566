"""Broker reports into intent and exposure events.

A report that does not fit the state (unknown intent, a transition the lifecycle forbids) is
never dropped: it becomes an `AnomalyRecorded` event and a counter, and the state is untouched.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hft.app.gateway.core import GatewayCore
from hft.app.gateway.pipeline import rollback_amend
from hft.domain import exposure, intent, policy
from hft.domain.errors import DomainError, ExposureCapacityExceeded
from hft.domain.exposure import ExposureKey, ReleaseReason
from hft.domain.intent import IntentStatus, IntentType, OrderIntent
from hft.domain.orders import (
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
from hft.domain.reasons import RejectReason
from hft.domain.values import IntentId, Price, Qty

_RECONCILED_TO = {
    VenueOrderState.FILLED: IntentStatus.FILLED,
    VenueOrderState.CANCELLED: IntentStatus.CANCELLED,
    VenueOrderState.REJECTED: IntentStatus.REJECTED,
    VenueOrderState.NOT_FOUND: IntentStatus.REJECTED,
}


class ReportHandler:
    """Applies broker reports to the gateway state; tracks open cancel/amend requests."""

    def __init__(self, core: GatewayCore) -> None:
        self.core = core
        self.requests: dict[str, list[str]] = {}  # target intent id -> open request intent ids
        self.anomalies = 0
        self._handlers: dict[type[Any], Callable[[Any, int], None]] = {
            OrderAccepted: self._accepted,
            OrderFilled: self._filled,
            OrderRejected: self._rejected,
            OrderCancelled: self._cancelled,
            OrderAmended: self._amended,
            OrderOutcomeUnknown: self._outcome_unknown,
            OrderStatusReport: self._status,
        }

    def track_request(self, request: OrderIntent) -> None:
        if request.target_intent_id is not None:
            self.requests.setdefault(request.target_intent_id, []).append(request.intent_id)

    def handle(self, report: BrokerReport) -> None:
        now = self.core.now()
        if report.intent_id not in self.core.state.intents:
            known = self.core.state.known(report.intent_id)
            kind = "compacted_intent" if known else "unknown_intent"
            self._anomaly(kind, report.intent_id, repr(report), now)
            return
        try:
            self._handlers[type(report)](report, now)
        except DomainError as exc:
            self._anomaly(type(exc).__name__, report.intent_id, f"{report!r}: {exc}", now)

    def _order(self, intent_id: str) -> OrderIntent:
        return self.core.state.intents[intent_id]

    def _accepted(self, report: OrderAccepted, now: int) -> None:
        order = self._order(report.intent_id)
        if order.status is IntentStatus.OUTCOME_UNKNOWN or order.broker_order_id is None:
            self.core.emit(
                intent.decide_ack(
                    order, report.broker_order_id, ts_ns=now, ts_event_ns=report.ts_ns
                )
            )

    def _filled(self, report: OrderFilled, now: int) -> None:
        core, order = self.core, self._order(report.intent_id)
        events = intent.decide_fill(
            order,
            report.fill_id,
            report.price.scaled,
            report.qty.value,
            ts_ns=now,
            ts_event_ns=report.ts_ns,
        )
        if not events:
            return  # a fill id already counted (replayed after a reconnect)
        core.emit(events)
        instrument = core.reference.instrument(order.symbol)
        factor = instrument.lot_size * instrument.multiplier if instrument else 1
        try:
            moved = exposure.decide_fill(
                core.state.book,
                order.intent_id,
                side=order.side,
                qty=Qty(report.qty.value),
                price=Price(report.price.scaled),
                ts_ns=now,
                multiplier=factor,
                key=ExposureKey(order.account, order.strategy_id, order.symbol),
                limits=core.state.limits,
            )
        except ExposureCapacityExceeded as exc:
            # The fill happened but its position has no slot: trading on must stop.
            self._anomaly("exposure_capacity", order.intent_id, str(exc), now)
            core.emit(
                policy.decide_halt(core.state.policy, f"exposure book full: {exc}", "gateway", now)
            )
            return
        core.emit(moved)
        core.counters.fills += 1

    def _rejected(self, report: OrderRejected, now: int) -> None:
        if report.action == "place":
            order = self._order(report.intent_id)
            self.core.emit(
                intent.decide_reject(
                    order,
                    RejectReason.BROKER_REJECTED,
                    report.reason,
                    ts_ns=now,
                    ts_event_ns=report.ts_ns,
                )
            )
            self._release(order.intent_id, ReleaseReason.REJECTED, now)
            self.core.counters.rejects[RejectReason.BROKER_REJECTED.value] += 1
            return
        self._request_refused(report, now)

    def _request_refused(self, report: OrderRejected, now: int) -> None:
        kind = IntentType.CANCEL if report.action == "cancel" else IntentType.AMEND
        target = self._order(report.intent_id)
        for request in self._take_requests(target.intent_id, kind):
            self.core.emit(
                intent.decide_reject(
                    request, RejectReason.BROKER_REJECTED, report.reason, ts_ns=now
                )
            )
        target = self._order(report.intent_id)
        if kind is IntentType.CANCEL and target.status is IntentStatus.CANCEL_REQUESTED:
            self.core.emit(intent.decide_cancel_rejected(target, report.reason, ts_ns=now))
        elif kind is IntentType.AMEND and intent.is_working(target.status):
            self.core.emit(intent.decide_amend_rejected(target, report.reason, ts_ns=now))
            rollback_amend(self.core, target.intent_id, now)

    def _cancelled(self, report: OrderCancelled, now: int) -> None:
        order = self._order(report.intent_id)
        self.core.emit(
            intent.decide_cancelled(order, report.remaining, ts_ns=now, ts_event_ns=report.ts_ns)
        )
        self._release(order.intent_id, ReleaseReason.CANCELLED, now)
        self._complete_requests(order.intent_id, IntentType.CANCEL, now)

    def _amended(self, report: OrderAmended, now: int) -> None:
        order = self._order(report.intent_id)
        price = report.price.scaled if report.price is not None else order.price
        qty = report.qty.value if report.qty is not None else order.qty
        self.core.emit(
            intent.decide_amended(order, price, qty, ts_ns=now, ts_event_ns=report.ts_ns)
        )
        held = self.core.state.book.reservations.get(order.intent_id)
        if held is not None and held.pending_delta is not None:
            self.core.emit(
                exposure.decide_amend_confirm(self.core.state.book, order.intent_id, now)
            )
        self._complete_requests(order.intent_id, IntentType.AMEND, now)

    def _outcome_unknown(self, report: OrderOutcomeUnknown, now: int) -> None:
        order = self._order(report.intent_id)
        if report.action == "place":
            self.core.emit(intent.decide_outcome_unknown(order, report.action, ts_ns=now))
        else:
            kind = IntentType.CANCEL if report.action == "cancel" else IntentType.AMEND
            for request in self._open_requests(order.intent_id, kind):
                self.core.emit(intent.decide_outcome_unknown(request, report.action, ts_ns=now))
        self.core.broker.reconcile(IntentId(order.intent_id))

    def _status(self, report: OrderStatusReport, now: int) -> None:
        order = self._order(report.intent_id)
        if order.status is not IntentStatus.OUTCOME_UNKNOWN:
            return
        status = _RECONCILED_TO.get(report.state)
        if status is None:
            status = IntentStatus.PARTIALLY_FILLED if report.filled_qty else IntentStatus.ACKED
        self.core.emit(intent.decide_reconcile(order, status, report.filled_qty, ts_ns=now))
        if status in (IntentStatus.CANCELLED, IntentStatus.REJECTED):
            self._release(order.intent_id, ReleaseReason.CANCELLED, now)

    def _release(self, intent_id: str, reason: ReleaseReason, now: int) -> None:
        self.core.emit(exposure.decide_release(self.core.state.book, intent_id, reason, now))

    def _open_requests(self, target_id: str, kind: IntentType) -> list[OrderIntent]:
        ids = self.requests.get(target_id, [])
        found = (self.core.state.intents.get(i) for i in ids)  # None: finished, compacted
        return [
            r
            for r in found
            if r is not None and r.intent_type is kind and not intent.is_terminal(r.status)
        ]

    def _take_requests(self, target_id: str, kind: IntentType) -> list[OrderIntent]:
        taken = self._open_requests(target_id, kind)
        gone = {r.intent_id for r in taken}
        self.core.amends_charged -= gone  # settled by the venue: nothing left to roll back
        left = [i for i in self.requests.get(target_id, []) if i not in gone]
        if left:
            self.requests[target_id] = left
        else:  # one entry per order ever cancelled would grow without bound in a live session
            self.requests.pop(target_id, None)
        return taken

    def _complete_requests(self, target_id: str, kind: IntentType, now: int) -> None:
        for request in self._take_requests(target_id, kind):
            self.core.emit(intent.decide_complete(request, ts_ns=now))

    def _anomaly(self, kind: str, subject: str, detail: str, now: int) -> None:
        self.anomalies += 1
        self.core.record_anomaly(kind, subject, detail, now)
