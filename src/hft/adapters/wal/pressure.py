"""Disk pressure of a WAL directory: free space and data size turned into levels.

Measured off the hot path (a background thread, or `check()` called by whoever schedules
it). Entering a higher level is immediate; leaving one needs the measure to clear the
threshold by `clear_margin_bytes` (hysteresis), so a disk hovering at a threshold does not
flap. The log's size counts data segments only: a manifest that grows forever must never look
like data (it once caused a false HALT with 125 GB free).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

import attrs

from hft.adapters.wal.format import first_seq_of
from hft.ports.disk_pressure import PressureChange, PressureLevel, PressureListener

_RAISED = (PressureLevel.HALT, PressureLevel.CRITICAL, PressureLevel.WARN)
_MIB = 1 << 20


class InvalidThresholdsError(ValueError):
    """Thresholds out of order (warn must trigger before critical, critical before halt)."""


@attrs.frozen
class DiskUsage:
    """One measurement: bytes available to us on the file system, and the log's data size."""

    free_bytes: int
    wal_bytes: int


class DiskProbe(Protocol):
    """Measures disk usage. May block on the file system: never call it on the hot path."""

    def measure(self) -> DiskUsage: ...


def is_segment_file(name: str) -> bool:
    """The files that count as WAL data: segments, never the manifest, spare, temp or locks."""
    return first_seq_of(name) is not None


class StatvfsDiskProbe:
    """`statvfs` for free space (blocks available to unprivileged users) plus the sizes of
    the files in `wal_dir` that `counts(name)` accepts (segment files by default)."""

    def __init__(self, wal_dir: Path | str, counts: Callable[[str], bool] = is_segment_file):
        self._dir = Path(wal_dir)
        self._counts = counts

    def measure(self) -> DiskUsage:
        st = os.statvfs(self._dir)
        wal = 0
        with os.scandir(self._dir) as entries:
            for entry in entries:
                if self._counts(entry.name) and entry.is_file(follow_symlinks=False):
                    wal += entry.stat(follow_symlinks=False).st_size
        return DiskUsage(free_bytes=st.f_bavail * st.f_frsize, wal_bytes=wal)


def _free_order(t: PressureThresholds, _a: attrs.Attribute[int], _v: int) -> None:
    if not t.warn_free_bytes > t.critical_free_bytes > t.halt_free_bytes >= 0:
        raise InvalidThresholdsError("free-space thresholds need warn > critical > halt >= 0")


def _wal_order(t: PressureThresholds, _a: attrs.Attribute[int | None], _v: int | None) -> None:
    limits = (t.warn_wal_bytes, t.critical_wal_bytes, t.halt_wal_bytes)
    if all(x is None for x in limits):
        return
    w, c, h = limits
    if w is None or c is None or h is None or not 0 < w < c < h:
        raise InvalidThresholdsError("WAL-size thresholds need 0 < warn < critical < halt")


def _non_negative(_t: PressureThresholds, _a: attrs.Attribute[int], value: int) -> None:
    if value < 0:
        raise InvalidThresholdsError("clear_margin_bytes must be >= 0")


@attrs.frozen(kw_only=True)
class PressureThresholds:
    """Where the levels start, in bytes.

    A level is entered when free space drops *below* its `*_free_bytes` or the WAL data size
    rises *above* its `*_wal_bytes` (None: size is not limited). It clears only once free
    space is back at or above threshold + `clear_margin_bytes` and the size at or below
    threshold - `clear_margin_bytes`.
    """

    warn_free_bytes: int = attrs.field(validator=_free_order)
    critical_free_bytes: int
    halt_free_bytes: int
    warn_wal_bytes: int | None = attrs.field(default=None, validator=_wal_order)
    critical_wal_bytes: int | None = None
    halt_wal_bytes: int | None = None
    clear_margin_bytes: int = attrs.field(default=64 * _MIB, validator=_non_negative)

    def free_limit(self, level: PressureLevel) -> int:
        limits = {
            PressureLevel.WARN: self.warn_free_bytes,
            PressureLevel.CRITICAL: self.critical_free_bytes,
            PressureLevel.HALT: self.halt_free_bytes,
        }
        return limits[level]

    def wal_limit(self, level: PressureLevel) -> int | None:
        limits = {
            PressureLevel.WARN: self.warn_wal_bytes,
            PressureLevel.CRITICAL: self.critical_wal_bytes,
            PressureLevel.HALT: self.halt_wal_bytes,
        }
        return limits[level]


