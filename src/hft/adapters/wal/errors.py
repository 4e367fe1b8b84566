"""Named errors of the write-ahead log. Every refusal and every failure has its own type."""

from __future__ import annotations

import errno

from hft.ports.event_log import LogClosedError as PortLogClosedError
from hft.ports.event_log import LogWriteError as PortLogWriteError


class WalError(Exception):
    """Base of every error the WAL raises on purpose."""


class LogClosedError(WalError, PortLogClosedError):
    """The log was closed; it appends and reads nothing more."""


class LogWriteError(WalError, PortLogWriteError):
    """A write or sync failed. The log refuses every further append; `durable_seq` stays at
    the last sequence number a completed sync covered, so nothing acknowledged is lost."""


class DiskFullError(LogWriteError):
    """The file system reported ENOSPC (or EDQUOT) while writing or pre-allocating."""


def write_error_from(exc: OSError, context: str) -> LogWriteError:
    """The named error for a failed write: DiskFullError for ENOSPC/EDQUOT."""
    kind = DiskFullError if exc.errno in (errno.ENOSPC, errno.EDQUOT) else LogWriteError
    error = kind(f"{context}: {exc}")
    error.__cause__ = exc
    return error


class LogOverloadedError(WalError):
    """`append` found more than `max_pending_bytes` not yet taken by the flusher.

    Nothing of the refused batch was accepted (no sequence numbers were assigned); the
    caller may shed load or retry after `wait_durable`.
    """


class RecordTooLargeError(WalError, ValueError):
    """One record (or one encoded event) does not fit in a frame of a segment."""


class LogLockedError(WalError):
    """Another writer (process or open log) holds this log directory."""


class CorruptLogError(WalError):
    """Data that must be intact is not: a bad CRC or a sequence gap in a sealed segment, a
    missing segment, or an unreadable header. Opening stops; nothing is repaired silently.

    `segment` is the file name, `offset` the byte offset of the bad frame or header, and
    `seq` the sequence number expected there.
    """

    def __init__(self, segment: str, offset: int, seq: int, reason: str) -> None:
        self.segment = segment
        self.offset = offset
        self.seq = seq
        self.reason = reason
        super().__init__(f"{segment} @ offset {offset} (seq {seq}): {reason}")
