"""The promotion store on POPO and SQLite recorders: append, fold, conflicts, listing."""

from __future__ import annotations

from pathlib import Path

import pytest
from eventsourcing.persistence import IntegrityError

from hft.app.alpha.store import PromotionStore, store_env, stream_id_for
from hft.app.bootstrap.codec import default_codec
from hft.domain.gates import Gate, GateVerdict, Measure
from hft.domain.promotion import PromotionStatus
from hft.domain.promotion_commands import record_gate, register_alpha


def store(kind: str, root: Path) -> PromotionStore:
    return PromotionStore(default_codec(), store_env(kind, root))


def registered(s: PromotionStore, alpha_id: str) -> None:
    s.append(
        register_alpha(
            None,
            stream_id=stream_id_for(alpha_id),
            alpha_id=alpha_id,
            kind="rule",
            strategy="p:C",
            spec_sha256="0" * 64,
            artifacts=("spec:0",),
            ts_ns=10,
        )
    )


@pytest.mark.parametrize("kind", ["popo", "sqlite"])
def test_events_roundtrip_through_the_recorder(kind: str, tmp_path: Path) -> None:
    """Stored events come back equal (nested measures, tuples) and fold to the same state."""
    s = store(kind, tmp_path)
    registered(s, "mm")
    measure = Measure(name="m", value=3, threshold=1, rule="ge", unit="u")
    gate = record_gate(
        s.get("mm"),
        GateVerdict(gate=Gate.FEASIBILITY, measures=(measure,)),
        input_hashes=("spec:0",),
        thresholds_version="v1",
        ts_ns=11,
    )
    s.append(gate)
    assert s.history("mm")[1] == gate
    assert s.get("mm").status is PromotionStatus.GATING
    assert s.get("mm").passed_gates == (Gate.FEASIBILITY,)


@pytest.mark.parametrize("kind", ["popo", "sqlite"])
def test_a_version_conflict_stores_nothing(kind: str, tmp_path: Path) -> None:
    """Two writers deciding from the same version: the second append fails atomically."""
    s = store(kind, tmp_path)
    registered(s, "mm")
    state = s.get("mm")
    verdict = GateVerdict(
        gate=Gate.FEASIBILITY,
        measures=(Measure(name="m", value=1, threshold=1, rule="eq", unit="u"),),
    )
    first = record_gate(state, verdict, input_hashes=(), thresholds_version="v", ts_ns=1)
    second = record_gate(state, verdict, input_hashes=("x",), thresholds_version="v", ts_ns=2)
    s.append(first)
    with pytest.raises(IntegrityError):
        s.append(second)
    assert s.history("mm") == [s.history("mm")[0], first]


@pytest.mark.parametrize("kind", ["popo", "sqlite"])
def test_alpha_ids_lists_registrations_in_order(kind: str, tmp_path: Path) -> None:
    """Every registered alpha is listed once, in registration order; unknown ids are None."""
    s = store(kind, tmp_path)
    for alpha_id in ("b", "a", "c"):
        registered(s, alpha_id)
    assert s.alpha_ids() == ["b", "a", "c"]
    assert s.find("zzz") is None


def test_stream_ids_are_stable_uuids() -> None:
    """The same alpha id always names the same stream (a UUID, the recorder's id type)."""
    assert stream_id_for("alpha_mm") == stream_id_for("alpha_mm")
    assert stream_id_for("alpha_mm") == "664798ef-2827-54b7-b128-64b4e72dd258"
    assert stream_id_for("a") != stream_id_for("b")


def test_unknown_store_kind_is_refused(tmp_path: Path) -> None:
    """A store kind other than sqlite, postgres or popo raises ValueError naming it."""
    with pytest.raises(ValueError, match="mongo"):
        store_env("mongo", tmp_path)
    assert store_env("postgres", tmp_path) == {"PERSISTENCE_MODULE": "eventsourcing.postgres"}
