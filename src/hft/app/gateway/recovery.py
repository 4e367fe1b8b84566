"""Start and restart: rebuild the gateway's state from the log alone, then record the start.

On a restart, an intent that was accepted but never recorded as dispatched may or may not
have reached the venue: it becomes OUTCOME_UNKNOWN and is reconciled, never resent. Every
order still working is reconciled too, so fills that arrived while we were down are counted.
"""

from __future__ import annotations

from hft.app.gateway.core import GatewayCore
from hft.app.gateway.reports import ReportHandler
from hft.app.gateway.state import DIGEST_SCHEME
from hft.domain import intent, policy
from hft.domain.intent import IntentStatus, IntentType
from hft.domain.session import SessionStarted, limits_fields
from hft.domain.values import IntentId


def recover(core: GatewayCore, reports: ReportHandler) -> bool:
    """Fold the existing log into the state. True if there was anything to fold."""
    last = 0
    for logged in core.log.read(1):
        core.state.apply(logged.event)
        last = logged.seq
    core.appended_seq = last
    if not last:
        return False
    now = core.now()
    for state in sorted(core.state.open_states(), key=lambda i: i.intent_id):
        if state.intent_type in (IntentType.CANCEL, IntentType.AMEND) and intent.is_working(
            state.status
        ):
            reports.track_request(state)
        if state.status is IntentStatus.ACCEPTED:
            core.emit(intent.decide_outcome_unknown(state, "place", ts_ns=now))
        if intent.is_order(state) and intent.is_working(core.state.intents[state.intent_id].status):
            core.broker.reconcile(IntentId(state.intent_id))
    return True


def start_session(core: GatewayCore, *, restarted: bool) -> None:
    """Record the session (its limits, so replay checks against them) and the hold-off."""
    now = core.now()
    config = core.config
    core.emit(
        [
            SessionStarted(
                **core.session_stamp(1, now),
                session_id=config.session_id,
                account=config.account,
                mode=config.mode,
                dedup_capacity=config.dedup_capacity,
                digest_scheme=DIGEST_SCHEME,
                note="restart" if restarted else "",
                **limits_fields(config.limits),  # type: ignore[arg-type]
            )
        ]
    )
    holdoff = now + config.startup_holdoff_ns
    core.emit(policy.decide_start(core.state.policy, holdoff, now))
