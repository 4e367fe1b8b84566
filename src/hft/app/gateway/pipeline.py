"""Steps 2-6 of the order path for one intent: validate, dedup, policy, exposure, leader.

Each step either passes or rejects with a reason from the one vocabulary; every reject after
the dedup reservation releases what earlier steps reserved, because the rejection event itself
releases the key (the dedup window folds it) and the exposure release is emitted beside it.
An accepted intent waits in the outbox until the log has made its decision durable.
"""

from __future__ import annotations

import enum

from hft.app.gateway.core import GatewayCore
from hft.domain import dedup, exposure, intent, policy
from hft.domain.exposure import ExposureKey, ExposureRejection, ReleaseReason
from hft.domain.intent import IntentType, SubmitIntent
from hft.domain.reasons import RejectReason
from hft.domain.values import Instrument, Side

_ORDER_TYPES = (IntentType.NEW, IntentType.FORCE_FLAT)


class Verdict(enum.Enum):
    ACCEPTED = "ACCEPTED"
    REJECTED = "REJECTED"
    DEDUPLICATED = "DEDUPLICATED"


def process(core: GatewayCore, cmd: SubmitIntent) -> Verdict:
    """Run steps 2-6 for `cmd`, emitting its events. ACCEPTED means: dispatch when durable."""
    now = core.now()
    core.counters.submitted += 1
    try:
        instrument = core.reference.instrument(cmd.symbol)
        invalid = intent.validate_submit(cmd, instrument, now)
        decision = dedup.decide_reserve(core.state.window, cmd.idempotency_key, cmd.intent_id)
    except Exception as exc:  # a port or rule failing: recorded, never a vanished intent
        core.emit(intent.decide_submit(cmd, ts_ns=now))
        return _failed(core, cmd, exc, now)
    if invalid is None and isinstance(decision, dedup.Duplicate):
        core.counters.dedup_hits += 1
        core.emit(intent.decide_deduplicated(cmd, decision.first_intent_id, ts_ns=now))
        return Verdict.DEDUPLICATED
    core.emit(intent.decide_submit(cmd, ts_ns=now))
    try:
        reason = _checks(core, cmd, instrument, invalid or _dedup_reason(decision), now)
    except Exception as exc:  # any step's failure must release what it holds, and say why
        return _failed(core, cmd, exc, now)
    if reason is not None:
        reject(core, cmd.intent_id, reason, now)
        return Verdict.REJECTED
    core.emit(intent.decide_accept(core.state.intents[cmd.intent_id], ts_ns=now))
    core.counters.accepted += 1
    return Verdict.ACCEPTED


def _failed(core: GatewayCore, cmd: SubmitIntent, exc: Exception, now: int) -> Verdict:
    """Reject a recorded submission whose step raised, naming the error; the rejection
    releases the key and whatever was reserved, so a retry is decided afresh."""
    detail = f"{type(exc).__name__}: {exc}"
    reject(core, cmd.intent_id, RejectReason.INTERNAL_ERROR, now, detail)
    return Verdict.REJECTED


def _checks(
    core: GatewayCore,
    cmd: SubmitIntent,
    instrument: Instrument | None,
    reason: RejectReason | None,
    now: int,
) -> RejectReason | None:
    """Steps 2b-6 after the submission is recorded; the first reason to refuse, or None."""
    reason = reason or _target_reason(core, cmd)
    if reason is None:
        assert instrument is not None  # validate_submit refuses unknown symbols
        reason = _admit_and_reserve(core, cmd, instrument, now)
    if reason is None and not core.lease.is_leader(now):
        reason = RejectReason.NOT_LEADER
    return reason


def reject(
    core: GatewayCore, intent_id: str, reason: RejectReason, now: int, detail: str = ""
) -> None:
    """Reject `intent_id` and release whatever it holds (exposure; the key via the fold)."""
    state = core.state.intents[intent_id]
    core.emit(intent.decide_reject(state, reason, detail, ts_ns=now))
    core.emit(exposure.decide_release(core.state.book, intent_id, _release_reason(reason), now))
    if intent_id in core.amends_charged and state.target_intent_id is not None:
        core.amends_charged.discard(intent_id)
        rollback_amend(core, state.target_intent_id, now)
    core.counters.rejects[reason.value] += 1


