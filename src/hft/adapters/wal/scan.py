"""The fast read path: one generator over one segment file's frames, each checked in full.

Per data frame it does one `unpack_from` of the frame header, one bytes slice for the
payload (the only copy), one CRC chained over salt + header fields + payload as the format
defines it, and the sequence check, then builds a `FrameData` tuple. Everything unusual
(zeros, a seal, a torn or inconsistent frame, the end of a read chunk) leaves the fast loop
for the same checks and `Stop`s as `segment.FrameWalker`, so both agree on every file.
"""

from __future__ import annotations

import os
import zlib
from collections.abc import Generator
from typing import NamedTuple

import attrs

from hft.adapters.wal.format import FRAME, FRAME_BYTES, KIND_DATA, SegmentHeader
from hft.adapters.wal.segment import Stop, StopKind, _inconsistency

CHUNK_BYTES = 8 << 20
_CRC_SPAN = FRAME_BYTES - 4
_NO_LIMIT = 1 << 64  # above every u64 sequence number


class FrameData(NamedTuple):
    """A frame read back: records `first_seq .. first_seq + count - 1` in one payload.

    `segment` is the file name and `offset` the frame's byte offset in it. Immutable; a
    tuple so that reading a frame costs one small allocation.
    """

    segment: str
    offset: int
    first_seq: int
    count: int  # type: ignore[assignment]  # shadows tuple.count: the name is the public API
    payload: bytes

    @property
    def last_seq(self) -> int:
        return self.first_seq + self.count - 1


_new_frame = tuple.__new__  # skips the generated __new__'s Python frame on the hot path


def scan_segment(
    path: str,
    name: str,
    header: SegmentHeader,
    offset: int,
    seq: int,
    *,
    from_seq: int = 1,
    upto_seq: int | None = None,
) -> Generator[FrameData, None, Stop | None]:
    """Yield the verified data frames of segment file `path` from byte `offset`, where
    sequence number `seq` is expected; return the `Stop` saying where (absolute offset) and
    why the frames ended. Frames ending before `from_seq` are checked but not yielded; the
    first frame starting after `upto_seq` ends the scan with None. Reads in chunks with
    `os.pread` (blocking file I/O: not for an event loop)."""
    salt_crc = zlib.crc32(header.salt)
    unpack, crc32, upto = FRAME.unpack_from, zlib.crc32, _NO_LIMIT if upto_seq is None else upto_seq
    with open(path, "rb") as f:
        want = CHUNK_BYTES
        while True:
            data = os.pread(f.fileno(), want, offset)
            size, at = len(data), 0
            while at + FRAME_BYTES <= size:
                length, count, kind, first, crc = unpack(data, at)
                start = at + FRAME_BYTES
                end = start + length
                if end > size or kind != KIND_DATA or first != seq or not count:
                    break
                payload = data[start:end]
                if crc32(payload, crc32(data[at : at + _CRC_SPAN], salt_crc)) != crc:
                    break
                if first > upto:
                    return None
                seq += count
                if seq > from_seq:
                    yield _new_frame(FrameData, (name, offset + at, first, count, payload))
                at = end
            stop = _stop_at(data, at, seq, salt_crc)
            if _final(stop, at_eof=size < want, want=want):
                return attrs.evolve(stop, offset=offset + stop.offset)
            offset, seq = offset + stop.offset, stop.next_seq
            want = max(CHUNK_BYTES, stop.need_bytes)


def _final(stop: Stop, *, at_eof: bool, want: int) -> bool:
    """Whether `stop` ends the segment, or only the chunk (read again from its offset)."""
    return stop.need_bytes == 0 or at_eof or (stop.offset == 0 and want >= stop.need_bytes)


def _stop_at(data: bytes, at: int, seq: int, salt_crc: int) -> Stop:
    """Why the frame at `at` (chunk-relative) is not a plain data frame to yield."""
    if at + FRAME_BYTES > len(data):
        return _short_tail(data, at, seq)
    length, count, kind, first, crc = FRAME.unpack_from(data, at)
    if not (length or count or kind or first or crc):
        return Stop(StopKind.END, at, seq)
    end = at + FRAME_BYTES + length
    if end > len(data):
        reason = f"frame runs {end - len(data)} bytes past the end of the data"
        return Stop(StopKind.TORN, at, seq, reason, end - at)
    fields_crc = zlib.crc32(data[at : at + _CRC_SPAN], salt_crc)
    if zlib.crc32(data[at + FRAME_BYTES : end], fields_crc) != crc:
        return Stop(StopKind.TORN, at, seq, "frame CRC mismatch")
    inconsistent = _inconsistency(kind, count, first, seq)
    if inconsistent is not None:
        return Stop(StopKind.INCONSISTENT, at, seq, inconsistent)
    return Stop(StopKind.SEALED, end, seq)  # a valid data frame never gets here


def _short_tail(data: bytes, at: int, seq: int) -> Stop:
    if any(data[at:]):
        reason = "partial frame header at the end of the data"
        return Stop(StopKind.TORN, at, seq, reason, FRAME_BYTES)
    return Stop(StopKind.END, at, seq, need_bytes=FRAME_BYTES)
