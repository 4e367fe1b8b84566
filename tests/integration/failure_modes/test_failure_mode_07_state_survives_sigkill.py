"""Failure mode 7 and "dedup state saved only on clean shutdown" (docs/failure-modes.md):
a gateway process SIGKILLed the instant it heard its last fill loses neither that fill nor
any idempotency key, because nothing is kept in a checkpoint: the restart folds the WAL.

The crash is real: `crash_gateway` trades on a real WAL (fsync policy) and SIGKILLs itself
inside the listener that hears the completing fill, so no close, step or clean stop follows.
"""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from hft.app.bootstrap.replay import read_logged_events
from hft.app.gateway.service import Gateway
from hft.app.replay import replay_events
from hft.domain.intent import IntentDeduplicated, IntentFilled
from tests.integration.failure_modes.crash_gateway import new_order, open_gateway, settle
from tests.unit.app.harness import LOT_NOTIONAL
from tests.unit.app.stubs import StubBroker

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def crashed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    """A run directory whose gateway died by SIGKILL right after hearing a1's last fill,
    and what its listener printed (seq and fill id of that fill)."""
    run = tmp_path_factory.mktemp("crashed")
    done = subprocess.run(
        [sys.executable, "-m", "tests.integration.failure_modes.crash_gateway", str(run / "wal")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == -signal.SIGKILL, (done.returncode, done.stderr)
    heard: dict[str, Any] = json.loads(done.stdout)
    return run, heard


def _copy(crashed: tuple[Path, dict[str, Any]], tmp_path: Path) -> tuple[Path, dict[str, Any]]:
    run, heard = crashed
    shutil.copytree(run, tmp_path / "run")
    return tmp_path / "run", heard


def _restart(run: Path) -> tuple[Gateway, StubBroker]:
    broker = StubBroker()
    return open_gateway(str(run / "wal"), broker), broker


def test_the_crashed_log_holds_the_last_fill_it_announced_and_audits_clean(
    crashed: tuple[Path, dict[str, Any]],
) -> None:
    """The event at the announced seq is a1's completing fill (F2, 2 lots); both fills are
    in the log once; replay finds no violation and explains the missing clean stop."""
    run, heard = crashed
    logged = {e.seq: e.event for e in read_logged_events(run)}
    last = logged[heard["seq"]]
    assert isinstance(last, IntentFilled)
    assert (last.originator_id, last.fill_id, last.qty, last.leaves) == ("a1", "F2", 2, 0)
    fills = [(e.fill_id, e.qty) for e in logged.values() if isinstance(e, IntentFilled)]
    assert fills == [("F1", 1), ("F2", 2)]
    report = replay_events(read_logged_events(run))
    assert report.violations == ()
    assert report.clean_stop is False


def test_a_restart_after_sigkill_rebuilds_the_last_fill_and_the_exposure_it_moved(
    crashed: tuple[Path, dict[str, Any]], tmp_path: Path
) -> None:
    """Failure 7: the final fill before the crash is in the rebuilt state: a1 FILLED with
    3 lots, the position 3 lots at cost 3 * LOT, and b1's 1-lot reservation still held."""
    run, _ = _copy(crashed, tmp_path)
    gateway, _ = _restart(run)
    state = gateway.core.state
    a1, b1 = state.intents["a1"], state.intents["b1"]
    assert (a1.status.value, a1.filled) == ("FILLED", 3)
    assert (b1.status.value, b1.filled) == ("ACKED", 0)
    (entry,) = state.book.entries.values()
    assert (entry.reserved, entry.position_qty, entry.position_cost) == (
        LOT_NOTIONAL,
        3,
        3 * LOT_NOTIONAL,
    )
    assert state.book.total == 4 * LOT_NOTIONAL
    gateway.close("test end")


def test_a_restart_after_sigkill_still_knows_every_dispatched_key(
    crashed: tuple[Path, dict[str, Any]], tmp_path: Path
) -> None:
    """Also seen: dedup state saved only on a clean shutdown. Here a crash forgets nothing:
    retrying key-a and key-b after the restart is DEDUPLICATED to a1 and b1 and reaches no
    broker, while a new key is dispatched; the log then audits clean."""
    run, _ = _copy(crashed, tmp_path)
    gateway, broker = _restart(run)
    gateway.submit(new_order("a2", "key-a", 3))
    gateway.submit(new_order("b2", "key-b", 1))
    gateway.submit(new_order("c1", "key-c", 1))
    settle(gateway)
    state = gateway.core.state
    assert [state.intents[i].status.value for i in ("a2", "b2", "c1")] == [
        "DEDUPLICATED",
        "DEDUPLICATED",
        "ACKED",
    ]
    assert [o.intent_id for o in broker.placed] == ["c1"]
    gateway.close("test end")
    dedups = [e.event for e in read_logged_events(run) if isinstance(e.event, IntentDeduplicated)]
    firsts = [(e.originator_id, e.first_intent_id) for e in dedups]
    assert firsts == [("a2", "a1"), ("b2", "b1")]
    assert replay_events(read_logged_events(run)).violations == ()
