"""Failure mode 14, "temp files orphaned after SIGKILL" (docs/failure-modes.md): whatever
temp files a SIGKILLed writer leaves (a half-zeroed spare, a manifest not yet renamed), the
next writer removes every one of them on open, reports each by name, and loses no record.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from hft.adapters.wal import WalConfig, WalLog
from tests.integration.wal.crash_harness import kill_writer_when
from tests.integration.wal.crash_writer import SEGMENT_BYTES, crash_record


@pytest.mark.parametrize("segments", [1, 2, 3])
def test_temp_files_a_sigkill_leaves_are_removed_reported_and_cost_no_record(
    tmp_path: Path, segments: int
) -> None:
    """Killed while rolling into segment 1, 2 or 3 (a spare is being zeroed in the
    background then): the reopen's report names exactly the *.tmp files that were there,
    none is left, every acknowledged record reads back intact, and appends continue."""
    directory, ack_file = tmp_path / "wal", tmp_path / "acks"
    acked = kill_writer_when(  # killed while rolling into segment `segments`
        directory,
        ack_file,
        50,
        lambda: len(list(directory.glob("*.seg"))) >= segments,
        timeout_s=120,
    )
    orphans = sorted(p.name for p in directory.glob("*.tmp"))
    with WalLog.open(str(directory), WalConfig(segment_bytes=SEGMENT_BYTES)) as log:
        assert sorted(log.recovery.temp_files_removed) == orphans
        assert list(directory.glob("*.tmp")) == []
        last = log.last_seq()
        assert last >= acked
        records = list(log.read_records())
        assert [s for s, _ in records] == list(range(1, last + 1))
        assert all(data == crash_record(s) for s, data in records)
        assert log.append_records([b"after"]) == (last + 1, last + 1)
