"""Segment claims with real lock files and real processes: exclusive, and dead with their holder."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hft.adapters.wal.claims import (
    ClaimNotHeldError,
    ClaimRegistryClosedError,
    FileClaimRegistry,
    InvalidSegmentIdError,
    _still_names,
)

WORKER = Path(__file__).with_name("claim_worker.py")
LIVENESS_S = 20.0  # a bound on waiting for the kernel, not a performance claim


def _start(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, str(WORKER), *args], stdout=subprocess.PIPE, text=True)


def _first_line(proc: subprocess.Popen[str]) -> str:
    assert proc.stdout is not None
    return proc.stdout.readline().strip()


def _kill(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)


def _reap(proc: subprocess.Popen[str]) -> None:
    _kill(proc.pid)
    proc.wait()
    if proc.stdout is not None:
        proc.stdout.close()


def _wait_for_claim(registry: FileClaimRegistry, segment: str) -> bool:
    deadline = time.monotonic() + LIVENESS_S
    while time.monotonic() < deadline:
        claim = registry.try_claim(segment)
        if claim is not None:
            registry.release(claim)
            return True
        time.sleep(0.001)
    return False


@pytest.fixture
def registry(tmp_path: Path) -> Iterator[FileClaimRegistry]:
    reg = FileClaimRegistry(tmp_path / "claims")
    yield reg
    reg.close()


def test_same_registry_refuses_a_second_claim_on_a_held_segment(
    registry: FileClaimRegistry,
) -> None:
    """A registry that holds a segment answers None to a second claim, and keeps the first."""
    first = registry.try_claim("seg-00000001")
    assert first is not None
    assert registry.try_claim("seg-00000001") is None
    assert registry.held() == frozenset({"seg-00000001"})


def test_a_second_registry_in_the_same_process_is_refused(tmp_path: Path) -> None:
    """Two registries (two fds) in one process exclude each other: the lockf trap is avoided."""
    a, b = FileClaimRegistry(tmp_path), FileClaimRegistry(tmp_path)
    claim = a.try_claim("seg-1")
    assert claim is not None
    assert b.try_claim("seg-1") is None
    assert b.is_claimed_elsewhere("seg-1") is True
    a.release(claim)
    assert b.is_claimed_elsewhere("seg-1") is False
    again = b.try_claim("seg-1")
    assert again is not None
    assert again.holder_pid == os.getpid()
    a.close()
    b.close()


def test_claim_first_skips_held_segments(tmp_path: Path) -> None:
    """A worker's claim_first takes the first segment nobody else holds."""
    a, b = FileClaimRegistry(tmp_path), FileClaimRegistry(tmp_path)
    assert a.try_claim("s1") is not None
    got = b.claim_first(["s1", "s2", "s3"])
    assert got is not None
    assert got.segment_id == "s2"
    assert b.claim_first(["s1", "s2"]) is None
    a.close()
    b.close()


def test_releasing_a_claim_twice_is_a_named_error(registry: FileClaimRegistry) -> None:
    """A stale claim cannot release someone else's later claim on the same segment."""
    claim = registry.try_claim("s1")
    assert claim is not None
    registry.release(claim)
    newer = registry.try_claim("s1")
    assert newer is not None
    with pytest.raises(ClaimNotHeldError):
        registry.release(claim)
    assert registry.held() == frozenset({"s1"})


def test_closed_registry_releases_everything_and_claims_nothing(tmp_path: Path) -> None:
    """close() frees every claim for others and refuses new claims; a second close is a no-op."""
    a, b = FileClaimRegistry(tmp_path), FileClaimRegistry(tmp_path)
    for seg in ("s1", "s2"):
        assert a.try_claim(seg) is not None
    a.close()
    a.close()
    assert b.claim_first(["s1"]) is not None
    assert b.claim_first(["s2"]) is not None
    with pytest.raises(ClaimRegistryClosedError):
        a.try_claim("s3")
    b.close()


