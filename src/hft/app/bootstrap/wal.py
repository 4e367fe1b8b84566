"""Wires the write-ahead log: an `EventLog` over a directory with the default codec, and the
read-only views the CLI needs.

The app, not the adapter, owns process-wide settings: a latency-sensitive process that
waits on acks should lower the GIL switch interval (`sys.setswitchinterval(0.0005)`) so the
flusher thread is not held off for the default 5 ms by a busy event loop.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

from hft.adapters.wal import (
    CorruptLogError,
    DiskFullError,
    Durability,
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
    "POLICIES",
    "CorruptLogError",
    "DiskFullError",
    "Durability",
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
    "open_event_log",
    "open_record_log",
    "sealed_segments",
    "tail_events",
    "verify_log",
    "wal_config",
]

POLICIES: dict[str, Durability] = {p.name.lower(): p for p in Durability}


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
    """The durable `EventLog` for `directory` with the default codec (see `WalEventLog`)."""
    return WalEventLog.open(directory, codec or default_codec(), config)


def open_record_log(directory: str, config: WalConfig | None = None) -> WalLog:
    """The bytes-level log (benchmarks, tools)."""
    return WalLog.open(directory, config)


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
