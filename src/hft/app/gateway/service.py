"""The Gateway: the one loop that owns the order path.

One `step()` is one turn of the loop and never blocks:
1. apply broker reports; 2. apply operator commands (only when no accepted intent awaits
dispatch, so a HALT can never fall between a policy decision and its dispatch);
3. drain the channel through the pipeline; 4. append the decided batch to the log;
5. dispatch accepted intents whose decision is durable; 6. hand durable events to listeners.
Strategies and operators hear about a decision only after the fsync that covers it.
"""

from __future__ import annotations

import heapq
import queue
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence

from hft.app.gateway.channel import ChannelFullError, IntentChannel
from hft.app.gateway.control import Command, ControlQueueFullError, apply_command, kill_cancels
from hft.app.gateway.core import GatewayConfig, GatewayCore
from hft.app.gateway.dispatch import dispatch
from hft.app.gateway.metrics import MetricsSnapshot
from hft.app.gateway.pipeline import Verdict, process, reject
from hft.app.gateway.recovery import recover, start_session
from hft.app.gateway.reports import ReportHandler
from hft.app.gateway.snapshot import snapshot
from hft.app.heap import pace_young_collections
from hft.domain import intent
from hft.domain.events import DomainEvent
from hft.domain.intent import IntentType, SubmitIntent
from hft.domain.market import FeedGapDetected, QuoteReceived
from hft.domain.reasons import RejectReason
from hft.domain.session import SessionStopped, StateDigestRecorded
from hft.ports.broker import BrokerGateway
from hft.ports.clock import Clock, IdGenerator
from hft.ports.event_log import EventLog
from hft.ports.lease import LeaseStore
from hft.ports.reference_data import ReferenceData

Listener = Callable[[int, DomainEvent], None]
_RECORDED_ONLY = (QuoteReceived, FeedGapDetected)  # facts logged for the record, not decisions
_DECISIONS = (intent.IntentAccepted, intent.IntentRejected, intent.IntentDeduplicated)
_EXPIRABLE = (intent.IntentStatus.ACKED, intent.IntentStatus.PARTIALLY_FILLED)


