"""GatewayPolicy state, its transition table and its fold. Decisions: `hft.domain.policy`."""

from __future__ import annotations

from collections.abc import Mapping

import attrs

from hft.domain.enums import IdentityEnum
from hft.domain.errors import InvalidTransition
from hft.domain.policy_events import (
    GatewayDegraded,
    GatewayHalted,
    GatewayRecovered,
    GatewayResumed,
    GatewayStarted,
    PolicyEvent,
)

POLICY_ORIGINATOR = "gateway-policy"


class PolicyMode(IdentityEnum):
    NORMAL = "NORMAL"
    DEGRADED = "DEGRADED"
    HALT = "HALT"


@attrs.frozen
class GatewayPolicy:
    """The policy's state; build with `GatewayPolicy()`, change only through `evolve`.

    `halt_reason`/`halt_source` are the latched first reason while HALT ("" otherwise);
    `holdoff_until_ns` is the end of the last start's hold-off; `resumed_by` the last operator.
    """

    originator_id: str = POLICY_ORIGINATOR
    version: int = 0
    mode: PolicyMode = PolicyMode.NORMAL
    halt_reason: str = ""
    halt_source: str = ""
    degraded_reason: str = ""
    holdoff_until_ns: int = 0
    resumed_by: str = ""


_NEXT: Mapping[tuple[PolicyMode, type[PolicyEvent]], PolicyMode] = {
    (PolicyMode.NORMAL, GatewayStarted): PolicyMode.NORMAL,
    (PolicyMode.DEGRADED, GatewayStarted): PolicyMode.DEGRADED,
    (PolicyMode.HALT, GatewayStarted): PolicyMode.HALT,
    (PolicyMode.NORMAL, GatewayHalted): PolicyMode.HALT,
    (PolicyMode.DEGRADED, GatewayHalted): PolicyMode.HALT,
    (PolicyMode.HALT, GatewayResumed): PolicyMode.NORMAL,
    (PolicyMode.NORMAL, GatewayDegraded): PolicyMode.DEGRADED,
    (PolicyMode.DEGRADED, GatewayRecovered): PolicyMode.NORMAL,
}
"""Every legal (mode, event) -> mode; anything else is an `InvalidTransition`."""


def _apply(policy: GatewayPolicy, event: PolicyEvent, mode: PolicyMode) -> GatewayPolicy:
    match event:
        case GatewayStarted():
            return attrs.evolve(policy, holdoff_until_ns=event.holdoff_until_ns)
        case GatewayHalted():
            return attrs.evolve(
                policy, mode=mode, halt_reason=event.reason, halt_source=event.source
            )
        case GatewayResumed():
            return attrs.evolve(
                policy,
                mode=mode,
                halt_reason="",
                halt_source="",
                degraded_reason="",
                resumed_by=event.operator,
            )
        case GatewayDegraded():
            return attrs.evolve(policy, mode=mode, degraded_reason=event.reason)
        case GatewayRecovered():
            return attrs.evolve(policy, mode=mode, degraded_reason="")


def evolve(policy: GatewayPolicy, event: PolicyEvent) -> GatewayPolicy:
    """Apply one policy event; `InvalidTransition` if out of order or not in the table."""
    version = event.originator_version
    if event.originator_id != policy.originator_id or version != policy.version + 1:
        raise InvalidTransition(f"{policy.originator_id} at version {policy.version}", event)
    mode = _NEXT.get((policy.mode, type(event)))
    if mode is None:
        raise InvalidTransition(policy.mode, type(event).__name__)
    return attrs.evolve(_apply(policy, event, mode), version=version)
