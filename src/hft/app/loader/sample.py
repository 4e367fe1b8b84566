"""A deterministic mix of real domain events, for benchmarks and loader fixtures.

Mostly quotes, with a full order lifecycle every `quotes_per_order` quotes (submitted,
accepted, dispatched, acked, filled, the exposure fill), a rejection now and then, and a
halt/resume pair every 50,000 events. Timestamps advance 50 us per event from a fixed epoch.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from hft.app.bootstrap import wal as walboot
from hft.domain.events import DomainEvent
from hft.domain.exposure_events import ExposureFilled
from hft.domain.gates import Measure
from hft.domain.intent_events import (
    IntentAccepted,
    IntentAcked,
    IntentDispatched,
    IntentFilled,
    IntentRejected,
    IntentSubmitted,
    IntentType,
)
from hft.domain.market import QuoteReceived
from hft.domain.orders import TimeInForce
from hft.domain.policy_events import GatewayHalted, GatewayResumed
from hft.domain.promotion_events import (
    AlphaPromoted,
    AlphaRegistered,
    AlphaRolledBack,
    AlphaWentLive,
    CanaryEscalated,
    CanaryHeld,
    GateEvaluated,
)
from hft.domain.reasons import RejectReason
from hft.domain.values import Side

EPOCH_NS = 1_767_225_600_000_000_000  # 2026-01-01T00:00:00Z
STEP_NS = 50_000


def sample_events(count: int, quotes_per_order: int = 4) -> Iterator[DomainEvent]:
    """`count` events, the same ones for the same arguments."""
    emitted, order = 0, 0
    while emitted < count:
        for event in _cycle(emitted, order, quotes_per_order):
            if emitted >= count:
                return
            yield event
            emitted += 1
        order += 1


def _cycle(at: int, order: int, quotes: int) -> list[DomainEvent]:
    ts = EPOCH_NS + at * STEP_NS
    px = 5_800_000 + (order % 40) * 5_000
    events: list[DomainEvent] = [
        QuoteReceived(
            originator_id="2330", originator_version=at + i + 1, ts_event_ns=ts + i,
            ts_init_ns=ts + i + 30_000, symbol="2330", bid_px=px, bid_qty=3 + i,
            ask_px=px + 5_000, ask_qty=2, last_px=px, last_qty=1,
        )
        for i in range(quotes)
    ]  # fmt: skip
    events.extend(_order(order, ts + quotes, px))
    if order % 10_000 == 9_999:
        events.extend(_halt_and_resume(order, ts))
    return events


def _order(order: int, ts: int, px: int) -> list[DomainEvent]:
    intent = f"i-{order:09d}"
    side = Side.BUY if order % 2 == 0 else Side.SELL

    def env(version: int) -> dict[str, Any]:
        return {
            "originator_id": intent,
            "originator_version": version,
            "ts_event_ns": ts + version,
            "ts_init_ns": ts + version + 1_000,
        }

    submitted = IntentSubmitted(
        **env(1), idempotency_key=f"k-{order}", strategy_id="mm-1", account="acct-1",
        symbol="2330", intent_type=IntentType.NEW, side=side, price=px, qty=1,
        tif=TimeInForce.ROD, ttl_ns=5_000_000_000, trace_id=f"t-{order}", created_ns=ts,
    )  # fmt: skip
    if order % 25 == 24:
        return [submitted, IntentRejected(**env(2), reason=RejectReason.LIMIT_SYMBOL)]
    fill = IntentFilled(**env(5), fill_id=f"f-{order}", price=px, qty=1, filled_total=1, leaves=0)
    exposure = ExposureFilled(
        originator_id="exposure", originator_version=order + 1, ts_event_ns=ts + 6,
        ts_init_ns=ts + 7, account="acct-1", strategy="mm-1", symbol="2330",
        intent_id=intent, side=side, qty=1, price=px, multiplier=1, released=px,
        position_qty=0 if order % 2 else 1, position_cost=0 if order % 2 else px, closed=True,
    )  # fmt: skip
    return [
        submitted,
        IntentAccepted(**env(2)),
        IntentDispatched(**env(3)),
        IntentAcked(**env(4), broker_order_id=f"b-{order}"),
        fill,
        exposure,
    ]


def _halt_and_resume(order: int, ts: int) -> list[DomainEvent]:
    version = 2 * (order // 10_000) + 1
    return [
        GatewayHalted(
            originator_id="gateway-policy", originator_version=version, ts_event_ns=ts + 10,
            ts_init_ns=ts + 11, reason="drill", source="ops-alice",
        ),
        GatewayResumed(
            originator_id="gateway-policy", originator_version=version + 1,
            ts_event_ns=ts + 12, ts_init_ns=ts + 13, operator="ops-alice", reason="drill over",
        ),
    ]  # fmt: skip


def governance_events(ts: int) -> list[DomainEvent]:
    """One of each audited event: a halt and resume, and an alpha's registration, gate
    verdict, promotion, canary steps, going live and rollback."""
    alpha: dict[str, Any] = {"alpha_id": "alpha-7", "actor": "pipeline"}
    sha: dict[str, Any] = {"config_before_sha256": "a" * 64, "config_after_sha256": "b" * 64}

    def env(version: int) -> dict[str, Any]:
        return {"originator_id": "alpha-7", "originator_version": version,
                "ts_event_ns": ts + version, "ts_init_ns": ts + version + 1}  # fmt: skip

    measure = Measure(name="sharpe_x100", value=180, threshold=150, rule="ge", unit="x100")
    return [
        *_halt_and_resume(9_999, ts),
        AlphaRegistered(**env(1), **alpha, kind="rule", strategy="mm-1", spec_sha256="c" * 64),
        GateEvaluated(**env(2), **alpha, round=1, gate="A", passed=True, measures=(measure,),
                      reasons=(), input_hashes=("spec:" + "c" * 64,), thresholds_version="t1"),
        AlphaPromoted(**env(3), **alpha, round=1, weight_bps=100, tiers_bps=(100, 1_000), **sha),
        CanaryEscalated(**env(4), **alpha, from_weight_bps=100, weight_bps=1_000,
                        reasons=("pnl ok",), **sha),
        CanaryHeld(**env(5), **alpha, weight_bps=1_000, reasons=("drawdown watch",)),
        AlphaWentLive(**env(6), **alpha, from_weight_bps=1_000, weight_bps=10_000,
                      reasons=("tiers passed",), **sha),
        AlphaRolledBack(**env(7), **alpha, from_weight_bps=10_000, reasons=("slippage",), **sha),
    ]  # fmt: skip


def write_sample_wal(
    wal_dir: Path,
    count: int,
    *,
    segment_bytes: int = 8 << 20,
    batch: int = 512,
    extra: list[DomainEvent] | None = None,
) -> int:
    """Append `count` sample events to the WAL in `wal_dir` (policy none); returns the last
    sequence number. Segments are small so that even a modest log has several sealed ones."""
    config = walboot.wal_config("none", segment_bytes=segment_bytes)
    log = walboot.open_event_log(str(wal_dir), config)
    last = 0
    try:
        pending: list[DomainEvent] = []
        for event in sample_events(count):
            pending.append(event)
            if len(pending) >= batch:
                last = log.append(pending).last_seq
                pending = []
                if last % (batch * 256) < batch:
                    log.wait_durable(last)  # backpressure: stay under the log's pending cap
        pending.extend(extra or ())
        if pending:
            last = log.append(pending).last_seq
    finally:
        log.close()
    return last
