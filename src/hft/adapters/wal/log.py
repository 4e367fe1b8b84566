"""The log as a whole: `WalLog`, records as bytes (see `event_log` for the EventLog port).

Open one with `WalLog.open(directory, config)`: it locks the directory (one writer per log,
across processes), recovers it (see `recovery`), and starts the group-commit writer.
"""

from __future__ import annotations

import errno
import fcntl
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from types import TracebackType

from hft.adapters.wal.config import WalConfig
from hft.adapters.wal.errors import (
    LogClosedError,
    LogLockedError,
    RecordTooLargeError,
    write_error_from,
)
from hft.adapters.wal.fileops import FileOps
from hft.adapters.wal.format import pack_records
from hft.adapters.wal.manifest import ManifestStore, SealedSegment
from hft.adapters.wal.reader import FrameData, follow_frames, read_frames, read_records
from hft.adapters.wal.recovery import recover, segment_files
from hft.adapters.wal.writer import GroupCommitWriter, WriterStats

LOCK_NAME = "LOCK"


def _lock_directory(directory: str) -> int:
    fd = os.open(os.path.join(directory, LOCK_NAME), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as exc:
        os.close(fd)
        if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN):
            raise LogLockedError(f"{directory} is open for writing elsewhere") from None
        raise
    return fd


class WalLog:
    """A write-ahead log of byte records in segment files, with group commit.

    Thread-safe. `append_*` never touch the disk (see `GroupCommitWriter.submit`); reads
    return only what is durable. Use as a context manager or call `close`.
    """

    def __init__(self, directory: str, config: WalConfig, fileops: FileOps) -> None:
        self.directory = directory
        self.config = config
        if not os.path.isdir(directory):
            os.makedirs(directory)
            # The new directory's own entry must survive a crash, or so would not its files.
            fileops.fsync_dir(os.path.dirname(os.path.abspath(directory)))
        self._lock_fd = _lock_directory(directory)
        try:
            state, self.recovery = recover(
                directory, fileops, config.new_header, verify_sealed=config.verify_sealed_on_open
            )
            saved = state.manifest.generation if state.manifest else 0
            manifests = ManifestStore(directory, fileops, saved_generation=saved)
            self._writer = GroupCommitWriter(directory, state, config, fileops, manifests)
        except OSError as exc:
            os.close(self._lock_fd)
            raise write_error_from(exc, f"cannot open {directory} for writing") from exc
        except BaseException:
            os.close(self._lock_fd)
            raise
        self._closed = False

    @classmethod
    def open(
        cls, directory: str, config: WalConfig | None = None, *, fileops: FileOps | None = None
    ) -> WalLog:
        """Open (creating if needed) and recover `directory`. Raises CorruptLogError when
        sealed data is damaged or missing, LogLockedError when another writer has it."""
        return cls(directory, config or WalConfig(), fileops or FileOps())

    # -- appending

    def append_frames(self, frames: Sequence[tuple[bytes, int]]) -> int:
        """Queue pre-encoded frames `(payload, record_count)`; return the first seq assigned."""
        return self._writer.submit(frames)

    def append_records(self, records: Sequence[bytes]) -> tuple[int, int]:
        """Queue byte records (one frame per `max_frame_records`); return (first, last) seq."""
        if not records:
            nxt = self._writer.last_seq() + 1
            return nxt, nxt - 1
        if len(records) <= self.config.max_frame_records:
            frames = _fit(list(records), self.config.max_payload_bytes)
        else:
            frames = _split(list(records), self.config)
        first = self._writer.submit(frames)
        return first, first + len(records) - 1

    # -- durability

    def last_seq(self) -> int:
        """The last sequence number assigned."""
        return self._writer.last_seq()

    def durable_seq(self) -> int:
        """Everything up to here survives a crash (per the policy). Never blocks."""
        return self._writer.durable_seq()

    def wait_durable(self, seq: int, timeout_s: float | None = None) -> bool:
        """Block until `seq` is durable (True) or the timeout passes (False)."""
        return self._writer.wait_durable(seq, timeout_s)

    def on_durable(self, listener: Callable[[int], None]) -> None:
        """Have the flusher call `listener(durable_seq)` right after each advance of
        `durable_seq` (so after the sync that covers it), on its own thread: the way to be
        told without a thread of one's own blocked in `wait_durable`. The listener must be
        quick and must not block or raise (an exception stops the log, as a write error
        would); it may append."""
        self._writer.on_durable(listener)

    # -- reading

    def read_frames(self, from_seq: int = 1) -> Iterator[FrameData]:
        """Durable frames holding seqs >= `from_seq` (the first may start before it)."""
        self._check_open()
        return read_frames(self.directory, from_seq, self.durable_seq())

    def read_records(self, from_seq: int = 1) -> Iterator[tuple[int, bytes]]:
        """Durable (seq, record) pairs from `from_seq`, CRC-checked, in order."""
        self._check_open()
        yield from read_records(self.directory, from_seq, self.durable_seq())

    def follow_frames(
        self,
        from_seq: int = 1,
        *,
        poll_s: float = 0.05,
        stop: threading.Event | None = None,
        idle_timeout_s: float | None = None,
    ) -> Iterator[FrameData]:
        """`reader.follow_frames` over this log's directory: what is written, not only what
        is durable (compare with `durable_seq` to tell them apart)."""
        return follow_frames(
            self.directory, from_seq, poll_s=poll_s, stop=stop, idle_timeout_s=idle_timeout_s
        )

    # -- segments and size

    def sealed_segments(self) -> tuple[SealedSegment, ...]:
        """Sealed segments in sequence order: immutable, complete, safe to ship or claim."""
        return self._writer.sealed_segments()

    def data_bytes(self) -> int:
        """Bytes of segment files on disk (sealed and active, pre-allocated size included).
        The manifest, the lock file, the spare segment and temp files are not counted."""
        return data_bytes(self.directory)

    def wait_preallocated(self, timeout_s: float | None = None) -> bool:
        """Block until the next segment is zero-filled and ready (True), so a start-up can
        finish that disk work before latency matters; False on timeout or a failed spare."""
        return self._writer.wait_spare(timeout_s)

    def stats(self) -> WriterStats:
        return self._writer.stats()

    # -- lifecycle

    def close(self) -> None:
        """Write and sync all that is queued, then release the directory. Idempotent."""
        if self._closed:
            return
        self._closed = True
        try:
            self._writer.close()
        finally:
            os.close(self._lock_fd)

    def _check_open(self) -> None:
        if self._closed:
            raise LogClosedError("the log is closed")

    def __enter__(self) -> WalLog:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def data_bytes(directory: str) -> int:
    """Bytes of the segment files of `directory`; metadata and temp files excluded."""
    return sum(
        os.path.getsize(os.path.join(directory, name)) for _, name in segment_files(directory)
    )


def _split(items: list[bytes], config: WalConfig) -> list[tuple[bytes, int]]:
    frames: list[tuple[bytes, int]] = []
    step = config.max_frame_records
    for start in range(0, len(items), step):
        frames.extend(_fit(items[start : start + step], config.max_payload_bytes))
    return frames


def _fit(chunk: list[bytes], limit: int) -> list[tuple[bytes, int]]:
    payload = pack_records(chunk)
    if len(payload) <= limit:
        return [(payload, len(chunk))]
    if len(chunk) == 1:
        raise RecordTooLargeError(f"a record of {len(chunk[0])} bytes exceeds {limit - 4}")
    half = len(chunk) // 2
    return _fit(chunk[:half], limit) + _fit(chunk[half:], limit)
