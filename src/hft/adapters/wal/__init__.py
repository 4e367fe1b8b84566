"""The write-ahead log: segment files of CRC-checked frames, group commit, recovery.

Public API (stable for the recorder, the loaders and the gateway):

Opening and writing
    `WalLog.open(directory, config=WalConfig(), *, fileops=FileOps()) -> WalLog`
        Locks the directory (one writer across processes, else `LogLockedError`), recovers
        it (`log.recovery: RecoveryReport`), starts the flusher. A context manager.
    `WalLog.append_records(records: Sequence[bytes]) -> (first_seq, last_seq)`
    `WalLog.append_frames(frames: Sequence[(payload: bytes, count: int)]) -> first_seq`
        Queue without touching the disk; seqs are global, gapless, assigned at the call.
    `WalLog.durable_seq() -> int`, `WalLog.wait_durable(seq, timeout_s=None) -> bool`,
    `WalLog.last_seq() -> int`, `WalLog.close()` (drains, syncs, idempotent).
    `WalEventLog(log, codec)` / `WalEventLog.open(directory, codec, config)`: the
        `hft.ports.event_log.EventLog` port; one `codec.encode` per frame.

Reading (no lock; safe beside a writer in any process)
    `WalLog.read_records(from_seq)`, `WalLog.read_frames(from_seq)`: durable data only.
    `read_frames(directory, from_seq=1, upto_seq=None) -> Iterator[FrameData]`
    `read_records(directory, from_seq=1, upto_seq=None) -> Iterator[(seq, bytes)]`
    `follow_frames(directory, from_seq=1, *, poll_s, stop: threading.Event, idle_timeout_s)`
        tail -f: waits for new frames and new segments.
    `unpack_records(payload, count) -> list[bytes]` splits a `WalLog` frame's payload.

Segments and size (for claims, loaders, pressure)
    `WalLog.sealed_segments() -> tuple[SealedSegment(name, path, first_seq, last_seq,
        data_end), ...]`; `sealed_segments(directory)` for a directory read from outside.
    `WalLog.data_bytes()` / `data_bytes(directory)`: bytes of segment files only (the
        manifest, lock, spare and temp files never count).

Offline tools: `verify_log(directory) -> LogReport` (segments, seq ranges, sizes, policy,
the first `Problem` with segment, offset and seq), `describe_log` (the same).

Errors: `WalError` > `LogClosedError`, `LogWriteError` (> `DiskFullError`),
`LogOverloadedError`, `RecordTooLargeError`, `LogLockedError`, `CorruptLogError(segment,
offset, seq, reason)`. After a `LogWriteError` the log refuses appends; `durable_seq` stays
at the last completed sync. Durability policies: `Durability.FSYNC | BATCH | NONE`.
"""

from hft.adapters.wal.config import WalConfig
from hft.adapters.wal.errors import (
    CorruptLogError,
    DiskFullError,
    LogClosedError,
    LogLockedError,
    LogOverloadedError,
    LogWriteError,
    RecordTooLargeError,
    WalError,
)
from hft.adapters.wal.event_log import WalEventLog
from hft.adapters.wal.fileops import FileOps
from hft.adapters.wal.format import Durability, pack_records, unpack_records
from hft.adapters.wal.log import WalLog, data_bytes
from hft.adapters.wal.manifest import SealedSegment
from hft.adapters.wal.reader import FrameData, follow_frames, read_frames, read_records
from hft.adapters.wal.recovery import RecoveryReport
from hft.adapters.wal.survey import (
    LogReport,
    Problem,
    SegmentSummary,
    describe_log,
    sealed_segments,
    verify_log,
)
from hft.adapters.wal.writer import WriterStats

__all__ = [
    "CorruptLogError",
    "DiskFullError",
    "Durability",
    "FileOps",
    "FrameData",
    "LogClosedError",
    "LogLockedError",
    "LogOverloadedError",
    "LogReport",
    "LogWriteError",
    "Problem",
    "RecordTooLargeError",
    "RecoveryReport",
    "SealedSegment",
    "SegmentSummary",
    "WalConfig",
    "WalError",
    "WalEventLog",
    "WalLog",
    "WriterStats",
    "data_bytes",
    "describe_log",
    "follow_frames",
    "pack_records",
    "read_frames",
    "read_records",
    "sealed_segments",
    "unpack_records",
    "verify_log",
]
