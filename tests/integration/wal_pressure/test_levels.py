"""Pressure levels from measurements: thresholds, hysteresis, the probe and the monitor."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hft.adapters.wal.pressure import (
    DiskPressureMonitor,
    DiskUsage,
    InvalidThresholdsError,
    PressureThresholds,
    StatvfsDiskProbe,
    classify,
)
from hft.ports.disk_pressure import PressureChange, PressureLevel

MIB = 1 << 20
GIB = 1 << 30
THRESHOLDS = PressureThresholds(
    warn_free_bytes=10 * GIB,
    critical_free_bytes=5 * GIB,
    halt_free_bytes=1 * GIB,
    warn_wal_bytes=50 * GIB,
    critical_wal_bytes=80 * GIB,
    halt_wal_bytes=100 * GIB,
    clear_margin_bytes=256 * MIB,
)
PLENTY = 500 * GIB
LEVELS = st.sampled_from(list(PressureLevel))
FREE = st.integers(min_value=0, max_value=20 * GIB)
WAL = st.integers(min_value=0, max_value=120 * GIB)


class ScriptedProbe:
    """A DiskProbe that returns the next scripted usage (or raises a scripted OSError)."""

    def __init__(self, script: Iterable[DiskUsage | OSError]) -> None:
        self._script = list(script)

    def measure(self) -> DiskUsage:
        item = self._script.pop(0)
        if isinstance(item, OSError):
            raise item
        return item


def free(n: int) -> DiskUsage:
    return DiskUsage(free_bytes=n, wal_bytes=0)


@pytest.mark.parametrize(
    ("usage", "level"),
    [
        (DiskUsage(PLENTY, 0), PressureLevel.OK),
        (DiskUsage(10 * GIB, 0), PressureLevel.OK),
        (DiskUsage(10 * GIB - 1, 0), PressureLevel.WARN),
        (DiskUsage(5 * GIB - 1, 0), PressureLevel.CRITICAL),
        (DiskUsage(1 * GIB - 1, 0), PressureLevel.HALT),
        (DiskUsage(PLENTY, 50 * GIB + 1), PressureLevel.WARN),
        (DiskUsage(PLENTY, 80 * GIB + 1), PressureLevel.CRITICAL),
        (DiskUsage(PLENTY, 100 * GIB + 1), PressureLevel.HALT),
        (DiskUsage(7 * GIB, 90 * GIB), PressureLevel.CRITICAL),
    ],
)
def test_levels_start_just_past_their_thresholds(usage: DiskUsage, level: PressureLevel) -> None:
    """Below a free threshold or above a size threshold is that level; exactly at it is not."""
    assert classify(usage, THRESHOLDS) is level


@given(a=FREE, b=FREE, wal=WAL, current=LEVELS)
def test_less_free_space_never_means_a_lower_level(
    a: int, b: int, wal: int, current: PressureLevel
) -> None:
    """Monotone: from the same starting level, less free space gives an equal or higher level."""
    low, high = sorted((a, b))
    assert classify(DiskUsage(low, wal), THRESHOLDS, current) >= classify(
        DiskUsage(high, wal), THRESHOLDS, current
    )


@given(free_bytes=FREE, wal=WAL, current=LEVELS)
def test_rising_is_immediate(free_bytes: int, wal: int, current: PressureLevel) -> None:
    """From any level at or below it, a measure past a threshold jumps straight to its level."""
    usage = DiskUsage(free_bytes, wal)
    raw = classify(usage, THRESHOLDS)
    assert classify(usage, THRESHOLDS, min(current, raw)) is raw


@given(free_bytes=FREE, wal=WAL, current=LEVELS)
def test_falling_never_skips_below_the_unmargined_level(
    free_bytes: int, wal: int, current: PressureLevel
) -> None:
    """Hysteresis only delays clearing: the result lies between the raw level and the current."""
    usage = DiskUsage(free_bytes, wal)
    raw = classify(usage, THRESHOLDS)
    assert min(raw, current) <= classify(usage, THRESHOLDS, current) <= max(raw, current)


@given(offsets=st.lists(st.integers(min_value=-100 * MIB, max_value=100 * MIB), max_size=40))
def test_hovering_at_a_threshold_within_the_margin_changes_level_at_most_once(
    offsets: list[int],
) -> None:
    """Free space wobbling +-100 MiB around the CRITICAL threshold (margin 256 MiB) never flaps."""
    level, changes = PressureLevel.WARN, 0
    for off in offsets:
        new = classify(free(5 * GIB + off), THRESHOLDS, level)
        changes += new is not level
        level = new
    assert changes <= 1


def test_a_level_clears_only_past_its_threshold_plus_the_margin() -> None:
    """CRITICAL stays until free >= threshold + margin, then drops to what the measure says."""
    at = PressureLevel.CRITICAL
    assert classify(free(5 * GIB + 1), THRESHOLDS, at) is at
    assert classify(free(5 * GIB + 256 * MIB - 1), THRESHOLDS, at) is at
    assert classify(free(5 * GIB + 256 * MIB), THRESHOLDS, at) is PressureLevel.WARN
    assert classify(free(PLENTY), THRESHOLDS, at) is PressureLevel.OK
    size_at = classify(DiskUsage(PLENTY, 100 * GIB - 1), THRESHOLDS, PressureLevel.HALT)
    assert size_at is PressureLevel.HALT


@pytest.mark.parametrize(
    "kwargs",
    [
        {"warn_free_bytes": 1, "critical_free_bytes": 2, "halt_free_bytes": 0},
        {"warn_free_bytes": 3, "critical_free_bytes": 2, "halt_free_bytes": -1},
        {"warn_free_bytes": 3, "critical_free_bytes": 2, "halt_free_bytes": 1, "warn_wal_bytes": 5},
        {
            "warn_free_bytes": 3,
            "critical_free_bytes": 2,
            "halt_free_bytes": 1,
            "warn_wal_bytes": 9,
            "critical_wal_bytes": 5,
            "halt_wal_bytes": 10,
        },
        {
            "warn_free_bytes": 3,
            "critical_free_bytes": 2,
            "halt_free_bytes": 1,
            "clear_margin_bytes": -1,
        },
    ],
)
def test_thresholds_out_of_order_are_refused(kwargs: dict[str, int]) -> None:
    """A configuration that would skip or invert levels raises InvalidThresholdsError."""
    with pytest.raises(InvalidThresholdsError):
        PressureThresholds(**kwargs)


def test_the_probe_counts_segments_but_never_the_manifest(tmp_path: Path) -> None:
    """WAL size is the segment files only: a huge manifest, temp and lock files do not count."""
    (tmp_path / "00000000000000000001.seg").write_bytes(b"\0" * 3000)
    (tmp_path / "00000000000000000101.seg").write_bytes(b"\0" * 1000)
    (tmp_path / "MANIFEST.json").write_bytes(b"x" * 50_000)
    (tmp_path / "MANIFEST.json.tmp").write_bytes(b"x" * 50_000)
    (tmp_path / "spare.zero").write_bytes(b"\0" * 50_000)
    (tmp_path / "00000000000000000201.seg.tmp").write_bytes(b"\0" * 50_000)
    (tmp_path / "claims").mkdir()
    (tmp_path / "claims" / "00000000000000000001.seg.claim").write_bytes(b"")
    usage = StatvfsDiskProbe(tmp_path).measure()
    assert usage.wal_bytes == 4000
    assert usage.free_bytes > 0


def test_the_monitor_reports_each_change_once_with_its_reason() -> None:
    """check() calls the listener only when the level moves, with previous, new and why."""
    script = [free(PLENTY), free(9 * GIB), free(8 * GIB), free(GIB // 2), free(PLENTY)]
    changes: list[PressureChange] = []
    monitor = DiskPressureMonitor(ScriptedProbe(script), THRESHOLDS, changes.append)
    levels = [monitor.check() for _ in script]
    assert levels == [
        PressureLevel.OK,
        PressureLevel.WARN,
        PressureLevel.WARN,
        PressureLevel.HALT,
        PressureLevel.OK,
    ]
    assert [(c.previous, c.level) for c in changes] == [
        (PressureLevel.OK, PressureLevel.WARN),
        (PressureLevel.WARN, PressureLevel.HALT),
        (PressureLevel.HALT, PressureLevel.OK),
    ]
    assert changes[1].reason == (
        "disk pressure HALT: free 512.0 MiB below 1024.0 MiB (WAL data 0.0 MiB)"
    )
    assert changes[1].free_bytes == GIB // 2


def test_a_failing_probe_keeps_the_level_and_is_counted() -> None:
    """An OSError from the probe changes nothing and is recorded for operators."""
    error = OSError(5, "EIO")
    monitor = DiskPressureMonitor(ScriptedProbe([free(GIB // 2), error]), THRESHOLDS)
    assert monitor.check() is PressureLevel.HALT
    assert monitor.check() is PressureLevel.HALT
    assert monitor.probe_errors == 1
    assert monitor.last_error is error


def test_the_background_thread_delivers_changes_to_subscribers() -> None:
    """start() measures on its own thread; a subscriber hears about the change; stop() joins."""
    script: list[DiskUsage | OSError] = [free(PLENTY), *[free(GIB // 2)] * 10_000]
    heard = threading.Event()
    got: list[PressureChange] = []
    monitor = DiskPressureMonitor(ScriptedProbe(script), THRESHOLDS, interval_s=0.001)

    def listen(change: PressureChange) -> None:
        got.append(change)
        heard.set()

    monitor.subscribe(listen)
    monitor.start()
    try:
        assert heard.wait(timeout=30)
    finally:
        monitor.stop()
        monitor.stop()
    assert (got[0].previous, got[0].level) == (PressureLevel.OK, PressureLevel.HALT)
    assert monitor.level() is PressureLevel.HALT
