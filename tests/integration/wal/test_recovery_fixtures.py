"""Damaged log directories, one kind of damage each, and what opening and verifying them says.

A torn or bad tail of the active segment is truncated and reported; damage that could hide
acknowledged data (sealed segments, gaps, missing files) stops the open with CorruptLogError.
"""

from __future__ import annotations

import os
import zlib
from pathlib import Path

import pytest

from hft.adapters.wal import CorruptLogError, WalLog, verify_log
from hft.adapters.wal.format import (
    FRAME_BYTES,
    KIND_DATA,
    SEAL_BYTES,
    decode_header,
    frame_header,
)
from tests.integration.wal.helpers import (
    all_records,
    flip_bit,
    frames_of,
    record,
    segment_paths,
    small_config,
    write_log,
)

RECORDS = 300


@pytest.fixture
def written(wal_dir: Path) -> Path:
    write_log(wal_dir, RECORDS)
    assert len(segment_paths(wal_dir)) >= 3
    return wal_dir


def test_intact_log_reopens_clean_with_every_record(written: Path) -> None:
    """An undamaged log reopens with a clean report and every record in order."""
    with WalLog.open(str(written), small_config()) as log:
        assert log.recovery.clean
        assert log.recovery.last_seq == RECORDS
        assert list(log.read_records()) == [(s, record(s)) for s in range(1, RECORDS + 1)]
    assert verify_log(str(written)).problem is None


def test_torn_last_frame_is_truncated_and_reported(written: Path) -> None:
    """Zeroing the end of the last frame (a torn write) truncates exactly that frame."""
    last = frames_of(written)[-1]
    path = written / last.segment
    end = last.offset + FRAME_BYTES + len(last.payload)
    with open(path, "r+b") as f:
        f.seek(end - 10)
        f.write(bytes(10))
    problem = verify_log(str(written)).problem
    assert problem is not None
    assert (problem.segment, problem.offset, problem.seq) == (
        last.segment,
        last.offset,
        last.first_seq,
    )
    assert problem.recoverable
    with WalLog.open(str(written), small_config()) as log:
        report = log.recovery
        assert report.truncated_segment == last.segment
        assert report.truncated_from_seq == last.first_seq
        assert report.truncated_bytes == end - 10 - last.offset
        assert report.last_seq == last.first_seq - 1
        assert log.append_records([b"after"]) == (last.first_seq, last.first_seq)
        log.wait_durable(last.first_seq, 10)
    records = all_records(written)
    assert records[-1] == (last.first_seq, b"after")
    assert records[:-1] == [(s, record(s)) for s in range(1, last.first_seq)]


def test_flipped_bit_in_active_segment_truncates_from_that_frame(written: Path) -> None:
    """A bad CRC in the active segment's last frame is a torn tail: truncated, reported."""
    last = frames_of(written)[-1]
    flip_bit(written / last.segment, last.offset + FRAME_BYTES + 3)
    with WalLog.open(str(written), small_config()) as log:
        assert log.recovery.truncated_from_seq == last.first_seq
        assert log.recovery.reason == "frame CRC mismatch"
        assert log.last_seq() == last.first_seq - 1
    assert verify_log(str(written)).problem is None


def test_flipped_bit_in_sealed_segment_stops_the_open(written: Path) -> None:
    """A bad CRC in a sealed segment is corruption: CorruptLogError names segment, offset, seq."""
    frames = frames_of(written)
    first_segment = frames[0].segment
    victim = [f for f in frames if f.segment == first_segment][2]
    flip_bit(written / victim.segment, victim.offset + FRAME_BYTES + 1)
    with pytest.raises(CorruptLogError) as caught:
        WalLog.open(str(written), small_config())
    err = caught.value
    assert (err.segment, err.offset, err.seq) == (victim.segment, victim.offset, victim.first_seq)
    assert "CRC" in err.reason
    problem = verify_log(str(written)).problem
    assert problem is not None
    assert (problem.segment, problem.offset, problem.seq) == (err.segment, err.offset, err.seq)
    assert not problem.recoverable


