"""Sealed WAL segments as the loader sees them: listed, claimed, read frame by frame."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Protocol, TypeVar

import attrs

from hft.domain.events import DomainEvent


@attrs.frozen
class SealedSegmentInfo:
    """One sealed (immutable) segment: records `first_seq..last_seq` inclusive."""

    segment_id: str
    first_seq: int
    last_seq: int
    size_bytes: int
    sealed_at_ns: int

    @property
    def events(self) -> int:
        return self.last_seq - self.first_seq + 1


@attrs.frozen
class RawFrame:
    """One frame as stored: `count` encoded events with seqs `first_seq..`, in one payload."""

    first_seq: int
    count: int
    data: bytes

    @property
    def last_seq(self) -> int:
        return self.first_seq + self.count - 1


class SegmentSource(Protocol):
    """Read-only view of one WAL for loaders.

    `log_id` names the log for good (it survives copies and moves). `sealed_segments` lists
    sealed segments in sequence order and never blocks on writers. `read_frames` yields a
    sealed segment's frames in sequence order (CRCs verified; corruption raises the WAL's
    named error). `tail_frames` yields the frames holding seqs >= `from_seq` written so far
    (sealed or not), as of the call, and ends at the end of the log. `decode` turns a frame's
    payload into its events, raising a `ValueError` subclass (unknown type, malformed
    payload) or `UnknownEventType` for a payload it cannot read.
    """

    @property
    def log_id(self) -> str: ...

    def sealed_segments(self) -> Sequence[SealedSegmentInfo]: ...

    def read_frames(self, segment_id: str) -> Iterator[RawFrame]: ...

    def tail_frames(self, from_seq: int) -> Iterator[RawFrame]: ...

    def decode(self, data: bytes) -> Sequence[DomainEvent]: ...


C = TypeVar("C")


class SegmentClaims(Protocol[C]):
    """Exclusive claims on segments across processes (a claim dies with its holder).

    Never blocks: `try_claim` returns None when anyone else holds the segment.
    """

    def try_claim(self, segment_id: str) -> C | None: ...

    def release(self, claim: C) -> None: ...
