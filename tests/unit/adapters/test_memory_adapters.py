"""The in-memory clock, id and lease adapters behave as their ports promise."""

from __future__ import annotations

import pytest

from hft.adapters.memory import InMemoryLease, SequentialIds, SystemClock, VirtualClock


def test_virtual_clock_moves_only_forward_when_told() -> None:
    clock = VirtualClock(1_000)
    assert clock.now_ns() == 1_000
    clock.advance_by(500)
    clock.advance_to(2_000)
    assert clock.now_ns() == 2_000
    with pytest.raises(ValueError, match="cannot go back"):
        clock.advance_to(1_999)


def test_system_clock_is_monotone_non_decreasing() -> None:
    clock = SystemClock()
    readings = [clock.now_ns() for _ in range(1_000)]
    assert readings == sorted(readings)
    assert readings[0] > 1_600_000_000 * 10**9  # after 2020: really the epoch in ns


def test_sequential_ids_are_deterministic_per_prefix() -> None:
    a, b = SequentialIds("s1/"), SequentialIds("s1/")
    seq_a = [a.next_id("intent"), a.next_id("intent"), a.next_id("order")]
    seq_b = [b.next_id("intent"), b.next_id("intent"), b.next_id("order")]
    assert seq_a == seq_b == ["s1/intent-000000001", "s1/intent-000000002", "s1/order-000000001"]


def test_sequential_ids_resume_after_a_start_value() -> None:
    assert SequentialIds(start=41).next_id("intent") == "intent-000000042"


def test_lease_is_exclusive_until_it_expires() -> None:
    lease = InMemoryLease()
    assert not lease.is_leader(0)
    assert lease.try_acquire("gw-a", now_ns=0, ttl_ns=100)
    assert lease.is_leader(99)
    assert not lease.is_leader(100)
    assert not lease.try_acquire("gw-b", now_ns=50, ttl_ns=100)
    assert lease.try_acquire("gw-b", now_ns=100, ttl_ns=100)


def test_lease_renew_extends_only_for_the_holder_before_expiry() -> None:
    lease = InMemoryLease()
    lease.try_acquire("gw-a", now_ns=0, ttl_ns=100)
    assert lease.renew("gw-a", now_ns=90, ttl_ns=100)
    assert lease.is_leader(150)
    assert not lease.renew("gw-b", now_ns=95, ttl_ns=100)
    assert not lease.renew("gw-a", now_ns=190, ttl_ns=100)


def test_step_down_loses_leadership_at_once() -> None:
    lease = InMemoryLease("gw-a")
    assert lease.is_leader(10**18)
    lease.step_down()
    assert not lease.is_leader(0)
