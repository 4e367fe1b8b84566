"""A waiter without a timeout commits for itself when no one else is doing I/O: its records
are written and synced on its own thread, in sequence order, and acknowledged only after."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from hft.adapters.wal import Durability, FileOps, WalLog
from tests.integration.wal.helpers import all_records, record, small_config


class ThreadRecordingOps(FileOps):
    """Real file operations that note which thread wrote and which synced."""

    def __init__(self) -> None:
        self.writers: list[str] = []
        self.syncers: list[str] = []

    def forget(self) -> None:
        """Drop what opening the log did (it creates the first segment on the opener)."""
        self.writers.clear()
        self.syncers.clear()

    def pwrite(self, fd: int, buffers: object, offset: int) -> int:
        self.writers.append(threading.current_thread().name)
        return super().pwrite(fd, buffers, offset)  # type: ignore[arg-type]

    def fdatasync(self, fd: int) -> None:
        self.syncers.append(threading.current_thread().name)
        super().fdatasync(fd)


def _lockstep(
    wal_dir: Path, policy: Durability, records: int, timeout_s: float | None
) -> tuple[bool, bool]:
    """Append one record and wait for it, `records` times; did this thread (write, sync)?"""
    ops = ThreadRecordingOps()
    me = threading.current_thread().name
    with WalLog.open(str(wal_dir), small_config(policy), fileops=ops) as log:
        ops.forget()
        for i in range(1, records + 1):
            log.append_records([record(i)])
            assert log.wait_durable(i, timeout_s)
            assert log.durable_seq() >= i
    assert [seq for seq, _ in all_records(wal_dir)] == list(range(1, records + 1))
    return me in ops.writers, me in ops.syncers


def test_an_untimed_waiter_writes_and_syncs_its_own_records_when_the_flusher_is_idle(
    wal_dir: Path,
) -> None:
    """Lockstep append-then-wait: the caller wrote and synced records itself, and every
    record is in the file under its seq."""
    assert _lockstep(wal_dir, Durability.FSYNC, 50, None) == (True, True)


def test_a_timed_waiter_never_touches_the_files(wal_dir: Path) -> None:
    """With a timeout the caller only waits: a stuck disk cannot hold it past the timeout."""
    assert _lockstep(wal_dir, Durability.FSYNC, 50, 30.0) == (False, False)


def test_many_untimed_waiters_and_the_flusher_keep_sequence_order(wal_dir: Path) -> None:
    """Four threads appending and waiting without a timeout (each may lead a commit) leave a
    gapless file in sequence order with every record under the seq its append returned."""
    assigned: dict[int, bytes] = {}
    lock = threading.Lock()

    def producer(tag: int) -> None:
        for i in range(100):
            data = [f"t{tag}-{i}".encode()]
            first, _last = log.append_records(data)
            assert log.wait_durable(first)
            with lock:
                assigned[first] = data[0]

    with WalLog.open(str(wal_dir), small_config(Durability.FSYNC)) as log:
        threads = [threading.Thread(target=producer, args=(t,)) for t in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert sorted(assigned) == list(range(1, 401))
    assert all_records(wal_dir) == sorted(assigned.items())


def test_policy_none_waiter_writes_without_syncing(wal_dir: Path) -> None:
    """Policy none: the leading waiter writes and publishes, and never calls fdatasync."""
    assert _lockstep(wal_dir, Durability.NONE, 20, None) == (True, False)


def test_a_record_nobody_waits_for_becomes_durable_while_waiters_lead(wal_dir: Path) -> None:
    """After waiters have led their commits (appends then leave the flusher asleep), a record
    whose waiter does not lead (a timeout) is still written, by the flusher."""
    ops = ThreadRecordingOps()
    with WalLog.open(str(wal_dir), small_config(Durability.FSYNC), fileops=ops) as log:
        for i in range(1, 11):
            log.append_records([record(i)])
            assert log.wait_durable(i)
        ops.forget()
        log.append_records([record(11)])
        assert log.wait_durable(11, timeout_s=30.0)  # a timed waiter never writes itself
        assert ops.writers == ["wal-flusher"]
    assert [seq for seq, _ in all_records(wal_dir)] == list(range(1, 12))


def test_a_polled_record_becomes_durable_after_waiters_stop_leading(wal_dir: Path) -> None:
    """A caller that only polls durable_seq (a live gateway's loop) after waiters led still
    sees its record become durable: a poll past the grace period wakes the flusher."""
    with WalLog.open(str(wal_dir), small_config(Durability.NONE)) as log:
        log.append_records([record(1)])
        assert log.wait_durable(1)  # leads: appends now leave the flusher asleep a while
        log.append_records([record(2)])
        for _ in range(10_000):  # a guard against a hang, not a timing assertion
            if log.durable_seq() >= 2:
                break
            time.sleep(0.001)
        assert log.durable_seq() == 2
    assert [seq for seq, _ in all_records(wal_dir)] == [1, 2]


def test_a_record_nobody_waits_for_or_polls_is_still_written(wal_dir: Path) -> None:
    """Appended right after a waiter led (so the append leaves the flusher asleep), with no
    later call at all, a record is still written and synced by the flusher's own idle look."""
    ops = ThreadRecordingOps()
    with WalLog.open(str(wal_dir), small_config(Durability.FSYNC), fileops=ops) as log:
        log.append_records([record(1)])
        assert log.wait_durable(1)  # leads: appends now leave the flusher asleep a while
        ops.forget()
        log.append_records([record(2)])
        for _ in range(10_000):  # a guard against a hang, not a timing assertion
            if "wal-flusher" in ops.syncers:
                break
            time.sleep(0.001)  # neither waits nor polls: only the flusher can write it
        assert ops.writers == ["wal-flusher"]
        assert ops.syncers == ["wal-flusher"]
    assert [seq for seq, _ in all_records(wal_dir)] == [1, 2]
