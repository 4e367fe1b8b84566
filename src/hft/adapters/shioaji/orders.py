"""Shioaji orders as a `BrokerGateway`: calls off the caller's thread, reports out of `poll`.

`place`/`amend`/`cancel` check locally (logged in, known symbol, price on the grid and within
limits, token bucket of 250 per 10 s, room in the call queue) and return; a `CallWorker` makes
the blocking SDK call. The venue's answers (the returned trade, order and deal callbacks)
become `BrokerReport`s. A call whose fate is unknown (a timeout, `OrderOutcomeUnknownError`)
reports `OrderOutcomeUnknown`; it is never resent. `reconcile(intent_id)` asks the venue
(`update_status` + `list_trades`, the trade matched by id or by the order's custom_field tag)
and answers with the trade's fills (same fill ids) and one `OrderStatusReport`. With
`auto_reconcile=True` the adapter also reconciles unknown outcomes on its own, reporting what
the venue's trade shows (accept, fills, cancel, or a rejection once it gives up).
"""

from __future__ import annotations

import itertools
import threading
from collections import deque
from collections.abc import Sequence
from typing import Any

import attrs
import shioaji as sj

from hft.adapters.shioaji.auto_reconcile import UnknownOutcomeReconciler
from hft.adapters.shioaji.contracts import ShioajiReferenceData
from hft.adapters.shioaji.errors import (
    NotLoggedInError,
    OrderQueueFullError,
    RateLimitedError,
)
from hft.adapters.shioaji.health import LatencyWindow
from hft.adapters.shioaji.order_events import OrderEventRouter, Working
from hft.adapters.shioaji.order_mapping import InvalidOrderError, build_sdk_order, tag_for
from hft.adapters.shioaji.prices import float_from_scaled
from hft.adapters.shioaji.ratelimit import (
    ACCOUNT_QUERIES_PER_WINDOW,
    ORDERS_PER_WINDOW,
    TokenBucket,
)
from hft.adapters.shioaji.session import ShioajiSession
from hft.adapters.shioaji.worker import CallWorker
from hft.domain.orders import (
    BrokerOrder,
    BrokerReport,
    OrderOutcomeUnknown,
    OrderRejected,
    OrderStatusReport,
    VenueOrderState,
)
from hft.domain.values import InstrumentKind, IntentId, Price, Qty
from hft.ports.clock import Clock

SECOND_NS = 1_000_000_000
_NOT_SENT = (
    sj.AuthError,
    sj.BadRequestError,
    sj.ValidationError,
    sj.ShioajiValueError,
    sj.ShioajiTypeError,
    sj.AccountNotProvideError,
    sj.AccountNotSignError,
    sj.CaError,
    NotLoggedInError,
)
"""Errors that prove the venue did not take the order; anything else may have reached it."""


@attrs.frozen(kw_only=True)
class OrdersConfig:
    """Call queue size, SDK timeout (ms), and reconciliation pacing (ns, attempts)."""

    queue_capacity: int = 1_024
    sdk_timeout_ms: int = 5_000
    auto_reconcile: bool = False
    reconcile_after_ns: int = 2 * SECOND_NS
    max_reconcile_attempts: int = 5
    report_capacity: int = 65_536
    max_tracked_intents: int = 100_000


class DuplicateIntentError(InvalidOrderError):
    """`place` was called twice for one intent: the adapter never sends an intent twice."""


