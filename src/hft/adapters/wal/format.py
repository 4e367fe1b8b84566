"""On-disk format of WAL segments: the segment header, frames and packed records.

A segment file is `<first_seq:020d>.seg`: a 64-byte header, then frames back to back, then
zeros (segments are pre-zeroed) or end of file. All integers are little-endian.

Header: magic `HFTWALSG`, format version (u16), durability policy (u8), flags (u8),
batch delay (u32, microseconds), salt (16 random bytes), first sequence number (u64),
segment size (u64), reserved, and a CRC32 of the preceding header bytes (u32).

Frame: payload length (u32), record count (u32), kind (u32: 1 data, 2 seal), first sequence
number (u64), CRC32 (u32) over salt + the first 20 header bytes + payload; then the payload.
A header of zeros ends the data. A seal frame (count 0, first_seq = last_seq + 1, no
payload) closes a full segment: nothing follows it.

Record payload (the bytes-level log): a table of `count` u32 lengths, then the records.
"""

from __future__ import annotations

import enum
import itertools
import struct
import zlib

import attrs

FORMAT_VERSION = 1
MAGIC = b"HFTWALSG"
SEGMENT_SUFFIX = ".seg"
HEADER_BYTES = 64
_HEADER = struct.Struct("<8sHBBI16sQQ8x")  # 56 bytes, then reserved up to the CRC at 60
_HEADER_CRC = struct.Struct("<I")
FRAME = struct.Struct("<IIIQI")  # length, count, kind, first_seq, crc
FRAME_BYTES = FRAME.size
_FRAME_CRC_SPAN = FRAME_BYTES - 4
KIND_DATA = 1
KIND_SEAL = 2
SEAL_BYTES = FRAME_BYTES
ZERO_FRAME = bytes(FRAME_BYTES)


class Durability(enum.Enum):
    """When a written frame counts as durable.

    FSYNC: after the fdatasync that covers it (group commit, the live default).
    BATCH: fdatasync at most once per `batch_delay_s`; durable after that sync.
    NONE: durable as soon as written to the OS (backtests, benchmarks); synced only when
    a segment is sealed and at close.
    """

    FSYNC = 1
    BATCH = 2
    NONE = 3


@attrs.frozen
class SegmentHeader:
    """What a segment says about itself."""

    version: int
    policy: Durability
    batch_delay_us: int
    salt: bytes
    first_seq: int
    segment_bytes: int

    def encode(self) -> bytes:
        body = _HEADER.pack(
            MAGIC,
            self.version,
            self.policy.value,
            0,
            self.batch_delay_us,
            self.salt,
            self.first_seq,
            self.segment_bytes,
        )
        body = body.ljust(HEADER_BYTES - 4, b"\0")
        return body + _HEADER_CRC.pack(zlib.crc32(body))


class HeaderError(ValueError):
    """A segment header that is short, foreign, of an unknown version or fails its CRC."""


def decode_header(data: bytes | memoryview) -> SegmentHeader:
    """Parse and check a segment header; raises `HeaderError` saying what is wrong."""
    if len(data) < HEADER_BYTES:
        raise HeaderError(f"header truncated ({len(data)} of {HEADER_BYTES} bytes)")
    body = bytes(data[: HEADER_BYTES - 4])
    (crc,) = _HEADER_CRC.unpack_from(data, HEADER_BYTES - 4)
    if zlib.crc32(body) != crc:
        raise HeaderError("header CRC mismatch")
    magic, version, policy, _flags, delay_us, salt, first_seq, seg_bytes = _HEADER.unpack_from(body)
    if magic != MAGIC:
        raise HeaderError(f"not a WAL segment (magic {magic!r})")
    if version != FORMAT_VERSION:
        raise HeaderError(f"format version {version} (this build reads {FORMAT_VERSION})")
    return SegmentHeader(version, Durability(policy), delay_us, salt, first_seq, seg_bytes)


def segment_name(first_seq: int) -> str:
    return f"{first_seq:020d}{SEGMENT_SUFFIX}"


def first_seq_of(name: str) -> int | None:
    """The first sequence number a segment file name claims, or None for other files."""
    stem, dot, suffix = name.partition(".")
    if f"{dot}{suffix}" != SEGMENT_SUFFIX or len(stem) != 20 or not stem.isdigit():
        return None
    return int(stem)


def frame_header(salt_crc: int, kind: int, first_seq: int, count: int, payload: bytes) -> bytes:
    """The 24-byte header of a frame; `salt_crc` is `zlib.crc32(salt)` of its segment."""
    fields = FRAME.pack(len(payload), count, kind, first_seq, 0)[:_FRAME_CRC_SPAN]
    crc = zlib.crc32(payload, zlib.crc32(fields, salt_crc))
    return fields + crc.to_bytes(4, "little")


def frame_crc_ok(salt_crc: int, header: bytes | memoryview, payload: memoryview) -> bool:
    expected = int.from_bytes(header[_FRAME_CRC_SPAN:FRAME_BYTES], "little")
    return zlib.crc32(payload, zlib.crc32(header[:_FRAME_CRC_SPAN], salt_crc)) == expected


def seal_frame(salt_crc: int, next_seq: int) -> bytes:
    return frame_header(salt_crc, KIND_SEAL, next_seq, 0, b"")


_LENGTHS: dict[int, struct.Struct] = {}


def _lengths_struct(count: int) -> struct.Struct:
    found = _LENGTHS.get(count)
    if found is None:
        found = struct.Struct(f"<{count}I")
        if len(_LENGTHS) < 4096:
            _LENGTHS[count] = found
    return found


def pack_records(records: list[bytes] | tuple[bytes, ...]) -> bytes:
    """One payload for a batch of byte records: a length table, then the records."""
    table = _lengths_struct(len(records)).pack(*map(len, records))
    return table + b"".join(records)


def unpack_records(payload: bytes | memoryview, count: int) -> list[bytes]:
    """The records of a payload made by `pack_records`; raises ValueError if inconsistent."""
    lengths = _lengths_struct(count).unpack_from(payload)
    start = 4 * count
    ends = list(itertools.accumulate(lengths, initial=start))
    if ends[-1] != len(payload):
        raise ValueError(f"record lengths sum to {ends[-1] - start}, payload has {len(payload)}")
    data = bytes(payload)
    return [data[a:b] for a, b in itertools.pairwise(ends)]
