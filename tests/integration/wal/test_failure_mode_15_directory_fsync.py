"""Failure mode 15 (docs/failure-modes.md): a rename is durable only once its directory is
synced, and a manifest that lost its last rename never makes a reopen read records twice.

The WAL renames three kinds of file into its directory: a new segment (from the prepared
spare or a temp file), the spare itself, and MANIFEST.json. A crash after a rename whose
directory entry never reached the disk can bring back the old name; these tests pin that
every rename is followed by a directory fsync on the same thread before that thread renames
or writes anything else, and that an older manifest left by such a crash is harmless.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from pathlib import Path

import pytest

from hft.adapters.wal import Durability, FileOps, WalLog, verify_log
from hft.adapters.wal.manifest import MANIFEST_NAME, load_manifest
from tests.integration.wal.helpers import all_records, record, segment_paths, small_config

RECORDS = 300
Op = tuple[int, str, str]  # (thread ident, operation, path)


class RecordingOps(FileOps):
    """Real file operations that remember, per thread and in order, every rename (by its
    destination), directory fsync and data write."""

    def __init__(self) -> None:
        self.ops: list[Op] = []
        self._lock = threading.Lock()

    def _note(self, op: str, path: str) -> None:
        with self._lock:
            self.ops.append((threading.get_ident(), op, os.path.normpath(path)))

    def rename(self, src: str, dst: str) -> None:
        super().rename(src, dst)
        self._note("rename", dst)

    def fsync_dir(self, directory: str) -> None:
        super().fsync_dir(directory)
        self._note("fsync_dir", directory)

    def pwrite(self, fd: int, buffers: Sequence[bytes], offset: int) -> int:
        self._note("pwrite", str(fd))
        return super().pwrite(fd, buffers, offset)


def renames_left_unsynced(ops: list[Op]) -> list[Op]:
    """Renames not followed, on their thread, by an fsync of the destination's directory
    before that thread's next rename or write (or before the end)."""
    waiting: dict[int, Op] = {}
    unsynced: list[Op] = []
    for op in ops:
        thread, kind, path = op
        pending = waiting.get(thread)
        if pending is not None:
            if kind == "fsync_dir" and path == os.path.dirname(pending[2]):
                del waiting[thread]
            elif kind in ("rename", "pwrite"):
                unsynced.append(pending)
                del waiting[thread]
        if kind == "rename":
            waiting[thread] = op
    return unsynced + list(waiting.values())


def _write(directory: Path, policy: Durability, ops: FileOps) -> None:
    with WalLog.open(str(directory), small_config(policy), fileops=ops) as log:
        for seq in range(1, RECORDS + 1):
            log.append_records([record(seq)])
        assert log.wait_durable(RECORDS, 30)


@pytest.mark.parametrize("policy", [Durability.FSYNC, Durability.NONE])
def test_every_rename_in_the_log_directory_is_followed_by_a_directory_fsync(
    wal_dir: Path, policy: Durability
) -> None:
    """Rolling 300 records over 4 KiB segments renames every segment file and the manifest
    many times (fsync policy: from the zeroed spare; none: from a temp file); each rename is
    followed by an fsync of the WAL directory on the same thread before anything else."""
    ops = RecordingOps()
    _write(wal_dir, policy, ops)
    renamed = [os.path.basename(path) for _, kind, path in ops.ops if kind == "rename"]
    segments = {p.name for p in segment_paths(wal_dir)}
    assert len(segments) >= 5
    assert {name for name in renamed if name.endswith(".seg")} == segments
    assert renamed.count(MANIFEST_NAME) >= len(segments) - 1
    assert renames_left_unsynced(ops.ops) == []
    assert {path for _, kind, path in ops.ops if kind == "fsync_dir"} >= {str(wal_dir)}


def test_the_checker_finds_a_rename_without_a_directory_fsync() -> None:
    """The rule above can fail: a rename followed by a write, or by nothing, is reported;
    a sync of another directory does not count."""
    ops: list[Op] = [
        (1, "rename", "/w/MANIFEST.json"),
        (1, "fsync_dir", "/other"),
        (1, "pwrite", "7"),
        (2, "rename", "/w/00000000000000000001.seg"),
        (1, "rename", "/w/spare.zero"),
        (1, "fsync_dir", "/w"),
    ]
    assert renames_left_unsynced(ops) == [ops[0], ops[3]]


def test_a_manifest_older_than_the_segments_reopens_every_record_exactly_once(
    wal_dir: Path,
) -> None:
    """A crash that loses the newest manifest rename leaves the previous manifest, which
    names fewer sealed segments; the reopened log still reads 1..300 once each, in order,
    continues at 301, and a fresh manifest again lists every sealed segment."""
    with WalLog.open(str(wal_dir), small_config()) as log:
        for seq in range(1, 101):
            log.append_records([record(seq)])
        assert log.wait_durable(100, 30)
        stale = (wal_dir / MANIFEST_NAME).read_bytes()
        stale_manifest = load_manifest(str(wal_dir))
        for seq in range(101, RECORDS + 1):
            log.append_records([record(seq)])
        assert log.wait_durable(RECORDS, 30)
        sealed_before = len(log.sealed_segments())
    assert stale_manifest is not None
    assert len(stale_manifest.sealed) < sealed_before
    (wal_dir / MANIFEST_NAME).write_bytes(stale)

    with WalLog.open(str(wal_dir), small_config()) as log:
        assert log.recovery.last_seq == RECORDS
        assert [seq for seq, _ in log.read_records()] == list(range(1, RECORDS + 1))
        assert log.append_records([record(RECORDS + 1)]) == (RECORDS + 1, RECORDS + 1)
        assert log.wait_durable(RECORDS + 1, 30)
        sealed_after = len(log.sealed_segments())
    assert sealed_after >= sealed_before
    assert all_records(wal_dir) == [(s, record(s)) for s in range(1, RECORDS + 2)]
    fresh = load_manifest(str(wal_dir))
    assert fresh is not None
    assert len(fresh.sealed) == sealed_after
    assert verify_log(str(wal_dir)).problem is None
