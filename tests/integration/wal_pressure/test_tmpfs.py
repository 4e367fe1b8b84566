"""A real 4 MiB tmpfs filled and emptied: the levels follow the disk, not a simulation."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from hft.adapters.wal.pressure import (
    DiskPressureMonitor,
    PressureThresholds,
    StatvfsDiskProbe,
)
from hft.ports.disk_pressure import PressureChange, PressureLevel

KIB = 1 << 10
MIB = 1 << 20


@pytest.fixture
def small_fs(tmp_path: Path) -> Iterator[Path]:
    """A 4 MiB tmpfs mounted for this test (root only; skipped where mounting is refused)."""
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


def _segment(directory: Path, index: int) -> Path:
    path = directory / f"{index:020d}.seg"
    path.write_bytes(b"\0" * MIB)
    return path


def _fill(directory: Path, count: int) -> None:
    for index in range(count):
        _segment(directory, index)


def test_filling_a_real_filesystem_walks_up_the_levels_and_back(small_fs: Path) -> None:
    """1 MiB segments on a 4 MiB tmpfs: OK, WARN, CRITICAL, HALT, then down again on delete."""
    thresholds = PressureThresholds(
        warn_free_bytes=3 * MIB + 512 * KIB,
        critical_free_bytes=2 * MIB + 512 * KIB,
        halt_free_bytes=1 * MIB + 512 * KIB,
        clear_margin_bytes=256 * KIB,
    )
    changes: list[PressureChange] = []
    monitor = DiskPressureMonitor(StatvfsDiskProbe(small_fs), thresholds, changes.append)
    assert monitor.check() is PressureLevel.OK
    segments = []
    rising = []
    for index in range(3):
        segments.append(_segment(small_fs, index))
        rising.append(monitor.check())
    assert rising == [PressureLevel.WARN, PressureLevel.CRITICAL, PressureLevel.HALT]
    usage = monitor.last_usage()
    assert usage is not None
    assert usage.wal_bytes == 3 * MIB
    falling = []
    for path in reversed(segments):
        path.unlink()
        falling.append(monitor.check())
    assert falling == [PressureLevel.CRITICAL, PressureLevel.WARN, PressureLevel.OK]
    assert len(changes) == 6


def test_a_full_filesystem_is_halt_and_a_write_fails_with_enospc(small_fs: Path) -> None:
    """Writing until the kernel refuses: the monitor says HALT and the write raised ENOSPC."""
    thresholds = PressureThresholds(
        warn_free_bytes=2 * MIB, critical_free_bytes=1 * MIB, halt_free_bytes=256 * KIB
    )
    monitor = DiskPressureMonitor(StatvfsDiskProbe(small_fs), thresholds)
    with pytest.raises(OSError, match="No space left") as info:
        _fill(small_fs, 10)
    assert info.value.errno == 28
    assert monitor.check() is PressureLevel.HALT
    usage = monitor.last_usage()
    assert usage is not None
    assert usage.free_bytes == 0
