"""The recorder: where the gateway and the market-data loop hand their batches of events.

Two modes (`HFT_RECORDER_MODE`):

- `wal_first`: events go to the event log only. The writer never calls the analytics store;
  loader workers ship sealed segments later.
- `direct`: events go to the event log, then a background worker inserts them (once durable)
  into the `AnalyticsSink` through a bounded queue. A full queue drops the analytics copy with
  a counted record (the log still has the events; a loader can backfill), so the hot path
  never waits on the sink.

Disk pressure (a `DiskPressureSource`) applies per topic at CRITICAL and above: a topic whose
policy is DROP loses its batches with a counted `DropRecord` (and, once pressure clears, a
`FeedGapDetected` event in the log says so); a topic whose policy is HALT is still written, and
`on_halt(reason)` is called so the gateway halts through the domain. HALT level always calls
`on_halt`. Order events are never dropped: what a halted gateway still does (cancels) must be
recorded while the disk allows.
"""

from __future__ import annotations

import enum
import json
import threading
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from functools import partial
from typing import Any

import attrs

from hft.domain.events import DomainEvent
from hft.domain.market import FeedGapDetected
from hft.ports.codec import EventCodec
from hft.ports.disk_pressure import DiskPressureSource, PressureChange, PressureLevel
from hft.ports.event_log import AppendReceipt, EventLog
from hft.ports.sinks import AnalyticsSink, SinkUnavailableError

RECORDER_MODE_ENV = "HFT_RECORDER_MODE"
TOPIC_ORDERS = "orders"
TOPIC_MARKET_DATA = "market_data"


class RecorderMode(enum.Enum):
    """How recorded events reach the analytics store (see the module docstring)."""

    DIRECT = "direct"
    WAL_FIRST = "wal_first"


DEFAULT_RECORDER_MODE = RecorderMode.DIRECT


class UnknownRecorderModeError(ValueError):
    """`HFT_RECORDER_MODE` holds something other than `direct` or `wal_first`."""


class RecorderConfigError(ValueError):
    """The recorder was built with parts that cannot work together (direct without a sink)."""


def recorder_mode_from_env(environ: Mapping[str, str]) -> RecorderMode:
    """The mode named by `HFT_RECORDER_MODE` (unset or empty: `direct`)."""
    raw = environ.get(RECORDER_MODE_ENV, "").strip().lower()
    if not raw:
        return DEFAULT_RECORDER_MODE
    try:
        return RecorderMode(raw)
    except ValueError:
        names = ", ".join(m.value for m in RecorderMode)
        msg = f"{RECORDER_MODE_ENV}={raw!r} is not a recorder mode (expected one of: {names})"
        raise UnknownRecorderModeError(msg) from None


class TopicAction(enum.Enum):
    """What a topic's batches do at CRITICAL disk pressure."""

    WRITE = "write"
    DROP = "drop"
    HALT = "halt"


@attrs.frozen
class TopicPolicy:
    """Per-topic action at CRITICAL; a topic not listed gets `default` (HALT: never drop
    something nobody said may be dropped)."""

    actions: Mapping[str, TopicAction] = attrs.field(factory=dict)
    default: TopicAction = TopicAction.HALT

    def action_for(self, topic: str) -> TopicAction:
        return self.actions.get(topic, self.default)

    def halts_anything(self) -> bool:
        return self.default is TopicAction.HALT or TopicAction.HALT in self.actions.values()


DEFAULT_TOPIC_POLICY = TopicPolicy(
    {TOPIC_ORDERS: TopicAction.HALT, TOPIC_MARKET_DATA: TopicAction.DROP}
)


@attrs.frozen
class DropRecord:
    """What was not recorded (or not copied to the sink) for one topic and reason.

    `first_ts_ns`/`last_ts_ns` are the event times of the first and last dropped events;
    `first_seq`/`last_seq` are log positions when the events are in the log (sink drops) and
    None when they never reached it (disk-pressure drops).
    """

    topic: str
    reason: str
    count: int
    first_ts_ns: int
    last_ts_ns: int
    first_seq: int | None = None
    last_seq: int | None = None


class DropLedger:
    """Accumulates drops per (topic, reason). Thread-safe; never blocks for long."""

    def __init__(self) -> None:
        self._records: dict[tuple[str, str], DropRecord] = {}
        self._lock = threading.Lock()

    def add(
        self,
        topic: str,
        reason: str,
        events: Sequence[DomainEvent],
        receipt: AppendReceipt | None = None,
    ) -> None:
        first_seq = receipt.first_seq if receipt else None
        last_seq = receipt.last_seq if receipt else None
        with self._lock:
            old = self._records.get((topic, reason))
            new = DropRecord(
                topic=topic,
                reason=reason,
                count=len(events) + (old.count if old else 0),
                first_ts_ns=old.first_ts_ns if old else events[0].ts_event_ns,
                last_ts_ns=events[-1].ts_event_ns,
                first_seq=old.first_seq if old and old.first_seq is not None else first_seq,
                last_seq=last_seq,
            )
            self._records[(topic, reason)] = new

    def snapshot(self) -> list[DropRecord]:
        with self._lock:
            return sorted(self._records.values(), key=lambda r: (r.topic, r.reason))

    def take(self, topic: str, reason: str) -> DropRecord | None:
        with self._lock:
            return self._records.pop((topic, reason), None)


