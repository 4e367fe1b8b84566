"""What every gateway step shares: the state, the ports, and the batch of events being decided.

`emit` folds events into the state at once (the next decision sees them: compare-and-set) and
queues them for the log; `flush_to_log` appends the queued batch in one call.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import attrs

from hft.app.gateway.metrics import GatewayCounters
from hft.app.gateway.state import FINISHED_KEPT, GatewayState
from hft.domain.events import DomainEvent
from hft.domain.exposure_limits import ExposureLimits
from hft.domain.session import SESSION_ORIGINATOR, AnomalyRecorded
from hft.ports.broker import BrokerGateway
from hft.ports.clock import Clock, IdGenerator
from hft.ports.event_log import AppendReceipt, EventLog
from hft.ports.lease import LeaseStore
from hft.ports.reference_data import ReferenceData

DEFAULT_LIMITS = ExposureLimits(
    symbol_default=50_000_000 * 10_000,
    strategy_default=100_000_000 * 10_000,
    global_limit=200_000_000 * 10_000,
    max_keys=4_096,
)
"""Caps in `1/PRICE_SCALE` TWD: 50 M TWD per symbol, 100 M per strategy, 200 M in all."""


@attrs.frozen(kw_only=True)
class GatewayConfig:
    """How a gateway is sized and limited. Times in nanoseconds, money in scaled ints."""

    account: str = "SIM-ACCOUNT"
    session_id: str = "session"
    mode: str = "sim"
    limits: ExposureLimits = DEFAULT_LIMITS
    channel_capacity: int = 4_096
    dlq_capacity: int = 1_024
    dedup_capacity: int = 65_536
    finished_kept: int = FINISHED_KEPT  # settled intents kept in full before compaction
    control_capacity: int = 64
    startup_holdoff_ns: int = 0
    max_batch: int = 512
    max_undurable_events: int = 200_000
    kill_batch: int = 100
    holder: str = "gateway"
    sample_latency: bool = False  # keep raw per-intent timings (benchmarks); off in production


class GatewayCore:
    """The state plus its ports; the unit the pipeline and report handlers work on."""

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
        self.config = config
        self.broker = broker
        self.log = log
        self.clock = clock
        self.ids = ids
        self.lease = lease
        self.reference = reference
        self.state = GatewayState(config.limits, config.dedup_capacity, config.finished_kept)
        self.counters = GatewayCounters()
        self.pending: list[DomainEvent] = []
        self.appended_seq = 0
        self.amends_charged: set[str] = set()  # AMEND intents whose delta is held on a target

    def emit(self, events: Iterable[DomainEvent]) -> None:
        for event in events:
            self.state.apply(event)
            self.pending.append(event)

    def flush_to_log(self) -> AppendReceipt | None:
        """Append everything decided since the last flush as one batch."""
        if not self.pending:
            return None
        batch, self.pending = self.pending, []
        receipt = self.log.append(batch)
        self.appended_seq = receipt.last_seq
        return receipt

    def now(self) -> int:
        return self.clock.now_ns()

    def session_stamp(self, nth: int, now: int) -> dict[str, Any]:
        """The common fields of the `nth` (1-based) session-stream event decided at `now`."""
        return {
            "originator_id": SESSION_ORIGINATOR,
            "originator_version": self.state.session_version + nth,
            "ts_event_ns": now,
            "ts_init_ns": now,
        }

    def record_anomaly(self, kind: str, subject: str, detail: str, now: int) -> None:
        """Log what the state could not take (never silent): a session-stream event."""
        stamp = self.session_stamp(1, now)
        self.emit([AnomalyRecorded(**stamp, kind=kind, subject=subject, detail=detail[:500])])
