"""The loader's own files: which segments are shipped, dead letters, the follow position.

Layout under the state directory (by default `<run>/loader`, outside the WAL directory so it
never counts toward the WAL's disk budget):
  shipped/<segment_id>.json   one marker per shipped segment (what was inserted), written last
  dlq/<segment_id>.jsonl      the poison records of a segment, one JSON object per line
  claims/                     lock files of the claim registry
  units/<unit>.json           a multi-segment insert in flight: its segments (crash recovery
                              redoes exactly that unit, so its dedup tokens repeat)
  tail.json                   follow mode: the last sequence number loaded from the live tail
  stats.json                  throughput of the last load run (for the drain ETA)
Every file is replaced atomically (temp file, fsync, rename, fsync of the directory), so a
SIGKILL leaves either the old file or the new one.
"""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path
from typing import Any

from hft.app.loader.rows import DeadLetter


class LoaderState:
    """Reads and writes the files of one loader state directory."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.shipped_dir = directory / "shipped"
        self.dlq_dir = directory / "dlq"
        self.claims_dir = directory / "claims"
        self.units_dir = directory / "units"
        for path in (self.shipped_dir, self.dlq_dir, self.claims_dir, self.units_dir):
            path.mkdir(parents=True, exist_ok=True)

    def shipped(self) -> dict[str, dict[str, Any]]:
        """Segment id -> its shipped marker."""
        markers = {}
        for path in sorted(self.shipped_dir.glob("*.json")):
            markers[path.stem] = json.loads(path.read_text())
        return markers

    def is_shipped(self, segment_id: str) -> bool:
        return (self.shipped_dir / f"{segment_id}.json").exists()

    def mark_shipped(self, segment_id: str, marker: dict[str, Any]) -> None:
        """Record that every row of the segment is in the store (the last step of a load)."""
        _write_atomic(self.shipped_dir / f"{segment_id}.json", json.dumps(marker).encode())

    def begin_unit(self, unit: str, record: dict[str, Any]) -> None:
        """Record an insert unit before its first row goes out (durable: fsynced)."""
        _write_atomic(self.units_dir / f"{unit}.json", json.dumps(record).encode())

    def end_unit(self, unit: str) -> None:
        """The unit's segments are all marked shipped: forget it."""
        (self.units_dir / f"{unit}.json").unlink(missing_ok=True)

    def units_in_flight(self) -> dict[str, dict[str, Any]]:
        """Unit -> its record, for units begun and not ended (a crash in between)."""
        return {p.stem: json.loads(p.read_text()) for p in sorted(self.units_dir.glob("*.json"))}

    def write_dead_letters(self, unit: str, letters: list[DeadLetter]) -> None:
        """Replace the unit's dead-letter file: loading a segment twice writes it once."""
        path = self.dlq_dir / f"{unit}.jsonl"
        if not letters:
            path.unlink(missing_ok=True)
            return
        lines = [
            json.dumps(
                {
                    "first_seq": d.first_seq,
                    "count": d.count,
                    "seq": d.seq,
                    "reason": d.reason,
                    "data_b64": base64.b64encode(d.data).decode(),
                }
            )
            for d in letters
        ]
        _write_atomic(path, ("\n".join(lines) + "\n").encode())

    def dead_letters(self) -> dict[str, list[DeadLetter]]:
        """Unit -> its dead letters, as written."""
        found = {}
        for path in sorted(self.dlq_dir.glob("*.jsonl")):
            found[path.stem] = [_letter(json.loads(line)) for line in path.read_text().splitlines()]
        return found

    def dead_letter_count(self) -> int:
        """Events in the dead-letter folder (a whole undecodable frame counts its events)."""
        return sum(d.events for v in self.dead_letters().values() for d in v)

    def tail_seq(self) -> int:
        return int(self._read_json("tail.json", {"seq": 0})["seq"])

    def set_tail_seq(self, seq: int) -> None:
        _write_atomic(self.directory / "tail.json", json.dumps({"seq": seq}).encode())

    def stats(self) -> dict[str, Any]:
        return self._read_json("stats.json", {})

    def save_stats(self, stats: dict[str, Any]) -> None:
        _write_atomic(self.directory / "stats.json", json.dumps(stats).encode())

    def _read_json(self, name: str, default: dict[str, Any]) -> dict[str, Any]:
        path = self.directory / name
        if not path.exists():
            return default
        data: dict[str, Any] = json.loads(path.read_text())
        return data


def _letter(data: dict[str, Any]) -> DeadLetter:
    seq = data.get("seq")
    return DeadLetter(
        int(data["first_seq"]),
        int(data["count"]),
        str(data["reason"]),
        base64.b64decode(data["data_b64"]),
        None if seq is None else int(seq),
    )


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
