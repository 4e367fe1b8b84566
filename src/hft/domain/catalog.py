"""Imports every module that registers events, so `REGISTRY` is complete once this is loaded.

Add a line here when a new domain module registers events.
"""

from __future__ import annotations

import hft.domain.intent_events  # noqa: F401  # registers the OrderIntent lifecycle events
from hft.domain import (
    connectivity,
    exposure_events,
    market,
    policy_events,
    promotion_events,
    session,
)
from hft.domain.events import REGISTRY, EventRegistry

__all__ = [
    "REGISTRY",
    "connectivity",
    "event_registry",
    "exposure_events",
    "market",
    "policy_events",
    "promotion_events",
    "session",
]


def event_registry() -> EventRegistry:
    """The complete registry of event types this build can read and write."""
    return REGISTRY
