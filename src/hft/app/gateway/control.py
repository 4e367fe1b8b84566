"""Operator commands (halt, resume, kill switch), applied on the loop between intents."""

from __future__ import annotations

import attrs

from hft.app.gateway.core import GatewayCore
from hft.domain import intent, policy
from hft.domain.errors import DomainError
from hft.domain.intent import IntentType, SubmitIntent
from hft.domain.orders import TimeInForce

KILL_TTL_NS = 60 * 1_000_000_000


class ControlQueueFullError(Exception):
    """Too many operator commands are waiting; this one was not taken."""

    def __init__(self, capacity: int) -> None:
        super().__init__(f"control queue full ({capacity} commands)")


@attrs.frozen
class Command:
    """`kind` is halt, resume or kill; `actor` is the operator or automatic source."""

    kind: str
    actor: str
    reason: str

    def __attrs_post_init__(self) -> None:
        if self.kind not in ("halt", "resume", "kill"):
            raise ValueError(f"unknown command {self.kind!r}")
        if not self.actor.strip() or not self.reason.strip():
            raise policy.ResumeUnattributed(f"{self.kind} needs a named actor and a reason")


def apply_command(core: GatewayCore, command: Command) -> list[str]:
    """Fold `command` into the policy; for a kill, return the live orders to cancel."""
    now = core.now()
    state = core.state.policy
    try:
        if command.kind == "resume":
            core.emit(policy.decide_resume(state, command.actor, command.reason, now))
            return []
        core.emit(policy.decide_halt(state, command.reason, command.actor, now))
    except DomainError as exc:
        _record_refusal(core, command, str(exc), now)
        return []
    if command.kind == "kill":
        return sorted(
            i.intent_id
            for i in core.state.open_states()
            if intent.is_order(i) and intent.is_working(i.status)
        )
    return []


def _record_refusal(core: GatewayCore, command: Command, detail: str, now: int) -> None:
    core.record_anomaly(f"{command.kind}_refused", command.actor, detail, now)


def kill_cancels(core: GatewayCore, order_ids: list[str], why: str = "kill") -> list[SubmitIntent]:
    """CANCEL intents for the kill switch (or an order's TTL: `why="ttl"`); CANCEL passes
    HALT by the policy matrix. The key `why:order` makes a repeat a dedup hit."""
    now = core.now()
    cancels = []
    for order_id in order_ids:
        order = core.state.intents.get(order_id)  # None: finished and compacted meanwhile
        if order is None or not intent.is_working(order.status):
            continue
        cancels.append(
            SubmitIntent(
                intent_id=core.ids.next_id(why),
                idempotency_key=f"{why}:{order_id}",
                strategy_id=order.strategy_id,
                account=order.account,
                symbol=order.symbol,
                intent_type=IntentType.CANCEL,
                side=order.side,
                price=None,
                qty=0,
                tif=TimeInForce.ROD,
                ttl_ns=KILL_TTL_NS,
                trace_id=f"{why}:{order_id}",
                created_ns=now,
                target_intent_id=order_id,
            )
        )
    return cancels