class ShioajiBroker:
    """`BrokerGateway` over the session's client. `place`/`amend`/`cancel` never block.

    Raised from those calls, nothing was sent: `NotLoggedInError`, `RateLimitedError`,
    `OrderQueueFullError` (all `BrokerUnavailableError`) and `DuplicateIntentError`. What the
    venue would refuse (unknown symbol or intent, price off the grid or outside the limits) is
    reported as `OrderRejected` from `poll` instead, like the venue's own rejections.
    """

    def __init__(
        self,
        session: ShioajiSession,
        reference: ShioajiReferenceData,
        clock: Clock,
        config: OrdersConfig | None = None,
        worker: CallWorker | None = None,
    ) -> None:
        self.config = config or OrdersConfig()
        self._session = session
        self._reference = reference
        self._clock = clock
        self._worker = worker or CallWorker(self.config.queue_capacity)
        self._bucket = TokenBucket(clock, *ORDERS_PER_WINDOW)
        self._queries = TokenBucket(clock, *ACCOUNT_QUERIES_PER_WINDOW)
        self._lock = threading.RLock()
        self._working: dict[IntentId, Working] = {}
        self._reports: deque[BrokerReport] = deque()
        self._router = OrderEventRouter(self._report, clock)
        # Tags restart from the time of day so a restarted process rarely reuses today's tags.
        self._tags = itertools.count(clock.now_ns() // SECOND_NS % 86_400 * 1_000)
        self.latency = LatencyWindow()
        self._auto = UnknownOutcomeReconciler(
            clock=clock,
            worker=self._worker,
            lock=self._lock,
            router=self._router,
            venue_trades=self._venue_trades,
            after_ns=self.config.reconcile_after_ns,
            max_attempts=self.config.max_reconcile_attempts,
        )
        self.reports_dropped = 0
        self.rejects = 0
        self.outcome_unknown = 0
        session.add_registrar(self.register)

    # -- lifecycle ------------------------------------------------------------------------
    def register(self, client: Any) -> None:
        """Set the order/deal callback (after each login)."""
        client.set_order_callback(self.on_order_event)

    def start(self) -> None:
        self._worker.start()

    def stop(self) -> None:
        self._worker.stop()

    # -- BrokerGateway --------------------------------------------------------------------
    def place(self, order: BrokerOrder) -> None:
        with self._lock:
            if order.intent_id in self._working:
                raise DuplicateIntentError(f"intent {order.intent_id} was already placed")
        self._require_session()
        tag = tag_for(next(self._tags))
        prepared = self._prepare(order, tag)
        if isinstance(prepared, str):
            self._refuse_locally(order, tag, prepared)
            return
        kind, contract, sdk_order = prepared
        self._take_token()
        market = "S" if kind is InstrumentKind.STOCK else "F"
        working = Working(order=order, tag=tag, market=market)
        with self._lock:
            self._working[order.intent_id] = working
            self._forget_settled()
        try:
            self._worker.submit(lambda: self._do_place(working, contract, sdk_order))
        except OrderQueueFullError:
            with self._lock:
                del self._working[order.intent_id]
            raise

    def amend(self, intent_id: IntentId, price: Price | None, qty: Qty | None) -> None:
        working = self._known(intent_id, "amend")
        if working is None:
            return
        if (price is None) == (qty is None):
            self._reject(working, "amend", "an amend changes exactly one of price or qty here")
            return
        self._require_session()
        self._take_token()
        self._worker.submit(lambda: self._do_amend(working, price, qty))

    def cancel(self, intent_id: IntentId) -> None:
        working = self._known(intent_id, "cancel")
        if working is None:
            return
        self._require_session()
        self._take_token()
        self._worker.submit(lambda: self._do_cancel(working))

    def reconcile(self, intent_id: IntentId) -> None:
        with self._lock:
            working = self._working.get(intent_id)
        if working is None:
            # Never placed through this adapter: no tag to look for at the venue.
            self._report(self._not_found(intent_id))
            return
        self._require_session()
        if not self._queries.try_take():
            raise RateLimitedError("status query limit (25 per 5 s) reached; nothing was sent")
        self._worker.submit(lambda: self._do_status(working))

    def poll(self, now_ns: int, max_reports: int = 1024) -> Sequence[BrokerReport]:
        with self._lock:
            workings = list(self._working.values()) if self.config.auto_reconcile else []
        if workings:
            self._auto.schedule_due(now_ns, workings)
        with self._lock:
            n = min(max_reports, len(self._reports))
            return [self._reports.popleft() for _ in range(n)]

    # -- SDK callbacks --------------------------------------------------------------------
    def on_order_event(self, state: Any, msg: Any) -> None:
        """SDK callback (any thread): an order or deal event; see `OrderEventRouter`."""
        with self._lock:
            self._router.on_event(state, msg)

    # -- jobs (worker thread) -------------------------------------------------------------
    def _do_place(self, working: Working, contract: Any, sdk_order: Any) -> None:
        trade = self._call(
            working, "place", lambda c: c.place_order(contract, sdk_order, **self._t)
        )
        if trade is not None:
            with self._lock:
                self._router.absorb_trade(working, trade)

    def _do_amend(self, working: Working, price: Price | None, qty: Qty | None) -> None:
        if working.trade is None:
            self._reject(working, "amend", "the venue has not acknowledged the order")
            return
        if price is not None:
            kwargs: dict[str, Any] = {"price": float_from_scaled(price.scaled)}
        else:
            reduce_by = working.qty_total - (qty.value if qty else 0)
            if reduce_by <= 0:
                self._reject(working, "amend", "the venue can only reduce an order's quantity")
                return
            kwargs = {"qty": reduce_by}
        working.pending_amend = (price, qty)
        self._call(working, "amend", lambda c: c.update_order(working.trade, **kwargs, **self._t))

    def _do_cancel(self, working: Working) -> None:
        if working.trade is None:
            self._reject(working, "cancel", "the venue has not acknowledged the order")
            return
        self._call(working, "cancel", lambda c: c.cancel_order(working.trade, **self._t))

    def _do_status(self, working: Working) -> None:
        try:
            trades = self._venue_trades()
        except Exception:  # the query failed: still unknown; the gateway may ask again
            now = self._clock.now_ns()
            with self._lock:
                self._report(
                    OrderOutcomeUnknown(intent_id=working.intent_id, action="reconcile", ts_ns=now)
                )
            return
        with self._lock:
            match = self._router.find_trade(working, trades)
            if match is None:
                self._report(self._not_found(working.intent_id))
            else:
                self._router.answer_status(working, match)

    def _venue_trades(self) -> list[Any]:
        client = self._session.client
        client.update_status(timeout=self.config.sdk_timeout_ms)
        return list(client.list_trades())

    def _not_found(self, intent_id: IntentId) -> OrderStatusReport:
        now = self._clock.now_ns()
        return OrderStatusReport(
            intent_id=intent_id, state=VenueOrderState.NOT_FOUND, filled_qty=0, ts_ns=now
        )

    # -- helpers --------------------------------------------------------------------------
    @property
    def _t(self) -> dict[str, int]:
        return {"timeout": self.config.sdk_timeout_ms}

    def _call(self, working: Working, action: str, fn: Any) -> Any:
        started = self._clock.now_ns()
        try:
            return fn(self._session.client)
        except Exception as failure:  # every failure becomes a report: none may vanish
            self._call_failed(working, action, failure)
            return None
        finally:
            self.latency.record(self._clock.now_ns() - started)

    def _call_failed(self, working: Working, action: str, failure: Exception) -> None:
        if isinstance(failure, _NOT_SENT):
            self._reject(working, action, f"{type(failure).__name__}: {failure}")
            return
        now = self._clock.now_ns()
        with self._lock:
            self._auto.mark_unknown(working, action, now)
            self.outcome_unknown += 1
            self._report(OrderOutcomeUnknown(intent_id=working.intent_id, action=action, ts_ns=now))

    def _reject(self, working: Working, action: str, reason: str) -> None:
        with self._lock:
            if action == "place":
                working.terminal = True
            now = self._clock.now_ns()
            self._report(
                OrderRejected(intent_id=working.intent_id, reason=reason, ts_ns=now, action=action)
            )

    def _report(self, report: BrokerReport) -> None:
        if isinstance(report, OrderRejected):
            self.rejects += 1
        if len(self._reports) >= self.config.report_capacity:
            self.reports_dropped += 1
            return
        self._reports.append(report)

    def _prepare(self, order: BrokerOrder, tag: str) -> tuple[InstrumentKind, Any, Any] | str:
        """The SDK contract and order for `order`, or why the venue would refuse it."""
        instrument = self._reference.instrument(order.symbol.code)
        if instrument is None:
            return f"unknown symbol {order.symbol.code}"
        if order.price is not None and not instrument.ticks.on_grid(order.price):
            return f"price {order.price.scaled} is off the {instrument.ticks.name} tick grid"
        if order.price is not None and not instrument.within_limits(order.price):
            return f"price {order.price.scaled} is outside today's limit prices"
        try:
            sdk_order = build_sdk_order(order, instrument.kind, tag)
        except InvalidOrderError as invalid:
            return str(invalid)
        return instrument.kind, self._reference.contract(order.symbol.code), sdk_order

    def _forget_settled(self) -> None:
        # Keeps the intent table bounded: the oldest finished intents go first, a few per call,
        # so the cost per place stays constant. Working or unknown ones are never dropped.
        excess = len(self._working) - self.config.max_tracked_intents
        if excess <= 0:
            return
        oldest = itertools.islice(self._working.items(), 64)
        settled = [i for i, w in oldest if w.terminal and not w.unknown_action][: excess + 1]
        for intent_id in settled:
            self._router.forget(self._working.pop(intent_id))

    def _refuse_locally(self, order: BrokerOrder, tag: str, reason: str) -> None:
        working = Working(order=order, tag=tag, market="-")
        with self._lock:
            self._working[order.intent_id] = working
            self._forget_settled()
        self._reject(working, "place", reason)

    def _require_session(self) -> None:
        if not self._session.connected:
            raise NotLoggedInError("Shioaji session is not logged in; nothing was sent")

    def _take_token(self) -> None:
        if not self._bucket.try_take():
            raise RateLimitedError("order rate limit (250 per 10 s) reached; nothing was sent")

    def _known(self, intent_id: IntentId, action: str) -> Working | None:
        """The intent's record, or None after reporting the call as rejected."""
        with self._lock:
            working = self._working.get(intent_id)
            if working is None:
                now = self._clock.now_ns()
                reason = f"unknown intent {intent_id}: never placed here"
                self._report(
                    OrderRejected(intent_id=intent_id, reason=reason, ts_ns=now, action=action)
                )
            return working

    def tag_of(self, intent_id: IntentId) -> str | None:
        """The custom_field tag sent with the intent's order (what reconciliation matches)."""
        with self._lock:
            working = self._working.get(intent_id)
        return working.tag if working else None

    @property
    def queue_depth(self) -> int:
        return self._worker.depth

    def run_pending(self) -> int:
        """Run queued calls on this thread (only for a worker built with `threaded=False`)."""
        return self._worker.run_pending()

    @property
    def router(self) -> OrderEventRouter:
        return self._router
