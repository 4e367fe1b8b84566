"""The intent channel: a bounded queue in front of the pipeline, with TTLs and a dead-letter queue.

`submit` never blocks: it returns an ack token or raises `ChannelFullError`. An envelope that
waits past its TTL is not processed: it goes to the dead-letter queue with its reason, and the
strategy hears about it. The DLQ is bounded too; what it cannot hold is counted, never silent.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Iterator
from typing import Generic, TypeVar

import attrs

T = TypeVar("T")


class ChannelFullError(Exception):
    """The intent channel is at capacity: the intent was not taken (reject QUEUE_FULL)."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        super().__init__(f"intent channel full ({capacity} envelopes)")


@attrs.frozen
class Envelope(Generic[T]):
    """One queued item with when it was taken and when it goes stale."""

    item: T
    token: int
    enqueued_ns: int
    deadline_ns: int


@attrs.frozen
class DeadLetter(Generic[T]):
    """An envelope that was never processed, and why."""

    envelope: Envelope[T]
    reason: str
    ts_ns: int


class IntentChannel(Generic[T]):
    """Bounded FIFO of envelopes; single consumer (the gateway loop)."""

    def __init__(self, capacity: int = 4096, dlq_capacity: int = 1024) -> None:
        if capacity <= 0 or dlq_capacity <= 0:
            raise ValueError("channel and dead-letter capacities must be positive")
        self.capacity = capacity
        self._queue: deque[Envelope[T]] = deque()
        self._dlq: deque[DeadLetter[T]] = deque(maxlen=dlq_capacity)
        self._new_dead: list[DeadLetter[T]] = []
        self._lock = threading.Lock()
        self._next_token = 0
        self.dlq_overflow = 0
        self.rejected_full = 0

    def submit(self, item: T, now_ns: int, ttl_ns: int) -> int:
        """Queue `item`; return its ack token. Raises `ChannelFullError` at capacity."""
        with self._lock:  # runner scripts may submit from other threads than the loop's
            if len(self._queue) >= self.capacity:
                self.rejected_full += 1
                raise ChannelFullError(self.capacity)
            self._next_token += 1
            token = self._next_token
            self._queue.append(Envelope(item, token, now_ns, now_ns + max(ttl_ns, 0)))
        return token

    def drain(self, now_ns: int, max_items: int) -> Iterator[Envelope[T]]:
        """Yield up to `max_items` live envelopes in order; expired ones go to the DLQ."""
        taken = 0
        while self._queue and taken < max_items:
            envelope = self._queue.popleft()
            if now_ns > envelope.deadline_ns:
                self._dead(envelope, "TTL_EXPIRED", now_ns)
                continue
            taken += 1
            yield envelope

    def _dead(self, envelope: Envelope[T], reason: str, now_ns: int) -> None:
        if len(self._dlq) == self._dlq.maxlen:
            self.dlq_overflow += 1  # the oldest letter falls out: counted, never silent
        letter = DeadLetter(envelope, reason, now_ns)
        self._dlq.append(letter)
        self._new_dead.append(letter)

    def take_new_dead_letters(self) -> list[DeadLetter[T]]:
        """Letters not yet handed out: the gateway records each once and tells its strategy."""
        letters, self._new_dead = self._new_dead, []
        return letters

    def dead_letters(self) -> list[DeadLetter[T]]:
        """What the dead-letter queue holds now (the newest `dlq_capacity`), for inspection."""
        return list(self._dlq)

    @property
    def depth(self) -> int:
        return len(self._queue)

    @property
    def dlq_size(self) -> int:
        return len(self._dlq)
