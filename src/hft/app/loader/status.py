"""Loader SLO figures: backlog, replay lag, throughput and drain ETA, from files alone.

Nothing here touches the store: status works while ClickHouse is down (that is when it is
needed most).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import attrs

from hft.app.bootstrap import clickhouse as ch
from hft.app.loader.run import run_paths
from hft.app.loader.state import LoaderState


@attrs.frozen
class LoadStatus:
    """Where the loader stands against the log.

    backlog_*: sealed segments not shipped yet (segments, events, bytes), plus unsealed events
    written after everything loaded; replay_lag_s: age of the oldest unshipped sealed segment
    (0 when none); rows_per_s / events_per_s: the last load run; drain_eta_s: backlog events
    at that rate (None when unknown).
    """

    log_id: str
    wal_dir: str
    sealed_segments: int
    shipped_segments: int
    backlog_segments: int
    backlog_events: int
    backlog_bytes: int
    unsealed_events: int
    replay_lag_s: float
    dead_letters: int
    rows_per_s: float
    events_per_s: float
    drain_eta_s: float | None

    def to_json(self) -> dict[str, Any]:
        return attrs.asdict(self)


def load_status(directory: Path, state_dir: Path | None = None) -> LoadStatus:
    """Compute the loader's SLO figures for a run (or WAL) directory."""
    paths = run_paths(directory, state_dir)
    state = LoaderState(paths.state_dir)
    source = ch.open_segment_source(paths.wal_dir)
    sealed = source.sealed_segments()
    shipped = state.shipped()
    tail_seq = state.tail_seq()
    pending = [s for s in sealed if s.segment_id not in shipped]
    backlog_events = sum(max(0, s.last_seq - max(s.first_seq - 1, tail_seq)) for s in pending)
    loaded_through = max([tail_seq, *(s.last_seq for s in sealed if s.segment_id in shipped)])
    unsealed = _unsealed_events(source, sealed, loaded_through)
    stats = state.stats()
    events_per_s = float(stats.get("events_per_s", 0.0))
    now_ns = time.time_ns()
    oldest = min((s.sealed_at_ns for s in pending), default=now_ns)
    total = backlog_events + unsealed
    return LoadStatus(
        log_id=source.log_id,
        wal_dir=str(paths.wal_dir),
        sealed_segments=len(sealed),
        shipped_segments=len(shipped),
        backlog_segments=len(pending),
        backlog_events=backlog_events,
        backlog_bytes=sum(s.size_bytes for s in pending),
        unsealed_events=unsealed,
        replay_lag_s=max(0.0, (now_ns - oldest) / 1e9),
        dead_letters=state.dead_letter_count(),
        rows_per_s=float(stats.get("rows_per_s", 0.0)),
        events_per_s=events_per_s,
        drain_eta_s=(total / events_per_s) if events_per_s > 0 else (0.0 if not total else None),
    )


def _unsealed_events(source: Any, sealed: list[Any], loaded_through: int) -> int:
    start = max(loaded_through, max((s.last_seq for s in sealed), default=0)) + 1
    return sum(
        frame.last_seq - max(frame.first_seq, start) + 1
        for frame in source.tail_frames(start)
        if frame.last_seq >= start
    )
