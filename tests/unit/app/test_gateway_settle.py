"""`Gateway.settle`: one log round trip makes the step's decisions durable and dispatches them;
the dispatch events wait for the next batch, and a log that cannot become durable is an error."""

from __future__ import annotations

import pytest

from hft.domain.intent_events import IntentAccepted, IntentDispatched
from tests.unit.app.harness import Rig
from tests.unit.app.stubs import HeldLog


class CountingLog(HeldLog):
    """Durable on request, counting how often the gateway waits."""

    def __init__(self) -> None:
        super().__init__()
        self.waits = 0

    def wait_durable(self, seq: int, timeout_s: float | None = None) -> bool:
        self.waits += 1
        self.release()
        return True


def test_settle_waits_once_then_dispatches_and_leaves_the_dispatch_events_pending() -> None:
    """Two accepted intents: one wait, both at the broker, both IntentDispatched decided but
    not yet appended (they go with the next batch)."""
    log = CountingLog()
    rig = Rig(log=log)
    log.waits = 0
    rig.submit()
    rig.submit()
    rig.gateway.step()
    rig.gateway.settle()
    assert log.waits == 1
    assert [o.intent_id for o in rig.broker.placed] == ["i1", "i2"]
    logged = [type(e.event) for e in log.read(1)]
    assert logged.count(IntentAccepted) == 2
    assert IntentDispatched not in logged
    pending = [type(e) for e in rig.gateway.core.pending]
    assert pending == [IntentDispatched, IntentDispatched]


def test_settle_dispatches_nothing_when_the_log_stays_undurable() -> None:
    """A log that never becomes durable: settle raises TimeoutError and nothing reaches the
    broker (a decision is dispatched only after the sync that covers it)."""
    rig = Rig(log=HeldLog())
    rig.submit()
    rig.gateway.step()
    with pytest.raises(TimeoutError):
        rig.gateway.settle(timeout_s=0.01)
    assert rig.broker.placed == []
