"""Group commit: appends queue without I/O, one flusher writes and syncs, durability is
reported only after the sync that covers it, and every refusal assigns no sequence number."""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from hft.adapters.wal import (
    Durability,
    FileOps,
    LogClosedError,
    LogLockedError,
    LogOverloadedError,
    RecordTooLargeError,
    WalConfig,
    WalLog,
    data_bytes,
    read_frames,
)
from hft.adapters.wal.format import decode_header
from tests.integration.wal.helpers import all_records, record, segment_paths, small_config


class GatedSync(FileOps):
    """Real file operations whose fdatasync waits for `gate` and records calling threads."""

    def __init__(self) -> None:
        self.gate = threading.Event()
        self.gate.set()
        self.threads: list[str] = []
        self.syncs = 0

    def pwrite(self, fd: int, buffers: object, offset: int) -> int:
        self.threads.append(threading.current_thread().name)
        return super().pwrite(fd, buffers, offset)  # type: ignore[arg-type]

    def fdatasync(self, fd: int) -> None:
        self.threads.append(threading.current_thread().name)
        self.gate.wait()
        self.syncs += 1
        super().fdatasync(fd)


def test_concurrent_appends_get_gapless_unique_seqs_in_per_thread_order(wal_dir: Path) -> None:
    """Four threads appending at once get seqs 1..N exactly once; each thread's records keep
    their order and are stored under the seqs its appends returned."""
    assigned: dict[int, bytes] = {}
    lock = threading.Lock()

    def producer(tag: int) -> None:
        for i in range(200):
            data = [f"t{tag}-{i}-{j}".encode() for j in range(3)]
            first, last = log.append_records(data)
            with lock:
                assigned.update(zip(range(first, last + 1), data, strict=True))

    with WalLog.open(str(wal_dir), small_config()) as log:
        threads = [threading.Thread(target=producer, args=(t,)) for t in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert log.wait_durable(2400, 30)
    assert sorted(assigned) == list(range(1, 2401))
    assert all_records(wal_dir) == sorted(assigned.items())


def test_durable_seq_waits_for_the_sync_that_covers_it(wal_dir: Path) -> None:
    """While the flusher's fdatasync is held, appended records are not durable; releasing the
    sync makes them durable."""
    ops = GatedSync()
    with WalLog.open(str(wal_dir), small_config(), fileops=ops) as log:
        ops.gate.clear()
        log.append_records([b"a", b"b"])
        assert log.wait_durable(2, timeout_s=0.05) is False
        assert log.durable_seq() == 0
        ops.gate.set()
        assert log.wait_durable(2, timeout_s=30)
        assert log.durable_seq() == 2


def test_appends_never_touch_files_on_the_callers_thread(wal_dir: Path) -> None:
    """After open, every write and sync happens on the WAL's own threads, never the caller's."""
    ops = GatedSync()
    with WalLog.open(str(wal_dir), small_config(), fileops=ops) as log:
        ops.threads.clear()
        for i in range(1, 301):
            log.append_records([record(i)])
        log.wait_durable(300, 30)
        callers = set(ops.threads)
    assert threading.current_thread().name not in callers
    assert callers <= {"wal-flusher", "wal-spare"}


def test_policy_none_never_syncs_while_running_and_is_durable_on_write(wal_dir: Path) -> None:
    """With policy none, durable_seq follows the write and no fdatasync runs until close
    (within one segment: sealing a segment still syncs it)."""
    ops = GatedSync()
    log = WalLog.open(str(wal_dir), WalConfig(policy=Durability.NONE), fileops=ops)
    log.append_records([record(i) for i in range(1, 101)])
    assert log.wait_durable(100, 30)
    assert ops.syncs == 0
    log.close()
    assert ops.syncs == 1  # the courtesy sync at close
    assert [s for s, _ in all_records(wal_dir)] == list(range(1, 101))


def test_batch_policy_is_recorded_and_data_becomes_durable(wal_dir: Path) -> None:
    """Policy batch stores its delay in each segment header and still makes data durable."""
    with WalLog.open(str(wal_dir), small_config(Durability.BATCH, batch_delay_s=0.01)) as log:
        log.append_records([b"x"] * 10)
        assert log.wait_durable(10, 30)
    header = decode_header(segment_paths(wal_dir)[0].read_bytes())
    assert (header.policy, header.batch_delay_us) == (Durability.BATCH, 10_000)
    manifest = json.loads((wal_dir / "MANIFEST.json").read_bytes())
    assert manifest["policy"] == "batch"


def test_overload_refuses_the_batch_and_assigns_nothing(wal_dir: Path) -> None:
    """Past max_pending_bytes, append raises LogOverloadedError and assigns no seq; once the
    flusher catches up, appends are accepted again with the next seq."""
    ops = GatedSync()
    config = small_config(max_pending_bytes=2000)
    with WalLog.open(str(wal_dir), config, fileops=ops) as log:
        ops.gate.clear()
        accepted = _append_until_overloaded(log)
        assigned = log.last_seq()
        assert 0 < accepted == assigned < 100
        with pytest.raises(LogOverloadedError):
            log.append_records([b"y" * 100])
        assert log.last_seq() == assigned
        ops.gate.set()
        assert log.wait_durable(assigned, 30)
        assert log.append_records([b"later"]) == (assigned + 1, assigned + 1)
        log.wait_durable(assigned + 1, 30)
    seqs = [s for s, _ in all_records(wal_dir)]
    assert seqs == list(range(1, assigned + 2))


def _append_until_overloaded(log: WalLog) -> int:
    for accepted in range(100):
        try:
            log.append_records([b"x" * 100])
        except LogOverloadedError:
            return accepted
    return 100


def test_record_larger_than_a_segment_is_refused_and_assigns_nothing(wal_dir: Path) -> None:
    """A record no segment can hold raises RecordTooLargeError; the seq counter is unchanged."""
    with WalLog.open(str(wal_dir), small_config()) as log:
        log.append_records([b"ok"])
        with pytest.raises(RecordTooLargeError):
            log.append_records([b"small", b"z" * 5000])
        assert log.append_records([b"next"]) == (2, 2)


def test_large_batches_are_split_into_frames_of_at_most_max_frame_records(wal_dir: Path) -> None:
    """2,500 records in one append become frames of 1,024, 1,024 and 452 records."""
    with WalLog.open(str(wal_dir)) as log:
        assert log.append_records([b"r"] * 2500) == (1, 2500)
        log.wait_durable(2500, 30)
        assert [f.count for f in read_frames(str(wal_dir))] == [1024, 1024, 452]


def test_close_drains_everything_queued_and_is_idempotent(wal_dir: Path) -> None:
    """close() writes and syncs what was appended just before it; a second close is a no-op;
    appending after close raises LogClosedError."""
    log = WalLog.open(str(wal_dir), small_config())
    log.append_records([record(i) for i in range(1, 51)])
    log.close()
    log.close()
    assert log.durable_seq() == 50
    with pytest.raises(LogClosedError):
        log.append_records([b"late"])
    with pytest.raises(LogClosedError):
        list(log.read_records())
    assert len(all_records(wal_dir)) == 50


def test_second_writer_in_this_process_is_refused(wal_dir: Path) -> None:
    """A directory open for writing cannot be opened again until closed."""
    with WalLog.open(str(wal_dir), small_config()), pytest.raises(LogLockedError):
        WalLog.open(str(wal_dir), small_config())
    with WalLog.open(str(wal_dir), small_config()) as again:
        assert again.last_seq() == 0


def test_second_writer_in_another_process_is_refused(wal_dir: Path) -> None:
    """Another process opening the same directory gets LogLockedError (an flock, not lockf)."""
    script = (
        "import sys\n"
        "from hft.adapters.wal import WalLog, LogLockedError\n"
        "try:\n    WalLog.open(sys.argv[1])\nexcept LogLockedError:\n    sys.exit(42)\n"
    )
    with WalLog.open(str(wal_dir), small_config()):
        done = subprocess.run([sys.executable, "-c", script, str(wal_dir)], check=False, timeout=60)
    assert done.returncode == 42


def test_sealed_segments_chain_and_data_bytes_exclude_metadata(wal_dir: Path) -> None:
    """Sealed segments cover 1..k without gaps; data_bytes counts segment files only, however
    large the manifest or temp files grow."""
    with WalLog.open(str(wal_dir), small_config()) as log:
        for i in range(1, 301):
            log.append_records([record(i)])
        log.wait_durable(300, 30)
        sealed = log.sealed_segments()
        assert sealed[0].first_seq == 1
        assert all(a.last_seq + 1 == b.first_seq for a, b in itertools.pairwise(sealed))
        assert all(os.path.exists(s.path) for s in sealed)
        (wal_dir / "MANIFEST.json.9.tmp").write_bytes(bytes(100_000))
        expected = sum(p.stat().st_size for p in segment_paths(wal_dir))
        assert log.data_bytes() == expected == data_bytes(str(wal_dir))
