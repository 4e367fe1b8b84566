"""Disk pressure at the HALT level halts the gateway through the domain, with its reason."""

from __future__ import annotations

from hft.adapters.wal.pressure import DiskPressureMonitor, DiskUsage, PressureThresholds
from hft.app.bootstrap.session import watch_disk
from hft.domain.intent import IntentType
from hft.domain.values import Side
from tests.unit.app.harness import Rig


class SettableProbe:
    def __init__(self) -> None:
        self.usage = DiskUsage(free_bytes=10**12, wal_bytes=0)

    def measure(self) -> DiskUsage:
        return self.usage


def test_halt_level_raises_a_latched_gateway_halt_and_cancels_still_pass() -> None:
    rig = Rig()
    probe = SettableProbe()
    thresholds = PressureThresholds(
        warn_free_bytes=10**9, critical_free_bytes=10**8, halt_free_bytes=10**7
    )
    monitor = DiskPressureMonitor(probe, thresholds, None, 3600.0)
    watch_disk(rig.gateway, monitor)
    rig.submit()
    rig.settle()
    probe.usage = DiskUsage(free_bytes=5 * 10**6, wal_bytes=0)
    monitor.check()
    rig.settle()
    halted = rig.events_named("GatewayHalted")
    assert [h.source for h in halted] == ["disk_pressure"]
    assert "free" in halted[0].reason
    rig.submit(side=Side.BUY)
    rig.submit(intent_type=IntentType.CANCEL, price=None, qty=0, target_intent_id="i1")
    rig.settle()
    assert rig.status("i2") == "REJECTED"
    assert rig.status("i1") == "CANCELLED"
    probe.usage = DiskUsage(free_bytes=10**12, wal_bytes=0)
    monitor.check()
    rig.settle()
    assert rig.gateway.core.state.policy.mode.value == "HALT"  # latched: only an operator resumes
    rig.gateway.close()
