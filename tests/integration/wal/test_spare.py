"""The spare segment hand-off: a writer that reopens a log whose last segment is sealed
takes the spare left behind, and the segment it renames into place is the very file it
wrote the header into (no new spare may be renamed over it meanwhile)."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from hft.adapters.wal import FileOps, LogWriteError, WalLog
from hft.adapters.wal.reader import read_header
from tests.integration.wal.helpers import all_records, record, segment_paths, small_config


class FailSegmentRename(FileOps):
    """Real file operations whose rename to a `.seg` name fails once armed: the state a
    crash leaves between sealing a segment and naming the next one."""

    def __init__(self) -> None:
        self.armed = False

    def rename(self, src: str, dst: str) -> None:
        if self.armed and dst.endswith(".seg"):
            raise OSError("injected: crash before the new segment is named")
        super().rename(src, dst)


class SlowSyncOnMainThread(FileOps):
    """Real file operations whose syncs on the main thread (opening the log) take a while,
    giving any other thread time to act between the header sync and the rename."""

    def fdatasync(self, fd: int) -> None:
        if threading.current_thread() is threading.main_thread():
            time.sleep(0.3)
        super().fdatasync(fd)


def sealed_last_with_spare(directory: Path) -> int:
    """A log whose last segment is sealed, with a taken spare (header written) left behind;
    returns the last seq written."""
    ops = FailSegmentRename()
    log = WalLog.open(str(directory), small_config(), fileops=ops)
    log.append_records([record(s) for s in range(1, 41)])
    assert log.wait_durable(40, 30)
    ops.armed = True
    try:
        log.append_records([record(s) for s in range(41, 201)])
        log.wait_durable(200, 30)
    except LogWriteError:
        pass
    last = log.durable_seq()
    log.close()
    assert (directory / "spare.zero").exists()
    return last


def test_reopening_after_a_crash_between_seal_and_next_segment_writes_a_readable_segment(
    wal_dir: Path,
) -> None:
    """The segment created from the left-over spare has its header, and records appended
    after the reopen read back with all the earlier ones."""
    last = sealed_last_with_spare(wal_dir)
    with WalLog.open(str(wal_dir), small_config(), fileops=SlowSyncOnMainThread()) as log:
        assert log.last_seq() == last
        newest = segment_paths(wal_dir)[-1]
        assert read_header(str(newest), newest.name, last + 1).first_seq == last + 1
        log.append_records([record(s) for s in range(last + 1, last + 11)])
        assert log.wait_durable(last + 10, 30)
    assert all_records(wal_dir) == [(s, record(s)) for s in range(1, last + 11)]


class SwapBeforeRename(FileOps):
    """Real file operations that put a different file in place of the spare just before it
    is renamed to a segment name (what the hand-off race used to do)."""

    def rename(self, src: str, dst: str) -> None:
        if dst.endswith(".seg") and src.endswith("spare.zero"):
            size = Path(src).stat().st_size
            Path(src + ".other").write_bytes(bytes(size))
            super().rename(src + ".other", src)
        super().rename(src, dst)


def test_a_segment_that_is_not_the_prepared_file_stops_the_open_with_a_named_error(
    wal_dir: Path,
) -> None:
    """If the file renamed into place is not the one the header went into, opening fails
    with LogWriteError naming that segment rather than writing into an unlinked file."""
    with pytest.raises(LogWriteError, match=r"0001\.seg is not the spare that was prepared"):
        WalLog.open(str(wal_dir), small_config(), fileops=SwapBeforeRename()).close()