def rollback_amend(core: GatewayCore, target_id: str, now: int) -> None:
    """Undo an amend's pending charge on its target, if one is pending."""
    held = core.state.book.reservations.get(target_id)
    if held is not None and held.pending_delta is not None:
        core.emit(exposure.decide_amend_rollback(core.state.book, target_id, now))


def _release_reason(reason: RejectReason) -> ReleaseReason:
    if reason in (RejectReason.NOT_LEADER, RejectReason.BROKER_UNAVAILABLE):
        return ReleaseReason.DISPATCH_FAILED
    return ReleaseReason.REJECTED


def _dedup_reason(decision: dedup.DedupDecision) -> RejectReason | None:
    if isinstance(decision, dedup.InFlight | dedup.WindowFull):
        return decision.reason
    return None


def _target_reason(core: GatewayCore, cmd: SubmitIntent) -> RejectReason | None:
    """AMEND and CANCEL must name an order of the same strategy, account and symbol that is
    working, or accepted and awaiting its dispatch (the request is dispatched after it)."""
    if cmd.target_intent_id is None:
        return None
    target = core.state.intents.get(cmd.target_intent_id)
    if target is None or not intent.is_order(target) or not intent.is_targetable(target.status):
        return RejectReason.INVALID_TARGET
    same = (target.strategy_id, target.account, target.symbol)
    if same != (cmd.strategy_id, cmd.account, cmd.symbol):
        return RejectReason.INVALID_TARGET
    return None


def _admit_and_reserve(
    core: GatewayCore, cmd: SubmitIntent, instrument: Instrument, now: int
) -> RejectReason | None:
    key = ExposureKey(cmd.account, cmd.strategy_id, cmd.symbol)
    reducing = _reduces(core, cmd, key)
    refused = policy.decide_admit(core.state.policy, cmd.intent_type, reducing, now)
    if refused is not None:
        return refused
    if cmd.intent_type is IntentType.CANCEL:
        return None
    factor = instrument.lot_size * instrument.multiplier
    price = cmd.price if cmd.price is not None else instrument.limit_up.scaled
    if cmd.intent_type is IntentType.AMEND:
        return _reserve_amend(core, cmd, price * cmd.qty * factor, now)
    result = exposure.decide_reserve(
        core.state.book,
        core.state.limits,
        key,
        cmd.intent_id,
        amount=price * cmd.qty * factor,
        side=cmd.side,
        qty=cmd.qty,
        ts_ns=now,
    )
    return _charged(core, result)


def _reserve_amend(
    core: GatewayCore, cmd: SubmitIntent, amount: int, now: int
) -> RejectReason | None:
    assert cmd.target_intent_id is not None
    target = core.state.intents[cmd.target_intent_id]
    try:
        result = exposure.decide_amend(
            core.state.book,
            core.state.limits,
            target.intent_id,
            amount,
            now,
            new_qty=cmd.qty - target.filled,
        )
    except exposure.AmendInFlight:
        return RejectReason.AMEND_IN_FLIGHT
    refused = _charged(core, result)
    if refused is None:
        core.amends_charged.add(cmd.intent_id)
    return refused


def _charged(core: GatewayCore, result: exposure.ExposureDecision) -> RejectReason | None:
    if isinstance(result, ExposureRejection):
        return result.reason
    core.emit(result)
    return None


def _reduces(core: GatewayCore, cmd: SubmitIntent, key: ExposureKey) -> bool:
    if cmd.intent_type in _ORDER_TYPES:
        return exposure.reduces_position(core.state.book, key, cmd.side, cmd.qty)
    if cmd.intent_type is IntentType.AMEND and cmd.target_intent_id is not None:
        target = core.state.intents[cmd.target_intent_id]
        side: Side = target.side
        open_qty = cmd.qty - target.filled
        return exposure.reduces_position(
            core.state.book, key, side, open_qty, excluding=target.intent_id
        )
    return False
