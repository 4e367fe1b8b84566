"""`hft bench gateway`: intents through the full pipeline to the simulated broker and the WAL.

Workload: pairs of intents, a NEW passive limit order and the CANCEL of the previous one
(so the venue's book stays small), submitted in batches, all risk checks on, zero-latency
venue. `pipeline_*` is decide-to-dispatch per intent (validate, dedup, policy, exposure,
leader, then the broker call), excluding the wait for the fsync between them; `ack_*` is
submit until the decision is durable and heard.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

from hft.app.bench.floor import floor_s_per_event
from hft.app.bench.stats import GcPauses, percentile_us
from hft.app.bootstrap.session import build_sim
from hft.app.bootstrap.sim import SimConfig
from hft.app.gateway.core import GatewayConfig
from hft.app.heap import freeze_startup_heap
from hft.domain.exposure_limits import ExposureLimits
from hft.domain.intent import IntentType, SubmitIntent
from hft.domain.orders import TimeInForce
from hft.domain.values import Side

ROOMY = ExposureLimits(
    symbol_default=10**18, strategy_default=10**18, global_limit=10**18, max_keys=1_024
)
BATCH = 256


def bench_gateway(intents: int, policy: str, base: Path | None = None) -> dict[str, Any]:
    """Run `intents` intents with WAL policy `policy`; figures for that policy."""
    with tempfile.TemporaryDirectory(dir=base) as tmp:
        config = GatewayConfig(limits=ROOMY, sample_latency=True, channel_capacity=BATCH * 2)
        wiring = build_sim(
            SimConfig(seed=1, symbols=("2330",)),
            config,
            log_dir=Path(tmp) / "wal",
            durability=policy,
        )
        gateway, clock = wiring.gateway, wiring.clock
        gateway.start()
        freeze_startup_heap()
        instrument = wiring.venue.reference.instrument("2330")
        assert instrument is not None
        bid = instrument.limit_down.scaled
        started, cpu_started = time.perf_counter(), time.process_time()
        with GcPauses() as gc_pauses:
            _drive(gateway, clock.now_ns(), bid, intents)
        wall = time.perf_counter() - started
        cpu = time.process_time() - cpu_started
        counters = gateway.core.counters
        logged = gateway.core.appended_seq
        gateway.close()
        floor_s = logged * floor_s_per_event(Path(tmp) / "wal")
    pipeline, acks = counters.pipeline_samples_ns, counters.ack_samples_ns
    return {
        "intents": intents,
        "intents_per_s": round(intents / wall),
        "intents_per_cpu_s": round(intents / cpu),
        "dispatched": counters.dispatched,
        "pipeline_p50_us": percentile_us(pipeline, 0.50),
        "pipeline_p99_us": percentile_us(pipeline, 0.99),
        "pipeline_p999_us": percentile_us(pipeline, 0.999),
        "ack_p50_us": percentile_us(acks, 0.50),
        "ack_p99_us": percentile_us(acks, 0.99),
        "gc_pause_max_ms": gc_pauses.max_ms,
        "wall_s": round(wall, 3),
        "log_events_per_intent": round(logged / intents, 2),
        "floor_intents_per_s": round(intents / floor_s),
        "intents_per_cpu_s_vs_floor": round(floor_s / cpu, 3),
    }


def _drive(gateway: Any, now: int, bid: int, intents: int) -> None:
    """Each batch: NEW orders, plus CANCELs of the NEWs of two batches ago (acked by then)."""
    sent = 0
    older: list[str] = []
    previous: list[str] = []
    while sent < intents:
        news: list[str] = []
        for target in older:
            if sent < intents:
                sent += 1
                gateway.submit(_cancel(sent, target, now))
        while sent < intents and len(news) < BATCH // 2:
            sent += 1
            news.append(f"n{sent}")
            gateway.submit(_new(news[-1], bid, now))
        older, previous = previous, news
        gateway.step()
        gateway.step()
    for _ in range(1_000):
        gateway.step()
        if not gateway.channel.depth and not gateway.has_pending_work():
            break
    gateway.sync()


def _new(intent_id: str, price: int, now: int) -> SubmitIntent:
    return _intent(intent_id, IntentType.NEW, now, price=price, qty=1)


def _cancel(n: int, target: str, now: int) -> SubmitIntent:
    return _intent(f"c{n}", IntentType.CANCEL, now, target_intent_id=target)


def _intent(intent_id: str, kind: IntentType, now: int, **fields: Any) -> SubmitIntent:
    defaults: dict[str, Any] = {"price": None, "qty": 0, "target_intent_id": None}
    return SubmitIntent(
        intent_id=intent_id,
        idempotency_key=intent_id,
        strategy_id="bench",
        account="BENCH",
        symbol="2330",
        intent_type=kind,
        side=Side.BUY,
        tif=TimeInForce.ROD,
        ttl_ns=10**12,
        trace_id=intent_id,
        created_ns=now,
        **(defaults | fields),
    )
