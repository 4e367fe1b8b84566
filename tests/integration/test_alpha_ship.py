"""`hft alpha ship`: every promotion event reaches the audit tables once, in embedded
ClickHouse, through the audit WAL and the ordinary loader."""

from __future__ import annotations

from pathlib import Path

from hft.app.bootstrap.alpha import ship_audit
from hft.app.bootstrap.codec import default_codec
from hft.app.loader.run import query_run
from tests.unit.alpha.helpers import make_service, write_metrics, write_spec


def test_every_promotion_event_is_an_audit_row_once(tmp_path: Path) -> None:
    root = tmp_path / "state"
    service = make_service(root, "sqlite")
    spec = write_spec(tmp_path / "alpha")
    service.register(spec)
    service.validate(spec)
    service.promote("mm")
    write_metrics(root, "mm")
    service.evaluate_canary("mm")
    history = service.store.history("mm")
    names = [default_codec().to_dict(e)["type"] for e in history]  # registry names

    first = ship_audit(root, store_kind="sqlite")
    again = ship_audit(root, store_kind="sqlite")

    assert first["copied"] == first["loaded_events"] == len(history)
    assert again == {"copied": 0, "loaded_events": 0, "rows": 0}
    audit = root / "audit"
    gates = query_run(audit, "SELECT count() FROM alpha_gate_results FINAL")
    canary = query_run(audit, "SELECT count() FROM canary_actions FINAL")
    assert gates == [(names.count("AlphaGateEvaluated"),)]
    assert canary == [(names.count("AlphaCanaryEscalated") + names.count("AlphaCanaryHeld"),)]
    assert names.count("AlphaGateEvaluated") == 5
