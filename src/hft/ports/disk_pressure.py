"""Disk pressure: how close the log's disk is to full, as levels the recorder acts on."""

from __future__ import annotations

import enum
from collections.abc import Callable
from typing import Protocol

import attrs


class PressureLevel(enum.IntEnum):
    """Ordered levels: OK < WARN < CRITICAL < HALT.

    WARN: alert only. CRITICAL: each topic follows its policy (write, drop with a counted
    record, or halt the gateway). HALT: the gateway must halt (new orders stop; cancels and
    what they produce are still recorded while the disk allows).
    """

    OK = 0
    WARN = 1
    CRITICAL = 2
    HALT = 3


@attrs.frozen
class PressureChange:
    """The level moved from `previous` to `level`; `reason` says which measure crossed what.

    `free_bytes` is the space available to the log's user on its file system; `wal_bytes`
    the size of the log's data segments (never the manifest or lock files).
    """

    previous: PressureLevel
    level: PressureLevel
    reason: str
    free_bytes: int
    wal_bytes: int


PressureListener = Callable[[PressureChange], None]


class DiskPressureSource(Protocol):
    """Something that measures disk pressure off the hot path and reports level changes.

    `level()` answers from memory and never blocks (safe on the hot path). Listeners are
    called once per change, in order, from the thread that measured (a background thread or
    whoever called the monitor's `check()`); they must be quick and must not raise.
    """

    def level(self) -> PressureLevel: ...

    def subscribe(self, listener: PressureListener) -> None: ...
