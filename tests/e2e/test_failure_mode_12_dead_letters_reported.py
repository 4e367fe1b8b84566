"""Failure mode 12 (docs/failure-modes.md), the operator's side: dead letters are never
silent. Every `hft load` summary and `hft load --status` name how many there are, and the
dead-letter file names the record and why it could not load."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from hft.app.loader.sample import write_sample_wal
from tests.integration.clickhouse.walfixtures import append_poison_frame


def _hft(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["hft", *args], capture_output=True, text=True, timeout=240, check=False)


def test_a_dead_letter_shows_in_the_load_summary_the_status_and_its_file(tmp_path: Path) -> None:
    """One undecodable frame among 800 events: `hft load --json` reports dead_letters 1,
    the table summary says "dead letters: 1", `--status --json` keeps counting it, and
    loader/dlq holds one line naming its seq and the unknown type."""
    write_sample_wal(tmp_path / "wal", 500, segment_bytes=64 << 10)
    bad_seq = append_poison_frame(tmp_path / "wal")
    write_sample_wal(tmp_path / "wal", 300, segment_bytes=64 << 10)
    loaded = _hft("load", str(tmp_path), "--json")
    assert loaded.returncode == 0, loaded.stderr
    assert json.loads(loaded.stdout)["dead_letters"] == 1
    status = json.loads(_hft("load", str(tmp_path), "--status", "--json").stdout)
    assert status["dead_letters"] == 1
    table = _hft("load", str(tmp_path), "--status")
    assert "dead letters" in table.stdout
    assert table.stdout.split("dead letters")[1].split()[1] == "1"
    lines = [
        json.loads(line)
        for path in sorted((tmp_path / "loader" / "dlq").glob("*.jsonl"))
        for line in path.read_text().splitlines()
    ]
    assert [(d["first_seq"], d["count"]) for d in lines] == [(bad_seq, 1)]
    assert "NoSuchEvent" in lines[0]["reason"]
