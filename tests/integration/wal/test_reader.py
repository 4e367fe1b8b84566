"""Readers beside a writer: a follower (tail -f) sees every record once, in order, across
segment rolls; plain reads stop at a torn end instead of failing."""

from __future__ import annotations

import threading
from pathlib import Path

from hft.adapters.wal import WalLog, follow_frames, read_frames, unpack_records
from tests.integration.wal.helpers import record, small_config, write_log


def _records_of(frames: object, from_seq: int = 1) -> list[tuple[int, bytes]]:
    out = []
    for frame in frames:  # type: ignore[attr-defined]
        for i, rec in enumerate(unpack_records(frame.payload, frame.count)):
            if frame.first_seq + i >= from_seq:
                out.append((frame.first_seq + i, rec))
    return out


def test_follower_sees_every_record_once_across_rolls_while_writing(wal_dir: Path) -> None:
    """A follower started before the log exists receives records 1..600 exactly once, in
    order, while a writer appends them across many small segments."""
    total = 600
    stop = threading.Event()
    seen: list[tuple[int, bytes]] = []

    def follow() -> None:
        for frame in follow_frames(str(wal_dir), 1, poll_s=0.005, stop=stop):
            seen.extend(_records_of([frame]))
            if seen and seen[-1][0] >= total:
                return

    follower = threading.Thread(target=follow)
    follower.start()
    with WalLog.open(str(wal_dir), small_config()) as log:
        for start in range(1, total + 1, 3):
            log.append_records([record(s) for s in range(start, start + 3)])
        log.wait_durable(total, 30)
    follower.join(timeout=60)
    stop.set()
    follower.join()
    assert seen == [(s, record(s)) for s in range(1, total + 1)]


def test_follower_from_a_middle_seq_ends_after_idle_timeout(wal_dir: Path) -> None:
    """Following a closed log from seq 250 yields 250..300 and then ends when idle."""
    write_log(wal_dir, 300)
    frames = follow_frames(str(wal_dir), 250, poll_s=0.01, idle_timeout_s=0.1)
    assert _records_of(frames, 250) == [(s, record(s)) for s in range(250, 301)]


def test_read_frames_honours_upto_seq_at_frame_granularity(wal_dir: Path) -> None:
    """read_frames(upto_seq=n) stops before the first frame starting after n."""
    write_log(wal_dir, 100, per_append=10)
    frames = list(read_frames(str(wal_dir), 1, upto_seq=35))
    assert [(f.first_seq, f.last_seq) for f in frames] == [(s, s + 9) for s in range(1, 40, 10)]


def test_plain_read_of_a_torn_log_stops_at_the_tear(wal_dir: Path) -> None:
    """Reading (without opening for write) a log whose last frame is torn yields what is
    before the tear and no error; nothing is repaired by reading."""
    write_log(wal_dir, 100)
    last = list(read_frames(str(wal_dir)))[-1]
    path = wal_dir / last.segment
    with open(path, "r+b") as f:
        f.seek(last.offset + 30)
        f.write(b"\x00\x01\x02")
    damaged = path.read_bytes()
    got = _records_of(read_frames(str(wal_dir)))
    assert got == [(s, record(s)) for s in range(1, last.first_seq)]
    assert path.read_bytes() == damaged
