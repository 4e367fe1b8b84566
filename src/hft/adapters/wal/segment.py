"""Walking the frames of one segment's bytes, checking each, and saying where and why it stops."""

from __future__ import annotations

import enum
import zlib
from collections.abc import Iterator

import attrs

from hft.adapters.wal.format import (
    FRAME,
    FRAME_BYTES,
    HEADER_BYTES,
    KIND_DATA,
    KIND_SEAL,
    ZERO_FRAME,
    SegmentHeader,
    frame_crc_ok,
)


class StopKind(enum.Enum):
    """Why a walk over a segment's frames ended."""

    END = "end"  # zeros or end of file where the next frame would start
    SEALED = "sealed"  # a valid seal frame
    TORN = "torn"  # a frame that is incomplete or fails its CRC (a torn write, or damage)
    INCONSISTENT = "inconsistent"  # a frame with a valid CRC that breaks the sequence


@attrs.frozen
class Frame:
    """One data frame: `count` records from `first_seq`, starting at byte `offset`."""

    offset: int
    first_seq: int
    count: int
    payload: memoryview


@attrs.frozen
class Stop:
    """Where a walk ended: the byte offset, the next sequence number expected there, why."""

    kind: StopKind
    offset: int
    next_seq: int
    reason: str = ""
    need_bytes: int = 0  # > 0: the data ended inside a frame that needs this many bytes


class FrameWalker:
    """Iterates the data frames of `data` (a segment's bytes) from `offset`/`seq`.

    After iteration `stop` says where and why it ended. With `verify=False` CRCs are not
    checked (sequence numbers and lengths still are); used to skip ahead quickly.
    """

    def __init__(
        self,
        data: bytes,
        header: SegmentHeader,
        *,
        offset: int = HEADER_BYTES,
        seq: int | None = None,
        verify: bool = True,
    ) -> None:
        self._view = memoryview(data)
        self._salt_crc = zlib.crc32(header.salt)
        self._offset = offset
        self._seq = header.first_seq if seq is None else seq
        self._verify = verify
        self.stop = Stop(StopKind.END, offset, self._seq)

    def __iter__(self) -> Iterator[Frame]:
        view, size = self._view, len(self._view)
        offset, seq = self._offset, self._seq
        while True:
            if offset + FRAME_BYTES > size:
                self.stop = self._short_tail(offset, seq)
                return
            header = view[offset : offset + FRAME_BYTES]
            if header == ZERO_FRAME:
                self.stop = Stop(StopKind.END, offset, seq)
                return
            length, count, kind, first, _crc = FRAME.unpack_from(view, offset)
            end = offset + FRAME_BYTES + length
            payload = view[offset + FRAME_BYTES : end]
            if end > size:
                reason = f"frame runs {end - size} bytes past the end of the data"
                self.stop = Stop(StopKind.TORN, offset, seq, reason, end - offset)
                return
            if self._verify and not frame_crc_ok(self._salt_crc, header, payload):
                self.stop = Stop(StopKind.TORN, offset, seq, "frame CRC mismatch")
                return
            inconsistent = _inconsistency(kind, count, first, seq)
            if inconsistent is not None:
                self.stop = Stop(StopKind.INCONSISTENT, offset, seq, inconsistent)
                return
            if kind == KIND_SEAL:
                self.stop = Stop(StopKind.SEALED, end, seq)
                return
            yield Frame(offset, first, count, payload)
            offset, seq = end, seq + count

    def _short_tail(self, offset: int, seq: int) -> Stop:
        if any(self._view[offset:]):
            reason = "partial frame header at the end of the data"
            return Stop(StopKind.TORN, offset, seq, reason, FRAME_BYTES)
        return Stop(StopKind.END, offset, seq, need_bytes=FRAME_BYTES)


def _inconsistency(kind: int, count: int, first: int, seq: int) -> str | None:
    if kind not in (KIND_DATA, KIND_SEAL):
        return f"unknown frame kind {kind}"
    if first != seq:
        return f"sequence gap: frame starts at seq {first}, expected {seq}"
    if kind == KIND_DATA and count == 0:
        return "data frame with no records"
    if kind == KIND_SEAL and count != 0:
        return "seal frame with records"
    return None


def nonzero_end(data: bytes, start: int) -> int:
    """Offset just past the last non-zero byte at or after `start` (`start` if none)."""
    return max(start, len(data.rstrip(b"\0")))
