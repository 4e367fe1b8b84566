"""The language floor of a run: what its log costs in Python alone, with nothing else done.

Every fact the gateway decides is one event object, and every event is encoded once for the
log. Rebuilding a run's logged events from their fields and encoding them, frame by frame as
the run wrote them, is work that no implementation of this design can skip: no checks, no
fold, no matching, no strategy, no I/O. The benches divide their work by this time, so a
target above the floor is out of reach for any code in this design, and `*_vs_floor` says how
close the engine comes to it (1.0 would be an engine that costs nothing but its events).
"""

from __future__ import annotations

import gc
import time
from pathlib import Path
from typing import Any

import attrs

from hft.app.bootstrap.codec import default_codec
from hft.app.bootstrap.replay import read_event_frames
from hft.domain.events import DomainEvent

ROUNDS = 3


def build_and_encode_floor_s(log_dir: Path) -> tuple[int, float]:
    """`(events, seconds)`: the best of `ROUNDS` timings of rebuilding and encoding every
    event in the log at `log_dir`, one encode call per frame as written. The collector is
    off while timing: the floor is an upper bound on speed, never lowered by the run's heap."""
    codec = default_codec()
    plans = frame_plans(log_dir)
    best = float("inf")
    collecting = gc.isenabled()
    gc.disable()
    try:
        for _ in range(ROUNDS):
            started = time.perf_counter()
            for plan in plans:
                codec.encode([cls(**fields) for cls, fields in plan])
            best = min(best, time.perf_counter() - started)
    finally:
        if collecting:
            gc.enable()
    return sum(len(plan) for plan in plans), best


Plan = list[tuple[type[DomainEvent], dict[str, Any]]]


def frame_plans(log_dir: Path) -> list[Plan]:
    """Per frame of the log, each event's class and fields: what the floor rebuilds."""
    return [
        [(type(e), attrs.asdict(e, recurse=False)) for e in events]
        for _, events in read_event_frames(log_dir)
    ]