def test_open_failure_leaves_the_directory_unlocked_and_untouched(written: Path) -> None:
    """A refused open changes no byte and lets the next open try again (and fail the same)."""
    victim = frames_of(written)[1]
    flip_bit(written / victim.segment, victim.offset + FRAME_BYTES)
    before = {p.name: p.read_bytes() for p in segment_paths(written)}
    for _ in range(2):
        with pytest.raises(CorruptLogError):
            WalLog.open(str(written), small_config())
    assert {p.name: p.read_bytes() for p in segment_paths(written)} == before


def test_truncated_header_of_sealed_segment_stops_the_open(written: Path) -> None:
    """A sealed segment cut inside its header is refused at offset 0 with its first seq."""
    second = segment_paths(written)[1]
    first_seq = int(second.stem)
    os.truncate(second, 30)
    with pytest.raises(CorruptLogError) as caught:
        WalLog.open(str(written), small_config())
    assert (caught.value.segment, caught.value.offset, caught.value.seq) == (
        second.name,
        0,
        first_seq,
    )
    assert "header truncated" in caught.value.reason


def test_damaged_header_of_empty_active_segment_is_rewritten(wal_dir: Path) -> None:
    """An active segment with no frames and a damaged header holds nothing: it is rewritten."""
    with WalLog.open(str(wal_dir), small_config()):
        pass
    (active,) = segment_paths(wal_dir)
    flip_bit(active, 12)
    with WalLog.open(str(wal_dir), small_config()) as log:
        assert log.recovery.active_header_rewritten
        log.append_records([b"one"])
        log.wait_durable(1, 10)
    assert all_records(wal_dir) == [(1, b"one")]


def test_damaged_header_of_active_segment_with_frames_stops_the_open(written: Path) -> None:
    """A damaged header over frames cannot be rewritten without losing them: refused."""
    active = segment_paths(written)[-1]
    flip_bit(active, 20)
    with pytest.raises(CorruptLogError) as caught:
        WalLog.open(str(written), small_config())
    assert (caught.value.segment, caught.value.offset) == (active.name, 0)
    assert "header CRC" in caught.value.reason


def test_missing_sealed_segment_is_named(written: Path) -> None:
    """Deleting a sealed segment is detected from the manifest, naming the missing file."""
    middle = segment_paths(written)[1]
    middle.unlink()
    with pytest.raises(CorruptLogError) as caught:
        WalLog.open(str(written), small_config())
    assert caught.value.segment == middle.name
    assert caught.value.seq == int(middle.stem)
    assert "missing" in caught.value.reason
    assert verify_log(str(written)).problem is not None


def test_missing_active_segment_is_named(written: Path) -> None:
    """Deleting the active segment (acknowledged data) is refused, not silently restarted."""
    active = segment_paths(written)[-1]
    active.unlink()
    with pytest.raises(CorruptLogError) as caught:
        WalLog.open(str(written), small_config())
    assert caught.value.segment == active.name
    assert "active segment missing" in caught.value.reason


def test_missing_segment_without_manifest_is_a_sequence_gap(written: Path) -> None:
    """With the manifest gone too, the chain of first seqs still exposes the hole."""
    paths = segment_paths(written)
    (written / "MANIFEST.json").unlink()
    paths[1].unlink()
    with pytest.raises(CorruptLogError) as caught:
        WalLog.open(str(written), small_config())
    assert caught.value.segment == paths[2].name
    assert caught.value.seq == int(paths[1].stem)
    assert "sequence gap" in caught.value.reason


def _rewrite_frame_seq(path: Path, offset: int, payload: bytes, count: int, seq: int) -> None:
    """Replace a frame's header with a valid one (right salt and CRC) claiming `seq`."""
    data = path.read_bytes()
    salt_crc = zlib.crc32(decode_header(data).salt)
    with open(path, "r+b") as f:
        f.seek(offset)
        f.write(frame_header(salt_crc, KIND_DATA, seq, count, payload))


