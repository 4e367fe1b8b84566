"""The idempotency window, rule by rule, and the production failures it must not repeat."""

from __future__ import annotations

from typing import Any

import pytest

from hft.domain.dedup import (
    DedupCapacityTooSmall,
    DedupEntry,
    DedupStatus,
    DedupWindow,
    Duplicate,
    InFlight,
    Reserved,
    WindowFull,
    decide_reserve,
    empty_window,
    evolve_dedup,
    with_capacity,
)
from hft.domain.errors import InvalidValue
from hft.domain.events import DomainEvent, fold
from hft.domain.intent import (
    IntentAccepted,
    IntentAcked,
    IntentDeduplicated,
    IntentDispatched,
    IntentExpired,
    IntentFilled,
    IntentOutcomeUnknown,
    IntentRejected,
    IntentSubmitted,
    decide_deduplicated,
    decide_submit,
)
from hft.domain.reasons import RejectReason
from tests.strategies.intent import command

IN, DONE = DedupStatus.IN_FLIGHT, DedupStatus.COMMITTED


def stamp(intent_id: str, version: int = 2) -> dict[str, Any]:
    return {
        "originator_id": intent_id,
        "originator_version": version,
        "ts_event_ns": 1,
        "ts_init_ns": 1,
    }


def submitted(intent_id: str, key: str) -> IntentSubmitted:
    (event,) = decide_submit(command(intent_id=intent_id, idempotency_key=key), ts_ns=1)
    assert isinstance(event, IntentSubmitted)
    return event


def dispatched(intent_id: str) -> IntentDispatched:
    return IntentDispatched(**stamp(intent_id, 3))


def rejected(intent_id: str, reason: RejectReason) -> IntentRejected:
    return IntentRejected(**stamp(intent_id), reason=reason)


def apply(window: DedupWindow, *events: DomainEvent) -> DedupWindow:
    result: DedupWindow = fold(evolve_dedup, window, events)
    return result


def committed(capacity: int, *keys: str) -> DedupWindow:
    """A window where intent `i-<key>` submitted and dispatched each key, in order."""
    window = empty_window(capacity)
    for key in keys:
        window = apply(window, submitted(f"i-{key}", key), dispatched(f"i-{key}"))
    return window


def test_an_empty_window_reserves_any_key() -> None:
    """Nothing held: Reserved, and the window is empty."""
    window = empty_window(3)
    assert decide_reserve(window, "k1", "i1") == Reserved()
    assert (len(window), window.in_flight(), window.entries()) == (0, 0, ())


@pytest.mark.parametrize("capacity", [0, -1, True, 1.5, "3"])
def test_a_window_needs_a_positive_int_capacity(capacity: Any) -> None:
    """Capacity 0, negative, bool, float or text is refused by name."""
    with pytest.raises(InvalidValue, match="dedup capacity must be a positive int"):
        empty_window(capacity)


def test_a_submission_reserves_and_its_dispatch_commits() -> None:
    """IntentSubmitted reserves IN_FLIGHT; the owner's IntentDispatched commits it."""
    window = apply(empty_window(3), submitted("i1", "k1"))
    assert window.lookup("k1") == DedupEntry("i1", IN)
    assert decide_reserve(window, "k1", "i2") == InFlight("i1")
    window = apply(window, dispatched("i1"))
    assert window.lookup("k1") == DedupEntry("i1", DONE)
    assert decide_reserve(window, "k1", "i2") == Duplicate("i1")
    assert (len(window), window.in_flight()) == (1, 0)


def test_rejections_carry_the_reason_the_gateway_records() -> None:
    """InFlight answers DEDUP_IN_FLIGHT and WindowFull answers DEDUP_WINDOW_FULL."""
    assert InFlight("i1").reason is RejectReason.DEDUP_IN_FLIGHT
    assert WindowFull().reason is RejectReason.DEDUP_WINDOW_FULL


# --- field note 1: "dedup committed 'approved' before dispatch" -------------------------


def test_acceptance_alone_does_not_commit_and_a_later_queue_full_releases() -> None:
    """Accepted but never dispatched (queue full): the key is free again for a retry."""
    window = apply(empty_window(3), submitted("i1", "k1"), IntentAccepted(**stamp("i1")))
    assert window.lookup("k1") == DedupEntry("i1", IN)
    window = apply(window, rejected("i1", RejectReason.QUEUE_FULL))
    assert window.lookup("k1") is None
    assert decide_reserve(window, "k1", "i2") == Reserved()


# --- field note 2: "two intents with one key both committed: the decision flipped" ------


def test_a_second_submission_of_a_key_never_takes_the_slot_over() -> None:
    """First wins: the newcomer's submission and rejection leave the first's slot alone."""
    window = apply(empty_window(3), submitted("i1", "k1"))
    assert decide_reserve(window, "k1", "i2") == InFlight("i1")
    window = apply(window, submitted("i2", "k1"), rejected("i2", RejectReason.DEDUP_IN_FLIGHT))
    assert window.lookup("k1") == DedupEntry("i1", IN)
    window = apply(window, dispatched("i2"))
    assert window.lookup("k1") == DedupEntry("i1", IN)
    window = apply(window, dispatched("i1"))
    assert decide_reserve(window, "k1", "i3") == Duplicate("i1")


