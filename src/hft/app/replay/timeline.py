"""One intent's story: every logged event about it, in log order."""

from __future__ import annotations

from collections.abc import Iterable

from hft.ports.event_log import LoggedEvent


def _about(event: object, intent_id: str) -> bool:
    if getattr(event, "originator_id", None) == intent_id:
        return True
    for field in ("intent_id", "target_intent_id", "by_intent_id", "first_intent_id"):
        if getattr(event, field, None) == intent_id:
            return True
    return False


def intent_timeline(events: Iterable[LoggedEvent], intent_id: str) -> list[LoggedEvent]:
    """Events whose originator is the intent, or that name it (exposure, requests, dedup)."""
    return [logged for logged in events if _about(logged.event, intent_id)]
