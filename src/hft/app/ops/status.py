"""StatusWriter: publishes a running session's metrics to RUN_DIR/status.json.

Reading the snapshot from another thread: the gateway loop is the single writer of its
counters and state; `Gateway.metrics()` reads only counters and the incrementally kept count of
open intents (no walk over the intent map), each field one atomic read under the GIL. A
snapshot may mix values from two neighbouring loop turns (a torn read: say `accepted` one
ahead of `dispatched`); that is fine for an operator's view and is documented in the file
("consistency": "per_field"). If a read still trips over a container resized under it
(RuntimeError), the writer retries; after `SNAPSHOT_ATTEMPTS` the interval is skipped and
counted in `torn_reads`. The gateway is never locked or slowed for the sake of the status.

The final write (on `stop()`, wired to `gateway.on_close`) happens while the loop thread waits
in `close()`, so that snapshot is exact; it says "running": false.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import attrs

from hft.app.gateway.metrics import MetricsSnapshot
from hft.app.gateway.service import Gateway
from hft.app.ops.files import control_paths, read_json, write_json_atomic
from hft.app.ops.worker import PeriodicWorker

SNAPSHOT_ATTEMPTS = 5
STALE_AFTER_INTERVALS = 5
STALE_FLOOR_S = 5.0


class StatusWriter(PeriodicWorker):
    """Writes RUN_DIR/status.json every `interval_s` on a daemon thread (temp, fsync, rename).

    Fields: running, pid, wall_time_unix_s, interval_s, writes, torn_reads, consistency,
    metrics (the `MetricsSnapshot` as a dict), plus whatever `extras()` returns (called on the
    writer thread; must be quick and JSON-ready). `refresh()` asks for a write now (never
    blocks); `stop()` makes the final write and is idempotent.
    """

    def __init__(
        self,
        run_dir: Path | str,
        gateway: Gateway,
        interval_s: float = 1.0,
        extras: Callable[[], dict[str, Any]] | None = None,
    ) -> None:
        super().__init__("hft-status")
        self.path = control_paths(run_dir).status
        self.gateway = gateway
        self.interval_s = interval_s
        self.extras = extras
        self.writes = 0
        self.torn_reads = 0
        self.io_errors = 0
        self._progress = threading.Condition()
        self._begun = 0  # writes that took their snapshot
        self._ended = 0  # writes finished (or skipped), in order: one writer thread

    # `start()` starts the thread, which writes the first status at once (off the caller's
    # thread); `stop()` makes the final write with "running": false and joins. Both
    # idempotent (`PeriodicWorker`).

    def refresh(self, wait_s: float = 0.0) -> None:
        """Write at once instead of at the next interval. With `wait_s`, block the calling
        thread (never the gateway loop) until a write whose snapshot was taken after this call
        is on disk, or `wait_s` passes: what the caller changed is then in status.json."""
        with self._progress:
            target = self._begun + 1
            self.wake()
            if wait_s > 0:
                self._progress.wait_for(lambda: self._ended >= target, wait_s)

    def _prepare(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)

    def _period_s(self) -> float:
        return self.interval_s

    def _tick(self) -> None:
        self._write(running=True)

    def _finish(self) -> None:
        self._write(running=False)

    def _write(self, *, running: bool) -> None:
        with self._progress:
            self._begun += 1
        try:
            snapshot = self._snapshot()
            if snapshot is not None:
                write_json_atomic(self.path, self._render(snapshot, running=running))
                self.writes += 1
        except OSError:
            self.io_errors += 1  # a full disk must not kill the session's status thread
        finally:
            with self._progress:
                self._ended += 1
                self._progress.notify_all()

    def _snapshot(self) -> MetricsSnapshot | None:
        for _ in range(SNAPSHOT_ATTEMPTS):
            try:
                return self.gateway.metrics()
            except RuntimeError:  # a dict resized under the read: try again
                time.sleep(0)
        self.torn_reads += 1
        return None

    def _render(self, snapshot: MetricsSnapshot, *, running: bool) -> dict[str, Any]:
        return {
            "running": running,
            "pid": os.getpid(),
            "wall_time_unix_s": time.time(),
            "interval_s": self.interval_s,
            "writes": self.writes,
            "torn_reads": self.torn_reads,
            "consistency": "per_field",
            "metrics": attrs.asdict(snapshot),
            **(self.extras() if self.extras is not None else {}),
        }


def read_status(run_dir: Path | str) -> dict[str, Any] | None:
    """The last status.json of `run_dir`, or None if no session ever wrote one."""
    return read_json(control_paths(run_dir).status)


def session_is_live(status: dict[str, Any], now_unix_s: float | None = None) -> bool:
    """Whether `status` comes from a session that is still running: it says so, its process
    exists, and it was written within a few intervals (a killed session leaves "running")."""
    if not status.get("running"):
        return False
    now = time.time() if now_unix_s is None else now_unix_s
    interval = float(status.get("interval_s", 1.0))
    age = now - float(status.get("wall_time_unix_s", 0.0))
    if age > max(STALE_AFTER_INTERVALS * interval, STALE_FLOOR_S):
        return False
    return _process_exists(int(status.get("pid", 0)))


def _process_exists(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it exists, owned by someone else
    return True
