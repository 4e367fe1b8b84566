"""The fast frame scanner behind `read_frames` agrees with a plain reference reader on every
log: the same frames (seq, count, payload) on intact logs, and on damaged ones the same
frames before the damage, then the same `CorruptLogError` (segment, offset, seq) or the
same quiet end at a torn tail."""

from __future__ import annotations

import os
import struct
import tempfile
import zlib
from pathlib import Path
from unittest import mock

from hypothesis import given
from hypothesis import strategies as st

from hft.adapters.wal import CorruptLogError, Durability, WalLog, read_frames, scan
from hft.adapters.wal.format import HEADER_BYTES, HeaderError, decode_header
from tests.integration.wal.helpers import segment_paths, small_config

_FRAME = struct.Struct("<IIIQI")
_ZEROS = bytes(_FRAME.size)

FrameKey = tuple[str, int, int, int, bytes]  # segment, offset, first_seq, count, payload
Outcome = tuple[list[FrameKey], tuple[str, int, int] | None]


class _Damaged(Exception):
    def __init__(self, segment: str, offset: int, seq: int) -> None:
        super().__init__(segment, offset, seq)
        self.where = (segment, offset, seq)


def _reference_segment(
    name: str, data: bytes, seq: int, out: list[FrameKey]
) -> tuple[str, int, int]:
    """Append the data frames of one whole segment file to `out`; return how it ended
    ("sealed" / "end" / "torn"), the offset and the next seq. Inconsistency raises."""
    salt_crc = zlib.crc32(decode_header(data[:HEADER_BYTES]).salt)
    at = HEADER_BYTES
    while True:
        if at + _FRAME.size > len(data):
            return ("torn" if any(data[at:]) else "end"), at, seq
        if data[at : at + _FRAME.size] == _ZEROS:
            return "end", at, seq
        length, count, kind, first, crc = _FRAME.unpack_from(data, at)
        end = at + _FRAME.size + length
        if end > len(data):
            return "torn", at, seq
        covered = data[at : at + _FRAME.size - 4] + data[at + _FRAME.size : end]
        if zlib.crc32(covered, salt_crc) != crc:
            return "torn", at, seq
        if kind not in (1, 2) or first != seq or (count == 0) != (kind == 2):
            raise _Damaged(name, at, seq)
        if kind == 2:
            return "sealed", end, seq
        out.append((name, at, first, count, data[at + _FRAME.size : end]))
        seq, at = seq + count, end


def reference_read(directory: Path) -> Outcome:
    """Every frame of a log directory, read whole-file at a time, and where it is damaged."""
    frames: list[FrameKey] = []
    paths = segment_paths(directory)
    expected = 1
    try:
        for index, path in enumerate(paths):
            data = path.read_bytes()
            try:
                header = decode_header(data[:HEADER_BYTES])
            except HeaderError:
                raise _Damaged(path.name, 0, expected) from None
            if header.first_seq != expected:
                raise _Damaged(path.name, 0, expected)
            how, at, expected = _reference_segment(path.name, data, expected, frames)
            if how != "sealed":
                if index == len(paths) - 1:
                    break
                raise _Damaged(path.name, at, expected)
    except _Damaged as damaged:
        return frames, damaged.where
    return frames, None


def fast_read(directory: Path) -> Outcome:
    frames: list[FrameKey] = []
    try:
        for frame in read_frames(str(directory)):
            assert type(frame.payload) is bytes
            frames.append(
                (frame.segment, frame.offset, frame.first_seq, frame.count, frame.payload)
            )
    except CorruptLogError as exc:
        return frames, (exc.segment, exc.offset, exc.seq)
    return frames, None


batches = st.lists(st.lists(st.integers(0, 300), min_size=1, max_size=8), min_size=1, max_size=40)


def _write(directory: Path, sizes: list[list[int]]) -> list[bytes]:
    written: list[bytes] = []
    with WalLog.open(str(directory), small_config(Durability.NONE)) as log:
        for batch in sizes:
            records = [os.urandom(size) for size in batch]
            log.append_records(records)
            written.extend(records)
    return written


@given(sizes=batches)
def test_fast_reader_yields_the_reference_frames_of_intact_logs(sizes: list[list[int]]) -> None:
    """On a log of random record sizes over several small segments, read_frames yields
    exactly the reference reader's frames, no error, and together they hold every record."""
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp) / "wal"
        written = _write(directory, sizes)
        got = fast_read(directory)
        assert got == reference_read(directory)
        frames, error = got
        assert error is None
        assert sum(frame[3] for frame in frames) == len(written)


