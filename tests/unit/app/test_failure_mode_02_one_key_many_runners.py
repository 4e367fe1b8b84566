"""Failure mode 2 (docs/failure-modes.md) at the gateway: many runners submitting one
idempotency key at once get one dispatch, and the first decision never flips.
"""

from __future__ import annotations

import threading
from collections import Counter

from hft.domain.values import Side
from tests.unit.app.harness import PX, Rig

RUNNERS, EACH = 4, 25


def test_four_threads_racing_on_one_key_get_one_dispatch_and_one_first_decision() -> None:
    """100 submissions of key "k" from four threads, each with its own side and price, while
    the loop runs: exactly one reaches the broker; every other one ends DEDUPLICATED to that
    same intent or rejected DEDUP_IN_FLIGHT; the window's owner of "k" is the dispatched
    intent from start to end."""
    rig = Rig()
    orders = [
        [
            rig.intent(
                intent_id=f"r{n}-{i}",
                idempotency_key="k",
                side=Side.BUY if n % 2 else Side.SELL,
                price=PX - 50_000 * (n + 1),
            )
            for i in range(EACH)
        ]
        for n in range(RUNNERS)
    ]

    def runner(n: int) -> None:
        for order in orders[n]:
            rig.gateway.submit(order)

    threads = [threading.Thread(target=runner, args=(n,)) for n in range(RUNNERS)]
    for t in threads:
        t.start()
    owners: set[str] = set()
    while any(t.is_alive() for t in threads) or rig.gateway.channel.depth:
        rig.gateway.step()
        rig.gateway.sync()
        entry = rig.gateway.core.state.window.lookup("k")
        if entry is not None:
            owners.add(entry.owner)
    for t in threads:
        t.join()
    rig.settle()
    (placed,) = rig.broker.placed
    assert owners == {placed.intent_id}
    outcomes = Counter(rig.status(f"r{n}-{i}") for n in range(RUNNERS) for i in range(EACH))
    assert outcomes["ACKED"] == 1
    assert outcomes["ACKED"] + outcomes["DEDUPLICATED"] + outcomes["REJECTED"] == RUNNERS * EACH
    firsts = {e.first_intent_id for e in rig.events_named("IntentDeduplicated")}
    assert firsts <= {placed.intent_id}
    reasons = {e.reason.value for e in rig.events_named("IntentRejected")}
    assert reasons <= {"DEDUP_IN_FLIGHT"}
