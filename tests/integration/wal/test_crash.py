"""SIGKILL a real writer process at random moments: whatever it acknowledged survives,
bit-identical and in order; the tail is clean after reopen; the sequence continues."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from hft.adapters.wal import WalConfig, WalLog, verify_log
from tests.integration.wal.crash_writer import SEGMENT_BYTES, crash_record

ROOT = Path(__file__).resolve().parents[3]


def _acks(path: Path) -> list[int]:
    lines = path.read_bytes().split(b"\n")[:-1]  # a torn last line is not an ack
    return [int(line) for line in lines if line and not line.startswith(b"open")]


def _run_and_kill(
    directory: Path, ack_file: Path, batch: int, acks_wanted: int, delay_s: float
) -> int:
    """Start the writer, wait for `acks_wanted` ack lines plus `delay_s`, SIGKILL it; return
    the highest acknowledged seq."""
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.integration.wal.crash_writer",
            str(directory),
            str(ack_file),
            str(batch),
        ],
        cwd=ROOT,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and proc.poll() is None:
            if ack_file.exists() and len(_acks(ack_file)) >= acks_wanted:
                break
            time.sleep(0.005)
        time.sleep(delay_s)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    assert proc.returncode == -signal.SIGKILL
    return max(_acks(ack_file), default=0)


@settings(max_examples=6, deadline=None)
@given(
    batch=st.integers(min_value=1, max_value=400),
    acks_wanted=st.integers(min_value=1, max_value=10),
    delay_ms=st.integers(min_value=0, max_value=40),
)
def test_sigkilled_writer_loses_nothing_it_acknowledged(
    tmp_path_factory: object, batch: int, acks_wanted: int, delay_ms: int
) -> None:
    """After SIGKILL at a random point (twice, with a reopen between), every acknowledged
    record is present in order and bit-identical, verify finds nothing, and a new writer
    continues the sequence without a gap."""
    base = Path(os.path.realpath(tmp_path_factory.mktemp("crash")))  # type: ignore[attr-defined]
    directory, ack_file = base / "wal", base / "acks"
    acked = 0
    for _round in range(2):
        acked = max(acked, _run_and_kill(directory, ack_file, batch, acks_wanted, delay_ms / 1000))
        config = WalConfig(segment_bytes=SEGMENT_BYTES)
        with WalLog.open(str(directory), config) as log:
            recovered = log.last_seq()
            assert recovered >= acked
            records = list(log.read_records())
        assert [s for s, _ in records] == list(range(1, recovered + 1))
        assert all(rec == crash_record(s) for s, rec in records)
        assert verify_log(str(directory)).problem is None
    with WalLog.open(str(directory), WalConfig(segment_bytes=SEGMENT_BYTES)) as log:
        first, _last = log.append_records([crash_record(recovered + 1)])
        assert first == recovered + 1
        assert log.wait_durable(first, 30)