@given(sizes=batches, data=st.data())
def test_fast_reader_stops_like_the_reference_on_a_damaged_byte(
    sizes: list[list[int]], data: st.DataObject
) -> None:
    """After one random byte of a random segment file is changed, read_frames yields the
    reference's frames and then the same CorruptLogError (segment, offset, seq), or ends
    quietly where the reference finds a torn tail."""
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp) / "wal"
        _write(directory, sizes)
        path = data.draw(st.sampled_from(segment_paths(directory)))
        raw = bytearray(path.read_bytes())
        at = data.draw(st.integers(0, len(raw) - 1))
        raw[at] ^= data.draw(st.integers(1, 255))
        path.write_bytes(bytes(raw))
        assert fast_read(directory) == reference_read(directory)


@given(sizes=batches, data=st.data())
def test_fast_reader_stops_like_the_reference_on_a_truncated_segment(
    sizes: list[list[int]], data: st.DataObject
) -> None:
    """After a random segment file is cut at a random length, read_frames agrees with the
    reference: the same frames, then the same named error or the same quiet end."""
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp) / "wal"
        _write(directory, sizes)
        path = data.draw(st.sampled_from(segment_paths(directory)))
        size = path.stat().st_size
        os.truncate(path, data.draw(st.integers(0, size - 1)))
        assert fast_read(directory) == reference_read(directory)


@given(sizes=batches, data=st.data())
def test_fast_reader_from_and_upto_seq_select_the_reference_frames(
    sizes: list[list[int]], data: st.DataObject
) -> None:
    """read_frames(from_seq, upto_seq) yields the reference frames that hold a seq >=
    from_seq and start at or before upto_seq, in order."""
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp) / "wal"
        total = len(_write(directory, sizes))
        from_seq = data.draw(st.integers(1, total + 1))
        upto_seq = data.draw(st.integers(from_seq, total + 1))
        frames, _ = reference_read(directory)
        want = [f[2:] for f in frames if f[2] + f[3] > from_seq and f[2] <= upto_seq]
        got = [
            (f.first_seq, f.count, f.payload)
            for f in read_frames(str(directory), from_seq, upto_seq)
        ]
        assert got == want


@given(sizes=batches, data=st.data())
def test_fast_reader_stops_like_the_reference_on_a_valid_crc_frame_that_breaks_the_chain(
    sizes: list[list[int]], data: st.DataObject
) -> None:
    """A data frame rewritten with another first_seq, kind or count and a CRC that matches
    again (damage a CRC cannot see) makes read_frames raise at that frame, as the reference
    does, whether its segment is sealed or the last one."""
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp) / "wal"
        _write(directory, sizes)
        victim = data.draw(st.sampled_from(list(read_frames(str(directory)))))
        path = directory / victim.segment
        raw = bytearray(path.read_bytes())
        fields = list(_FRAME.unpack_from(raw, victim.offset))
        field = data.draw(st.sampled_from([1, 2, 3]))  # count, kind, first_seq
        fields[field] = data.draw(st.integers(0, 2**32 - 1).filter(lambda v: v != fields[field]))
        salt_crc = zlib.crc32(decode_header(bytes(raw[:HEADER_BYTES])).salt)
        payload = bytes(raw[victim.offset + _FRAME.size : victim.offset + _FRAME.size + fields[0]])
        head = _FRAME.pack(*fields[:4], 0)[: _FRAME.size - 4]
        fields[4] = zlib.crc32(payload, zlib.crc32(head, salt_crc))
        _FRAME.pack_into(raw, victim.offset, *fields)
        path.write_bytes(bytes(raw))
        got = fast_read(directory)
        assert got == reference_read(directory)
        if fields[2] not in (1, 2) or fields[3] != victim.first_seq:
            assert got[1] == (victim.segment, victim.offset, victim.first_seq)


@given(sizes=batches, data=st.data())
def test_fast_reader_agrees_with_the_reference_when_frames_straddle_read_chunks(
    sizes: list[list[int]], data: st.DataObject
) -> None:
    """With read chunks of a random few bytes, so frames and headers straddle chunk ends and
    are read again, read_frames still agrees with the reference on intact and damaged logs."""
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp) / "wal"
        _write(directory, sizes)
        chunk = data.draw(st.integers(1, 600), label="chunk")
        with mock.patch.object(scan, "CHUNK_BYTES", chunk):
            assert fast_read(directory) == reference_read(directory)
            path = data.draw(st.sampled_from(segment_paths(directory)))
            raw = bytearray(path.read_bytes())
            raw[data.draw(st.integers(0, len(raw) - 1))] ^= data.draw(st.integers(1, 255))
            path.write_bytes(bytes(raw))
            assert fast_read(directory) == reference_read(directory)
