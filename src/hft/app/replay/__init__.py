"""`hft replay`: fold a log with the live code and prove its invariants."""

from hft.app.replay.auditor import (
    ReplayReport,
    Violation,
    replay_events,
    replay_frames,
    replay_pairs,
)
from hft.app.replay.timeline import intent_timeline

__all__ = [
    "ReplayReport",
    "Violation",
    "intent_timeline",
    "replay_events",
    "replay_frames",
    "replay_pairs",
]