class Gateway:
    """The order/risk gateway. Build it through `hft.app.bootstrap`, then `start()` it."""

    def __init__(
        self,
        config: GatewayConfig,
        *,
        broker: BrokerGateway,
        log: EventLog,
        clock: Clock,
        ids: IdGenerator,
        lease: LeaseStore,
        reference: ReferenceData,
    ) -> None:
        self.core = GatewayCore(
            config, broker=broker, log=log, clock=clock, ids=ids, lease=lease, reference=reference
        )
        self.config = config
        self.channel: IntentChannel[SubmitIntent] = IntentChannel(
            config.channel_capacity, config.dlq_capacity
        )
        self.reports = ReportHandler(self.core)
        self._control: queue.Queue[Command] = queue.Queue(config.control_capacity)
        self._overflowed: deque[SubmitIntent] = deque(maxlen=config.channel_capacity)
        self._overflow_lock = threading.Lock()
        self.overflow_unrecorded = 0
        self._outbox: deque[tuple[int, str]] = deque()  # (log seq of its decision, intent id)
        self._accepted: list[str] = []  # accepted intents whose decision is not appended yet
        self._notices: deque[tuple[int, DomainEvent]] = deque()
        self._listeners: list[Listener] = []
        self._closers: list[Callable[[], None]] = []
        self._kill_queue: deque[str] = deque()
        self._expiries: list[tuple[int, str]] = []  # (created + ttl, order id), a heap
        self._sampling = config.sample_latency
        self._decide_ns: dict[str, int] = {}
        self._submitted_ns: dict[str, int] = {}
        self.started = False
        self.published: MetricsSnapshot | None = None  # set by the loop; read by any thread
        self._publish_every_s = 0.5
        self._published_at = 0.0

    # --- the API for strategies, runner scripts and operators -----------------------------

    def start(self) -> None:
        """Fold whatever the log already holds (a restart), then record the session start."""
        recovered = recover(self.core, self.reports)
        start_session(self.core, restarted=recovered)
        self._stage_appended()
        self.started = True

    def submit(self, cmd: SubmitIntent) -> int:
        """Queue an intent; never blocks. Returns an ack token, or raises `ChannelFullError`
        (the refusal is also recorded in the log as a QUEUE_FULL rejection)."""
        if self._sampling:
            self._submitted_ns[cmd.intent_id] = time.perf_counter_ns()
        try:
            return self.channel.submit(cmd, self.core.now(), cmd.ttl_ns)
        except ChannelFullError:
            with self._overflow_lock:
                if len(self._overflowed) == self._overflowed.maxlen:
                    self.overflow_unrecorded += 1
                self._overflowed.append(cmd)
            raise

    def halt(self, source: str, reason: str) -> None:
        """Request HALT (latched). Applied on the loop; thread-safe; never blocks."""
        self._command(Command("halt", source, reason))

    def resume(self, operator: str, reason: str) -> None:
        """Request a resume from HALT; needs a named operator and a reason."""
        self._command(Command("resume", operator, reason))

    def kill_switch(self, operator: str, reason: str) -> None:
        """HALT, then cancel every live order in batches of `config.kill_batch`."""
        self._command(Command("kill", operator, reason))

    def on_close(self, closer: Callable[[], None]) -> None:
        """Run `closer` when the gateway closes (monitors and threads wired beside it)."""
        self._closers.append(closer)

    def subscribe(self, listener: Listener) -> None:
        """`listener(seq, event)` gets every durable event, in log order, on the loop thread."""
        self._listeners.append(listener)

    # --- the loop --------------------------------------------------------------------------

    def step(self) -> int:
        """One turn of the loop (see the module doc). Returns how many items it handled."""
        core = self.core
        appended = core.appended_seq
        done = self._apply_reports()
        if not self._outbox and not self._accepted:
            done += self._apply_control()
        done += self._record_refusals()
        if self._control.empty() and self._room_for_more():
            done += self._drain()
        done += self._feed_kill_switch()
        done += self._cancel_expired()
        self._stage_appended()
        done += self._release_durable(core.log.durable_seq())
        self._publish_metrics()
        pace_young_collections(core.appended_seq - appended)  # see hft.app.heap
        return done

    def _publish_metrics(self) -> None:
        """Publish a snapshot for other threads (status files, dashboards) every 0.5 s: they
        read `published`, one reference, never the loop's live state."""
        now = time.monotonic()
        if now - self._published_at >= self._publish_every_s:
            self._published_at = now
            self.published = self.metrics()

    def has_pending_work(self) -> bool:
        """Whether anything decided still waits for durability (dispatch or a notice)."""
        return bool(
            self._outbox or self._accepted or self._notices or self._has_decisions_pending()
        )

    def _has_decisions_pending(self) -> bool:
        return any(not isinstance(e, _RECORDED_ONLY) for e in self.core.pending)

    def sync(self, timeout_s: float | None = None) -> None:
        """Block until everything appended is durable and dispatched (sims, shutdown)."""
        for _ in range(4):  # dispatching appends again; a few rounds settle it
            if not self._round_trip(timeout_s) and not self.core.pending:
                return

    def settle(self, timeout_s: float | None = None) -> None:
        """Block until the decisions appended so far are durable, then dispatch them.

        One log round trip (`sync` takes two or more: it also waits for the dispatch events).
        The events a dispatch records go with the next batch: a lockstep simulator calls this
        once per virtual instant, so the log's order depends only on the calls, never on the
        disk. Until they are durable, a crash leaves those intents accepted-but-undispatched,
        which a restart turns into OUTCOME_UNKNOWN and reconciles (never resends).
        """
        self._round_trip(timeout_s)

    def record(self, events: Sequence[DomainEvent]) -> None:
        """Log facts the gateway does not decide (quotes a strategy saw) with the next batch."""
        self.core.emit(events)

    def close(self, reason: str = "session end", timeout_s: float | None = 30.0) -> str:
        """Record the state digest and a clean stop, make it durable, close the log.

        Returns the digest (`hft replay` recomputes it from the log and compares)."""
        self.sync(timeout_s)
        core = self.core
        digest = core.state.digest()
        now = core.now()
        folded = core.state.events_folded
        core.emit(
            [
                StateDigestRecorded(
                    **core.session_stamp(1, now), digest=digest, events_folded=folded
                ),
                SessionStopped(**core.session_stamp(2, now), reason=reason),
            ]
        )
        self.sync(timeout_s)
        for closer in self._closers:
            closer()
        core.log.close()
        return digest

    def metrics(self) -> MetricsSnapshot:
        """The metrics now. Call it on the loop's thread; other threads read `published`."""
        return snapshot(self)

    # --- internals -------------------------------------------------------------------------

    def _round_trip(self, timeout_s: float | None) -> int:
        """Append what is pending, wait until it is durable, dispatch and notify; how many
        intents were dispatched."""
        self._stage_appended()
        if not self.core.log.wait_durable(self.core.appended_seq, timeout_s):
            raise TimeoutError("event log did not become durable in time")
        return self._release_durable(self.core.log.durable_seq())

    def _command(self, command: Command) -> None:
        try:
            self._control.put_nowait(command)
        except queue.Full:
            raise ControlQueueFullError(self.config.control_capacity) from None

    def _apply_reports(self) -> int:
        reports = self.core.broker.poll(self.core.now(), self.config.max_batch)
        for report in reports:
            self.reports.handle(report)
        return len(reports)

    def _apply_control(self) -> int:
        done = 0
        while not self._control.empty():  # (get_nowait raising Empty every step costs ~2%)
            try:
                command = self._control.get_nowait()
            except queue.Empty:
                return done
            done += 1
            self._kill_queue.extend(apply_command(self.core, command))
        return done

    def _record_refusals(self) -> int:
        with self._overflow_lock:
            refused = list(self._overflowed)
            self._overflowed.clear()
        now = self.core.now()
        for cmd in refused:
            self._refuse(cmd, RejectReason.QUEUE_FULL, now)
        for letter in self.channel.take_new_dead_letters():
            self._refuse(letter.envelope.item, RejectReason.TTL_EXPIRED, now)
        return len(refused)

    def _refuse(self, cmd: SubmitIntent, reason: RejectReason, now: int) -> None:
        if self.core.state.known(cmd.intent_id):
            return  # a reused intent id is never recorded twice
        self.core.emit(intent.decide_submit(cmd, ts_ns=now))
        reject(self.core, cmd.intent_id, reason, now, "refused before the pipeline")

    def _room_for_more(self) -> bool:
        undurable = self.core.appended_seq - self.core.log.durable_seq()
        return undurable < self.config.max_undurable_events

    def _drain(self) -> int:
        done = 0
        for envelope in self.channel.drain(self.core.now(), self.config.max_batch):
            done += 1
            cmd = envelope.item
            if self.core.state.known(cmd.intent_id):
                self.core.counters.rejects["DUPLICATE_INTENT_ID"] += 1
                continue
            started = time.perf_counter_ns() if self._sampling else 0
            if self._process(cmd) and started:
                self._decide_ns[cmd.intent_id] = time.perf_counter_ns() - started
        return done

    def _feed_kill_switch(self) -> int:
        if not self._kill_queue:
            return 0
        batch = [
            self._kill_queue.popleft()
            for _ in range(min(len(self._kill_queue), self.config.kill_batch))
        ]
        for cmd in kill_cancels(self.core, batch):
            self._process(cmd)
        return len(batch)

    def _cancel_expired(self) -> int:
        """An order still working past its intent's TTL is cancelled; its exposure stays
        reserved until the venue confirms (a reservation never outlives its order)."""
        now = self.core.now()
        due: list[str] = []
        while self._expiries and self._expiries[0][0] <= now:
            _, order_id = heapq.heappop(self._expiries)
            order = self.core.state.intents.get(order_id)  # None: finished and compacted
            if order is not None and order.status in _EXPIRABLE:
                due.append(order_id)
        for cmd in kill_cancels(self.core, due, "ttl"):
            self._process(cmd)
        return len(due)

    def _process(self, cmd: SubmitIntent) -> bool:
        """Run the pipeline; an accepted intent (and its target) stays in full, pinned, until
        its dispatch reads it."""
        if process(self.core, cmd) is not Verdict.ACCEPTED:
            return False
        self._accepted.append(cmd.intent_id)
        self.core.state.pin(cmd.intent_id)
        if cmd.target_intent_id is not None:
            self.core.state.pin(cmd.target_intent_id)
        return True

    def _stage_appended(self) -> None:
        """Append the pending batch; give outbox entries and notices their sequence numbers."""
        first_new = self.core.appended_seq + 1
        batch = self.core.pending  # flush_to_log hands this list to the log, a new one stays
        receipt = self.core.flush_to_log()
        if receipt is None:
            return
        for offset, event in enumerate(batch):
            if not isinstance(event, _RECORDED_ONLY):
                self._notices.append((first_new + offset, event))
        if self._accepted:
            last = receipt.last_seq
            self._outbox.extend((last, intent_id) for intent_id in self._accepted)
            self._accepted = []

    def _release_durable(self, durable: int) -> int:
        released = 0
        while self._outbox and self._outbox[0][0] <= durable:
            _, intent_id = self._outbox.popleft()
            self._dispatch(intent_id)
            released += 1
        while self._notices and self._notices[0][0] <= durable:
            seq, event = self._notices.popleft()
            if self._sampling and isinstance(event, _DECISIONS):
                self._sample_ack(event.originator_id)
            for listener in self._listeners:
                listener(seq, event)
        return released

    def _dispatch(self, intent_id: str) -> None:
        started = time.perf_counter_ns() if self._sampling else 0
        state = self.core.state
        request = state.intents[intent_id]
        sent = dispatch(self.core, intent_id)
        if sent and request.intent_type in (IntentType.CANCEL, IntentType.AMEND):
            self.reports.track_request(request)  # ids only: unchanged by the dispatch
        elif sent:
            deadline = request.created_ns + request.ttl_ns
            heapq.heappush(self._expiries, (deadline, intent_id))
        if request.target_intent_id is not None:
            state.unpin(request.target_intent_id)
        state.unpin(intent_id)
        decided = self._decide_ns.pop(intent_id, None)
        if started and decided is not None:
            elapsed = time.perf_counter_ns() - started
            self.core.counters.pipeline_samples_ns.append(decided + elapsed)

    def _sample_ack(self, intent_id: str) -> None:
        submitted = self._submitted_ns.pop(intent_id, None)
        if submitted is not None:
            self.core.counters.ack_samples_ns.append(time.perf_counter_ns() - submitted)
