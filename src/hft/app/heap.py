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
"""

from __future__ import annotations

import gc
from typing import Any


def freeze_startup_heap(*, keep_freezing: bool = True) -> None:
    """Collect once, then freeze every surviving object (`gc.freeze`); with `keep_freezing`
    (the default), also freeze the survivors of each later collection of the middle or the
    oldest generation.

    Call it after `Gateway.start()`, before the first intent, in the process's main runner:
    it is process-wide, so a library embedding hft decides for itself. Frozen objects are
    still freed by reference counting when dropped; only a reference cycle that survived a
    middle-generation collection and becomes garbage later stays allocated until the process
    ends (the gateway's state is immutable values and builds none). Calling it again is
    harmless.
    """
    gc.collect()
    gc.freeze()
    if keep_freezing and _freeze_survivors not in gc.callbacks:
        gc.callbacks.append(_freeze_survivors)


def stop_freezing() -> None:
    """Stop freezing the survivors of later collections (what is frozen stays frozen)."""
    if _freeze_survivors in gc.callbacks:
        gc.callbacks.remove(_freeze_survivors)


def _freeze_survivors(phase: str, info: dict[str, Any]) -> None:
    if phase == "stop" and info["generation"] >= 1:
        gc.freeze()
