"""Failure mode 14, "rows lost when both the database and the WAL failed"
(docs/failure-modes.md): the order path waits on the WAL alone, so when the WAL's disk fails
the gateway stops with a named error and dispatches nothing the log does not hold.

The gateway runs on a real WAL whose file operations start returning ENOSPC (or EIO on the
sync) on demand. No analytics store is involved: ClickHouse is loaded from the WAL later, so
an outage there cannot lose anything the order path acknowledged.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Sequence
from pathlib import Path

import pytest

from hft.adapters.memory import InMemoryLease
from hft.adapters.wal import DiskFullError, FileOps, LogWriteError, WalConfig, WalEventLog
from hft.app.bootstrap.codec import default_codec
from hft.app.bootstrap.replay import read_logged_events
from hft.app.bootstrap.session import build_gateway
from hft.app.gateway.service import Gateway
from hft.app.replay import replay_events
from hft.domain.events import DomainEvent
from tests.integration.failure_modes.crash_gateway import CONFIG, new_order, open_gateway, settle
from tests.unit.app.stubs import StaticReference, StubBroker


class FailingDisk(FileOps):
    """Real file operations that raise `OSError(error)` on writes (or syncs) once armed."""

    def __init__(self, error: int, on: str) -> None:
        self.error, self.on, self.armed = error, on, False

    def pwrite(self, fd: int, buffers: Sequence[bytes], offset: int) -> int:
        if self.armed and self.on == "write":
            raise OSError(self.error, os.strerror(self.error))
        return super().pwrite(fd, buffers, offset)

    def fdatasync(self, fd: int) -> None:
        if self.armed and self.on == "sync":
            raise OSError(self.error, os.strerror(self.error))
        super().fdatasync(fd)


def _gateway(wal: Path, disk: FileOps, broker: StubBroker, heard: list[str]) -> Gateway:
    log = WalEventLog.open(
        str(wal), default_codec(), WalConfig(segment_bytes=1 << 20), fileops=disk
    )
    gateway = build_gateway(
        CONFIG,
        broker=broker,
        reference=StaticReference(),
        log=log,
        lease=InMemoryLease(CONFIG.holder),
    )

    def listen(seq: int, event: DomainEvent) -> None:
        heard.append(f"{type(event).__name__}:{event.originator_id}")

    gateway.subscribe(listen)
    gateway.start()
    return gateway


def _dispatch_o1_then_fail_on_o2(wal: Path, disk: FailingDisk, raised: type[Exception]) -> None:
    """o1 is dispatched while the disk works; then the disk fails and o2 is decided: the
    wait for its durability raises `raised`, the broker never sees o2 and no listener hears
    of it. The process then gives up (closes the log)."""
    broker, heard = StubBroker(), list[str]()
    gateway = _gateway(wal, disk, broker, heard)
    gateway.submit(new_order("o1", "key-1", 1))
    settle(gateway)
    assert [o.intent_id for o in broker.placed] == ["o1"]
    assert "IntentDispatched:o1" in heard
    disk.armed = True
    gateway.submit(new_order("o2", "key-2", 1))
    gateway.step()  # o2 is decided and appended; nothing touches the disk yet
    with pytest.raises(raised):
        gateway.sync(30)
    assert [o.intent_id for o in broker.placed] == ["o1"]
    assert [h for h in heard if h.endswith(":o2")] == []
    gateway.core.log.close()


def test_a_full_disk_stops_the_gateway_and_the_retry_after_restart_dispatches_once(
    tmp_path: Path,
) -> None:
    """ENOSPC on the write: DiskFullError, o2 never reaches the broker. Restarted on a
    working disk, the log holds o1 only (o2 was never written), o2's key is free, and the
    retry dispatches it exactly once; the log audits clean."""
    wal = tmp_path / "wal"
    _dispatch_o1_then_fail_on_o2(wal, FailingDisk(errno.ENOSPC, "write"), DiskFullError)
    broker = StubBroker()
    again = open_gateway(str(wal), broker)
    assert again.core.state.intents["o1"].status.value == "ACKED"
    assert "o2" not in again.core.state.intents
    again.submit(new_order("o2", "key-2", 1))
    settle(again)
    assert [o.intent_id for o in broker.placed] == ["o2"]
    again.close("test end")
    assert replay_events(read_logged_events(tmp_path)).violations == ()


def test_a_failed_sync_stops_the_gateway_and_the_restart_reconciles_never_resends(
    tmp_path: Path,
) -> None:
    """EIO on the sync: LogWriteError, o2 never reaches the broker, though its decision was
    written. Restarted, o2 is found ACCEPTED without a dispatch, so it is asked of the venue
    (reconciled) and never placed; the venue does not know it, so it ends REJECTED, and a
    retry of its key gets that first answer (DEDUPLICATED), still without a placement."""
    wal = tmp_path / "wal"
    _dispatch_o1_then_fail_on_o2(wal, FailingDisk(errno.EIO, "sync"), LogWriteError)
    broker = StubBroker()
    again = open_gateway(str(wal), broker)
    settle(again)
    states = again.core.state.intents
    assert (states["o1"].status.value, states["o2"].status.value) == ("ACKED", "REJECTED")
    assert "o2" in broker.reconciled
    again.submit(new_order("o2-retry", "key-2", 1))
    settle(again)
    assert states["o2-retry"].status.value == "DEDUPLICATED"
    assert broker.placed == []
    again.close("test end")
    assert replay_events(read_logged_events(tmp_path)).violations == ()
