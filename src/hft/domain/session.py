"""Session facts: what a run was configured with, and the state digest it ended on.

These make a log self-describing: replay reads the limits it must check against from the log
itself, and compares its own digest with the one the live run recorded.
"""

from __future__ import annotations

import attrs

from hft.domain.events import DomainEvent, register
from hft.domain.exposure_limits import ExposureLimits

SESSION_ORIGINATOR = "session"


@register("SessionStarted", 1)
@attrs.frozen(kw_only=True)
class SessionStarted(DomainEvent):
    """A gateway session began with these limits (notional, `1/PRICE_SCALE` units)."""

    session_id: str
    account: str
    mode: str  # "sim" or "live"
    symbol_default: int
    strategy_default: int
    global_limit: int
    max_keys: int
    symbol_overrides: tuple[tuple[str, int], ...] = ()
    strategy_overrides: tuple[tuple[str, int], ...] = ()
    dedup_capacity: int = 0
    note: str = ""
    digest_scheme: int = 1  # how the state digest renders intents; logs without it used 1

    def limits(self) -> ExposureLimits:
        return ExposureLimits(
            symbol_default=self.symbol_default,
            strategy_default=self.strategy_default,
            global_limit=self.global_limit,
            max_keys=self.max_keys,
            symbol_overrides=dict(self.symbol_overrides),
            strategy_overrides=dict(self.strategy_overrides),
        )


def limits_fields(limits: ExposureLimits) -> dict[str, object]:
    """The `SessionStarted` fields that record `limits`."""
    return {
        "symbol_default": limits.symbol_default,
        "strategy_default": limits.strategy_default,
        "global_limit": limits.global_limit,
        "max_keys": limits.max_keys,
        "symbol_overrides": tuple(sorted(limits.symbol_overrides.items())),
        "strategy_overrides": tuple(sorted(limits.strategy_overrides.items())),
    }


@register("StateDigestRecorded", 1)
@attrs.frozen(kw_only=True)
class StateDigestRecorded(DomainEvent):
    """The gateway's state digest after folding every event before this one."""

    digest: str
    events_folded: int


@register("SessionStopped", 1)
@attrs.frozen(kw_only=True)
class SessionStopped(DomainEvent):
    """The session ended cleanly (a crash leaves no such event)."""

    reason: str


@register("AnomalyRecorded", 1)
@attrs.frozen(kw_only=True)
class AnomalyRecorded(DomainEvent):
    """Something the gateway could not fit into its state (an unmatched or contradictory
    broker report, a dead letter it could not keep): recorded, counted, never silent."""

    kind: str
    subject: str
    detail: str
