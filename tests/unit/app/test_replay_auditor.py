"""The replay auditor: a clean session audits clean, each forged log breaks the rule it should,
and the frame-wise fold gives the same report as the event-wise one for any framing."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from itertools import pairwise
from typing import Any

import attrs
from hypothesis import given
from hypothesis import strategies as st

from hft.adapters.memory import InMemoryEventLog
from hft.app.replay import ReplayReport, replay_events, replay_frames
from hft.domain.events import DomainEvent
from hft.domain.intent import (
    IntentAccepted,
    IntentDispatched,
    IntentFilled,
    IntentSubmitted,
    IntentType,
)
from hft.domain.policy_events import GatewayHalted
from hft.domain.session import SessionStarted, SessionStopped, StateDigestRecorded
from hft.ports.event_log import LoggedEvent
from tests.unit.app.harness import PX, Rig

Events = list[DomainEvent]


class _KeptLog(InMemoryEventLog):
    """An in-memory log that stays readable after the gateway closes it."""

    def close(self) -> None:
        """Reading on after the session ends is what this test needs."""


@cache
def _session() -> tuple[DomainEvent, ...]:
    """A clean session: a fill, a cancel, a resting order, a halt, then a clean stop."""
    log = _KeptLog()
    rig = Rig(log=log)
    rig.broker.mode = "fill"
    rig.submit(qty=2)
    rig.settle()
    rig.broker.mode = "ack"
    rig.submit(price=PX - 50_000)
    rig.settle()
    rig.submit(intent_type=IntentType.CANCEL, price=None, qty=0, target_intent_id="i2")
    rig.settle()
    rig.submit(price=PX - 100_000)
    rig.settle()
    rig.gateway.halt("ops", "drill")
    rig.settle()
    rig.gateway.close()
    return tuple(logged.event for logged in log.read(1))


def _replay(events: Events) -> ReplayReport:
    return replay_events(LoggedEvent(seq, e) for seq, e in enumerate(events, 1))


def _replace(events: Events, match: Callable[[DomainEvent], bool], **changes: Any) -> Events:
    return [attrs.evolve(e, **changes) if match(e) else e for e in events]


def _first(events: Events, cls: type, intent_id: str | None = None) -> int:
    return next(
        i
        for i, e in enumerate(events)
        if isinstance(e, cls) and intent_id in (None, e.originator_id)
    )


def test_a_clean_session_audits_clean_and_counts_every_event() -> None:
    events = list(_session())
    report = _replay(events)
    assert report.violations == ()
    assert report.clean_stop
    assert report.recorded_digest == report.state_digest
    assert report.events == report.last_seq == len(events)
    assert sum(report.counts.values()) == len(events)
    assert report.counts["IntentSubmitted"] == 4
    assert report.open_intents == {"i4": "ACKED: working at the venue at stop"}


@given(data=st.data())
def test_frames_give_the_same_report_as_events_for_any_framing_and_cut_property(
    data: st.DataObject,
) -> None:
    """replay_frames(frames, until) == replay_events(events, until), however the log is framed."""
    events = list(_session())
    cuts = sorted(data.draw(st.sets(st.integers(1, len(events) - 1)), label="frame cuts"))
    until = data.draw(st.none() | st.integers(0, len(events) + 1), label="until")
    bounds = [0, *cuts, len(events)]
    frames = [(a + 1, events[a:b]) for a, b in pairwise(bounds)]
    logged = [LoggedEvent(seq, e) for seq, e in enumerate(events, 1)]
    assert replay_frames(frames, until) == replay_events(logged, until)


def test_until_stops_the_fold_after_that_sequence_number() -> None:
    events = list(_session())
    report = replay_events((LoggedEvent(s, e) for s, e in enumerate(events, 1)), until=5)
    assert (report.events, report.last_seq) == (5, 5)
    assert not report.clean_stop


def test_a_key_dispatched_by_two_intents_breaks_dispatch_once() -> None:
    events = _replace(
        list(_session()),
        lambda e: isinstance(e, IntentSubmitted) and e.originator_id == "i2",
        idempotency_key="k1",
    )
    violations = [v for v in _replay(events).violations if v.rule == "dispatch_once"]
    assert [(v.intent_id, v.seq) for v in violations] == [
        ("i2", _first(events, IntentDispatched, "i2") + 1)
    ]


def test_a_new_order_dispatched_while_halted_breaks_halt_blocks_new() -> None:
    events = list(_session())
    halt = events.pop(_first(events, GatewayHalted))
    events.insert(_first(events, IntentDispatched, "i4"), halt)
    violations = _replay(events).violations
    assert [(v.rule, v.intent_id) for v in violations] == [("halt_blocks_new", "i4")]
    assert violations[0].detail == "NEW while HALT"


def test_usage_past_the_recorded_caps_breaks_exposure_within_limits() -> None:
    events = _replace(list(_session()), lambda e: isinstance(e, SessionStarted), symbol_default=PX)
    breaches = [v for v in _replay(events).violations if v.rule == "exposure_within_limits"]
    assert [v.intent_id for v in breaches] == ["i1", "i2", "i4"]
    assert all(v.detail.startswith("LIMIT_SYMBOL: usage ") for v in breaches)


def test_a_fill_beyond_the_quantity_is_refused_by_the_fold_and_named() -> None:
    """The domain's own guard (filled <= qty) refuses the overfill before `filled_le_qty`."""
    events = _replace(list(_session()), lambda e: isinstance(e, IntentFilled), qty=3)
    violations = _replay(events).violations
    first = violations[0]
    assert (first.rule, first.intent_id, first.detail) == (
        "fold",
        "i1",
        "IntentFilled: i1: fill of 3 with 2 open",
    )
    assert {v.rule for v in violations} == {"fold", "state_digest"}


def test_an_intent_left_undecided_at_a_clean_stop_breaks_resolved_at_stop() -> None:
    events = list(_session())
    events.pop(_first(events, IntentAccepted, "i4"))
    report = _replay(events)
    undecided = [v for v in report.violations if v.rule == "resolved_at_stop"]
    assert [(v.intent_id, v.detail) for v in undecided] == [("i4", "SUBMITTED")]


def test_a_recorded_digest_that_differs_breaks_state_digest() -> None:
    events = _replace(
        list(_session()), lambda e: isinstance(e, StateDigestRecorded), digest="0" * 64
    )
    violations = _replay(events).violations
    assert [(v.rule, v.seq) for v in violations] == [
        ("state_digest", _first(events, StateDigestRecorded) + 1)
    ]


def test_an_event_out_of_sequence_is_a_fold_violation_naming_the_intent() -> None:
    events = list(_session())
    events.insert(_first(events, IntentDispatched, "i1"), events[_first(events, IntentAccepted)])
    folds = [v for v in _replay(events).violations if v.rule == "fold"]
    assert [v.intent_id for v in folds][:1] == ["i1"]
    assert folds[0].detail.startswith("IntentAccepted: ")


def test_a_log_without_a_clean_stop_explains_every_open_intent_by_the_crash() -> None:
    events = list(_session())[: _first(list(_session()), StateDigestRecorded)]
    report = _replay(events)
    assert report.violations == ()
    assert not report.clean_stop
    assert report.recorded_digest is None
    assert report.open_intents == {"i4": "ACKED: the log ends without a clean stop"}
    assert not any(isinstance(e, SessionStopped) for e in events)
