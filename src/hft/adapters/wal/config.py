"""How a log is written: durability policy, segment size and the bounds of the pending buffer."""

from __future__ import annotations

import os

import attrs

from hft.adapters.wal.format import (
    FORMAT_VERSION,
    FRAME_BYTES,
    HEADER_BYTES,
    SEAL_BYTES,
    Durability,
    SegmentHeader,
)

MIB = 1 << 20


def _positive(_inst: object, attribute: attrs.Attribute[int], value: int) -> None:
    if value <= 0:
        raise ValueError(f"{attribute.name} must be > 0, got {value}")


@attrs.frozen(kw_only=True)
class WalConfig:
    """Settings of a writer. Sizes in bytes, delays in seconds.

    `max_frame_records` bounds records per frame (the field notes: batches of many small
    objects degrade past ~1,000). `max_pending_bytes` bounds what `append` may queue ahead
    of the flusher; beyond it `append` raises `LogOverloadedError`. `preallocate` (None:
    yes unless the policy is NONE) zero-fills each segment ahead of use so fdatasync
    overwrites blocks instead of growing the file. `verify_sealed_on_open` False checks
    sealed segments the manifest lists by header and seal frame only (fast opens of large
    logs; `hft wal verify` still checks everything).
    """

    policy: Durability = Durability.FSYNC
    batch_delay_s: float = 0.002
    segment_bytes: int = attrs.field(default=64 * MIB, validator=_positive)
    max_frame_records: int = attrs.field(default=1024, validator=_positive)
    max_pending_bytes: int = attrs.field(default=64 * MIB, validator=_positive)
    preallocate: bool | None = None
    verify_sealed_on_open: bool = True

    def __attrs_post_init__(self) -> None:
        if self.segment_bytes < HEADER_BYTES + FRAME_BYTES + SEAL_BYTES + 1:
            raise ValueError(f"segment_bytes {self.segment_bytes} is too small for one frame")
        if self.batch_delay_s < 0:
            raise ValueError("batch_delay_s must be >= 0")

    @property
    def zero_fill(self) -> bool:
        if self.preallocate is None:
            return self.policy is not Durability.NONE
        return self.preallocate

    @property
    def max_payload_bytes(self) -> int:
        """The largest frame payload that fits in an empty segment."""
        return self.segment_bytes - HEADER_BYTES - FRAME_BYTES - SEAL_BYTES

    def new_header(self, first_seq: int) -> SegmentHeader:
        """A header for a new segment starting at `first_seq`, with a fresh random salt."""
        return SegmentHeader(
            version=FORMAT_VERSION,
            policy=self.policy,
            batch_delay_us=round(self.batch_delay_s * 1e6),
            salt=os.urandom(16),
            first_seq=first_seq,
            segment_bytes=self.segment_bytes,
        )
