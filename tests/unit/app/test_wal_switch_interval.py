"""The GIL switch interval for acks is set in one place: opening a log whose policy syncs
lowers it to ACK_SWITCH_INTERVAL_S, never raises it, and a policy-none log leaves it alone."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from hft.app.bootstrap import wal


@pytest.fixture(autouse=True)
def restore_switch_interval() -> Iterator[None]:
    previous = sys.getswitchinterval()
    yield
    sys.setswitchinterval(previous)


def test_lowering_from_the_default_sets_the_ack_interval() -> None:
    """From the 5 ms default, the call sets ACK_SWITCH_INTERVAL_S and returns it."""
    sys.setswitchinterval(0.005)
    assert wal.lower_switch_interval_for_acks() == pytest.approx(wal.ACK_SWITCH_INTERVAL_S)
    assert sys.getswitchinterval() == pytest.approx(wal.ACK_SWITCH_INTERVAL_S)


def test_a_lower_interval_already_set_is_kept() -> None:
    """A process that chose a smaller interval keeps it."""
    sys.setswitchinterval(0.0001)
    assert wal.lower_switch_interval_for_acks() == pytest.approx(0.0001)


@pytest.mark.parametrize(("policy", "lowered"), [("fsync", True), ("batch", True), ("none", False)])
def test_opening_a_log_lowers_the_interval_only_for_syncing_policies(
    tmp_path: Path, policy: str, lowered: bool
) -> None:
    """open_event_log with fsync or batch lowers the interval; with none it stays at 5 ms."""
    sys.setswitchinterval(0.005)
    wal.open_event_log(str(tmp_path / policy), wal.wal_config(policy)).close()
    expected = wal.ACK_SWITCH_INTERVAL_S if lowered else 0.005
    assert sys.getswitchinterval() == pytest.approx(expected)
