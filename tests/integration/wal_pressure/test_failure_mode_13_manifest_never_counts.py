"""Failure mode 13 (docs/failure-modes.md): the WAL's size limit counts segment files only,
so a manifest that grows with every sealed segment can never raise a false HALT.

A real log of many small segments is measured by the real statvfs probe with the HALT size
thresholds set just above the bytes of its segment files (WARN at +0, CRITICAL at +1, HALT
at +2): the level stays OK however large the manifest (and the spare, lock and temp files
beside it) grow, and one byte less moves it, so the limit is live.
"""

from __future__ import annotations

from pathlib import Path

from hft.adapters.wal import WalLog
from hft.adapters.wal.pressure import DiskPressureMonitor, PressureThresholds, StatvfsDiskProbe
from hft.ports.disk_pressure import PressureLevel
from tests.integration.wal.helpers import record, segment_paths, small_config


def _grow(directory: Path, first: int, last: int) -> None:
    with WalLog.open(str(directory), small_config()) as log:
        for seq in range(first, last + 1):
            log.append_records([record(seq)])
        assert log.wait_durable(last, 30)


def _level_at(directory: Path, halt_wal_bytes: int) -> PressureLevel:
    thresholds = PressureThresholds(
        warn_free_bytes=3,
        critical_free_bytes=2,
        halt_free_bytes=1,
        warn_wal_bytes=halt_wal_bytes - 2,
        critical_wal_bytes=halt_wal_bytes - 1,
        halt_wal_bytes=halt_wal_bytes,
        clear_margin_bytes=0,
    )
    return DiskPressureMonitor(StatvfsDiskProbe(directory), thresholds).check()


def _segment_bytes(directory: Path) -> int:
    return sum(p.stat().st_size for p in segment_paths(directory))


def test_a_growing_manifest_never_moves_the_level(tmp_path: Path) -> None:
    """500 then 2,000 records over 4 KiB segments: the manifest grows with the sealed
    segments, yet with the WARN size set to the segments' bytes the level is OK both times
    (a 1 MiB stray temp file changes nothing); each byte lower moves it one level up, to
    HALT once the HALT size is below the segments' bytes."""
    wal = tmp_path / "wal"
    _grow(wal, 1, 500)
    small_manifest = (wal / "MANIFEST.json").stat().st_size
    assert _level_at(wal, _segment_bytes(wal) + 2) is PressureLevel.OK
    _grow(wal, 501, 2_000)
    grown_manifest = (wal / "MANIFEST.json").stat().st_size
    assert grown_manifest > small_manifest
    (wal / "MANIFEST.json.99.tmp").write_bytes(bytes(1 << 20))
    segments = _segment_bytes(wal)
    assert len(segment_paths(wal)) > 20
    others = sum(p.stat().st_size for p in wal.iterdir() if p.suffix != ".seg")
    assert others > grown_manifest > 0
    levels = [_level_at(wal, segments + shift) for shift in (2, 1, 0, -1)]
    assert [level.name for level in levels] == ["OK", "WARN", "CRITICAL", "HALT"]
