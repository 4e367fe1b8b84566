"""Failure mode 1 (docs/failure-modes.md) at the gateway: the idempotency key is committed
by the dispatch, never by the approval, and a full queue reserves nothing.
"""

from __future__ import annotations

import pytest

from hft.app.gateway.channel import ChannelFullError
from hft.app.gateway.core import GatewayConfig
from hft.domain.dedup import DedupEntry, DedupStatus
from tests.unit.app.harness import Rig, limits
from tests.unit.app.stubs import HeldLog


def test_an_approved_intent_holds_its_key_in_flight_until_its_dispatch() -> None:
    """Accepted but not yet durable (so not dispatched): the key is IN_FLIGHT, a second
    submission of it is rejected DEDUP_IN_FLIGHT (retryable, not a final answer); only after
    the broker call is recorded is the key COMMITTED and a third submission DEDUPLICATED."""
    log = HeldLog()
    rig = Rig(log=log)
    rig.submit(idempotency_key="k")
    rig.gateway.step()
    assert rig.status("i1") == "ACCEPTED"
    window = rig.gateway.core.state.window
    assert window.lookup("k") == DedupEntry("i1", DedupStatus.IN_FLIGHT)
    rig.submit(idempotency_key="k")
    rig.gateway.step()
    rejected = rig.events_named("IntentRejected")
    assert [(r.originator_id, r.reason.value) for r in rejected] == [("i2", "DEDUP_IN_FLIGHT")]
    assert rejected[0].reason.retryable
    log.release()
    rig.gateway.step()  # durable: dispatched now
    rig.gateway.step()  # the dispatch is appended
    log.release()
    assert rig.gateway.core.state.window.lookup("k") == DedupEntry("i1", DedupStatus.COMMITTED)
    rig.submit(idempotency_key="k")
    rig.gateway.step()
    assert rig.status("i3") == "DEDUPLICATED"
    assert [o.intent_id for o in rig.broker.placed] == ["i1"]


def test_a_full_queue_reserves_neither_a_key_nor_exposure() -> None:
    """Capacity 1: the second submit raises ChannelFullError; its QUEUE_FULL rejection is
    logged, its key is free (a retry of it is accepted), and exposure holds the first
    order's lot only."""
    rig = Rig(config=GatewayConfig(limits=limits(), channel_capacity=1))
    rig.submit(idempotency_key="a")
    with pytest.raises(ChannelFullError):
        rig.submit(idempotency_key="b")
    rig.settle()
    assert rig.status("i2") == "REJECTED"
    assert rig.events_named("IntentRejected")[0].reason.value == "QUEUE_FULL"
    assert rig.gateway.core.state.window.lookup("b") is None
    one_lot = rig.exposure_total()
    assert one_lot > 0
    rig.submit(idempotency_key="b")
    rig.settle()
    assert rig.status("i3") == "ACKED"
    assert rig.exposure_total() == 2 * one_lot
