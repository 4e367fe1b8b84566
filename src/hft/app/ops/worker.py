"""The daemon-thread shape the operator files share: a tick every period or when woken, one
finishing pass after `stop()`."""

from __future__ import annotations

import threading


class PeriodicWorker:
    """Runs `_tick()` every `_period_s()` seconds (or at once after `wake()`) on a daemon
    thread, and `_finish()` once after `stop()`. `start()` and `stop()` are idempotent."""

    def __init__(self, thread_name: str) -> None:
        self._thread_name = thread_name
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._stopped = False

    def start(self) -> None:
        """Prepare (`_prepare`, may touch the disk briefly) and start the thread."""
        if self._thread is not None:
            return
        self._prepare()
        self._thread = threading.Thread(target=self._run, name=self._thread_name, daemon=True)
        self._thread.start()

    def wake(self) -> None:
        """Tick now instead of at the end of the period (never blocks)."""
        self._wake.set()

    def stop(self, timeout_s: float = 10.0) -> None:
        """Ask for the finishing pass and join the thread (not when called from it)."""
        if self._stopped:
            return
        self._stopped = True
        self._stop.set()
        self._wake.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout_s)

    def _run(self) -> None:
        while not self._stop.is_set():
            self._tick()
            self._wake.wait(self._period_s())
            self._wake.clear()
        self._finish()

    def _prepare(self) -> None:
        """Before the thread starts, on the caller's thread."""

    def _period_s(self) -> float:
        raise NotImplementedError

    def _tick(self) -> None:
        raise NotImplementedError

    def _finish(self) -> None:
        """After `stop()`, on the worker thread."""