def _entered(usage: DiskUsage, t: PressureThresholds, level: PressureLevel) -> bool:
    wal_limit = t.wal_limit(level)
    return usage.free_bytes < t.free_limit(level) or (
        wal_limit is not None and usage.wal_bytes > wal_limit
    )


def _still_held(usage: DiskUsage, t: PressureThresholds, level: PressureLevel) -> bool:
    margin = t.clear_margin_bytes
    wal_limit = t.wal_limit(level)
    return usage.free_bytes < t.free_limit(level) + margin or (
        wal_limit is not None and usage.wal_bytes > wal_limit - margin
    )


def classify(
    usage: DiskUsage, thresholds: PressureThresholds, current: PressureLevel = PressureLevel.OK
) -> PressureLevel:
    """The level for `usage`, given the level we are at now (for hysteresis). Pure."""
    raw = next((lvl for lvl in _RAISED if _entered(usage, thresholds, lvl)), PressureLevel.OK)
    if raw >= current:
        return raw
    for level in _RAISED:
        if raw < level <= current and _still_held(usage, thresholds, level):
            return level
    return raw


def explain(usage: DiskUsage, thresholds: PressureThresholds, level: PressureLevel) -> str:
    """A one-line reason for being at `level` (which measure crossed which threshold)."""
    free = f"free {usage.free_bytes / _MIB:.1f} MiB"
    wal = f"WAL data {usage.wal_bytes / _MIB:.1f} MiB"
    if level is PressureLevel.OK:
        return f"disk pressure OK: {free}, {wal}"
    name = level.name
    free_limit = thresholds.free_limit(level)
    wal_limit = thresholds.wal_limit(level)
    if wal_limit is not None and usage.wal_bytes > wal_limit - thresholds.clear_margin_bytes:
        return f"disk pressure {name}: {wal} above {wal_limit / _MIB:.1f} MiB ({free})"
    return f"disk pressure {name}: {free} below {free_limit / _MIB:.1f} MiB ({wal})"


class DiskPressureMonitor:
    """Turns probe measurements into levels and tells listeners about each change.

    `level()` never blocks. `check()` measures once (blocking file-system calls); `start()`
    runs `check()` every `interval_s` on a daemon thread until `stop()`. A probe that fails
    with `OSError` leaves the level as it was and is counted in `probe_errors`.
    """

    def __init__(
        self,
        probe: DiskProbe,
        thresholds: PressureThresholds,
        on_change: PressureListener | None = None,
        interval_s: float = 1.0,
    ) -> None:
        self._probe = probe
        self._thresholds = thresholds
        self._listeners: list[PressureListener] = [on_change] if on_change else []
        self._interval_s = interval_s
        self._level = PressureLevel.OK
        self._usage: DiskUsage | None = None
        self._check_lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.probe_errors = 0
        self.last_error: BaseException | None = None

    @property
    def thresholds(self) -> PressureThresholds:
        return self._thresholds

    def level(self) -> PressureLevel:
        return self._level

    def last_usage(self) -> DiskUsage | None:
        return self._usage

    def subscribe(self, listener: PressureListener) -> None:
        self._listeners.append(listener)

    def check(self) -> PressureLevel:
        """Measures now; on a level change calls every listener before returning."""
        with self._check_lock:
            try:
                usage = self._probe.measure()
            except OSError as exc:
                self.probe_errors += 1
                self.last_error = exc
                return self._level
            self._usage = usage
            previous = self._level
            self._level = classify(usage, self._thresholds, previous)
            if self._level is previous:
                return previous
            change = PressureChange(
                previous=previous,
                level=self._level,
                reason=explain(usage, self._thresholds, self._level),
                free_bytes=usage.free_bytes,
                wal_bytes=usage.wal_bytes,
            )
            for listener in list(self._listeners):
                listener(change)
            return self._level

    def start(self) -> None:
        """Checks once now, then every `interval_s` on a daemon thread."""
        if self._thread is not None:
            return
        self.check()
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="disk-pressure", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stops the background thread (idempotent); waits for a running check to finish."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def _run(self) -> None:
        while not self._stop.wait(self._interval_s):
            try:
                self.check()
            except Exception as exc:  # a listener bug must not stop monitoring
                self.last_error = exc
