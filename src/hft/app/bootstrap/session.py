"""Wires a gateway: for runner scripts (any broker), and for a simulated session.

`build_gateway` is the composition a runner script uses: hand it a broker and reference data
(the simulated venue, or the Shioaji facade), a log directory and limits; get back a
`Gateway` that is not yet started. `build_sim` does the same around a simulated venue on a
virtual clock.
"""

from __future__ import annotations

from pathlib import Path

import attrs

from hft.adapters.memory import (
    InMemoryEventLog,
    InMemoryLease,
    SequentialIds,
    SystemClock,
    VirtualClock,
)
from hft.adapters.wal.pressure import DiskPressureMonitor
from hft.app.bootstrap.recorder import pressure_monitor
from hft.app.bootstrap.sim import SimConfig, SimSession, build_sim_venue
from hft.app.bootstrap.wal import open_event_log, wal_config
from hft.app.gateway.core import GatewayConfig
from hft.app.gateway.service import Gateway
from hft.ports.broker import BrokerGateway
from hft.ports.clock import Clock, IdGenerator
from hft.ports.disk_pressure import PressureChange, PressureLevel
from hft.ports.event_log import EventLog
from hft.ports.lease import LeaseStore
from hft.ports.reference_data import ReferenceData


def build_gateway(
    config: GatewayConfig,
    *,
    broker: BrokerGateway,
    reference: ReferenceData,
    log_dir: Path | str | None = None,
    durability: str = "fsync",
    log: EventLog | None = None,
    clock: Clock | None = None,
    ids: IdGenerator | None = None,
    lease: LeaseStore | None = None,
) -> Gateway:
    """A gateway over `broker`, logging to `log_dir` (a WAL) or `log` (in memory if neither).

    The lease defaults to a local one held by `config.holder` (single-gateway deployments).
    Call `start()` on the result; `close()` it (or use `with`) to flush the log.
    """
    if log is None:
        log = (
            open_event_log(str(log_dir), wal_config(durability))
            if log_dir is not None
            else InMemoryEventLog()
        )
    gateway = Gateway(
        config,
        broker=broker,
        log=log,
        clock=clock or SystemClock(),
        ids=ids or SequentialIds(f"{config.session_id}/"),
        lease=lease or InMemoryLease(config.holder),
        reference=reference,
    )
    if log_dir is not None:
        watch_disk(gateway, pressure_monitor(str(log_dir)))
    return gateway


def watch_disk(gateway: Gateway, monitor: DiskPressureMonitor) -> None:
    """HALT the gateway (through the domain: a latched GatewayHalted event with the reason)
    when the log's disk reaches the HALT level; the monitor runs on its own thread."""

    def on_change(change: PressureChange) -> None:
        if change.level is PressureLevel.HALT:
            gateway.halt("disk_pressure", change.reason)

    monitor.subscribe(on_change)
    monitor.start()
    gateway.on_close(monitor.stop)


def system_clock() -> Clock:
    """Wall-clock UTC nanoseconds, never going backwards (for live sessions)."""
    return SystemClock()


@attrs.frozen
class SimWiring:
    """A simulated session's parts: the gateway, the venue and the virtual clock."""

    gateway: Gateway
    venue: SimSession
    clock: VirtualClock


def build_sim(
    sim: SimConfig,
    config: GatewayConfig,
    *,
    log_dir: Path | str | None,
    durability: str = "fsync",
    id_namespace: str = "",
) -> SimWiring:
    """A gateway over a deterministic simulated venue on a virtual clock."""
    venue = build_sim_venue(sim)
    clock = VirtualClock(venue.now_ns())
    gateway = build_gateway(
        config,
        broker=venue.broker,
        reference=venue.reference,
        log_dir=log_dir,
        durability=durability,
        clock=clock,
        ids=SequentialIds(id_namespace),
    )
    return SimWiring(gateway, venue, clock)
