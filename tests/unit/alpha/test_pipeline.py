"""The pipeline end to end on POPO and SQLite recorders: gates, promotion, canary, rollback,
and the audit rows that mirror the event history."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from hft.app.alpha.research import BacktestRequest, BacktestResult, SyntheticMarketMaker
from hft.app.alpha.service import PromotionService
from hft.app.bootstrap.alpha import promotion_service
from hft.app.bootstrap.codec import default_codec
from hft.domain.canary import CanaryAction
from hft.domain.errors import InvalidTransition
from hft.domain.gates import Gate
from hft.domain.promotion import GatesIncomplete, PromotionStatus
from tests.unit.alpha.helpers import make_service, write_metrics, write_spec

RECORDERS = [
    "popo",
    "sqlite",
    pytest.param(
        "postgres",
        marks=pytest.mark.skipif(
            not os.environ.get("POSTGRES_HOST"),
            reason="POSTGRES_HOST is not set (the library's POSTGRES_* variables; see README)",
        ),
    ),
]


@pytest.fixture(params=RECORDERS)
def service(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> PromotionService:
    if request.param == "postgres":
        monkeypatch.setenv("POSTGRES_DBNAME", _fresh_postgres_database(tmp_path.name))
    return make_service(tmp_path / "state", request.param)


def _fresh_postgres_database(name: str) -> str:
    """Each test gets its own database on the server named by the POSTGRES_* variables."""
    import psycopg  # noqa: PLC0415  # only with the [postgres] extra

    dbname = "hft_" + "".join(c if c.isalnum() else "_" for c in name.lower())[:40]
    env = os.environ
    with psycopg.connect(
        dbname="postgres",
        host=env["POSTGRES_HOST"],
        port=env["POSTGRES_PORT"],
        user=env["POSTGRES_USER"],
        password=env.get("POSTGRES_PASSWORD", ""),
        autocommit=True,
    ) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {dbname}")
        conn.execute(f"CREATE DATABASE {dbname}")
    return dbname


def test_sample_alpha_goes_from_registration_to_live(
    service: PromotionService, tmp_path: Path
) -> None:
    """Gates A..E pass, promotion sets 5%, three healthy evaluations reach live at 100%."""
    spec = write_spec(tmp_path / "alpha")
    service.register(spec)
    report = service.validate(spec)
    assert [v.gate for v in report.verdicts] == list(Gate)
    assert report.passed
    state = service.promote("mm")
    assert (state.status, state.weight_bps) == (PromotionStatus.CANARY, 500)
    with pytest.raises(InvalidTransition):
        service.validate(spec)  # refused before any backtest runs
    assert len(service.registry.runs()) == 1
    assert service.gateway_config.entry("mm") == {
        "strategy": "hft.app.strategies.market_maker:MarketMaker",
        "weight_bps": 500,
    }
    write_metrics(service.gateway_config.path.parent.parent, "mm")
    weights = []
    for _ in range(3):
        decision, state = service.evaluate_canary("mm")
        assert decision.action is CanaryAction.ESCALATE
        weights.append(state.weight_bps)
    assert weights == [2_000, 5_000, 10_000]
    assert state.status is PromotionStatus.LIVE
    assert service.gateway_config.entry("mm") == {
        "strategy": "hft.app.strategies.market_maker:MarketMaker",
        "weight_bps": 10_000,
    }
    with pytest.raises(InvalidTransition):
        service.evaluate_canary("mm")


def test_audit_rows_equal_the_event_history(service: PromotionService, tmp_path: Path) -> None:
    """One audit row per stored event, same order, same seq, type and time."""
    spec = write_spec(tmp_path / "alpha")
    service.register(spec, actor="alice")
    service.validate(spec)
    service.promote("mm", actor="bob")
    service.rollback("mm", reasons=("drill",), actor="carol")
    history = service.history("mm")
    rows = service.audit_rows("mm")
    codec = default_codec()
    assert [(r["seq"], r["type"], r["ts_event"]) for r in rows] == [
        (e.originator_version, codec.to_dict(e)["type"], e.ts_event_ns) for e in history
    ]
    assert [r["table"] for r in rows] == ["promotions"] + ["alpha_gate_results"] * 5 + [
        "promotions",
        "promotions",
    ]
    assert [r["actor"] for r in rows] == ["alice", *["pipeline"] * 5, "bob", "carol"]
    assert rows[-1]["stage"] == "rolled_back"
    assert rows[-1]["actor"] == "carol"
    assert rows[-1]["reason"].startswith("drill [config ")
    assert {r["log_id"] for r in rows} == {"alpha:mm"}


def test_rollback_restores_the_previous_config_exactly(
    service: PromotionService, tmp_path: Path
) -> None:
    """A hand-written config with another strategy comes back byte for byte after a rollback."""
    path = service.gateway_config.path
    path.parent.mkdir(parents=True, exist_ok=True)
    original = b'{ "strategies": {"other": {"weight_bps": 10000, "strategy": "x:Y"}} }\n'
    path.write_bytes(original)
    spec = write_spec(tmp_path / "alpha")
    service.register(spec)
    service.validate(spec)
    service.promote("mm")
    write_metrics(path.parent.parent, "mm")
    service.evaluate_canary("mm")
    assert path.read_bytes() != original
    state = service.rollback("mm", reasons=("operator drill",), actor="ops")
    assert state.status is PromotionStatus.ROLLED_BACK
    assert path.read_bytes() == original


def test_missing_metrics_roll_back_and_repromotion_needs_fresh_gates(
    service: PromotionService, tmp_path: Path
) -> None:
    """No snapshot rolls the canary back; promoting again is refused until gates re-run."""
    spec = write_spec(tmp_path / "alpha")
    service.register(spec)
    service.validate(spec)
    service.promote("mm")
    decision, state = service.evaluate_canary("mm")
    assert state.status is PromotionStatus.ROLLED_BACK
    assert decision.action is CanaryAction.ROLLBACK
    assert decision.reasons == ("no metrics snapshot",)
    assert service.gateway_config.entry("mm") is None
    with pytest.raises(InvalidTransition):
        service.promote("mm")
    assert service.validate(spec).passed
    assert service.promote("mm").round == 2


class RuntimeEngine:
    """A runner that claims runtime-simulator artifacts: Gate C must refuse them (M4)."""

    def run(self, request: BacktestRequest) -> BacktestResult:
        result = SyntheticMarketMaker(bars_per_fold=300).run(request)
        return BacktestResult(
            engine="runtime",
            equity_source=result.equity_source,
            data_fingerprint=result.data_fingerprint,
            capital_scaled=result.capital_scaled,
            bars_per_day=result.bars_per_day,
            fills=result.fills,
            equity_scaled=result.equity_scaled,
        )


@pytest.mark.parametrize("store_kind", RECORDERS)
def test_runtime_artifacts_stop_at_gate_c(
    tmp_path: Path, store_kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Validation stops at a failed Gate C; promotion is then refused with GatesIncomplete."""
    if store_kind == "postgres":
        monkeypatch.setenv("POSTGRES_DBNAME", _fresh_postgres_database(tmp_path.name))
    service = promotion_service(
        root=tmp_path / "s", store_kind=store_kind, backtest=RuntimeEngine()
    )
    spec = write_spec(tmp_path / "alpha")
    service.register(spec)
    report = service.validate(spec)
    assert [(v.gate, v.passed) for v in report.verdicts] == [
        (Gate.FEASIBILITY, True),
        (Gate.CORRECTNESS, True),
        (Gate.BACKTEST, False),
    ]
    with pytest.raises(GatesIncomplete):
        service.promote("mm")
    assert service.gateway_config.read_bytes() == b""


