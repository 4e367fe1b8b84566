"""Shard claims: which loader process owns which sealed segment, held by the kernel.

A claim is an exclusive `flock` on a per-segment lock file. The kernel attaches a flock to
the open file description, so:

- a second descriptor, even in the same process, is refused (unlike `lockf`/POSIX record
  locks, where a second fd in one process silently shares the lock and closing either fd
  drops it);
- a claim dies with its holder: when a SIGKILLed process's descriptors are closed by the
  kernel the lock is free again (milliseconds for a small process; the kernel unmaps a dead
  process's memory first, so a holder of hundreds of MB takes a few hundred ms);
- a child made by `fork()` inherits the descriptor and keeps the claim alive until both have
  closed it. Start loader workers before they claim, or with `spawn`; descriptors are opened
  close-on-exec, so an `exec`ed program does not inherit them.

Lock files are never unlinked while someone may be waiting on them unless the remover holds
the lock (`retire`); a claimer re-checks after locking that its descriptor still names the
file at the path, so a retired lock file can never be held twice.
"""

from __future__ import annotations

import errno
import fcntl
import os
import threading
from collections.abc import Iterable
from pathlib import Path

import attrs

LOCK_SUFFIX = ".claim"


class ClaimError(Exception):
    """Base of the errors a claim registry raises on purpose."""


class InvalidSegmentIdError(ClaimError, ValueError):
    """A segment id that cannot name a lock file (empty, a path, hidden or too long)."""


class ClaimNotHeldError(ClaimError):
    """`release`/`retire` of a claim this registry does not hold (already released?)."""


class ClaimRegistryClosedError(ClaimError):
    """The registry was closed; it makes no new claims."""


@attrs.frozen
class Claim:
    """An exclusive claim on one segment, held through `fd` until released or the holder dies."""

    segment_id: str
    lock_path: Path
    fd: int = attrs.field(repr=False)
    holder_pid: int


class FileClaimRegistry:
    """Claims segments for one process through lock files in `lock_dir`.

    Blocking: never; every call is a non-blocking `flock` (about 1-2 us for lock+unlock).
    Thread-safe. Errors: `InvalidSegmentIdError` for a bad id, `ClaimNotHeldError` for a
    stale claim, `ClaimRegistryClosedError` after `close`, `OSError` from the file system.
    """

    def __init__(self, lock_dir: Path | str) -> None:
        self._dir = Path(lock_dir)
        self._dir.mkdir(parents=True, exist_ok=True)
        self._held: dict[str, Claim] = {}
        self._mutex = threading.Lock()
        self._closed = False

    @property
    def lock_dir(self) -> Path:
        return self._dir

    def try_claim(self, segment_id: str) -> Claim | None:
        """Claims `segment_id` for this process, or returns None if anyone holds it already
        (another process, another registry, or this registry itself)."""
        path = self.lock_path(segment_id)
        with self._mutex:
            if self._closed:
                raise ClaimRegistryClosedError("claim registry is closed")
            if segment_id in self._held:
                return None
            fd = _lock_exclusive(path)
            if fd is None:
                return None
            claim = Claim(segment_id, path, fd, os.getpid())
            self._held[segment_id] = claim
            return claim

    def claim_first(self, segment_ids: Iterable[str]) -> Claim | None:
        """Claims the first of `segment_ids` that nobody holds (a loader's work loop)."""
        for segment_id in segment_ids:
            claim = self.try_claim(segment_id)
            if claim is not None:
                return claim
        return None

    def release(self, claim: Claim) -> None:
        """Gives the segment back; another process may claim it at once."""
        with self._mutex:
            self._forget(claim)
            _unlock_and_close(claim.fd)

    def retire(self, claim: Claim) -> None:
        """Releases the claim and removes its lock file (the segment is done for good).

        The file is unlinked while still locked; a process waiting on the old file notices
        after locking that it no longer names the path and reports the segment as taken.
        """
        with self._mutex:
            self._forget(claim)
            try:
                claim.lock_path.unlink(missing_ok=True)
            finally:
                _unlock_and_close(claim.fd)

    def is_claimed_elsewhere(self, segment_id: str) -> bool:
        """True if some other holder has the segment now (a probe: lock and unlock at once)."""
        path = self.lock_path(segment_id)
        with self._mutex:
            if segment_id in self._held:
                return False
            fd = _lock_exclusive(path)
            if fd is None:
                return True
            _unlock_and_close(fd)
            return False

    def held(self) -> frozenset[str]:
        """Segment ids this registry holds now."""
        with self._mutex:
            return frozenset(self._held)

    def close(self) -> None:
        """Releases every claim; idempotent."""
        with self._mutex:
            self._closed = True
            claims, self._held = list(self._held.values()), {}
        for claim in claims:
            _unlock_and_close(claim.fd)

    def lock_path(self, segment_id: str) -> Path:
        """The lock file of `segment_id` (validated)."""
        _check_segment_id(segment_id)
        return self._dir / f"{segment_id}{LOCK_SUFFIX}"

    def _forget(self, claim: Claim) -> None:
        if self._held.get(claim.segment_id) is not claim:
            raise ClaimNotHeldError(f"segment {claim.segment_id!r} is not held by this registry")
        del self._held[claim.segment_id]


_MAX_ID_LEN = 200


def _check_segment_id(segment_id: str) -> None:
    bad = (
        not segment_id
        or len(segment_id) > _MAX_ID_LEN
        or segment_id.startswith(".")
        or "/" in segment_id
        or "\0" in segment_id
    )
    if bad:
        raise InvalidSegmentIdError(f"segment id {segment_id!r} cannot name a lock file")


def _lock_exclusive(path: Path) -> int | None:
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as exc:
        os.close(fd)
        if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
            return None
        raise
    if not _still_names(fd, path):
        _unlock_and_close(fd)
        return None
    return fd


def _still_names(fd: int, path: Path) -> bool:
    """After locking: is our inode still the file at `path` (not retired meanwhile)?"""
    try:
        at_path = os.stat(path)
    except FileNotFoundError:
        return False
    mine = os.fstat(fd)
    return (mine.st_dev, mine.st_ino) == (at_path.st_dev, at_path.st_ino)


def _unlock_and_close(fd: int) -> None:
    # Unlock explicitly: a forked child sharing the description must not keep a released claim.
    try:
        fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
