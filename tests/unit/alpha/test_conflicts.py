"""Two writers: the loser's config change is undone so the file matches the history."""

from __future__ import annotations

from pathlib import Path

import pytest
from eventsourcing.persistence import IntegrityError

from hft.app.bootstrap.alpha import promotion_service
from hft.domain.promotion_commands import escalate
from tests.unit.alpha.helpers import gated_alpha, write_metrics


def test_a_stale_escalation_is_refused_and_its_config_change_undone(tmp_path: Path) -> None:
    """A decision from a stale version raises IntegrityError and leaves the winner's config."""
    gated_alpha(tmp_path, "mm")
    service = promotion_service(root=tmp_path, store_kind="sqlite")
    service.promote("mm")
    stale = service.store.get("mm")
    write_metrics(tmp_path, "mm")
    service.evaluate_canary("mm")  # the winner: 500 -> 2000 bps
    winner_bytes = service.gateway_config.read_bytes()
    change = service.gateway_config.set_weight("mm", stale.strategy, 9_000)
    event = escalate(stale, reasons=("late",), config=change, ts_ns=1)
    with pytest.raises(IntegrityError):
        service._append_changed(event, change)
    assert service.gateway_config.read_bytes() == winner_bytes
    assert service.store.get("mm").weight_bps == 2_000
