"""Failure modes 5 and 6 (docs/failure-modes.md) at the gateway: the dedup window is never
saved, so it cannot be saved half-mutated or overwritten by an older copy; it is a fold of
the log, and a restart with a smaller window keeps the most recently committed keys.
"""

from __future__ import annotations

import time
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from hft.adapters.memory import InMemoryEventLog, InMemoryLease
from hft.app.bootstrap.replay import read_logged_events
from hft.app.bootstrap.session import build_gateway
from hft.app.gateway.core import GatewayConfig
from hft.app.gateway.service import Gateway
from hft.app.replay import replay_events
from hft.domain.dedup import DedupEntry, DedupStatus, with_capacity
from tests.unit.app.harness import Rig, limits
from tests.unit.app.stubs import StaticReference, StubBroker


def _config(dedup_capacity: int) -> GatewayConfig:
    return GatewayConfig(limits=limits(), dedup_capacity=dedup_capacity)


def _dispatch_keys(rig: Rig, keys: list[str], prefix: str) -> None:
    """One order per key, each settled (dispatched, so committed) before the next."""
    for n, key in enumerate(keys):
        rig.submit(intent_id=f"{prefix}{n}", idempotency_key=key, price=rig_price(n))
        rig.settle()


def rig_price(n: int) -> int:
    """Prices a tick apart below 1,000 TWD (tick 5 TWD), so no two orders look alike."""
    return (1_000 - 5 * (n % 20)) * 10_000


def test_a_restart_with_a_smaller_window_keeps_the_most_recent_keys() -> None:
    """Five keys committed under capacity 8, restarted with capacity 3: the window holds
    k3, k4, k5 in commit order; k5 again is DEDUPLICATED to its first intent, and k1,
    outside the smaller window, is dispatched once more."""
    log = InMemoryEventLog()
    first = Rig(config=_config(8), log=log)
    _dispatch_keys(first, ["k1", "k2", "k3", "k4", "k5"], "a")
    assert first.gateway.core.state.window.committed_keys() == ("k1", "k2", "k3", "k4", "k5")

    broker = StubBroker()
    second = Rig(config=_config(3), log=log, broker=broker, namespace="r1/")
    window = second.gateway.core.state.window
    assert (window.capacity, window.committed_keys()) == (3, ("k3", "k4", "k5"))
    second.submit(intent_id="b1", idempotency_key="k5")
    second.submit(intent_id="b2", idempotency_key="k1")
    second.settle()
    assert second.status("b1") == "DEDUPLICATED"
    assert second.events_named("IntentDeduplicated")[-1].first_intent_id == "a4"
    assert [o.intent_id for o in broker.placed] == ["b2"]


@settings(max_examples=25)
@given(
    count=st.integers(1, 8),
    before=st.integers(1, 10),
    after=st.integers(1, 10),
)
def test_a_restarted_window_is_the_newest_keys_that_fit_its_own_capacity(
    count: int, before: int, after: int
) -> None:
    """Whatever the window size before and after a restart, the rebuilt window is the one
    the first session ended with (its size is in the log's SessionStarted) resized to the
    new capacity: the newest min(before, after) keys, oldest first, each COMMITTED to its
    intent, with capacity `after`."""
    keys = [f"k{n}" for n in range(count)]
    log = InMemoryEventLog()
    first = Rig(config=_config(before), log=log)
    _dispatch_keys(first, keys, "a")
    ended = first.gateway.core.state.window
    window = Rig(config=_config(after), log=log, namespace="r1/").gateway.core.state.window
    kept = keys[-min(before, after) :]
    assert window.capacity == after
    assert window.committed_keys() == tuple(kept) == with_capacity(ended, after).committed_keys()
    assert [window.lookup(k) for k in kept] == [
        DedupEntry(f"a{keys.index(k)}", DedupStatus.COMMITTED) for k in kept
    ]


def test_a_window_a_reader_holds_never_changes_while_the_loop_goes_on() -> None:
    """The window is an immutable value: a copy taken by another thread (to save or show)
    keeps exactly the keys it had while the loop commits three more."""
    rig = Rig(config=_config(8))
    _dispatch_keys(rig, ["k1", "k2"], "a")
    held = rig.gateway.core.state.window
    before = held.entries()
    _dispatch_keys(rig, ["k3", "k4", "k5"], "b")
    assert held.entries() == before
    assert held.committed_keys() == ("k1", "k2")
    assert rig.gateway.core.state.window.committed_keys() == ("k1", "k2", "k3", "k4", "k5")


def test_a_gateway_on_a_real_wal_writes_no_state_file_beside_the_log(tmp_path: Path) -> None:
    """No checkpoint exists to race or lose: after a session and a clean close the run
    directory holds the WAL only (segments, manifest, lock, spare); folding it alone gives
    the digest the session recorded, and a restart from it knows every key."""
    config = _config(16)
    wal = tmp_path / "wal"

    def gateway_on_wal() -> Gateway:
        gateway = build_gateway(
            config,
            broker=StubBroker(),
            reference=StaticReference(),
            log_dir=wal,
            lease=InMemoryLease(config.holder),
        )
        gateway.start()
        return gateway

    first = gateway_on_wal()
    template = Rig(config=config)
    for n in range(3):
        order = template.intent(
            intent_id=f"a{n}", idempotency_key=f"k{n}", created_ns=time.time_ns(), ttl_ns=60 * 10**9
        )
        first.submit(order)
    for _ in range(4):
        first.step()
        first.sync(30)
    assert first.core.state.window.committed_keys() == ("k0", "k1", "k2")
    digest = first.close("done")
    assert [p.name for p in tmp_path.iterdir()] == ["wal"]
    others = {p.name for p in wal.iterdir() if p.suffix != ".seg"}
    assert others <= {"MANIFEST.json", "LOCK", "spare.zero"}
    report = replay_events(read_logged_events(tmp_path))
    assert report.state_digest == report.recorded_digest == digest
    again = gateway_on_wal()
    assert again.core.state.window.committed_keys() == ("k0", "k1", "k2")
    again.close("done")