def test_retire_removes_the_lock_file_and_frees_the_segment(tmp_path: Path) -> None:
    """A retired segment's lock file is gone and the id is claimable again from scratch."""
    a, b = FileClaimRegistry(tmp_path), FileClaimRegistry(tmp_path)
    claim = a.try_claim("s1")
    assert claim is not None
    assert claim.lock_path.exists()
    a.retire(claim)
    assert not claim.lock_path.exists()
    assert a.held() == frozenset()
    assert b.try_claim("s1") is not None
    a.close()
    b.close()


def test_a_lock_on_a_file_retired_meanwhile_does_not_count(tmp_path: Path) -> None:
    """A descriptor whose lock file was unlinked (or replaced) no longer names the segment."""
    path = tmp_path / "s1.claim"
    fd = os.open(path, os.O_RDWR | os.O_CREAT)
    try:
        assert _still_names(fd, path) is True
        path.unlink()
        assert _still_names(fd, path) is False
        path.touch()
        assert _still_names(fd, path) is False
    finally:
        os.close(fd)


@given(
    st.one_of(
        st.just(""),
        st.text(min_size=1, max_size=8).map(lambda s: "." + s),
        st.text(max_size=8).map(lambda s: s + "/x"),
        st.text(min_size=201, max_size=210, alphabet="abc"),
    )
)
def test_ids_that_cannot_name_a_lock_file_are_refused(bad_id: str) -> None:
    """Empty, hidden, path-like or over-long ids raise InvalidSegmentIdError before any I/O."""
    registry = FileClaimRegistry("/tmp/hft-claims-invalid-ids")
    with pytest.raises(InvalidSegmentIdError):
        registry.try_claim(bad_id)
    registry.close()


def test_two_processes_never_hold_the_same_segment_at_once(tmp_path: Path) -> None:
    """Two worker processes contending for 3 segments never overlap on one (marker test)."""
    locks, marks = tmp_path / "locks", tmp_path / "marks"
    marks.mkdir()
    segments = ["seg-a", "seg-b", "seg-c"]
    rounds = 300
    procs = [_start("contend", str(locks), str(marks), str(rounds), *segments) for _ in range(2)]
    outputs = [p.communicate(timeout=120)[0].split("\n") for p in procs]
    lines = [line for out in outputs for line in out if line]
    assert [p.returncode for p in procs] == [0, 0]
    assert [line for line in lines if line.startswith("VIOLATION")] == []
    assert len(lines) == 2 * rounds
    assert {line.split()[1] for line in lines} <= set(segments)


def test_a_sigkilled_holders_segment_is_claimed_again(tmp_path: Path) -> None:
    """While a process holds a segment it is refused to others; after SIGKILL it is free."""
    registry = FileClaimRegistry(tmp_path)
    holder = _start("hold", str(tmp_path), "seg-7")
    try:
        assert _first_line(holder) == "held"
        assert registry.try_claim("seg-7") is None
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=LIVENESS_S)
        assert _wait_for_claim(registry, "seg-7")
    finally:
        _reap(holder)
        registry.close()


def test_a_forked_child_keeps_the_claim_alive_after_its_parent_dies(tmp_path: Path) -> None:
    """fork() shares the lock: the claim outlives the SIGKILLed parent until the child dies."""
    registry = FileClaimRegistry(tmp_path)
    parent = _start("fork-hold", str(tmp_path), "seg-9")
    child_pid = 0
    try:
        word, pid_text = _first_line(parent).split()
        assert word == "held"
        child_pid = int(pid_text)
        parent.send_signal(signal.SIGKILL)
        parent.wait(timeout=LIVENESS_S)
        assert registry.is_claimed_elsewhere("seg-9") is True
        _kill(child_pid)
        assert _wait_for_claim(registry, "seg-9")
    finally:
        _reap(parent)
        if child_pid:
            _kill(child_pid)
        registry.close()
