"""Finished intents are compacted after the last `finished_kept` settled ones: the gateway's
memory stays bounded in a long session, and nothing logged or digested changes."""

from __future__ import annotations

import shutil
from pathlib import Path

import attrs
import pytest

from hft.app.bench.gateway import ROOMY
from hft.app.bootstrap.replay import read_logged_events
from hft.app.bootstrap.session import build_sim
from hft.app.bootstrap.sim import SimConfig
from hft.app.gateway.core import GatewayConfig
from hft.app.gateway.state import DIGEST_SCHEME, CompactedIntent, GatewayState
from hft.app.replay import replay_events
from hft.app.sim.driver import SimDriver
from hft.app.strategies.quote_chaser import QuoteChaser
from hft.app.strategy import StrategyRouter
from hft.domain.errors import DomainError
from hft.domain.events import DomainEvent
from hft.domain.intent import EventOutOfSequence, IntentDeduplicated, IntentType
from hft.domain.orders import OrderAccepted
from hft.domain.session import AnomalyRecorded
from hft.domain.values import IntentId
from tests.unit.app.harness import PX, Rig


def _chaser_session(out: Path, kept: int, quotes: int = 400) -> tuple[GatewayState, str, object]:
    """QuoteChaser over `quotes` quotes (two intents per quote) on the real WAL."""
    config = GatewayConfig(limits=ROOMY, account="BENCH", finished_kept=kept)
    sim = SimConfig(seed=11, symbols=("2330",), quote_interval_ns=1_000_000)
    wiring = build_sim(sim, config, log_dir=out / "wal", durability="none")
    router = StrategyRouter(wiring.gateway)
    ctx = router.add(QuoteChaser(), "BENCH")
    wiring.gateway.start()
    wiring.venue.feed.subscribe(["2330"])
    SimDriver(wiring, router).run_ticks(quotes)
    state = wiring.gateway.core.state
    digest = wiring.gateway.close()
    return state, digest, ctx


def _logged(out: Path) -> list[DomainEvent]:
    return [logged.event for logged in read_logged_events(out)]


def test_a_long_session_keeps_only_open_and_recent_finished_intents_in_full(
    tmp_path: Path,
) -> None:
    state, _, _ = _chaser_session(tmp_path, kept=50)
    total = len(state.intents) + len(state.compacted)
    assert total > 700  # a NEW and a CANCEL per quote
    assert len(state.intents) <= 50 + state.open_intents
    assert len(state.compacted) >= total - 50 - state.open_intents
    first = "chaser-000000001"
    assert first in state.compacted
    assert first not in state.intents
    assert state.known(first)
    assert state.owner(first) == "chaser"
    assert not state.known("never-used")


def test_compaction_changes_no_logged_byte_and_no_digest(tmp_path: Path) -> None:
    small, digest_small, _ = _chaser_session(tmp_path / "small", kept=5)
    large, digest_large, _ = _chaser_session(tmp_path / "large", kept=1_000_000)
    assert small.compacted
    assert not large.compacted
    assert digest_small == digest_large
    assert _logged(tmp_path / "small") == _logged(tmp_path / "large")


@pytest.mark.parametrize("kept", [1, 3, 10_000])
def test_the_digest_does_not_depend_on_how_many_finished_intents_are_kept(
    tmp_path: Path, kept: int
) -> None:
    _, digest, _ = _chaser_session(tmp_path, kept=50, quotes=150)
    folded = GatewayState(ROOMY, 65_536, finished_kept=kept)
    events = _logged(tmp_path)
    recorded = next(i for i, e in enumerate(events) if type(e).__name__ == "StateDigestRecorded")
    folded.apply_all(events[:recorded])  # the digest the live run recorded covers these
    assert folded.digest() == digest


def test_replay_of_a_compacted_session_holds_every_invariant(tmp_path: Path) -> None:
    _, digest, _ = _chaser_session(tmp_path, kept=20, quotes=300)
    report = replay_events(read_logged_events(tmp_path))
    assert report.violations == ()
    assert report.state_digest == digest == report.recorded_digest


DEDUP_FIELDS = [f.name for f in attrs.fields(IntentDeduplicated)][:-1]


def test_an_event_for_a_compacted_intent_is_a_named_error(tmp_path: Path) -> None:
    state, _, _ = _chaser_session(tmp_path, kept=10, quotes=50)
    mine = [e for e in _logged(tmp_path) if e.originator_id == "chaser-000000001"]
    late = attrs.evolve(mine[-1], originator_version=mine[-1].originator_version + 1)
    with pytest.raises(CompactedIntent, match="chaser-000000001 finished and was compacted"):
        state.apply(late)
    with pytest.raises(EventOutOfSequence, match="chaser-000000001 was already submitted"):
        state.apply(mine[0])  # a second submission of a used id, compacted or in full
    in_full = next(e for e in _logged(tmp_path) if e.originator_id in state.intents)
    with pytest.raises(EventOutOfSequence, match="was already submitted"):
        state.apply(in_full)
    duplicate = IntentDeduplicated(
        **{f: getattr(in_full, f) for f in DEDUP_FIELDS}, first_intent_id="chaser-000000002"
    )
    with pytest.raises(EventOutOfSequence, match="was already submitted"):
        state.apply(duplicate)  # a dedup record cannot reuse an id either
    assert issubclass(CompactedIntent, DomainError)