@pytest.mark.parametrize("where", ["sealed", "active"])
def test_sequence_gap_with_valid_crc_stops_the_open(written: Path, where: str) -> None:
    """A frame whose CRC is fine but whose seq skips ahead is refused in any segment."""
    frames = frames_of(written)
    segment = frames[0].segment if where == "sealed" else frames[-1].segment
    victim = [f for f in frames if f.segment == segment][1]
    _rewrite_frame_seq(
        written / segment, victim.offset, victim.payload, victim.count, victim.first_seq + 7
    )
    with pytest.raises(CorruptLogError) as caught:
        WalLog.open(str(written), small_config())
    assert (caught.value.segment, caught.value.offset, caught.value.seq) == (
        segment,
        victim.offset,
        victim.first_seq,
    )
    assert "sequence gap" in caught.value.reason


def test_temp_files_left_by_a_kill_are_removed_and_reported(written: Path) -> None:
    """Orphaned temp files (manifest, spare) are deleted on open and listed in the report."""
    (written / "MANIFEST.json.77.tmp").write_bytes(b"{half")
    (written / "spare.zero.tmp").write_bytes(bytes(100))
    with WalLog.open(str(written), small_config()) as log:
        assert log.recovery.temp_files_removed == ("MANIFEST.json.77.tmp", "spare.zero.tmp")
    assert not list(written.glob("*.tmp"))


def test_stray_bytes_after_the_last_frame_are_zeroed(written: Path) -> None:
    """Non-zero bytes past the last good frame (an unsynced later page) are zeroed, reported,
    and cannot resurface as frames after new appends."""
    active = segment_paths(written)[-1]
    size = active.stat().st_size
    data_end = verify_log(str(written)).segments[-1].data_end
    with open(active, "r+b") as f:
        f.seek(size - 100)
        f.write(b"\xff" * 50)
    with WalLog.open(str(written), small_config()) as log:
        assert log.recovery.truncated_bytes == size - 50 - data_end
        assert log.recovery.last_seq == RECORDS
        assert log.recovery.truncated_from_seq == RECORDS + 1
    assert all_records(written) == [(s, record(s)) for s in range(1, RECORDS + 1)]
    assert active.read_bytes()[size - 100 : size - 50] == bytes(50)


def test_unreadable_manifest_is_rebuilt_from_segments(written: Path) -> None:
    """A garbled manifest is reported and rebuilt from the segments; no record is lost."""
    (written / "MANIFEST.json").write_bytes(b"not json")
    with WalLog.open(str(written), small_config()) as log:
        assert log.recovery.manifest_rebuilt
        assert log.last_seq() == RECORDS
        assert len(log.sealed_segments()) == len(segment_paths(written)) - 1
    assert all_records(written)[-1] == (RECORDS, record(RECORDS))


def test_fast_open_trusts_manifest_for_sealed_data_but_verify_does_not(written: Path) -> None:
    """With verify_sealed_on_open=False a bad CRC inside a sealed segment's data does not
    stop the open (its seal is intact); `verify_log` still reports it."""
    victim = frames_of(written)[1]
    flip_bit(written / victim.segment, victim.offset + FRAME_BYTES + 1)
    with WalLog.open(str(written), small_config(verify_sealed_on_open=False)) as log:
        assert log.last_seq() == RECORDS
    problem = verify_log(str(written)).problem
    assert problem is not None
    assert (problem.segment, problem.offset) == (victim.segment, victim.offset)


def test_fast_open_still_checks_each_seal_frame(written: Path) -> None:
    """With verify_sealed_on_open=False a damaged seal frame is CorruptLogError at its offset."""
    with WalLog.open(str(written), small_config()) as log:
        first = log.sealed_segments()[0]
    flip_bit(Path(first.path), first.data_end - 3)
    with pytest.raises(CorruptLogError) as caught:
        WalLog.open(str(written), small_config(verify_sealed_on_open=False))
    assert (caught.value.segment, caught.value.offset, caught.value.seq) == (
        first.name, first.data_end - SEAL_BYTES, first.last_seq + 1,
    )  # fmt: skip
