"""Loader worker processes (forked from a fork server) and their spill files never outlive
the loader, whether it ends normally or is SIGKILLed."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from hft.app.loader.handoff import SPILL_ROOT_ENV
from hft.app.loader.run import load_run
from tests.integration.clickhouse.procs import children, running
from tests.integration.clickhouse.walfixtures import sample_run


def _descendants(pid: int) -> set[int]:
    found: set[int] = set()
    todo = [pid]
    while todo:
        kids = set(children(todo.pop()))
        found |= kids
        todo.extend(kids)
    return found


def _is_resource_tracker(pid: int) -> bool:
    """multiprocessing's resource tracker: one per process that ever started a pool, for its
    lifetime (spawned workers had it too)."""
    try:
        return b"resource_tracker" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


def _children_running() -> set[int]:
    """This process's live descendants but the resource tracker (other tests in this process
    may have left processes of their own: compare before and after)."""
    pids = _descendants(os.getpid())
    return {p for p in pids if running(p) and not _is_resource_tracker(p)}


def test_a_load_leaves_no_process_behind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """After `load_run` with two workers returns, this process has no child left but
    multiprocessing's resource tracker (the fork server is stopped and waited for, the workers
    are gone) and no spill directory of its own remains."""
    spill = tmp_path / "spill"
    spill.mkdir()
    monkeypatch.setenv(SPILL_ROOT_ENV, str(spill))
    sample_run(tmp_path, 3_000)
    others = _children_running()
    assert load_run(tmp_path, workers=2).events == 3_000
    assert _children_running() - others == set()
    assert list(spill.iterdir()) == []


def test_workers_exit_and_spill_files_go_when_the_loader_is_sigkilled(tmp_path: Path) -> None:
    """`hft load --workers 2` SIGKILLed while shipping: its fork server, every worker and the
    spill directory are gone within seconds."""
    spill = tmp_path / "spill"
    spill.mkdir()
    sample_run(tmp_path, 12_000)
    loader = subprocess.Popen(
        ["hft", "load", str(tmp_path), "--workers", "2", "--json"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, SPILL_ROOT_ENV: str(spill)},
    )
    shipped = tmp_path / "loader" / "shipped"
    family: set[int] = set()
    spilled: set[Path] = set()
    while loader.poll() is None and len(list(shipped.glob("*.json"))) < 2:
        family |= _descendants(loader.pid)
        spilled |= set(spill.iterdir())
        time.sleep(0.01)
    family |= _descendants(loader.pid)
    if loader.poll() is None:
        os.kill(loader.pid, signal.SIGKILL)
    loader.wait(timeout=60)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and (
        any(running(p) for p in family) or list(spill.iterdir())
    ):
        time.sleep(0.1)
    assert len(family) >= 3  # the fork server and two workers at least
    assert spilled  # the pool's spill directory was there while it ran
    assert [p for p in family if running(p)] == []
    assert list(spill.iterdir()) == []
