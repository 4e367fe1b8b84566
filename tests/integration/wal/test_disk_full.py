"""A full disk (ENOSPC) or a failing sync: a named error, the log refuses further appends,
durable_seq stays at the last completed sync, and nothing acknowledged is lost."""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from hft.adapters.wal import (
    DiskFullError,
    FileOps,
    LogWriteError,
    WalConfig,
    WalLog,
    read_records,
)
from tests.integration.wal.helpers import all_records, record, small_config


class FailingOps(FileOps):
    """Real file operations that start failing with `error` once `armed` is set."""

    def __init__(self, error: int, on: str) -> None:
        self.error = error
        self.on = on
        self.armed = False

    def pwrite(self, fd: int, buffers: object, offset: int) -> int:
        if self.armed and self.on == "write":
            raise OSError(self.error, os.strerror(self.error))
        return super().pwrite(fd, buffers, offset)  # type: ignore[arg-type]

    def fdatasync(self, fd: int) -> None:
        if self.armed and self.on == "sync":
            raise OSError(self.error, os.strerror(self.error))
        super().fdatasync(fd)


def _acked_then_fail(wal_dir: Path, ops: FailingOps) -> tuple[int, type[LogWriteError]]:
    log = WalLog.open(str(wal_dir), small_config(), fileops=ops)
    for i in range(1, 101):
        log.append_records([record(i)])
    assert log.wait_durable(100, 30)
    ops.armed = True
    log.append_records([record(101), record(102)])
    with pytest.raises(LogWriteError) as caught:
        log.wait_durable(102, 30)
    assert log.durable_seq() == 100
    with pytest.raises(type(caught.value)):
        log.append_records([record(103)])
    assert log.last_seq() == 102
    log.close()
    return log.durable_seq(), type(caught.value)


def test_enospc_on_write_raises_disk_full_and_keeps_acked_records(wal_dir: Path) -> None:
    """ENOSPC from the write path becomes DiskFullError; acked records 1..100 survive reopen."""
    durable, kind = _acked_then_fail(wal_dir, FailingOps(errno.ENOSPC, "write"))
    assert (durable, kind) == (100, DiskFullError)
    assert all_records(wal_dir) == [(s, record(s)) for s in range(1, 101)]


def test_failed_sync_raises_log_write_error_not_disk_full(wal_dir: Path) -> None:
    """EIO from fdatasync is a LogWriteError (not DiskFullError); acked records survive, and
    the unacked ones that were written anyway may follow them, in order, never garbled."""
    durable, kind = _acked_then_fail(wal_dir, FailingOps(errno.EIO, "sync"))
    assert (durable, kind) == (100, LogWriteError)
    records = all_records(wal_dir)
    assert records[:100] == [(s, record(s)) for s in range(1, 101)]
    assert records[100:] in ([], [(101, record(101)), (102, record(102))])


@pytest.fixture
def tiny_fs(tmp_path: Path) -> Iterator[Path]:
    """A 1 MiB tmpfs (needs root and mount); skipped where it cannot be mounted."""
    mount_point = tmp_path / "tiny"
    mount_point.mkdir()
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a tmpfs needs root")
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount_point)],
        check=False,
        capture_output=True,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount tmpfs: {done.stderr.decode().strip()}")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", str(mount_point)], check=True)


def test_real_full_filesystem_stops_the_log_without_losing_acks(tiny_fs: Path) -> None:
    """On a 1 MiB file system, appending until it is full ends in DiskFullError; every record
    acknowledged before that is present after reopening with the disk still full."""
    directory = tiny_fs / "wal"
    config = WalConfig(segment_bytes=128 * 1024)
    log = WalLog.open(str(directory), config)
    acked, error = _append_until_error(log)
    log.close()
    assert isinstance(error, DiskFullError)
    assert acked > 1000
    assert log.durable_seq() == acked
    got = list(read_records(str(directory)))
    assert got[:acked] == [(s, record(s, 200)) for s in range(1, acked + 1)]


def _append_until_error(log: WalLog) -> tuple[int, LogWriteError | None]:
    acked = 0
    for i in range(1, 100_000):
        try:
            log.append_records([record(i, 200)])
            log.wait_durable(i, 30)
        except LogWriteError as exc:
            return acked, exc
        acked = i
    return acked, None
