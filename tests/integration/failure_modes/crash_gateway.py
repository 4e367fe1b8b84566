"""A gateway process for crash tests: trades on a real WAL, then dies by SIGKILL the moment
it hears its last fill.

Usage: python -m tests.integration.failure_modes.crash_gateway WAL_DIR

It submits two orders (`a1` for 3 lots under key `key-a`, `b1` for 1 lot under `key-b`),
lets both be dispatched and acknowledged, then fills `a1` in two parts. A listener (which
hears only events the log has made durable) prints `{"seq": ..., "fill_id": ...}` for the
fill that completes `a1` and SIGKILLs its own process at once: no close, no later step, no
clean stop recorded. Exit code 3 means it never got there.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import time

from hft.adapters.memory import InMemoryLease
from hft.app.bootstrap.session import build_gateway
from hft.app.gateway.core import GatewayConfig
from hft.app.gateway.service import Gateway
from hft.domain.events import DomainEvent
from hft.domain.intent import IntentFilled, IntentType, SubmitIntent
from hft.domain.orders import TimeInForce
from hft.domain.values import Side
from tests.unit.app.harness import PX, limits
from tests.unit.app.stubs import StaticReference, StubBroker

CONFIG = GatewayConfig(session_id="crash", limits=limits())
ORDERS = (("a1", "key-a", 3), ("b1", "key-b", 1))


def new_order(intent_id: str, key: str, qty: int) -> SubmitIntent:
    """A 2330 buy at PX (1,000 TWD) for `qty` lots, good for a minute of wall-clock time."""
    return SubmitIntent(
        intent_id=intent_id,
        idempotency_key=key,
        strategy_id="s1",
        account=CONFIG.account,
        symbol="2330",
        intent_type=IntentType.NEW,
        side=Side.BUY,
        price=PX,
        qty=qty,
        tif=TimeInForce.ROD,
        ttl_ns=60 * 10**9,
        trace_id="t",
        created_ns=time.time_ns(),
    )


def open_gateway(wal_dir: str, broker: StubBroker) -> Gateway:
    """A started gateway over the WAL in `wal_dir` (fsync policy), folding what it holds."""
    gateway = build_gateway(
        CONFIG,
        broker=broker,
        reference=StaticReference(),
        log_dir=wal_dir,
        lease=InMemoryLease(CONFIG.holder),
    )
    gateway.start()
    return gateway


def settle(gateway: Gateway) -> None:
    for _ in range(4):
        gateway.step()
        gateway.sync(30)


def _die_on_last_fill(seq: int, event: DomainEvent) -> None:
    if isinstance(event, IntentFilled) and event.leaves == 0:
        line = json.dumps({"seq": seq, "fill_id": event.fill_id, "intent": event.originator_id})
        os.write(1, line.encode() + b"\n")
        os.kill(os.getpid(), signal.SIGKILL)


def main(wal_dir: str) -> None:
    broker = StubBroker()
    gateway = open_gateway(wal_dir, broker)
    gateway.subscribe(_die_on_last_fill)
    for intent_id, key, qty in ORDERS:
        gateway.submit(new_order(intent_id, key, qty))
    settle(gateway)
    broker.fill("a1", 1)
    settle(gateway)
    broker.fill("a1", 2)
    settle(gateway)
    sys.exit(3)


if __name__ == "__main__":
    main(sys.argv[1])
