"""Reads a log directory as events, for replay and audits (no writer lock is taken)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from hft.adapters.wal import read_frames
from hft.app.bootstrap.codec import default_codec
from hft.ports.event_log import LoggedEvent


def wal_dir_of(path: Path) -> Path:
    """A run directory (`DIR/wal`) or the WAL directory itself."""
    return path / "wal" if (path / "wal").is_dir() else path


def read_logged_events(directory: Path, from_seq: int = 1) -> Iterator[LoggedEvent]:
    """Every durable event from `from_seq`, decoded, with its sequence number.

    Raises the WAL's `CorruptLogError` for damage inside the log; a torn tail ends the read.
    """
    codec = default_codec()
    for frame in read_frames(str(wal_dir_of(directory)), from_seq):
        events = codec.decode(frame.payload)
        for offset, event in enumerate(events):
            seq = frame.first_seq + offset
            if seq >= from_seq:
                yield LoggedEvent(seq, event)