def test_a_late_report_for_a_compacted_intent_is_recorded_as_such() -> None:
    rig = Rig(config=GatewayConfig(finished_kept=1))
    for _ in range(3):
        rig.submit(price=PX - 50_000)
    rig.settle()
    for i in range(1, 4):
        rig.submit(intent_type=IntentType.CANCEL, target_intent_id=f"i{i}", price=None, qty=0)
    rig.settle()
    state = rig.gateway.core.state
    assert "i1" in state.compacted
    rig.broker._reports.append(
        OrderAccepted(intent_id=IntentId("i1"), broker_order_id="B9", ts_ns=0)
    )
    rig.broker._reports.append(
        OrderAccepted(intent_id=IntentId("zz"), broker_order_id="B8", ts_ns=0)
    )
    rig.settle()
    kinds = [(e.kind, e.subject) for e in rig.events_named("AnomalyRecorded")]
    assert ("compacted_intent", "i1") in kinds
    assert ("unknown_intent", "zz") in kinds
    assert all(isinstance(e, AnomalyRecorded) for e in rig.events_named("AnomalyRecorded"))


def test_a_fill_that_beat_its_ack_stays_in_full_until_the_ack_arrives() -> None:
    rig = Rig(config=GatewayConfig(finished_kept=1))
    rig.broker.mode = "fill"
    rig.submit(qty=1)
    rig.gateway.step()
    rig.gateway.sync()  # placed: the stub queued its ack, then the deal
    ack = rig.broker._reports.popleft()  # deliver the deal first
    rig.settle()
    assert rig.status("i1") == "FILLED"
    rig.broker.mode = "reject"
    for _ in range(3):  # three more settled intents: i1 would be compacted if it were settled
        rig.submit(price=PX - 50_000)
    rig.settle()
    state = rig.gateway.core.state
    assert "i1" in state.intents
    assert state.intents["i1"].broker_order_id is None
    rig.broker._reports.append(ack)
    rig.settle()
    assert rig.events_named("IntentAcked")[-1].originator_id == "i1"
    assert rig.events_named("AnomalyRecorded") == []
    rig.submit(price=PX - 50_000)
    rig.settle()
    assert "i1" in state.compacted


def test_a_pinned_intent_is_compacted_only_once_unpinned() -> None:
    rig = Rig(config=GatewayConfig(finished_kept=1))
    rig.broker.mode = "reject"
    rig.submit(price=PX - 50_000)
    rig.settle()
    state = rig.gateway.core.state
    state.pin("i1")
    rig.submit(price=PX - 50_000)
    rig.submit(price=PX - 50_000)
    rig.settle()
    assert "i1" in state.intents
    assert "i2" in state.compacted
    state.unpin("i1")
    assert "i1" in state.compacted
    assert "i1" not in state.intents


def test_a_strategy_cancelling_a_compacted_order_gets_none_and_a_count(tmp_path: Path) -> None:
    _, _, ctx = _chaser_session(tmp_path, kept=10, quotes=50)
    assert ctx.cancel("chaser-000000001") is None  # type: ignore[attr-defined]
    assert ctx.stale_targets == 1  # type: ignore[attr-defined]
    with pytest.raises(KeyError, match="never-used"):
        ctx.cancel("never-used")  # type: ignore[attr-defined]


OLD_LOG = Path(__file__).parents[2] / "fixtures" / "logs" / "digest-scheme-1"
"""A `hft sim --ticks 60 --seed 5` log written before compaction existed (digest scheme 1)."""


def test_a_log_written_before_compaction_still_replays_to_its_recorded_digest() -> None:
    report = replay_events(read_logged_events(OLD_LOG))
    assert report.violations == ()
    assert report.recorded_digest == report.state_digest
    assert report.state_digest.startswith("bdedab2b113dda47")
    folded = GatewayState(ROOMY, 65_536, finished_kept=1)
    folded.apply_all(logged.event for logged in read_logged_events(OLD_LOG))
    assert folded.digest_scheme == 1
    assert folded.compacted == {}  # scheme 1 renders every intent: none may be compacted


def test_new_sessions_record_the_summed_digest_scheme(tmp_path: Path) -> None:
    _chaser_session(tmp_path, kept=5, quotes=20)
    started = [e for e in _logged(tmp_path) if type(e).__name__ == "SessionStarted"]
    assert [e.digest_scheme for e in started] == [DIGEST_SCHEME] == [2]  # type: ignore[attr-defined]


def test_a_restart_on_an_old_log_switches_scheme_and_compacts_from_then_on(
    tmp_path: Path,
) -> None:
    shutil.copytree(OLD_LOG, tmp_path, dirs_exist_ok=True)
    state, digest, _ = _chaser_session(tmp_path, kept=5, quotes=60)
    assert state.digest_scheme == 2
    assert "mm-000000001" in state.compacted  # written by the old session, compacted now
    report = replay_events(read_logged_events(tmp_path))
    assert report.violations == ()
    assert report.state_digest == digest == report.recorded_digest
