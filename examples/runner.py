"""A runner script that embeds hft: the API a live deployment uses, shown on the simulator.

It builds a gateway through the composition root with its broker, log directory and limits,
registers a strategy and also submits intents directly, observes acks, fills and rejects,
halts and resumes, reads the metrics snapshot, and shuts down cleanly (flushing the log).

    python examples/runner.py [RUN_DIR]

Live, the same script calls `hft.build_gateway(config, broker=..., reference=...,
log_dir=...)` with the Shioaji facade's ports and the system clock (the default) instead of
`hft.build_sim(...)`, and loops on `gateway.step()` instead of the virtual clock.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import hft
from hft.app.strategies.market_maker import MarketMaker

ONE_LOT_AT_1100 = 1_100 * hft.PRICE_SCALE * 1_000


def main(run_dir: Path) -> dict[str, object]:
    limits = hft.ExposureLimits(
        symbol_default=20 * ONE_LOT_AT_1100,
        strategy_default=40 * ONE_LOT_AT_1100,
        global_limit=60 * ONE_LOT_AT_1100,
        max_keys=1_024,
    )
    config = hft.GatewayConfig(account="DEMO", session_id="runner", limits=limits)
    wiring = hft.build_sim(
        hft.SimConfig(seed=11, symbols=("2330",)), config, log_dir=run_dir / "wal"
    )
    gateway, venue, clock = wiring.gateway, wiring.venue, wiring.clock

    heard: dict[str, int] = {}
    gateway.subscribe(lambda seq, event: heard.update({type(event).__name__: seq}))
    router = hft.StrategyRouter(gateway)
    ctx = router.add(MarketMaker(), account="DEMO")
    driver = hft.SimDriver(wiring, router)
    gateway.start()
    venue.feed.subscribe(["2330"])
    driver.run_ticks(200)

    # A direct intent, outside any strategy: a cancel-able resting bid.
    own = hft.SubmitIntent(
        intent_id="runner-1",
        idempotency_key="runner-order-1",
        strategy_id="runner",
        account="DEMO",
        symbol="2330",
        intent_type=hft.IntentType.NEW,
        side=hft.Side.BUY,
        price=ctx.instrument("2330").limit_down.scaled,
        qty=1,
        tif=hft.TimeInForce.ROD,
        ttl_ns=600 * 10**9,  # past its TTL the gateway would cancel it at the venue
        trace_id="runner-demo",
        created_ns=clock.now_ns(),
    )
    gateway.submit(own)
    driver.run_ticks(1)

    gateway.halt("runner", "demonstrating a halt")
    driver.run_ticks(20)
    halted = gateway.metrics().policy_mode
    gateway.resume("alice", "demo over")
    driver.run_ticks(20)

    snapshot = gateway.metrics()
    digest = gateway.close("runner done")
    return {
        "halted_mode": halted,
        "mode_after_resume": snapshot.policy_mode,
        "submitted": snapshot.submitted,
        "dispatched": snapshot.dispatched,
        "fills": snapshot.fills,
        "own_order": gateway.core.state.intents["runner-1"].status.value,
        "heard": sorted(heard),
        "digest": digest,
    }


if __name__ == "__main__":
    default = Path(tempfile.mkdtemp(prefix="hft-runner-"))
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else default
    print(main(target))
    print(f"audit it: hft replay {target}")
