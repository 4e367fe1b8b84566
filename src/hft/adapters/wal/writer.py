"""Group commit: callers queue frames without touching the disk; one flusher thread writes
them, syncs as soon as anything is pending, and only then advances the durable sequence.

The caller's cost is a lock, a list append and (when the flusher is idle) a notify. Batches
form by themselves: while the flusher syncs, new frames pile up and go in the next write.

A thread that is going to wait anyway (`wait_durable`) writes and syncs the pending frames
itself when no one else is doing I/O: the leader of its own group commit, as in database
logs. That saves two thread hand-offs per wait (the flusher's wake-up and the waiter's),
which on a 2-core machine under load cost more than the fdatasync. Whoever does I/O holds
`_io`, and batches are cut only under it, so frames reach the file in sequence order.

While waiters lead (one led a commit less than `LEADER_GRACE_S` ago: a lockstep simulator
waits after every step), a submit leaves the flusher asleep: woken, it would only queue for
the GIL behind the coming leader, and a thread queued for the GIL is woken (for nothing) each
time the running one releases it. Frames nobody waits for are still written: by the next
leader, or by the flusher once any call finds them pending with no lead for the grace
period (`submit`, `durable_seq`), or at once for a waiter that does not lead; and if no call
comes at all (a runner that appended and then went quiet), by the flusher's own look every
`IDLE_CHECK_S`, so a frame is never left in memory for longer than that.
"""

from __future__ import annotations

import errno
import os
import threading
import time
import zlib
from collections.abc import Sequence

import attrs

from hft.adapters.wal.acks import DurableListener, DurableMark
from hft.adapters.wal.config import WalConfig
from hft.adapters.wal.errors import (
    LogClosedError,
    LogOverloadedError,
    LogWriteError,
    RecordTooLargeError,
    write_error_from,
)
from hft.adapters.wal.fileops import FileOps
from hft.adapters.wal.format import (
    FRAME_BYTES,
    HEADER_BYTES,
    KIND_DATA,
    SEAL_BYTES,
    Durability,
    frame_header,
    seal_frame,
    segment_name,
)
from hft.adapters.wal.manifest import TEMP_SUFFIX, Manifest, ManifestStore, SealedSegment
from hft.adapters.wal.recovery import LogState
from hft.adapters.wal.spare import SpareMaker

Pending = tuple[int, int, bytes]  # first_seq, count, payload
FLUSH_BYTES = 4 << 20
LEADER_GRACE_S = 0.005  # how long after a waiter led a commit submits leave the flusher asleep
IDLE_CHECK_S = 0.05  # the flusher looks for frames no one woke it for at least this often


@attrs.define
class _Active:
    name: str
    path: str
    fd: int
    salt_crc: int
    first_seq: int
    offset: int


@attrs.frozen
class WriterStats:
    """Counters since open: syncs issued, frames and bytes written, segments sealed."""

    syncs: int
    frames: int
    bytes_written: int
    rolls: int


