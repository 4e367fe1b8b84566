"""Failure mode 3 (docs/failure-modes.md) at the gateway: a step that raises while deciding
an intent leaves nothing reserved, so the retry of its key is decided afresh.

The raises come from our own ports' fakes (a lease store that fails) and from the domain's
policy rule patched to fail; the exposure rule's case is in test_gateway_pipeline.py.
"""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hft.adapters.memory import InMemoryLease
from hft.domain import policy
from hft.domain.orders import BrokerOrder
from hft.domain.values import Instrument
from tests.unit.app.harness import Rig
from tests.unit.app.stubs import StaticReference, StubBroker


class FlakyLease(InMemoryLease):
    """A lease store that raises while `failures` is positive, one failure per question."""

    def __init__(self, failures: int = 0) -> None:
        super().__init__("gateway")
        self.failures = failures

    def is_leader(self, now_ns: int) -> bool:
        if self.failures > 0:
            self.failures -= 1
            raise RuntimeError("lease store unreachable")
        return super().is_leader(now_ns)


@given(failures=st.integers(1, 5))
def test_after_any_number_of_failing_attempts_the_next_retry_is_dispatched(
    failures: int,
) -> None:
    """The lease store raises on `failures` attempts of key "k" (after exposure was
    reserved): each is rejected INTERNAL_ERROR naming the error, with nothing left
    reserved; the next attempt is dispatched, once."""
    lease = FlakyLease()
    rig = Rig(lease=lease)
    for attempt in range(1, failures + 2):
        lease.failures = 1 if attempt <= failures else 0
        rig.submit(intent_id=f"a{attempt}", idempotency_key="k")
        rig.gateway.step()
        rig.settle()
        if attempt <= failures:
            assert rig.status(f"a{attempt}") == "REJECTED"
            assert rig.exposure_total() == 0
            assert rig.gateway.core.state.window.lookup("k") is None
    rejected = rig.events_named("IntentRejected")
    assert [(r.reason.value, r.detail) for r in rejected] == [
        ("INTERNAL_ERROR", "RuntimeError: lease store unreachable")
    ] * failures
    assert [o.intent_id for o in rig.broker.placed] == [f"a{failures + 1}"]


def test_a_policy_rule_that_raises_rejects_and_releases(monkeypatch: pytest.MonkeyPatch) -> None:
    """decide_admit raising: INTERNAL_ERROR, no exposure, key free; the retry passes."""

    def broken(*args: object, **kwargs: object) -> object:
        raise ValueError("policy table corrupt")

    rig = Rig()
    with monkeypatch.context() as patch:
        patch.setattr(policy, "decide_admit", broken)
        rig.submit(idempotency_key="k")
        rig.settle()
    (rejected,) = rig.events_named("IntentRejected")
    assert (rejected.reason.value, rejected.detail) == (
        "INTERNAL_ERROR",
        "ValueError: policy table corrupt",
    )
    assert rig.exposure_total() == 0
    rig.submit(idempotency_key="k")
    rig.settle()
    assert [o.intent_id for o in rig.broker.placed] == ["i2"]


class FailingReference(StaticReference):
    """Reference data whose lookup raises for TXF (a contracts service that is down)."""

    def instrument(self, symbol: str) -> Instrument | None:
        if symbol == "TXF":
            raise RuntimeError("contracts service down")
        return super().instrument(symbol)


def test_a_reference_lookup_that_raises_is_recorded_as_an_internal_error() -> None:
    """ADR 0006: a failure inside any step rejects with INTERNAL_ERROR. A ReferenceData that
    raises for TXF must leave a recorded INTERNAL_ERROR rejection (and the loop running),
    not an intent that vanished; the retry on 2330 with the same key passes."""
    rig = Rig()
    rig.gateway.core.reference = FailingReference()
    rig.submit(symbol="TXF", price=23_000 * 10_000, idempotency_key="k")
    rig.settle()
    (rejected,) = rig.events_named("IntentRejected")
    assert (rejected.originator_id, rejected.reason.value) == ("i1", "INTERNAL_ERROR")
    rig.submit(idempotency_key="k")
    rig.settle()
    assert [o.intent_id for o in rig.broker.placed] == ["i2"]


class CrashingBroker(StubBroker):
    """A broker adapter with a bug: its first `place` raises something other than
    BrokerUnavailableError (so nobody knows whether the order went out)."""

    def __init__(self) -> None:
        super().__init__()
        self.calls = 0

    def place(self, order: BrokerOrder) -> None:
        self.calls += 1
        if self.calls == 1:
            raise RuntimeError("adapter bug after the request was written")
        super().place(order)


def test_a_broker_call_that_raises_is_reconciled_never_left_in_flight() -> None:
    """The place call raised (the loop may surface the error once): the order may or may not
    be at the venue, so, as for a timeout, it must be asked of the venue (reconciled), not
    left ACCEPTED with its key held, and never placed a second time."""
    broker = CrashingBroker()
    rig = Rig(broker=broker)
    rig.submit(idempotency_key="k")
    with contextlib.suppress(RuntimeError):
        rig.settle()
    rig.settle()
    assert rig.status("i1") != "ACCEPTED"
    assert broker.reconciled == ["i1"]
    assert broker.calls == 1
    (anomaly,) = rig.events_named("AnomalyRecorded")
    assert (anomaly.kind, anomaly.subject) == ("broker_call_failed", "i1")
    assert anomaly.detail == "RuntimeError: adapter bug after the request was written"
    assert [e.action for e in rig.events_named("IntentOutcomeUnknown")] == ["place"]
    assert rig.gateway.core.state.window.lookup("k") is not None  # committed: no re-place
