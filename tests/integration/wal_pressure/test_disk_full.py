"""A real WAL filling a real 4 MiB tmpfs: the levels rise, the gateway is told to halt, the
full disk surfaces as DiskFullError, and every acknowledged event is still on disk."""

from __future__ import annotations

import contextlib
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from hft.adapters.wal import DiskFullError, LogWriteError, WalConfig, WalEventLog, read_frames
from hft.adapters.wal.format import Durability
from hft.adapters.wal.pressure import DiskPressureMonitor, PressureThresholds, StatvfsDiskProbe
from hft.app.bootstrap.codec import default_codec
from hft.app.recorder import Recorder, RecorderMode
from hft.domain.events import DomainEvent
from hft.ports.disk_pressure import PressureLevel
from tests.strategies.recorder import order_events, quotes

KIB = 1 << 10
MIB = 1 << 20


@pytest.fixture
def small_fs(tmp_path: Path) -> Iterator[Path]:
    """A 4 MiB tmpfs for this test (root only; skipped where mounting is refused)."""
    mount_point = tmp_path / "fs"
    mount_point.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount_point)],
        capture_output=True,
        check=False,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", str(mount_point)], check=True)


def _fill(
    recorder: Recorder, log: WalEventLog, monitor: DiskPressureMonitor
) -> tuple[list[DomainEvent], list[PressureLevel], BaseException]:
    acked: list[DomainEvent] = []
    levels = [monitor.check()]
    for i in range(10_000):
        recorder.record("market_data", quotes(20, ts_ns=i * 100))
        batch = order_events(50, ts_ns=i * 100)
        try:
            receipt = recorder.record("orders", batch)
            assert receipt is not None
            if log.wait_durable(receipt.last_seq, timeout_s=60):
                acked.extend(batch)
        except LogWriteError as exc:
            levels.append(monitor.check())
            return acked, levels, exc
        levels.append(monitor.check())
    raise AssertionError("a 4 MiB file system never filled up")


def test_filling_the_disk_halts_first_and_loses_no_acknowledged_event(small_fs: Path) -> None:
    """WARN -> CRITICAL -> HALT, a halt call at CRITICAL, quotes dropped and counted,
    DiskFullError at the end, and the acknowledged order events read back in order, identical."""
    wal_dir = small_fs / "wal"
    config = WalConfig(policy=Durability.FSYNC, segment_bytes=256 * KIB)
    log = WalEventLog.open(str(wal_dir), default_codec(), config)
    thresholds = PressureThresholds(
        warn_free_bytes=3 * MIB,
        critical_free_bytes=2 * MIB,
        halt_free_bytes=1 * MIB,
        clear_margin_bytes=64 * KIB,
    )
    monitor = DiskPressureMonitor(StatvfsDiskProbe(wal_dir), thresholds)
    halts: list[str] = []
    recorder = Recorder(log, RecorderMode.WAL_FIRST, on_halt=halts.append, pressure=monitor)
    acked, levels, error = _fill(recorder, log, monitor)
    recorder.close()
    with contextlib.suppress(LogWriteError):  # the log already failed; close releases it
        log.close()
    distinct = [lvl for i, lvl in enumerate(levels) if i == 0 or lvl is not levels[i - 1]]
    assert distinct == [
        PressureLevel.OK,
        PressureLevel.WARN,
        PressureLevel.CRITICAL,
        PressureLevel.HALT,
    ]
    assert isinstance(error, DiskFullError)
    assert halts[0].startswith("disk pressure CRITICAL")
    # The full disk surfaces at `append` or at `wait_durable`; at `append` it halts too.
    assert [h.split(":")[0] for h in halts[1:]] in ([], ["event log refused a orders batch"])
    dropped = {r.topic: r.count for r in recorder.drops.snapshot()}
    assert dropped["market_data"] > 0
    on_disk = [
        event
        for frame in read_frames(str(wal_dir))
        for event in default_codec().decode(frame.payload)
        if type(event).__name__ == "BrokerSessionChanged"
    ]
    assert len(acked) > 0
    assert on_disk[: len(acked)] == acked
