"""Also seen: a dead-letter replay that skipped dedup (docs/failure-modes.md), at the
gateway. The channel's dead-letter queue is for inspection only; the one way back into the
order path is `submit`, which runs the same intent-id check and idempotency window as any
new intent. (The loader's dead letters are replayed through the same insert tokens: see
tests/integration/clickhouse/test_loader.py.)
"""

from __future__ import annotations

import attrs

from tests.unit.app.harness import Rig


def test_resubmitting_a_dead_letter_goes_through_dedup_and_never_dispatches_twice() -> None:
    """i1 (key k) expires in the queue: TTL_EXPIRED, dead-lettered, key free. i2 takes key k
    and is dispatched. Replaying the dead letter as it is (same intent id) is refused as a
    reused intent id; replaying it under a new id is DEDUPLICATED to i2. The broker saw i2
    only."""
    rig = Rig()
    rig.submit(idempotency_key="k", ttl_ns=1_000)
    rig.clock.advance_by(5_000)
    rig.settle()
    (letter,) = rig.gateway.channel.dead_letters()
    assert (letter.envelope.item.intent_id, letter.reason) == ("i1", "TTL_EXPIRED")
    assert rig.events_named("IntentRejected")[0].reason.value == "TTL_EXPIRED"
    rig.submit(idempotency_key="k")
    rig.settle()
    assert [o.intent_id for o in rig.broker.placed] == ["i2"]

    fresh = attrs.evolve(letter.envelope.item, created_ns=rig.clock.now_ns())
    rig.gateway.submit(fresh)
    rig.settle()
    assert rig.gateway.core.counters.rejects["DUPLICATE_INTENT_ID"] == 1
    rig.gateway.submit(attrs.evolve(fresh, intent_id="i1-replayed"))
    rig.settle()
    assert rig.status("i1-replayed") == "DEDUPLICATED"
    assert rig.events_named("IntentDeduplicated")[-1].first_intent_id == "i2"
    assert [o.intent_id for o in rig.broker.placed] == ["i2"]
