"""Helpers for loader tests: sample WALs, poison frames, and what the tables should hold."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import msgspec

from hft.app.bootstrap import clickhouse as ch
from hft.app.bootstrap import wal as walboot
from hft.app.loader.projection import TABLES
from hft.app.loader.sample import write_sample_wal
from hft.domain.catalog import event_registry
from hft.domain.events import DomainEvent
from hft.ports.analytics import AnalyticsStore, TableDigest

SMALL_SEGMENT = 256 << 10


def sample_run(run_dir: Path, events: int) -> int:
    """A run directory whose WAL holds `events` sample events in several sealed segments."""
    return write_sample_wal(run_dir / "wal", events, segment_bytes=SMALL_SEGMENT)


def append_poison_frame(
    wal_dir: Path, type_name: str = "NoSuchEvent", fields: dict[str, object] | None = None
) -> int:
    """Append one frame in the codec's wire shape naming `type_name` (unregistered: the codec
    cannot decode it); returns its seq."""
    payload = msgspec.msgpack.encode([[type_name, 1, fields or {"originator_id": "x"}]])
    config = walboot.wal_config("none", segment_bytes=SMALL_SEGMENT)
    log = walboot.open_record_log(str(wal_dir), config)
    try:
        return int(log.append_frames([(payload, 1)]))
    finally:
        log.close()


def expected_digests(
    wal_dir: Path, skip: frozenset[int] = frozenset()
) -> dict[str, tuple[int, int]]:
    """Per table: (rows, seq sum) the loader must produce from the WAL, computed from the
    decoded log and the tables' declared event types, independently of the loader."""
    source = ch.open_segment_source(wal_dir)
    found: dict[str, list[int]] = defaultdict(list)
    for frame in source.tail_frames(1):
        if frame.first_seq in skip:
            continue
        for offset, event in enumerate(source.decode(frame.data)):
            seq = frame.first_seq + offset
            if seq in skip:
                continue
            for table in TABLES:
                if table.takes(_type_name(event)) and _passes(table.only_if, event):
                    found[table.name].append(seq)
    return {t.name: (len(found[t.name]), sum(found[t.name])) for t in TABLES}


def actual_digests(store: AnalyticsStore) -> dict[str, TableDigest]:
    return {t.name: store.digest(t.name) for t in TABLES}


Digests = dict[str, tuple[int, int, int]]
"""Per table: (rows, distinct rows, seq sum)."""


def store_digests(store: AnalyticsStore) -> Digests:
    """What `store` holds, per table."""
    return {k: (d.rows, d.distinct_rows, d.seq_sum) for k, d in actual_digests(store).items()}


def stored_digests(run_dir: Path) -> Digests:
    """What the embedded store of `run_dir` holds, per table."""
    store = ch.open_store(ch.embedded_dsn(run_dir))
    try:
        return store_digests(store)
    finally:
        store.close()


def wal_digests(wal_dir: Path, skip: frozenset[int] = frozenset()) -> Digests:
    """`expected_digests` with no duplicates even physically: rows == distinct rows."""
    return {k: (n, n, s) for k, (n, s) in expected_digests(wal_dir, skip).items()}


def _type_name(event: DomainEvent) -> str:
    return event_registry().of(event).name


def _passes(only_if: str, event: object) -> bool:
    if not only_if:
        return True
    return bool(getattr(event, "operator", None) or getattr(event, "source", None))
