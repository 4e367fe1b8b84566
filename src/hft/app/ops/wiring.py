"""Puts operator control beside a running gateway (used by `hft sim`, later `hft live`)."""

from __future__ import annotations

from pathlib import Path

from hft.app.gateway.service import Gateway
from hft.app.ops.inbox import ControlInbox
from hft.app.ops.status import StatusWriter

STATUS_WAIT_S = 2.0  # how long an outcome waits for status.json to show it (inbox thread)


def start_operator_control(
    run_dir: Path | str, gateway: Gateway, *, poll_s: float = 0.2, interval_s: float = 1.0
) -> tuple[ControlInbox, StatusWriter]:
    """Start the control inbox and the status writer for a started `gateway`; both stop
    when it closes (inbox first, so the final status shows what the last command did).
    Call on the gateway loop's thread."""
    inbox = ControlInbox(run_dir, gateway, poll_s)
    status = StatusWriter(run_dir, gateway, interval_s, extras=lambda: {"control": inbox.stats()})
    inbox.on_outcome = lambda: status.refresh(wait_s=STATUS_WAIT_S)
    gateway.on_close(inbox.stop)
    gateway.on_close(status.stop)
    status.start()
    inbox.start()
    return inbox, status
