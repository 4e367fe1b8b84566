"""Sealed WAL segments as the loader sees them: listed, claimed, read record by record."""

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
class RawRecord:
    """One record as stored: its sequence number and its encoded event."""

    seq: int
    data: bytes


class SegmentSource(Protocol):
    """Read-only view of one WAL for loaders.

    `log_id` names the log for good (it survives copies and moves). `sealed_segments` lists
    sealed segments in sequence order and never blocks on writers. `read_records` yields a
    sealed segment's records in sequence order (CRCs verified; corruption raises the WAL's
    named error). `tail_records` yields the durable records after `from_seq` that are not yet
    in a sealed segment, as of the call. `decode` turns one record into its event, raising a
    `ValueError` subclass (unknown type, malformed payload) for a record it cannot read.
    """

    @property
    def log_id(self) -> str: ...

    def sealed_segments(self) -> Sequence[SealedSegmentInfo]: ...

    def read_records(self, segment_id: str) -> Iterator[RawRecord]: ...

    def tail_records(self, from_seq: int) -> Iterator[RawRecord]: ...

    def decode(self, data: bytes) -> DomainEvent: ...


C = TypeVar("C")


class SegmentClaims(Protocol[C]):
    """Exclusive claims on segments across processes (a claim dies with its holder).

    Never blocks: `try_claim` returns None when anyone else holds the segment.
    """

    def try_claim(self, segment_id: str) -> C | None: ...

    def release(self, claim: C) -> None: ...