def test_a_duplicate_of_a_committed_key_changes_nothing() -> None:
    """The duplicate's only event, IntentDeduplicated, leaves the window as it was."""
    window = committed(3, "k1")
    (event,) = decide_deduplicated(command(intent_id="i9", idempotency_key="k1"), "i-k1", ts_ns=1)
    assert isinstance(event, IntentDeduplicated)
    assert evolve_dedup(window, event) is window
    assert decide_reserve(window, "k1", "i9") == Duplicate("i-k1")


# --- field note 3: "a raise in risk evaluation left the slot reserved" -------------------


@pytest.mark.parametrize(
    "reason",
    [
        RejectReason.INTERNAL_ERROR,
        RejectReason.NOT_LEADER,
        RejectReason.LIMIT_SYMBOL,
        RejectReason.HALT,
        RejectReason.BROKER_UNAVAILABLE,
        RejectReason.INVALID_PRICE,
    ],
)
def test_every_pre_dispatch_rejection_releases_the_key(reason: RejectReason) -> None:
    """A failure inside a step, a standby's NOT_LEADER, a limit: the retry is Reserved."""
    window = apply(empty_window(3), submitted("i1", "k1"), rejected("i1", reason))
    assert window.lookup("k1") is None
    assert decide_reserve(window, "k1", "i2") == Reserved()
    window = apply(window, submitted("i2", "k1"))
    assert window.lookup("k1") == DedupEntry("i2", IN)


def test_pre_dispatch_expiry_releases_the_key() -> None:
    """TTL ran out in the queue: the key may be tried again."""
    window = apply(
        empty_window(3), submitted("i1", "k1"), IntentExpired(**stamp("i1"), reason="ttl")
    )
    assert window.lookup("k1") is None


def test_the_venues_rejection_is_a_final_answer() -> None:
    """BROKER_REJECTED commits an in-flight key and leaves a committed one committed."""
    window = apply(
        empty_window(3), submitted("i1", "k1"), rejected("i1", RejectReason.BROKER_REJECTED)
    )
    assert window.lookup("k1") == DedupEntry("i1", DONE)
    window = apply(committed(3, "k2"), rejected("i-k2", RejectReason.BROKER_REJECTED))
    assert window.lookup("k2") == DedupEntry("i-k2", DONE)


def test_a_rejection_after_dispatch_never_releases() -> None:
    """Once dispatched, even a retryable reason keeps the key committed: never dispatch twice."""
    window = apply(committed(3, "k1"), rejected("i-k1", RejectReason.BROKER_UNAVAILABLE))
    assert window.lookup("k1") == DedupEntry("i-k1", DONE)


# --- field note 8: "retrying a timed-out place_order created duplicate orders" -----------


@pytest.mark.parametrize(
    "evidence",
    [
        IntentOutcomeUnknown(**stamp("i1"), action="place"),
        IntentAcked(**stamp("i1"), broker_order_id="B-1"),
        IntentFilled(
            **stamp("i1"), fill_id="F-1", price=5_800_000, qty=1, filled_total=1, leaves=9
        ),
    ],
)
def test_any_evidence_of_dispatch_commits(evidence: DomainEvent) -> None:
    """A timeout, an ack or a fill of the owner means the order may exist: committed."""
    window = apply(empty_window(3), submitted("i1", "k1"), evidence)
    assert decide_reserve(window, "k1", "i2") == Duplicate("i1")


# --- bounds ---------------------------------------------------------------------------------


def test_a_new_key_evicts_the_least_recently_committed() -> None:
    """Capacity 2 holding k1 then k2: k3 evicts k1, keeps k2."""
    window = committed(2, "k1", "k2")
    assert decide_reserve(window, "k3", "i3") == Reserved()
    window = apply(window, submitted("i3", "k3"))
    assert window.lookup("k1") is None
    assert window.lookup("k2") == DedupEntry("i-k2", DONE)
    assert len(window) == 2
    assert decide_reserve(window, "k1", "i4") == Reserved()


def test_commit_order_not_reservation_order_decides_eviction() -> None:
    """k1 reserved first but committed last: k2 is the least recently committed."""
    window = apply(
        empty_window(2),
        submitted("i1", "k1"),
        submitted("i2", "k2"),
        dispatched("i2"),
        dispatched("i1"),
    )
    assert window.committed_keys() == ("k2", "k1")
    window = apply(window, submitted("i3", "k3"))
    assert [k for k, _ in window.entries()] == ["k1", "k3"]


