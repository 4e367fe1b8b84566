"""Optional self-reconciliation of calls whose outcome is unknown (`auto_reconcile=True`).

After an `OrderOutcomeUnknown`, the intent is looked up in the venue's trades every
`reconcile_after_ns` (on the call worker, like any SDK call) until its trade is found, which is
then reported as the venue shows it, or until `max_attempts` lookups found nothing, which is
reported as a rejection. The order itself is never sent again.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import Any

from hft.adapters.shioaji.errors import OrderQueueFullError
from hft.adapters.shioaji.order_events import OrderEventRouter, Working
from hft.adapters.shioaji.worker import CallWorker
from hft.ports.clock import Clock


class UnknownOutcomeReconciler:
    """Schedules and runs the lookups; the caller's lock guards the shared `Working` records."""

    def __init__(
        self,
        *,
        clock: Clock,
        worker: CallWorker,
        lock: threading.RLock,
        router: OrderEventRouter,
        venue_trades: Callable[[], list[Any]],
        after_ns: int,
        max_attempts: int,
    ) -> None:
        self._clock = clock
        self._worker = worker
        self._lock = lock
        self._router = router
        self._venue_trades = venue_trades
        self._after_ns = after_ns
        self._max_attempts = max_attempts

    def mark_unknown(self, working: Working, action: str, now_ns: int) -> None:
        """Record that `action` on `working` has an unknown outcome (caller holds the lock)."""
        working.unknown_action = action
        working.reconcile_due_ns = now_ns + self._after_ns

    def schedule_due(self, now_ns: int, workings: Iterable[Working]) -> None:
        """Queue a lookup for every unknown outcome whose next lookup is due."""
        with self._lock:
            due = [w for w in workings if w.unknown_action and 0 < w.reconcile_due_ns <= now_ns]
            for working in due:
                working.reconcile_due_ns = 0  # in flight; the lookup reschedules if needed
        for working in due:
            try:
                self._worker.submit(lambda w=working: self._look_up(w))  # type: ignore[misc]
            except OrderQueueFullError:  # the call queue is busy: try again on a later poll
                self._reschedule(working)

    def _look_up(self, working: Working) -> None:
        try:
            trades = self._venue_trades()
        except Exception:  # still unknown: try again later, never resend
            self._reschedule(working)
            return
        with self._lock:
            match = self._router.find_trade(working, trades)
            if match is not None:
                self._router.settle_unknown(working, match)
            elif working.reconcile_attempts + 1 >= self._max_attempts:
                self._router.give_up(working, self._max_attempts)
            else:
                self._reschedule(working)

    def _reschedule(self, working: Working) -> None:
        with self._lock:
            working.reconcile_attempts += 1
            working.reconcile_due_ns = self._clock.now_ns() + self._after_ns
