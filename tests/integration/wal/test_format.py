"""Properties of the on-disk format: headers and record payloads round-trip, and any single
flipped bit in a frame, or a frame moved to another segment, fails its CRC."""

from __future__ import annotations

import zlib

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from hft.adapters.wal.format import (
    FORMAT_VERSION,
    FRAME_BYTES,
    HEADER_BYTES,
    KIND_DATA,
    Durability,
    HeaderError,
    SegmentHeader,
    decode_header,
    first_seq_of,
    frame_crc_ok,
    frame_header,
    pack_records,
    segment_name,
    unpack_records,
)

SALTS = st.binary(min_size=16, max_size=16)
SEQS = st.integers(min_value=1, max_value=2**63 - 1)


@given(records=st.lists(st.binary(max_size=200), min_size=1, max_size=50))
def test_records_round_trip_through_a_payload(records: list[bytes]) -> None:
    """unpack_records(pack_records(rs), len(rs)) == rs for any byte records."""
    assert unpack_records(pack_records(records), len(records)) == records


@given(records=st.lists(st.binary(min_size=1, max_size=50), min_size=1, max_size=20))
def test_payload_with_a_wrong_count_or_length_is_refused(records: list[bytes]) -> None:
    """A payload whose length table does not add up raises ValueError, never wrong records."""
    payload = pack_records(records)
    with pytest.raises(ValueError, match="record lengths"):
        unpack_records(payload + b"x", len(records))


@given(
    salt=SALTS,
    first_seq=SEQS,
    policy=st.sampled_from(list(Durability)),
    delay_us=st.integers(min_value=0, max_value=2**32 - 1),
    size=st.integers(min_value=HEADER_BYTES, max_value=2**40),
)
def test_header_round_trips(
    salt: bytes, first_seq: int, policy: Durability, delay_us: int, size: int
) -> None:
    """A header decodes to exactly what was encoded, in 64 bytes."""
    header = SegmentHeader(FORMAT_VERSION, policy, delay_us, salt, first_seq, size)
    encoded = header.encode()
    assert len(encoded) == HEADER_BYTES
    assert decode_header(encoded) == header


@given(salt=SALTS, bit=st.integers(min_value=0, max_value=HEADER_BYTES * 8 - 1))
def test_any_flipped_header_bit_is_refused(salt: bytes, bit: int) -> None:
    """Every single-bit change to a header makes decode_header raise HeaderError."""
    encoded = bytearray(SegmentHeader(1, Durability.FSYNC, 0, salt, 1, 1 << 20).encode())
    encoded[bit // 8] ^= 1 << (bit % 8)
    with pytest.raises(HeaderError):
        decode_header(bytes(encoded))


@given(
    salt=SALTS,
    first_seq=SEQS,
    payload=st.binary(min_size=1, max_size=300),
    data=st.data(),
)
def test_any_flipped_frame_bit_fails_the_crc(
    salt: bytes, first_seq: int, payload: bytes, data: st.DataObject
) -> None:
    """CRC32 over salt + header + payload catches every single-bit flip in header or payload."""
    salt_crc = zlib.crc32(salt)
    frame = bytearray(frame_header(salt_crc, KIND_DATA, first_seq, 3, payload) + payload)
    assert frame_crc_ok(salt_crc, memoryview(frame)[:FRAME_BYTES], memoryview(frame)[FRAME_BYTES:])
    bit = data.draw(st.integers(min_value=0, max_value=len(frame) * 8 - 1))
    frame[bit // 8] ^= 1 << (bit % 8)
    view = memoryview(bytes(frame))
    assert not frame_crc_ok(salt_crc, view[:FRAME_BYTES], view[FRAME_BYTES:])


@given(salt_a=SALTS, salt_b=SALTS, payload=st.binary(max_size=100))
def test_a_frame_moved_to_another_segment_fails_the_crc(
    salt_a: bytes, salt_b: bytes, payload: bytes
) -> None:
    """The salt makes a valid frame invalid in any segment with a different salt."""
    assume(zlib.crc32(salt_a) != zlib.crc32(salt_b))
    header = frame_header(zlib.crc32(salt_a), KIND_DATA, 1, 1, payload)
    assert not frame_crc_ok(zlib.crc32(salt_b), header, memoryview(payload))


@given(first_seq=st.integers(min_value=1, max_value=10**19))
def test_segment_names_sort_in_sequence_order_and_parse_back(first_seq: int) -> None:
    """Names are zero-padded so lexical order is seq order, and they parse back exactly."""
    name = segment_name(first_seq)
    assert first_seq_of(name) == first_seq
    assert segment_name(first_seq + 1) > name
    assert first_seq_of("MANIFEST.json") is None
    assert first_seq_of(name + ".tmp") is None