def test_keys_in_flight_are_never_evicted() -> None:
    """Capacity 2 with k1 in flight and k2 committed: k3 evicts k2, never k1."""
    window = apply(committed(2, "k2"), submitted("i1", "k1"))
    window = apply(window, submitted("i3", "k3"))
    assert window.lookup("k1") == DedupEntry("i1", IN)
    assert window.lookup("k2") is None
    assert window.in_flight() == 2


def test_a_window_full_of_keys_in_flight_refuses_and_stays_as_it_was() -> None:
    """Every slot in flight: WindowFull, and the newcomer's submission reserves nothing."""
    window = apply(empty_window(2), submitted("i1", "k1"), submitted("i2", "k2"))
    assert decide_reserve(window, "k3", "i3") == WindowFull()
    after = apply(window, submitted("i3", "k3"), rejected("i3", RejectReason.DEDUP_WINDOW_FULL))
    assert after == window
    assert after.lookup("k3") is None


def test_the_window_holds_exactly_capacity_keys() -> None:
    """Boundary: at capacity - 1 a key is added without eviction; at capacity one is evicted."""
    window = committed(3, "k1", "k2")
    window = apply(window, submitted("i3", "k3"))
    assert [k for k, _ in window.entries()] == ["k1", "k2", "k3"]
    window = apply(window, dispatched("i3"), submitted("i4", "k4"))
    assert [k for k, _ in window.entries()] == ["k2", "k3", "k4"]


@pytest.mark.parametrize(("capacity", "total"), [(100, 250), (300, 800), (8_200, 8_400)])
def test_many_commits_keep_the_newest_in_commit_order(capacity: int, total: int) -> None:
    """Far more keys than room, at trie depths 0, 1 and 2: the newest `capacity`, in order."""
    keys = [f"k{n:05d}" for n in range(total)]
    window = committed(capacity, *keys)
    kept = keys[total - capacity :]
    assert window.committed_keys() == tuple(kept)
    assert (len(window), window.committed()) == (capacity, capacity)
    assert all(decide_reserve(window, k, "x") == Duplicate(f"i-{k}") for k in kept)
    assert all(decide_reserve(window, k, "x") == Reserved() for k in keys[: total - capacity])
    assert with_capacity(window, 50).committed_keys() == tuple(keys[-50:])


# --- field note 5: "loading ignored a smaller window" -------------------------------------


def test_loading_into_a_smaller_window_keeps_the_most_recent_keys() -> None:
    """Shrinking 5 -> 3 keeps k3, k4, k5 (the most recently committed)."""
    window = with_capacity(committed(5, "k1", "k2", "k3", "k4", "k5"), 3)
    assert (window.capacity, window.committed_keys()) == (3, ("k3", "k4", "k5"))
    assert window == committed(3, "k3", "k4", "k5")


def test_shrinking_keeps_every_key_in_flight() -> None:
    """In-flight keys survive a shrink; committed keys fill what room is left."""
    window = apply(committed(5, "k1", "k2", "k3"), submitted("i9", "k9"))
    small = with_capacity(window, 2)
    assert [(k, e.status) for k, e in small.entries()] == [("k3", DONE), ("k9", IN)]
    smallest = with_capacity(window, 1)
    assert [(k, e.status) for k, e in smallest.entries()] == [("k9", IN)]
    assert apply(smallest, dispatched("i9")).lookup("k9") == DedupEntry("i9", DONE)


def test_a_window_cannot_shrink_below_its_keys_in_flight() -> None:
    """Two keys in flight do not fit one slot: DedupCapacityTooSmall."""
    window = apply(empty_window(3), submitted("i1", "k1"), submitted("i2", "k2"))
    with pytest.raises(DedupCapacityTooSmall, match="2 keys in flight exceed 1"):
        with_capacity(window, 1)
    assert with_capacity(window, 2).in_flight() == 2


def test_growing_keeps_everything() -> None:
    """A larger window holds the same keys in the same order, with room to spare."""
    window = committed(3, "k1", "k2", "k3")
    grown = with_capacity(window, 10)
    assert (grown.capacity, grown.committed_keys()) == (10, ("k1", "k2", "k3"))
    assert decide_reserve(apply(grown, submitted("i4", "k4")), "k1", "x") == Duplicate("i-k1")


# --- the fold -----------------------------------------------------------------------------


def test_events_of_intents_without_a_slot_pass_through_unchanged() -> None:
    """Accepted, or anything from an intent holding no in-flight key, returns the same window."""
    window = committed(3, "k1")
    assert evolve_dedup(window, IntentAccepted(**stamp("i-k1"))) is window
    assert evolve_dedup(window, dispatched("nobody")) is window
    assert evolve_dedup(window, rejected("i-k1", RejectReason.HALT)) is window


def test_equality_is_by_content_and_order() -> None:
    """Same keys in the same commit order are equal; another order or capacity is not."""
    assert committed(3, "k1", "k2") == committed(3, "k1", "k2")
    assert committed(3, "k1", "k2") != committed(3, "k2", "k1")
    assert committed(3, "k1") != committed(4, "k1")
    assert committed(3, "k1") != "k1"
