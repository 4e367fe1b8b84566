"""Wires the recorder: its mode from the environment, disk pressure over the WAL directory,
segment claims, and the eventsourcing persistence module on the WAL.

Environment:
  HFT_RECORDER_MODE            direct (default) | wal_first
  HFT_DISK_WARN_FREE_BYTES     free space below which the level is WARN      (4 GiB)
  HFT_DISK_CRITICAL_FREE_BYTES ... CRITICAL                                  (2 GiB)
  HFT_DISK_HALT_FREE_BYTES     ... HALT                                      (1 GiB)
  HFT_DISK_WARN_WAL_BYTES, HFT_DISK_CRITICAL_WAL_BYTES, HFT_DISK_HALT_WAL_BYTES
                               WAL data size above which the level rises (unset: no limit;
                               set all three or none)
  HFT_DISK_CLEAR_MARGIN_BYTES  hysteresis margin for clearing a level      (256 MiB)
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping

from hft.adapters.wal.claims import Claim, FileClaimRegistry
from hft.adapters.wal.pressure import (
    DiskPressureMonitor,
    InvalidThresholdsError,
    PressureThresholds,
    StatvfsDiskProbe,
)
from hft.app.bootstrap.codec import default_codec
from hft.app.recorder import (
    DEFAULT_TOPIC_POLICY,
    Recorder,
    RecorderMode,
    TopicPolicy,
    event_rows,
    recorder_mode_from_env,
)
from hft.ports.disk_pressure import DiskPressureSource
from hft.ports.event_log import EventLog
from hft.ports.segments import SegmentClaims
from hft.ports.sinks import AnalyticsSink

__all__ = [
    "ES_PERSISTENCE_MODULE",
    "Claim",
    "DiskPressureMonitor",
    "InvalidThresholdsError",
    "PressureThresholds",
    "build_recorder",
    "claim_registry",
    "es_environment",
    "halt_hook",
    "pressure_monitor",
    "pressure_thresholds_from_env",
]

ES_PERSISTENCE_MODULE = "hft.adapters.wal.es_factory"
_GIB = 1 << 30
_MIB = 1 << 20
_PREFIX = "HFT_DISK_"


def _int_env(environ: Mapping[str, str], name: str, default: int | None) -> int | None:
    raw = environ.get(_PREFIX + name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        msg = f"{_PREFIX}{name}={raw!r} is not a whole number of bytes"
        raise InvalidThresholdsError(msg) from None


def pressure_thresholds_from_env(environ: Mapping[str, str] | None = None) -> PressureThresholds:
    """Thresholds from `HFT_DISK_*` (see the module docstring); named error on bad values."""
    env = os.environ if environ is None else environ
    free = {
        level: _int_env(env, f"{level.upper()}_FREE_BYTES", default)
        for level, default in (("warn", 4 * _GIB), ("critical", 2 * _GIB), ("halt", _GIB))
    }
    wal = {level: _int_env(env, f"{level.upper()}_WAL_BYTES", None) for level in free}
    margin = _int_env(env, "CLEAR_MARGIN_BYTES", 256 * _MIB)
    return PressureThresholds(
        warn_free_bytes=free["warn"] or 0,
        critical_free_bytes=free["critical"] or 0,
        halt_free_bytes=free["halt"] or 0,
        warn_wal_bytes=wal["warn"],
        critical_wal_bytes=wal["critical"],
        halt_wal_bytes=wal["halt"],
        clear_margin_bytes=margin or 0,
    )


def pressure_monitor(
    wal_dir: str, thresholds: PressureThresholds | None = None, interval_s: float = 1.0
) -> DiskPressureMonitor:
    """A monitor over `wal_dir` (statvfs + segment sizes). The caller runs it: `start()` for a
    background thread, or `check()` on its own schedule; `stop()` at shutdown."""
    return DiskPressureMonitor(
        StatvfsDiskProbe(wal_dir), thresholds or pressure_thresholds_from_env(), None, interval_s
    )


def build_recorder(
    log: EventLog,
    *,
    log_id: str,
    on_halt: Callable[[str], None],
    sink: AnalyticsSink | None = None,
    pressure: DiskPressureSource | None = None,
    policy: TopicPolicy = DEFAULT_TOPIC_POLICY,
    mode: RecorderMode | None = None,
    environ: Mapping[str, str] | None = None,
) -> Recorder:
    """A recorder in the mode from `HFT_RECORDER_MODE` (unless `mode` is given).

    Direct mode needs `sink`; rows go to the `events` table keyed by (`log_id`, seq).
    Raises `UnknownRecorderModeError` or `RecorderConfigError` by name.
    """
    chosen = mode or recorder_mode_from_env(os.environ if environ is None else environ)
    return Recorder(
        log,
        chosen,
        on_halt=on_halt,
        sink=sink,
        rows=event_rows(default_codec(), log_id),
        pressure=pressure,
        policy=policy,
    )


def halt_hook(
    halt: Callable[[str, str], None], source: str = "disk_pressure"
) -> Callable[[str], None]:
    """Adapts a gateway's `halt(source, reason)` (thread-safe, latched) to `on_halt(reason)`."""

    def on_halt(reason: str) -> None:
        halt(source, reason)

    return on_halt


def claim_registry(lock_dir: str) -> SegmentClaims[Claim]:
    """Segment claims for one process, as lock files in `lock_dir` (every process that
    claims the same segments must use the same directory; the loader keeps its own in its
    state directory). Make one per process after any fork: a forked child shares claims."""
    return FileClaimRegistry(lock_dir)


def es_environment(wal_dir: str, durability: str = "fsync") -> dict[str, str]:
    """Settings for an eventsourcing `Application(env=...)` that records to WALs under
    `wal_dir` (one per purpose). `durability` is fsync | batch | none."""
    return {
        "PERSISTENCE_MODULE": ES_PERSISTENCE_MODULE,
        "WAL_DIR": wal_dir,
        "WAL_DURABILITY": durability,
    }