class GroupCommitWriter:
    """Appends frames to the segments of one directory with group commit.

    Thread-safe: any number of threads may `submit`; one internal flusher thread does all
    file I/O. The directory must already be recovered (`recovery.recover`) and locked.
    """

    def __init__(
        self,
        directory: str,
        state: LogState,
        config: WalConfig,
        fileops: FileOps,
        manifests: ManifestStore,
    ) -> None:
        self._directory = directory
        self._config = config
        self._fileops = fileops
        self._manifests = manifests
        self._lock = threading.Lock()
        self._wake = threading.Condition(self._lock)
        self._io = threading.Lock()  # held by whoever writes and syncs (flusher or a waiter)
        self._leads = config.policy is not Durability.BATCH  # BATCH's delay is the flusher's
        self._pending: list[Pending] = []
        self._pending_bytes = 0
        self._idle = False
        self._led_at = float("-inf")  # time.monotonic() of the last commit a waiter led
        self._closing = False
        self._error: LogWriteError | None = None
        self._next_seq = state.next_seq
        self._durable = DurableMark(state.next_seq - 1)
        self._sealed: tuple[SealedSegment, ...] = state.sealed
        self._stats = [0, 0, 0, 0]
        self._last_sync = 0.0
        self._spare = SpareMaker(directory, config.segment_bytes, fileops)
        if config.zero_fill:
            self._spare.start()
        try:
            self._active = self._resume(state)
            self._save_manifest(state.manifest)
        except BaseException:
            self._spare.stop()
            raise
        self._thread = threading.Thread(target=self._run, name="wal-flusher", daemon=True)
        self._thread.start()

    # ----------------------------------------------------------------- caller side

    def submit(self, frames: Sequence[tuple[bytes, int]]) -> int:
        """Queue `(payload, count)` frames with consecutive sequence numbers; return the first.

        Never touches the disk. Raises LogClosedError, the stored LogWriteError after a
        failure, LogOverloadedError past `max_pending_bytes`, RecordTooLargeError for a
        payload no segment can hold. A refused call assigns no sequence numbers.
        """
        size = 0
        for payload, _count in frames:
            if len(payload) > self._config.max_payload_bytes:
                raise RecordTooLargeError(
                    f"frame payload of {len(payload)} bytes exceeds "
                    f"{self._config.max_payload_bytes} (segment_bytes {self._config.segment_bytes})"
                )
            size += len(payload) + FRAME_BYTES
        with self._lock:
            self._check_writable()
            if self._pending and self._pending_bytes + size > self._config.max_pending_bytes:
                raise LogOverloadedError(
                    f"{self._pending_bytes} bytes pending (max {self._config.max_pending_bytes})"
                )
            first = seq = self._next_seq
            for payload, count in frames:
                self._pending.append((seq, count, payload))
                seq += count
            self._next_seq = seq
            self._pending_bytes += size
            if self._idle and not self._waiters_lead():
                self._wake.notify()
        return first

    def _check_writable(self) -> None:
        if self._error is not None:
            raise type(self._error)(*self._error.args)
        if self._closing:
            raise LogClosedError("the log is closed")

    def last_seq(self) -> int:
        """The last sequence number assigned (durable or not)."""
        return self._next_seq - 1

    def durable_seq(self) -> int:
        """The last sequence number covered by a completed sync (policy NONE: by a write)."""
        if self._pending and self._idle and not self._waiters_lead():
            self._wake_flusher()  # a caller that polls instead of waiting (see the module doc)
        return self._durable.value

    def wait_durable(self, seq: int, timeout_s: float | None = None) -> bool:
        """Block until `durable_seq() >= seq`; False on timeout. The thread doing the I/O
        wakes this one, once, right after the sync that covers `seq`. A caller that waits
        without a timeout writes and syncs what is pending itself when no one else is doing
        I/O (policies fsync and none): with a timeout, a stuck disk must not hold it past it.
        Raises the stored LogWriteError if the log failed first, LogClosedError if closed."""
        if timeout_s is None and self._durable.value < seq and self._leads:
            self._lead(seq)
        if self._durable.value < seq:
            self._wake_flusher()  # no lead (a timeout, or another thread's I/O): its turn
        if self._durable.wait(seq, timeout_s):
            return True
        with self._lock:
            self._check_writable()
        return False

    def on_durable(self, listener: DurableListener) -> None:
        """Call `listener(durable_seq)` right after each advance of `durable_seq` (after the
        sync that covers it), on the thread that did the sync: the flusher, or a waiter that
        led its own commit. It must be quick and must not block or raise: an exception there
        stops the log like any write failure."""
        self._durable.add_listener(listener)

    def sealed_segments(self) -> tuple[SealedSegment, ...]:
        return self._sealed

    def wait_spare(self, timeout_s: float | None = None) -> bool:
        """Block until the next segment is pre-allocated (True; also when not pre-allocating)."""
        return not self._config.zero_fill or self._spare.wait_ready(timeout_s)

    def stats(self) -> WriterStats:
        return WriterStats(*self._stats)

    def failed(self) -> LogWriteError | None:
        return self._error

    def close(self) -> None:
        """Write and sync everything queued, stop the threads, close files. Idempotent."""
        with self._lock:
            self._closing = True
            self._wake.notify()
        self._thread.join()
        self._spare.stop()
        self._durable.release_all()

    def _waiters_lead(self) -> bool:
        return time.monotonic() - self._led_at < LEADER_GRACE_S

    def _wake_flusher(self) -> None:
        with self._lock:
            if self._idle and self._pending:
                self._wake.notify()

    # ----------------------------------------------------------------- flusher side

    def _lead(self, seq: int) -> None:
        """Flush pending frames on this thread until `seq` is durable, unless another thread
        holds the I/O (then it will publish `seq`, and `wait` parks for it)."""
        if not self._io.acquire(blocking=False):
            return
        try:
            while self._durable.value < seq and self._flush_pending():
                self._led_at = time.monotonic()
        except Exception as exc:  # same rule as the flusher: stop the log loudly
            self._fail_loudly(exc, "commit by a waiter")
        finally:
            self._io.release()

    def _flush_pending(self) -> bool:
        """Write (and sync, unless policy none) one batch, then publish it. Hold `_io`.
        False when nothing was pending."""
        with self._lock:
            if not self._pending or self._error is not None:
                return False
            batch = self._cut_batch()
        last = self._write(batch)
        if self._config.policy is not Durability.NONE:
            self._sync()
        self._publish(last)
        return True

    def _run(self) -> None:
        try:
            while self._take():
                with self._io:
                    self._flush_pending()
            with self._io:
                self._sync()
        except Exception as exc:  # a flusher bug must stop the log loudly, not kill it silently
            self._fail_loudly(exc, "flusher")
        finally:
            if self._active.fd >= 0:
                self._fileops.close(self._active.fd)

    def _take(self) -> bool:
        """Wait until frames are pending (True) or the log closes with none left (False)."""
        with self._lock:
            while not self._pending and not self._closing:
                self._idle = True
                self._wake.wait(IDLE_CHECK_S)
            self._idle = False
            if self._config.policy is Durability.BATCH:
                self._hold_for_batch()
            return bool(self._pending)

    def _cut_batch(self) -> list[Pending]:
        """The oldest pending frames up to FLUSH_BYTES (at least one), so a deep queue is
        written and acknowledged in steps rather than in one long write."""
        pending = self._pending
        size = cut = 0
        while cut < len(pending) and (cut == 0 or size < FLUSH_BYTES):
            size += FRAME_BYTES + len(pending[cut][2])
            cut += 1
        batch = pending[:cut]
        del pending[:cut]
        self._pending_bytes -= size
        return batch

    def _hold_for_batch(self) -> None:
        deadline = self._last_sync + self._config.batch_delay_s
        while not self._closing and (left := deadline - time.monotonic()) > 0:
            self._wake.wait(left)

    def _write(self, batch: list[Pending]) -> int:
        active = self._active
        iov: list[bytes] = []
        start = offset = active.offset
        limit = self._config.segment_bytes - SEAL_BYTES
        for first, count, payload in batch:
            size = FRAME_BYTES + len(payload)
            if offset + size > limit:
                self._write_iov(iov, start, offset)
                iov = []
                self._roll(first)
                active = self._active
                start = offset = active.offset
            iov.append(frame_header(active.salt_crc, KIND_DATA, first, count, payload))
            iov.append(payload)
            offset += size
        self._write_iov(iov, start, offset)
        self._stats[1] += len(batch)
        first, count, _payload = batch[-1]
        return first + count - 1

    def _write_iov(self, iov: list[bytes], start: int, end: int) -> None:
        if iov:
            self._fileops.pwrite(self._active.fd, iov, start)
            self._active.offset = end
            self._stats[2] += end - start

    def _sync(self) -> None:
        self._fileops.fdatasync(self._active.fd)
        self._last_sync = time.monotonic()
        self._stats[0] += 1

    def _publish(self, last: int) -> None:
        self._durable.publish(last)

    def _fail_loudly(self, exc: Exception, who: str) -> None:
        """`_fail` with an I/O error as it is, anything else (a bug) as EIO naming `who`."""
        if not isinstance(exc, OSError):
            exc = OSError(errno.EIO, f"{who} failed: {exc!r}")
        self._fail(exc)

    def _fail(self, exc: OSError) -> None:
        error = write_error_from(exc, f"WAL write failed in {self._directory}")
        with self._lock:
            self._error = self._error or error  # the first failure is the one to report
            self._pending, self._pending_bytes = [], 0
        self._durable.release_all()

    # ----------------------------------------------------------------- segments

    def _roll(self, next_seq: int) -> None:
        """Seal the full active segment (data synced first, then the seal frame synced),
        switch to a new one starting at `next_seq`, and record both in the manifest."""
        old = self._active
        self._sync()
        self._fileops.pwrite(old.fd, [seal_frame(old.salt_crc, next_seq)], old.offset)
        self._sync()
        self._publish(next_seq - 1)
        self._fileops.close(old.fd)
        sealed = SealedSegment(
            old.name, old.path, old.first_seq, next_seq - 1, old.offset + SEAL_BYTES
        )
        self._sealed = (*self._sealed, sealed)
        self._active = _Active("", "", -1, 0, next_seq, 0)
        self._active = self._create(next_seq)
        self._stats[3] += 1
        self._save_manifest(None)

    def _resume(self, state: LogState) -> _Active:
        if state.active is None:
            return self._create(state.next_seq)
        seg = state.active
        fd = self._fileops.open(seg.path)
        return _Active(
            seg.name,
            seg.path,
            fd,
            zlib.crc32(seg.header.salt),
            seg.header.first_seq,
            seg.end_offset,
        )

    def _create(self, first_seq: int) -> _Active:
        header = self._config.new_header(first_seq)
        name = segment_name(first_seq)
        path = os.path.join(self._directory, name)
        if self._config.zero_fill:
            source = self._spare.take()
            fd = self._fileops.open(source)
            self._fileops.pwrite(fd, [header.encode()], 0)
            self._fileops.fdatasync(fd)
            self._fileops.rename(source, path)
            self._spare.request()
            if not self._fileops.same_file(fd, path):
                # Writing on would acknowledge frames written to an unlinked file.
                self._fileops.close(fd)
                raise OSError(errno.EIO, f"{path} is not the spare that was prepared")
        else:
            temp = path + TEMP_SUFFIX
            self._fileops.write_file(temp, header.encode())
            self._fileops.rename(temp, path)
            fd = self._fileops.open(path)
        self._fileops.fsync_dir(self._directory)
        return _Active(name, path, fd, zlib.crc32(header.salt), first_seq, HEADER_BYTES)

    def _save_manifest(self, previous: Manifest | None) -> None:
        manifest = Manifest(
            generation=max(self._manifests.saved_generation, _generation(previous)) + 1,
            policy=self._config.policy,
            segment_bytes=self._config.segment_bytes,
            first_seq=1,
            active=self._active.name,
            sealed=self._sealed,
        )
        self._manifests.save(manifest)


def _generation(manifest: Manifest | None) -> int:
    return 0 if manifest is None else manifest.generation
