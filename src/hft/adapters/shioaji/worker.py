"""The thread that makes blocking SDK calls so that `place`/`amend`/`cancel` return at once.

Jobs run one at a time in submission order, so an amend queued after its place runs after it.
The queue is bounded: `submit` raises `OrderQueueFullError` instead of waiting. Built with
`threaded=False` the worker runs nothing by itself and `run_pending()` runs the queued jobs on
the caller's thread (deterministic tests and simulations).
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable

from hft.adapters.shioaji.errors import OrderQueueFullError

Job = Callable[[], None]
_STOP: Job = lambda: None  # noqa: E731 - a unique sentinel object, compared by identity


class CallWorker:
    """Runs jobs off the caller's thread. A job must not raise: it reports its own failures."""

    def __init__(self, capacity: int = 1_024, threaded: bool = True, name: str = "shioaji-calls"):
        self._jobs: queue.Queue[Job] = queue.Queue(maxsize=capacity)
        self._threaded = threaded
        self._thread: threading.Thread | None = None
        self._name = name
        self.completed = 0

    def start(self) -> None:
        if self._threaded and self._thread is None:
            self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
            self._thread.start()

    def submit(self, job: Job) -> None:
        """Queue `job`; raises `OrderQueueFullError` when the queue is full (nothing queued)."""
        try:
            self._jobs.put_nowait(job)
        except queue.Full:
            raise OrderQueueFullError("Shioaji call queue is full; nothing was sent") from None

    def run_pending(self) -> int:
        """Run every queued job on this thread (only when not threaded); returns how many."""
        ran = 0
        while not self._threaded:
            try:
                job = self._jobs.get_nowait()
            except queue.Empty:
                break
            job()
            ran += 1
            self.completed += 1
        return ran

    def stop(self, timeout_s: float = 5.0) -> None:
        """Let queued jobs finish, then stop the thread."""
        if self._thread is not None:
            self._jobs.put(_STOP)
            self._thread.join(timeout_s)
            self._thread = None

    @property
    def depth(self) -> int:
        return self._jobs.qsize()

    def _run(self) -> None:
        while True:
            job = self._jobs.get()
            if job is _STOP:
                return
            job()
            self.completed += 1