RowMapper = Callable[[str, AppendReceipt, Sequence[DomainEvent]], Sequence[Mapping[str, Any]]]
"""Turns one recorded batch (topic, receipt, events) into analytics rows."""


def event_rows(codec: EventCodec, log_id: str) -> RowMapper:
    """Rows for the analytics `events` table: one per event, keyed by (log_id, seq), with
    times as integer nanoseconds and the whole event as JSON in `payload`."""

    def rows(
        _topic: str, receipt: AppendReceipt, events: Sequence[DomainEvent]
    ) -> list[dict[str, Any]]:
        out = []
        for seq, event in enumerate(events, start=receipt.first_seq):
            data = codec.to_dict(event)
            out.append(
                {
                    "log_id": log_id,
                    "seq": seq,
                    "type": data["type"],
                    "v": data["v"],
                    "originator_id": event.originator_id,
                    "originator_version": event.originator_version,
                    "ts_event": event.ts_event_ns,
                    "ts_init": event.ts_init_ns,
                    "payload": json.dumps(data, separators=(",", ":"), sort_keys=True),
                }
            )
        return out

    return rows


_DISK_DROP = "disk_pressure"
_QUEUE_FULL = "sink_queue_full"
_NOT_DURABLE = "sink_skipped_not_durable"
_SINK_DOWN = "sink_unavailable"
_SINK_ERROR = "sink_error"


@attrs.frozen
class _Batch:
    topic: str
    receipt: AppendReceipt
    events: Sequence[DomainEvent]


class _SinkWorker:
    """One thread draining a bounded deque into a delivery function."""

    def __init__(self, deliver: Callable[[_Batch], None], capacity: int) -> None:
        self._deliver = deliver
        self._capacity = capacity
        self._items: deque[_Batch] = deque()
        self._cv = threading.Condition()
        self._busy = False
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name="recorder-sink", daemon=True)
        self._thread.start()

    def offer(self, batch: _Batch) -> bool:
        with self._cv:
            if self._stopping or len(self._items) >= self._capacity:
                return False
            self._items.append(batch)
            self._cv.notify()
            return True

    def wait_idle(self, timeout_s: float | None) -> bool:
        with self._cv:
            return self._cv.wait_for(lambda: not self._items and not self._busy, timeout_s)

    def stop(self, timeout_s: float | None) -> bool:
        with self._cv:
            self._stopping = True
            self._cv.notify_all()
        self._thread.join(timeout_s)
        return not self._thread.is_alive()

    def _run(self) -> None:
        while True:
            with self._cv:
                self._cv.wait_for(lambda: bool(self._items) or self._stopping)
                if not self._items:
                    return
                batch = self._items.popleft()
                self._busy = True
            try:
                self._deliver(batch)
            finally:
                with self._cv:
                    self._busy = False
                    self._cv.notify_all()


