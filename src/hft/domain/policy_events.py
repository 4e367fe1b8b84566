"""Events of the gateway policy (one aggregate per gateway, originator id `"gateway-policy"`).

Every change of what the gateway lets through is one of these; reasons, sources and operators
are free text chosen by whoever raised them (a trigger's name, a person's login).
"""

from __future__ import annotations

import attrs

from hft.domain.events import DomainEvent, register


@register("GatewayStarted", 1)
@attrs.frozen(kw_only=True)
class GatewayStarted(DomainEvent):
    """The gateway (re)started; until `holdoff_until_ns` only risk-reducing intents pass.

    A restart does not clear a latched HALT: the fold keeps the mode it had.
    """

    holdoff_until_ns: int


@register("GatewayHalted", 1)
@attrs.frozen(kw_only=True)
class GatewayHalted(DomainEvent):
    """HALT latched with its `reason`, raised by `source`; only a resume clears it."""

    reason: str
    source: str


@register("GatewayResumed", 1)
@attrs.frozen(kw_only=True)
class GatewayResumed(DomainEvent):
    """`operator` cleared the HALT, saying why (`reason`); the gateway is NORMAL again."""

    operator: str
    reason: str


@register("GatewayDegraded", 1)
@attrs.frozen(kw_only=True)
class GatewayDegraded(DomainEvent):
    """An automatic trigger moved NORMAL to DEGRADED: only risk-reducing intents pass."""

    reason: str


@register("GatewayRecovered", 1)
@attrs.frozen(kw_only=True)
class GatewayRecovered(DomainEvent):
    """The trigger's condition cleared: DEGRADED back to NORMAL."""

    reason: str


PolicyEvent = GatewayStarted | GatewayHalted | GatewayResumed | GatewayDegraded | GatewayRecovered
