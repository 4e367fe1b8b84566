"""Reads a log directory as events, for replay and audits (no writer lock is taken)."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import count
from pathlib import Path

from hft.adapters.wal import read_frames
from hft.app.bootstrap.codec import default_codec
from hft.domain.events import DomainEvent
from hft.ports.event_log import LoggedEvent


def wal_dir_of(path: Path) -> Path:
    """A run directory (`DIR/wal`) or the WAL directory itself."""
    return path / "wal" if (path / "wal").is_dir() else path


def read_event_frames(
    directory: Path, from_seq: int = 1
) -> Iterator[tuple[int, list[DomainEvent]]]:
    """Every durable event from `from_seq`, decoded, one WAL frame at a time:
    `(first_seq, events)` where `events[i]` has sequence number `first_seq + i`.

    The fast form for folds (`hft.app.replay.replay_frames`). Raises the WAL's
    `CorruptLogError` for damage inside the log, the codec's errors for a payload it cannot
    read; a torn tail ends the read.
    """
    decode = default_codec().decode
    for frame in read_frames(str(wal_dir_of(directory)), from_seq):
        events = decode(frame.payload)
        skip = from_seq - frame.first_seq
        if skip > 0:  # only the first frame can start before `from_seq`
            yield from_seq, events[skip:]
        else:
            yield frame.first_seq, events


def read_logged_events(directory: Path, from_seq: int = 1) -> Iterator[LoggedEvent]:
    """Every durable event from `from_seq`, decoded, with its sequence number.

    Raises the WAL's `CorruptLogError` for damage inside the log; a torn tail ends the read.
    """
    for first_seq, events in read_event_frames(directory, from_seq):
        yield from map(LoggedEvent, count(first_seq), events)
