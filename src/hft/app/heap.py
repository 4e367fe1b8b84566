"""The garbage collector of a process that runs the gateway loop.

CPython's full (oldest-generation) collection scans every tracked object: at start-up that
is the interpreter's imports (shioaji, pyarrow, the codec's tables) plus whatever a restart
folded from the log, and a pause then takes tens of milliseconds on the order path (measured
here: 47-200 ms max in `hft bench session`). Freezing what exists once the gateway has started
moves it out of the collector's sight for good, so later pauses scale with what the session
itself allocates (measured: max pause 64 ms -> 7 ms on the same run).

A session's own state grows too, and a full collection walks everything that survived the
young collections since the last one: in `hft bench session` that was ~145,000 objects and
~110 ms every ~12,000 quotes. Objects that survived a collection of the middle generation have
outlived two young collections: long-lived by the collector's own test, so they are frozen
right after it, and a full collection finds nearly nothing left to walk (max pause 133 ms ->
17 ms over 60,000 quotes; the same cyclic garbage collected either way).

CPython 3.11 starts a young collection when allocations minus deallocations of tracked objects
pass the young threshold (700). A session that frees old objects about as fast as it makes new
ones (finished intents compacted, the venue's retention) keeps that count near zero, so young
survivors pile up unscanned and are then walked in one long pause (50-66 ms at 90,000 quotes).
With the threshold at 100 the count's swings within one quote start collections often enough
while the venue still retains every finished order (max pause 65-69 ms -> 13 ms over 60,000
quotes, and ~12% less CPU: smaller scans stay in cache), but not once it drops one old order
per new one (past 100,000 orders: 30-146 ms). So the gateway loop also paces them: every
`PACE_EVENTS` logged events, `Gateway.step()` collects the two young generations
(`pace_young_collections`), whose survivors are then frozen; a no-op unless the runner froze.
"""

from __future__ import annotations

import gc
from typing import Any

YOUNG_THRESHOLD = 100
PACE_EVENTS = 500  # logged events between the young collections the gateway loop paces
_saved_thresholds: tuple[int, int, int] | None = None  # what stop_freezing restores
_pace = [0, 0]  # [events between paced collections (0: not pacing), events since the last]


def freeze_startup_heap(*, keep_freezing: bool = True) -> None:
    """Collect once, then freeze every surviving object (`gc.freeze`); with `keep_freezing`
    (the default), also freeze the survivors of each later collection of the middle or the
    oldest generation.

    Call it after `Gateway.start()`, before the first intent, in the process's main runner:
    it is process-wide, so a library embedding hft decides for itself. Frozen objects are
    still freed by reference counting when dropped; only a reference cycle that survived a
    middle-generation collection and becomes garbage later stays allocated until the process
    ends (the gateway's state is immutable values and builds none). With `keep_freezing` the
    young threshold becomes `YOUNG_THRESHOLD` and the gateway loop paces young collections
    (see the module doc). Calling it again is harmless.
    """
    global _saved_thresholds  # noqa: PLW0603  # the process's GC setting is process-wide
    gc.collect()
    gc.freeze()
    if keep_freezing and _freeze_survivors not in gc.callbacks:
        gc.callbacks.append(_freeze_survivors)
        _saved_thresholds = gc.get_threshold()
        gc.set_threshold(YOUNG_THRESHOLD, *_saved_thresholds[1:])
        _pace[:] = [PACE_EVENTS, 0]


def stop_freezing() -> None:
    """Stop freezing the survivors of later collections (what is frozen stays frozen), stop
    pacing, and restore the collector's thresholds."""
    global _saved_thresholds  # noqa: PLW0603
    if _freeze_survivors in gc.callbacks:
        gc.callbacks.remove(_freeze_survivors)
    if _saved_thresholds is not None:
        gc.set_threshold(*_saved_thresholds)
        _saved_thresholds = None
    _pace[:] = [0, 0]


def pace_young_collections(events: int) -> bool:
    """Count `events` logged; collect the young generations when `PACE_EVENTS` have passed
    since the last paced collection (only while the runner keeps freezing). Whether it did."""
    every = _pace[0]
    if not every:
        return False
    _pace[1] += events
    if _pace[1] < every:
        return False
    _pace[1] = 0
    gc.collect(1)
    return True


def _freeze_survivors(phase: str, info: dict[str, Any]) -> None:
    if phase == "stop" and info["generation"] >= 1:
        gc.freeze()
