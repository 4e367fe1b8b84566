"""Reading a log directory: frames from any sequence number, across segments, CRC-checked.

Readers take no lock and never write, so they may run beside a writer (in this or another
process). Sealed segments must be perfect; the last segment may end in a frame still being
written (or torn by a crash), which ends a plain read and makes a follower wait.
"""

from __future__ import annotations

import bisect
import os
import threading
import time
from collections.abc import Generator, Iterator

import attrs

from hft.adapters.wal.errors import CorruptLogError
from hft.adapters.wal.format import (
    FRAME_BYTES,
    HEADER_BYTES,
    HeaderError,
    SegmentHeader,
    decode_header,
    segment_name,
    unpack_records,
)
from hft.adapters.wal.recovery import segment_files
from hft.adapters.wal.scan import FrameData, scan_segment
from hft.adapters.wal.segment import Stop, StopKind

__all__ = [
    "FrameData",
    "follow_frames",
    "read_frames",
    "read_header",
    "read_records",
    "walk_file",
]


def read_header(path: str, name: str, expected_seq: int) -> SegmentHeader:
    """The header of segment `name`; CorruptLogError if unreadable or not `expected_seq`."""
    with open(path, "rb") as f:
        raw = f.read(HEADER_BYTES)
    try:
        header = decode_header(raw)
    except HeaderError as exc:
        raise CorruptLogError(name, 0, expected_seq, str(exc)) from None
    if header.first_seq != expected_seq:
        reason = f"sequence gap: segment starts at seq {header.first_seq}, expected {expected_seq}"
        raise CorruptLogError(name, 0, expected_seq, reason)
    return header


def walk_file(
    path: str, name: str, header: SegmentHeader, offset: int, seq: int
) -> Generator[FrameData, None, Stop]:
    """Yield the frames of one segment file from `offset`; return where and why it stopped."""
    stop = yield from scan_segment(path, name, header, offset, seq)
    assert stop is not None  # only an `upto_seq` ends a scan without a Stop
    return stop


def _start_index(files: list[tuple[int, str]], from_seq: int) -> int:
    firsts = [first for first, _ in files]
    return max(0, bisect.bisect_right(firsts, from_seq) - 1)


def read_frames(
    directory: str, from_seq: int = 1, upto_seq: int | None = None
) -> Iterator[FrameData]:
    """Frames holding sequence numbers >= `from_seq` (the first may start before it), in
    order, up to `upto_seq` if given. Raises CorruptLogError for damage in a sealed segment,
    a sequence gap or a missing segment; a torn end of the last segment just ends the read."""
    files = segment_files(directory)
    if not files:
        return
    index = _start_index(files, from_seq)
    expected = files[index][0] if index > 0 else 1
    for position in range(index, len(files)):
        name = files[position][1]
        path = os.path.join(directory, name)
        header = read_header(path, name, expected)
        stop = yield from scan_segment(
            path, name, header, HEADER_BYTES, header.first_seq, from_seq=from_seq, upto_seq=upto_seq
        )
        if stop is None:
            return
        _check_stop(stop, name, last=position == len(files) - 1)
        if stop.kind is not StopKind.SEALED:
            return
        expected = stop.next_seq


def _check_stop(stop: Stop, name: str, *, last: bool) -> None:
    if stop.kind is StopKind.INCONSISTENT or (not last and stop.kind is not StopKind.SEALED):
        reason = stop.reason or "segment is not sealed but a later segment exists"
        raise CorruptLogError(name, stop.offset, stop.next_seq, reason)


def read_records(
    directory: str, from_seq: int = 1, upto_seq: int | None = None
) -> Iterator[tuple[int, bytes]]:
    """(seq, record) pairs of a `WalLog` directory from `from_seq`, without opening it for
    writing (no lock, no repair); same checks and errors as `read_frames`."""
    for frame in read_frames(directory, from_seq, upto_seq):
        records = unpack_records(frame.payload, frame.count)
        skip = max(0, from_seq - frame.first_seq)
        seqs = range(frame.first_seq + skip, frame.first_seq + frame.count)
        yield from zip(seqs, records[skip:] if skip else records, strict=True)


@attrs.define
class _Cursor:
    name: str
    path: str
    header: SegmentHeader
    offset: int
    seq: int
    sealed_at: int | None = None  # set once the seal frame is read: the next segment's seq


def follow_frames(
    directory: str,
    from_seq: int = 1,
    *,
    poll_s: float = 0.05,
    stop: threading.Event | None = None,
    idle_timeout_s: float | None = None,
) -> Iterator[FrameData]:
    """Like `read_frames`, then waits for more (tail -f): new frames, new segments.

    Ends when `stop` is set or nothing new arrived for `idle_timeout_s`. A frame that is
    incomplete or fails its CRC at the end of the last segment is waited on, not reported:
    a writer may be in the middle of it.
    """
    cursor: _Cursor | None = None
    idle_since = time.monotonic()
    while not (stop is not None and stop.is_set()):
        cursor, progressed = yield from _follow_step(directory, cursor, from_seq)
        if progressed:
            idle_since = time.monotonic()
            continue
        if idle_timeout_s is not None and time.monotonic() - idle_since >= idle_timeout_s:
            return
        time.sleep(poll_s)


def _follow_step(
    directory: str, cursor: _Cursor | None, from_seq: int
) -> Generator[FrameData, None, tuple[_Cursor | None, bool]]:
    if cursor is None:
        cursor = _open_cursor(directory, from_seq)
        if cursor is None:
            return None, False
    if cursor.sealed_at is not None:
        following = _next_cursor(directory, cursor.sealed_at)
        if following is None:
            return cursor, False
        cursor = following
    walk = walk_file(cursor.path, cursor.name, cursor.header, cursor.offset, cursor.seq)
    progressed = False
    while True:
        try:
            frame = next(walk)
        except StopIteration as done:
            end: Stop = done.value
            break
        progressed = True
        cursor.offset = frame.offset + FRAME_BYTES + len(frame.payload)
        cursor.seq = frame.last_seq + 1
        if frame.last_seq >= from_seq:
            yield frame
    if end.kind is StopKind.INCONSISTENT:
        raise CorruptLogError(cursor.name, end.offset, end.next_seq, end.reason)
    if end.kind is StopKind.SEALED:
        cursor.sealed_at = end.next_seq
        return cursor, True
    return cursor, progressed


def _open_cursor(directory: str, from_seq: int) -> _Cursor | None:
    if not os.path.isdir(directory):
        return None  # a follower may start before the writer creates the log
    files = segment_files(directory)
    if not files:
        return None
    first, name = files[_start_index(files, from_seq)]
    path = os.path.join(directory, name)
    header = read_header(path, name, first)
    return _Cursor(name, path, header, HEADER_BYTES, header.first_seq)


def _next_cursor(directory: str, next_seq: int) -> _Cursor | None:
    name = segment_name(next_seq)
    path = os.path.join(directory, name)
    if not os.path.exists(path):
        return None
    header = read_header(path, name, next_seq)
    return _Cursor(name, path, header, HEADER_BYTES, next_seq)
