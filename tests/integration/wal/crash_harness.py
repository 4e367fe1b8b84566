"""The parent side of the WAL crash tests: run `crash_writer` in a real process, SIGKILL it
once a condition holds, and read back what it acknowledged."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def acked_seqs(ack_file: Path) -> list[int]:
    """The seqs the writer acknowledged (none if it never wrote the file); a torn last line
    is not an ack."""
    if not ack_file.exists():
        return []
    lines = ack_file.read_bytes().split(b"\n")[:-1]
    return [int(line) for line in lines if line and not line.startswith(b"open")]


def kill_writer_when(
    directory: Path,
    ack_file: Path,
    batch: int,
    ready: Callable[[], bool],
    *,
    timeout_s: float = 60.0,
    delay_s: float = 0.0,
) -> int:
    """Start the writer, poll `ready()` (at most `timeout_s`), wait `delay_s` more, SIGKILL
    it; the highest seq it acknowledged."""
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
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline and proc.poll() is None:
            if ready():
                break
            time.sleep(0.002)
        time.sleep(delay_s)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    assert proc.returncode == -signal.SIGKILL
    return max(acked_seqs(ack_file), default=0)
