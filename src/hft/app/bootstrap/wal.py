"""Wires the write-ahead log: an `EventLog` over a directory with the default codec, and the
read-only views the CLI needs.

The one place that sets the process-wide GIL switch interval for acks (ADR 0019): opening a
log whose policy syncs (`fsync`, `batch`) lowers it to `ACK_SWITCH_INTERVAL_S`, so a thread
busy in Python (the gateway loop, a producer) gives the flusher the GIL within 0.5 ms of the
fdatasync returning instead of the default 5 ms. Live and sim runners, the benchmarks and
tools all open logs here, so all run the same way. A process that wants it lower keeps it.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from typing import Any

from hft.adapters.wal import (
    CorruptLogError,
    DiskFullError,
    Durability,
    FileOps,
    LogClosedError,
    LogLockedError,
    LogOverloadedError,
    LogReport,
    LogWriteError,
    Problem,
    SealedSegment,
    SegmentSummary,
    WalConfig,
    WalError,
    WalEventLog,
    WalLog,
    data_bytes,
    describe_log,
    follow_frames,
    read_frames,
    sealed_segments,
    verify_log,
)
from hft.app.bootstrap.codec import default_codec
from hft.ports.codec import EventCodec

__all__ = [
    "ACK_SWITCH_INTERVAL_S",
    "POLICIES",
    "CorruptLogError",
    "DiskFullError",
    "Durability",
    "FileOps",
    "LogClosedError",
    "LogLockedError",
    "LogOverloadedError",
    "LogReport",
    "LogWriteError",
    "Problem",
    "SealedSegment",
    "SegmentSummary",
    "WalConfig",
    "WalError",
    "WalEventLog",
    "WalLog",
    "data_bytes",
    "describe_log",
    "lower_switch_interval_for_acks",
    "open_event_log",
    "open_record_log",
    "sealed_segments",
    "tail_events",
    "verify_log",
    "wal_config",
]

POLICIES: dict[str, Durability] = {p.name.lower(): p for p in Durability}

ACK_SWITCH_INTERVAL_S = 0.0005


def lower_switch_interval_for_acks() -> float:
    """Lower this process's GIL switch interval to `ACK_SWITCH_INTERVAL_S` (never raise it);
    return the interval now in force. Process-wide and idempotent; see the module doc."""
    if sys.getswitchinterval() > ACK_SWITCH_INTERVAL_S:
        sys.setswitchinterval(ACK_SWITCH_INTERVAL_S)
    return sys.getswitchinterval()


def _for_acks(config: WalConfig | None) -> WalConfig | None:
    if config is None or config.policy is not Durability.NONE:
        lower_switch_interval_for_acks()
    return config


def wal_config(
    policy: str = "fsync", *, batch_delay_s: float = 0.002, segment_bytes: int | None = None
) -> WalConfig:
    """A writer config from CLI-style settings; `policy` is fsync | batch | none."""
    try:
        durability = POLICIES[policy]
    except KeyError:
        raise ValueError(f"unknown durability policy {policy!r} (fsync|batch|none)") from None
    extra: dict[str, Any] = {} if segment_bytes is None else {"segment_bytes": segment_bytes}
    return WalConfig(policy=durability, batch_delay_s=batch_delay_s, **extra)


def open_event_log(
    directory: str, config: WalConfig | None = None, codec: EventCodec | None = None
) -> WalEventLog:
    """The durable `EventLog` for `directory` with the default codec (see `WalEventLog`).
    A syncing policy lowers the process's GIL switch interval (see the module doc)."""
    return WalEventLog.open(directory, codec or default_codec(), _for_acks(config))


def open_record_log(
    directory: str, config: WalConfig | None = None, *, fileops: FileOps | None = None
) -> WalLog:
    """The bytes-level log (benchmarks, tools); the switch interval as `open_event_log`.
    `fileops` replaces the file operations (a benchmark timing its syncs)."""
    return WalLog.open(directory, _for_acks(config), fileops=fileops)


def tail_events(
    directory: str,
    from_seq: int = 1,
    *,
    follow: bool = False,
    stop: threading.Event | None = None,
    idle_timeout_s: float | None = None,
    codec: EventCodec | None = None,
) -> Iterator[dict[str, Any]]:
    """Decoded events from `from_seq` as `{"seq": n, "type": ..., "v": ..., **fields}`.

    Without `follow` it ends at the end of the log; with it, it waits for more until `stop`
    is set or `idle_timeout_s` passes without news. Raises CorruptLogError on damage.
    """
    codec = codec or default_codec()
    frames = (
        follow_frames(directory, from_seq, stop=stop, idle_timeout_s=idle_timeout_s)
        if follow
        else read_frames(directory, from_seq)
    )
    for frame in frames:
        events = codec.decode(frame.payload)
        for offset, event in enumerate(events):
            seq = frame.first_seq + offset
            if seq >= from_seq:
                yield {"seq": seq, **codec.to_dict(event)}