class Recorder:
    """Records batches of events by topic; see the module docstring for modes and pressure.

    `record` never blocks on the disk or the sink: it appends to the log (which queues for
    its flusher) and, in direct mode, offers the batch to a bounded queue. It returns the
    log receipt, or None when the batch was dropped by disk-pressure policy. Acknowledging
    events to anyone outside remains the caller's job (`EventLog.wait_durable`).
    Errors: whatever the log's `append` raises (a full disk, a failed sync, an overload)
    propagates, after `on_halt` was called once with the error as the reason: nothing may be
    dispatched that cannot be recorded.
    """

    def __init__(
        self,
        log: EventLog,
        mode: RecorderMode,
        *,
        on_halt: Callable[[str], None],
        sink: AnalyticsSink | None = None,
        rows: RowMapper | None = None,
        pressure: DiskPressureSource | None = None,
        policy: TopicPolicy = DEFAULT_TOPIC_POLICY,
        table: str = "events",
        queue_capacity: int = 1024,
        durable_timeout_s: float = 5.0,
    ) -> None:
        self._worker: _SinkWorker | None = None
        if mode is RecorderMode.DIRECT:
            if sink is None or rows is None:
                raise RecorderConfigError("direct mode needs an analytics sink and a row mapper")
            self._worker = _SinkWorker(partial(self._deliver, sink, rows), queue_capacity)
        self._log = log
        self._mode = mode
        self._on_halt = on_halt
        self._pressure = pressure
        self._policy = policy
        self._table = table
        self._durable_timeout_s = durable_timeout_s
        self._halt_raised = False
        self._log_failure_reported = False
        self._dropped_topics: set[str] = set()
        self.drops = DropLedger()
        self.sink_rows = 0
        self.last_sink_error: BaseException | None = None
        if pressure is not None:
            pressure.subscribe(self._on_pressure)
            level = pressure.level()
            self._apply_level(level, f"disk pressure {level.name} when the recorder started")

    @property
    def mode(self) -> RecorderMode:
        return self._mode

    def record(self, topic: str, events: Sequence[DomainEvent]) -> AppendReceipt | None:
        """Appends `events` (one topic) to the log unless disk-pressure policy drops them."""
        if not events:
            return None
        level = self._pressure.level() if self._pressure else PressureLevel.OK
        if level >= PressureLevel.CRITICAL:
            if self._policy.action_for(topic) is TopicAction.DROP:
                self.drops.add(topic, f"{_DISK_DROP}_{level.name.lower()}", events)
                self._dropped_topics.add(topic)
                return None
        elif topic in self._dropped_topics:
            self._record_past_drops(topic, events[0].ts_init_ns)
        return self._append(topic, events)

    def record_pending_drops(self, now_ns: int) -> int:
        """Writes every disk-pressure drop not yet in the log as a `FeedGapDetected` event,
        whatever the level (call at shutdown: one small event per topic). Returns how many."""
        topics = sorted(self._dropped_topics)
        for topic in topics:
            self._record_past_drops(topic, now_ns)
        return len(topics)

    def wait_sink_idle(self, timeout_s: float | None = None) -> bool:
        """Direct mode: waits until every queued batch has been handled. True if so."""
        return self._worker.wait_idle(timeout_s) if self._worker else True

    def close(self, timeout_s: float | None = 10.0) -> bool:
        """Stops the sink worker after it drains its queue; True if it finished in time.
        Does not close the log (its owner does). Idempotent."""
        return self._worker.stop(timeout_s) if self._worker else True

    def _append(self, topic: str, events: Sequence[DomainEvent]) -> AppendReceipt:
        try:
            receipt = self._log.append(events)
        except Exception as exc:
            if not self._log_failure_reported:
                self._log_failure_reported = True
                self._on_halt(f"event log refused a {topic} batch: {type(exc).__name__}: {exc}")
            raise
        if self._worker is not None and not self._worker.offer(_Batch(topic, receipt, events)):
            self.drops.add(topic, _QUEUE_FULL, events, receipt)
        return receipt

    def _record_past_drops(self, topic: str, now_ns: int) -> None:
        """Writes what pressure dropped as FeedGapDetected events, once writing resumes.

        `now_ns` is the init time of the batch that resumed the topic (no clock needed)."""
        self._dropped_topics.discard(topic)
        for level in (PressureLevel.CRITICAL, PressureLevel.HALT):
            dropped = self.drops.take(topic, f"{_DISK_DROP}_{level.name.lower()}")
            if dropped is not None:
                self._append(topic, [_gap_event(dropped, now_ns)])

    def _on_pressure(self, change: PressureChange) -> None:
        self._apply_level(change.level, change.reason)

    def _apply_level(self, level: PressureLevel, why: str) -> None:
        if level < PressureLevel.CRITICAL:
            self._halt_raised = False
            return
        if self._halt_raised:
            return
        if level is PressureLevel.HALT:
            reason = why
        elif self._policy.halts_anything():
            reason = f"{why}; topic policy halts at CRITICAL"
        else:
            return
        self._halt_raised = True
        self._on_halt(reason)

    def _deliver(self, sink: AnalyticsSink, rows: RowMapper, batch: _Batch) -> None:
        try:
            durable = self._log.wait_durable(batch.receipt.last_seq, self._durable_timeout_s)
        except Exception as exc:  # a failed or closed log: never copy what may be lost
            self.last_sink_error = exc
            durable = False
        if not durable:
            self.drops.add(batch.topic, _NOT_DURABLE, batch.events, batch.receipt)
            return
        token = f"{batch.topic}:{batch.receipt.first_seq}-{batch.receipt.last_seq}"
        try:
            self.sink_rows += sink.insert(
                self._table, rows(batch.topic, batch.receipt, batch.events), token
            )
        except SinkUnavailableError as exc:
            self.last_sink_error = exc
            self.drops.add(batch.topic, _SINK_DOWN, batch.events, batch.receipt)
        except Exception as exc:  # the log has the batch; a loader backfills: count, go on
            self.last_sink_error = exc
            self.drops.add(batch.topic, _SINK_ERROR, batch.events, batch.receipt)


def _gap_event(dropped: DropRecord, now_ns: int) -> FeedGapDetected:
    """The durable trace of a disk-pressure drop: how many, when, and why."""
    return FeedGapDetected(
        originator_id=f"recorder/{dropped.topic}/drops/{dropped.first_ts_ns}",
        originator_version=1,
        ts_event_ns=dropped.last_ts_ns,
        ts_init_ns=now_ns,
        source=dropped.topic,
        dropped=dropped.count,
        reason=(
            f"{dropped.reason}: {dropped.count} events between ts {dropped.first_ts_ns} "
            f"and {dropped.last_ts_ns} not recorded"
        ),
    )