def test_sqlite_history_survives_a_new_process_view(tmp_path: Path) -> None:
    """A second service over the same SQLite file folds the same state and history."""
    first = make_service(tmp_path / "state", "sqlite")
    spec = write_spec(tmp_path / "alpha")
    first.register(spec)
    first.validate(spec)
    second = make_service(tmp_path / "state", "sqlite")
    assert second.store.get("mm") == first.store.get("mm")
    assert second.history("mm") == first.history("mm")
    assert second.store.alpha_ids() == ["mm"]


def test_a_clone_of_a_live_pool_member_fails_gate_d_on_correlation(tmp_path: Path) -> None:
    """A second alpha trading the same returns as a canary in the pool fails D (corr 1.0)."""
    service = make_service(tmp_path / "state", "popo")
    first = write_spec(tmp_path / "first", alpha_id="first")
    service.register(first)
    assert service.validate(first).passed
    service.promote("first")
    clone = write_spec(tmp_path / "clone", alpha_id="clone")
    service.register(clone)
    report = service.validate(clone)
    assert [v.gate for v in report.verdicts][-1] is Gate.PROMOTION
    failed = [m for m in report.verdicts[-1].measures if not m.passed]
    assert [(m.name, m.value) for m in failed] == [("pool_correlation", 10_000)]
