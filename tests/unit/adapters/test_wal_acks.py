"""DurableMark: a publish wakes exactly the waiters it satisfies, once; listeners hear every
publish in order; a released mark parks nobody."""

from __future__ import annotations

import threading
import time

from hypothesis import given
from hypothesis import strategies as st

from hft.adapters.wal.acks import DurableMark

JOIN_S = 30.0


class Waiter(threading.Thread):
    """A thread parked in `mark.wait(seq)`; `result` is what the wait returned."""

    def __init__(self, mark: DurableMark, seq: int, timeout_s: float | None = None) -> None:
        super().__init__(daemon=True)
        self.mark, self.seq, self.timeout_s = mark, seq, timeout_s
        self.result: bool | None = None

    def run(self) -> None:
        self.result = self.mark.wait(self.seq, self.timeout_s)


def park(mark: DurableMark, seqs: list[int]) -> list[Waiter]:
    """Start one waiter per seq and return once all of them are parked."""
    waiters = [Waiter(mark, seq) for seq in seqs]
    for waiter in waiters:
        waiter.start()
    give_up = time.monotonic() + JOIN_S
    while mark.waiting < len(waiters) and time.monotonic() < give_up:
        time.sleep(0.001)
    assert mark.waiting == len(waiters)
    return waiters


def test_wait_for_a_durable_seq_returns_true_at_once() -> None:
    """A seq at or below the mark is durable: wait returns True without parking."""
    mark = DurableMark(7)
    assert mark.wait(7, timeout_s=0) is True
    assert mark.wait(3) is True
    assert mark.waiting == 0


def test_wait_times_out_false_and_leaves_no_waiter_behind() -> None:
    """A wait that times out returns False and is no longer counted as parked."""
    mark = DurableMark(0)
    assert mark.wait(1, timeout_s=0.01) is False
    assert mark.wait(1, timeout_s=0) is False
    assert mark.waiting == 0
    mark.publish(1)
    assert mark.value == 1


@given(
    seqs=st.lists(st.integers(1, 50), min_size=1, max_size=8),
    steps=st.lists(st.integers(0, 20), min_size=1, max_size=5),
)
def test_each_publish_wakes_exactly_the_waiters_it_covers(
    seqs: list[int], steps: list[int]
) -> None:
    """After each publish, the waiters whose seq it covers have returned True and every
    other waiter is still parked."""
    mark = DurableMark(0)
    waiters = park(mark, seqs)
    value = 0
    for step in steps:
        value += step
        mark.publish(value)
        covered = [w for w in waiters if w.seq <= value]
        for waiter in covered:
            waiter.join(JOIN_S)
        assert all(w.result is True for w in covered)
        assert all(w.is_alive() and w.result is None for w in waiters if w.seq > value)
        assert mark.waiting == len(waiters) - len(covered)
    mark.release_all()
    for waiter in waiters:
        waiter.join(JOIN_S)
    assert [w.result for w in waiters] == [w.seq <= value for w in waiters]


def test_release_all_wakes_every_waiter_false_and_parks_no_new_one() -> None:
    """After release_all (a failed or closed log) waiters get False at once, and later waits
    do not block even without a timeout; durable seqs still answer True."""
    mark = DurableMark(2)
    waiters = park(mark, [3, 9])
    mark.release_all()
    for waiter in waiters:
        waiter.join(JOIN_S)
    assert [w.result for w in waiters] == [False, False]
    late = Waiter(mark, 5)
    late.start()
    late.join(JOIN_S)
    assert not late.is_alive()
    assert late.result is False
    assert mark.wait(2) is True


def test_listeners_hear_every_publish_in_order_after_the_waiters_are_released() -> None:
    """Each listener is called with each published value, in publish order; by the time it
    runs, the waiter that value satisfies is no longer parked."""
    mark = DurableMark(0)
    heard: list[tuple[int, int]] = []
    mark.add_listener(lambda seq: heard.append((seq, mark.waiting)))
    park(mark, [2])
    mark.publish(1)
    mark.publish(2)
    mark.publish(5)
    assert heard == [(1, 1), (2, 0), (5, 0)]
