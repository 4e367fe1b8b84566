"""Loader-shaped workers on a real WAL: each sealed segment is shipped exactly once, even
when a worker is SIGKILLed holding a claim."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from pathlib import Path

from hft.adapters.wal import WalConfig, WalLog, sealed_segments
from hft.adapters.wal.format import Durability

WORKER = Path(__file__).with_name("claim_worker.py")


def _sealed_wal(directory: Path) -> int:
    """A WAL of many small sealed segments; returns how many records they hold."""
    config = WalConfig(policy=Durability.NONE, segment_bytes=16 << 10, max_frame_records=16)
    with WalLog.open(str(directory), config) as log:
        for i in range(200):
            log.append_records([b"record-%06d-" % i + b"x" * 200 for _ in range(8)])
    return sum(s.last_seq - s.first_seq + 1 for s in sealed_segments(str(directory)))


def test_three_workers_ship_every_sealed_segment_exactly_once_despite_a_sigkill(
    tmp_path: Path,
) -> None:
    """A worker that dies holding its first claim loses nothing: the others ship that segment,
    and no segment is shipped twice."""
    wal_dir, out = tmp_path / "wal", tmp_path / "shipped.txt"
    sealed_records = _sealed_wal(wal_dir)
    names = [s.name for s in sealed_segments(str(wal_dir))]
    assert len(names) >= 6
    dying = subprocess.run(
        [sys.executable, str(WORKER), "ship", str(wal_dir), str(out), "die"],
        check=False,
        timeout=120,
    )
    assert dying.returncode == -9
    workers = [
        subprocess.Popen([sys.executable, str(WORKER), "ship", str(wal_dir), str(out)])
        for _ in range(3)
    ]
    assert [w.wait(timeout=120) for w in workers] == [0, 0, 0]
    lines = [line.split() for line in out.read_text().splitlines()]
    shipped = Counter(name for name, _, _ in lines)
    assert sorted(shipped) == sorted(names)
    assert set(shipped.values()) == {1}
    assert sum(int(records) for _, records, _ in lines) == sealed_records
