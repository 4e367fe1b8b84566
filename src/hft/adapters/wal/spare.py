"""Zero-filled spare segments made ahead of need by a background thread.

A fresh segment is written full of zeros and fsynced before it is used, so later syncs only
overwrite blocks (no file-size metadata to update). Making one takes a while, so it happens
off the flusher's path; the flusher waits only if it fills a segment faster than the next
spare can be made. A failure (a full disk) is kept and raised to whoever takes the spare.
"""

from __future__ import annotations

import contextlib
import os
import threading

from hft.adapters.wal.fileops import FileOps
from hft.adapters.wal.manifest import TEMP_SUFFIX

SPARE_NAME = "spare.zero"
ZERO_STEP_BYTES = 1 << 20


class SpareMaker:
    """Keeps one zero-filled file of `size` bytes ready at `<directory>/spare.zero`."""

    def __init__(self, directory: str, size: int, fileops: FileOps) -> None:
        self._path = os.path.join(directory, SPARE_NAME)
        self._directory = directory
        self._size = size
        self._fileops = fileops
        self._cv = threading.Condition()
        self._wanted = False
        self._ready = False
        self._stopping = False
        self._error: OSError | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Reuse a complete spare left by an earlier run, else start making one."""
        if os.path.exists(self._path) and os.path.getsize(self._path) == self._size:
            self._ready = True
        self._thread = threading.Thread(target=self._run, name="wal-spare", daemon=True)
        self._thread.start()
        if not self._ready:
            self.request()

    def request(self) -> None:
        with self._cv:
            self._wanted = True
            self._cv.notify_all()

    def take(self) -> str:
        """Block until a spare is ready; return its path. The caller renames it away, then
        calls `request` for the next one: until then no new spare is made, since a new one
        renamed into place first would be what the caller renames (without its header)."""
        with self._cv:
            self._cv.wait_for(lambda: self._ready or self._error is not None or self._stopping)
            if self._error is not None:
                raise self._error
            if not self._ready:
                raise OSError("spare maker stopped")
            self._ready = False
            self._wanted = False
            return self._path

    def wait_ready(self, timeout_s: float | None) -> bool:
        """True once a spare is ready (or none is being made), False on timeout or error."""
        with self._cv:
            if self._thread is None:
                return True
            return (
                self._cv.wait_for(
                    lambda: self._ready or self._error is not None or self._stopping, timeout_s
                )
                and self._ready
            )

    def stop(self) -> None:
        with self._cv:
            self._stopping = True
            self._cv.notify_all()
        if self._thread is not None:
            self._thread.join()

    def _run(self) -> None:
        while True:
            with self._cv:
                self._cv.wait_for(lambda: self._stopping or (self._wanted and not self._ready))
                if self._stopping:
                    return
                self._wanted = False
            try:
                made = self._make()
            except OSError as exc:
                with self._cv:
                    self._error = exc
                    self._cv.notify_all()
                return
            with self._cv:
                self._ready = made
                self._cv.notify_all()

    def _make(self) -> bool:
        """Make the spare; False (and no file left) if stopped first."""
        temp = self._path + TEMP_SUFFIX
        if os.path.exists(temp):
            self._fileops.unlink(temp)
        fd = self._fileops.open(temp, create=True)
        try:
            complete = self._zero_fill(fd)
        except OSError:
            self._discard(temp)  # a partial spare on a full disk only takes space away
            raise
        finally:
            self._fileops.close(fd)
        if not complete:
            self._fileops.unlink(temp)
            return False
        self._fileops.rename(temp, self._path)
        self._fileops.fsync_dir(self._directory)
        return True

    def _zero_fill(self, fd: int) -> bool:
        for offset in range(0, self._size, ZERO_STEP_BYTES):
            if self._stopping:
                return False
            self._fileops.write_zeros(fd, offset, min(ZERO_STEP_BYTES, self._size - offset))
            # Small synced steps: one large flush would stall the flusher's fdatasync
            # behind it in the file system journal for hundreds of milliseconds.
            self._fileops.fdatasync(fd)
        self._fileops.fsync(fd)
        return True

    def _discard(self, temp: str) -> None:
        with contextlib.suppress(OSError):  # the next open removes temp files anyway
            self._fileops.unlink(temp)
