"""Acks on a real log: whoever is told a seq is durable (an `on_durable` listener, a thread
in `wait_durable`) is told only after an fdatasync that covered the bytes of that seq."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hft.adapters.wal import Durability, FileOps, WalConfig, WalLog
from hft.adapters.wal.format import FRAME_BYTES, HEADER_BYTES
from tests.integration.wal.helpers import record

RECORD = 40
FRAME_SPAN = FRAME_BYTES + 4 + RECORD  # one record per frame: header, length table, record


class SyncTracker(FileOps):
    """Real file operations that remember how far the data file was written and how far the
    last completed fdatasync covered (the end offset written when that sync began)."""

    def __init__(self) -> None:
        self.written_end = 0
        self.synced_end = 0

    def pwrite(self, fd: int, buffers: Sequence[bytes], offset: int) -> int:
        done = super().pwrite(fd, buffers, offset)
        self.written_end = max(self.written_end, offset + done)
        return done

    def fdatasync(self, fd: int) -> None:
        covering = self.written_end
        super().fdatasync(fd)
        self.synced_end = max(self.synced_end, covering)


def frame_end(seq: int) -> int:
    """Where the frame of `seq` ends when every append holds one RECORD-byte record."""
    return HEADER_BYTES + seq * FRAME_SPAN


@settings(max_examples=10, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(appends=st.integers(1, 300))
def test_listener_and_waiter_are_told_only_after_a_sync_covering_the_seq(
    tmp_path: Path, appends: int
) -> None:
    """For every durable_seq a listener hears, and every seq a waiter thread sees durable,
    the last completed fdatasync had already covered the end of that seq's frame."""
    ops = SyncTracker()
    told: list[tuple[int, int]] = []
    seen: list[tuple[int, int]] = []
    config = WalConfig(policy=Durability.FSYNC, preallocate=False)
    with WalLog.open(str(tmp_path / f"wal-{appends}"), config, fileops=ops) as log:
        log.on_durable(lambda seq: told.append((seq, ops.synced_end)))

        def wait_each() -> None:
            for seq in range(1, appends + 1):
                assert log.wait_durable(seq, 30)
                seen.append((seq, ops.synced_end))

        waiter = threading.Thread(target=wait_each)
        waiter.start()
        for seq in range(1, appends + 1):
            log.append_records([record(seq, RECORD)])
        waiter.join(60)
    assert told[-1][0] == appends
    assert [seq for seq, _ in seen] == list(range(1, appends + 1))
    for seq, synced in told + seen:
        assert frame_end(seq) <= synced, (seq, synced)
