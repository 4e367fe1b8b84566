"""`hft bench replay`: a full fold of a session's log with every invariant checked.

Two phases, timed apart so their gains can be told apart: `read_decode` (WAL frames read,
CRC-checked and decoded into events) and `fold_check` (`GatewayState.apply` over every event
with every replay rule checked). Rates are given per wall-clock second and per CPU-second of
this process (the machine may be shared; CPU-seconds are the steadier figure).
"""

from __future__ import annotations

import gc
import tempfile
import time
from pathlib import Path
from typing import Any

from hft.app.bootstrap.replay import read_event_frames
from hft.app.replay import replay_frames
from hft.app.sim import SimRun, run_sim


def _timed(work: Any, *args: Any) -> tuple[Any, float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    result = work(*args)
    return result, time.perf_counter() - wall, time.process_time() - cpu


def bench_replay(ticks: int, base: Path | None = None) -> dict[str, Any]:
    """Record a market-maker session of `ticks` ticks, then time reading and folding it."""
    with tempfile.TemporaryDirectory(dir=base) as tmp:
        out = Path(tmp) / "run"
        run_sim(SimRun(out=out, ticks=ticks, seed=5, durability="none"))
        # The recording's objects are the simulator's, not replay's: a fresh `hft replay`
        # process never has them, so the collector should not walk them here either.
        gc.collect()
        gc.freeze()
        try:
            frames, read_s, read_cpu = _timed(lambda: list(read_event_frames(out)))
            report, fold_s, fold_cpu = _timed(replay_frames, frames)
        finally:
            gc.unfreeze()
    n = sum(len(events) for _, events in frames)
    return {
        "events": n,
        "frames": len(frames),
        "events_per_s": round(n / (read_s + fold_s)),
        "events_per_cpu_s": round(n / (read_cpu + fold_cpu)),
        "read_decode_events_per_s": round(n / read_s),
        "read_decode_events_per_cpu_s": round(n / read_cpu),
        "fold_check_events_per_s": round(n / fold_s),
        "fold_check_events_per_cpu_s": round(n / fold_cpu),
        "violations": len(report.violations),
        "digest_matches": report.recorded_digest == report.state_digest,
    }
