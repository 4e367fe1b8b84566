"""`hft bench session`: the fixed end-to-end workload that other engines can run too.

One synthetic top-of-book stream (a seeded random walk in integer ticks, one symbol), the
`QuoteChaser` strategy (cancel the previous resting order, place a passive limit 10 ticks off
the touch on every quote, a marketable limit at the touch every 50th quote), all risk checks
on, zero-latency venue, quotes recorded in the log with every decision. `submit_*` is the
strategy's submit call through the gateway's decision to the broker call (decide + dispatch,
excluding the wait for the fsync between them, as in `hft bench gateway`).
"""

from __future__ import annotations

import resource
import tempfile
import time
from pathlib import Path
from typing import Any

from hft.app.bench.floor import floor_s_per_event
from hft.app.bench.gateway import ROOMY
from hft.app.bench.stats import GcPauses, percentile_us
from hft.app.bootstrap.session import build_sim
from hft.app.bootstrap.sim import SimConfig
from hft.app.gateway.core import GatewayConfig
from hft.app.heap import freeze_startup_heap
from hft.app.sim.driver import SimDriver
from hft.app.strategies.quote_chaser import QuoteChaser
from hft.app.strategy import StrategyRouter


def bench_session(quotes: int, policy: str, base: Path | None = None) -> dict[str, Any]:
    """Run the workload over `quotes` quotes with WAL policy `policy`."""
    with tempfile.TemporaryDirectory(dir=base) as tmp:
        config = GatewayConfig(limits=ROOMY, sample_latency=True, account="BENCH")
        sim = SimConfig(seed=42, symbols=("2330",), quote_interval_ns=1_000_000)
        wiring = build_sim(sim, config, log_dir=Path(tmp) / "wal", durability=policy)
        router = StrategyRouter(wiring.gateway)
        strategy = QuoteChaser()
        router.add(strategy, "BENCH")
        driver = SimDriver(wiring, router)
        wiring.gateway.start()
        wiring.venue.feed.subscribe(["2330"])
        freeze_startup_heap()
        started, cpu_started = time.perf_counter(), time.process_time()
        with GcPauses() as gc_pauses:
            driver.run_ticks(quotes)
        wall = time.perf_counter() - started
        cpu = time.process_time() - cpu_started
        counters = wiring.gateway.core.counters
        events = wiring.gateway.core.appended_seq
        wiring.gateway.close()
        peak_rss_mb = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
        floor_s = events * floor_s_per_event(Path(tmp) / "wal")
    samples = counters.pipeline_samples_ns
    cancels = strategy.cancels
    orders = counters.dispatched - cancels
    return {
        "quotes": strategy.quotes,
        "quotes_per_s": round(strategy.quotes / wall),
        "orders_per_s": round(orders / wall),
        "orders_per_cpu_s": round(orders / cpu),
        "cancels_per_s": round(cancels / wall),
        "orders": orders,
        "cancels": cancels,
        "fills": counters.fills,
        "log_events": events,
        "submit_p50_us": percentile_us(samples, 0.50),
        "submit_p99_us": percentile_us(samples, 0.99),
        "gc_pause_max_ms": gc_pauses.max_ms,
        "peak_rss_mb": peak_rss_mb,
        "wall_s": round(wall, 3),
        "floor_orders_per_s": round(orders / floor_s),
        "orders_per_cpu_s_vs_floor": round(floor_s / cpu, 3),
    }
