"""`WalSegmentSource`: the `SegmentSource` port over a WAL directory, read-only.

It takes the WAL's reading functions and the codec as arguments (the composition root passes
them), so this module imports no adapter. Readers take no lock and may run beside the writer.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from hft.domain.events import DomainEvent
from hft.ports.codec import EventCodec
from hft.ports.segments import RawFrame, SealedSegmentInfo

HEADER_BYTES = 64
"""A segment file starts with a fixed 64-byte header holding a random salt."""

ListSealed = Callable[[str], Sequence[Any]]
ReadFrames = Callable[[str, int, int | None], Iterator[Any]]


class WalSegmentSource:
    """Sealed segments and the live tail of one WAL directory, as frames."""

    def __init__(
        self, wal_dir: Path, list_sealed: ListSealed, read_frames: ReadFrames, codec: EventCodec
    ) -> None:
        self.wal_dir = wal_dir
        self._list_sealed = list_sealed
        self._read_frames = read_frames
        self._codec = codec
        self._log_id: str | None = None
        self._ranges: dict[str, tuple[int, int]] = {}

    @property
    def log_id(self) -> str:
        """`wal-` + a hash of the first segment's header (its random salt): stable while that
        segment exists, the same for every copy of the log."""
        if self._log_id is None:
            segments = sorted(self.wal_dir.glob("*.seg"))
            head = segments[0].read_bytes()[:HEADER_BYTES] if segments else b""
            self._log_id = "wal-" + hashlib.blake2b(head, digest_size=8).hexdigest()
        return self._log_id

    def sealed_segments(self) -> list[SealedSegmentInfo]:
        infos = []
        for sealed in self._list_sealed(str(self.wal_dir)):
            self._ranges[sealed.name] = (sealed.first_seq, sealed.last_seq)
            mtime = _mtime_ns(sealed.path)
            infos.append(
                SealedSegmentInfo(
                    sealed.name, sealed.first_seq, sealed.last_seq, sealed.data_end, mtime
                )
            )
        return infos

    def read_frames(self, segment_id: str) -> Iterator[RawFrame]:
        if segment_id not in self._ranges:
            self.sealed_segments()
        first, last = self._ranges[segment_id]
        for frame in self._read_frames(str(self.wal_dir), first, last):
            if frame.first_seq > last:
                return
            yield RawFrame(frame.first_seq, frame.count, bytes(frame.payload))

    def tail_frames(self, from_seq: int) -> Iterator[RawFrame]:
        for frame in self._read_frames(str(self.wal_dir), from_seq, None):
            yield RawFrame(frame.first_seq, frame.count, bytes(frame.payload))

    def decode(self, data: bytes) -> Sequence[DomainEvent]:
        return self._codec.decode(data)


def _mtime_ns(path: str) -> int:
    try:
        return os.stat(path).st_mtime_ns
    except FileNotFoundError:
        return 0
