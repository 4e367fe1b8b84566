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
SAMPLE_EVENTS = 100_000


def floor_s_per_event(log_dir: Path, sample: int = SAMPLE_EVENTS) -> float:
    """Seconds per event, the best of `ROUNDS` timings of rebuilding and encoding the log's
    first frames (at least `sample` events, or all), one encode call per frame as written.
    The collector is off while timing: the floor is an upper bound on speed, never lowered
    by the run's heap. A steady workload's first frames stand for the rest of its log."""
    codec = default_codec()
    plans = frame_plans(log_dir, sample)
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
    return best / sum(len(plan) for plan in plans)


Plan = list[tuple[type[DomainEvent], dict[str, Any]]]


def frame_plans(log_dir: Path, sample: int | None = None) -> list[Plan]:
    """Per frame of the log (the first frames holding `sample` events, when given), each
    event's class and fields: what the floor rebuilds."""
    plans: list[Plan] = []
    taken = 0
    for _, events in read_event_frames(log_dir):
        if sample is not None and taken >= sample:
            break
        plans.append([(type(e), attrs.asdict(e, recurse=False)) for e in events])
        taken += len(events)
    return plans
