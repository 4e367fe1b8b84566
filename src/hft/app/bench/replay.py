"""`hft bench replay`: a full fold of a session's log with every invariant checked."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

from hft.app.bootstrap.replay import read_logged_events
from hft.app.replay import replay_events
from hft.app.sim import SimRun, run_sim


def bench_replay(ticks: int, base: Path | None = None) -> dict[str, Any]:
    """Record a market-maker session of `ticks` ticks, then time reading and folding it."""
    with tempfile.TemporaryDirectory(dir=base) as tmp:
        out = Path(tmp) / "run"
        run_sim(SimRun(out=out, ticks=ticks, seed=5, durability="none"))
        started, cpu_started = time.perf_counter(), time.process_time()
        events = list(read_logged_events(out))
        read_s = time.perf_counter() - started
        started = time.perf_counter()
        report = replay_events(events)
        fold_s = time.perf_counter() - started
        cpu = time.process_time() - cpu_started
    n = len(events)
    return {
        "events": n,
        "events_per_s": round(n / (read_s + fold_s)),
        "events_per_cpu_s": round(n / cpu),
        "read_decode_events_per_s": round(n / read_s),
        "fold_check_events_per_s": round(n / fold_s),
        "violations": len(report.violations),
        "digest_matches": report.recorded_digest == report.state_digest,
    }
