"""Wires the alpha promotion pipeline: store, registry, gateway config, runners, clock.

Locations (all overridable): the state directory is `$HFT_STATE_DIR` or
`~/.local/state/hft`; under it `alpha-promotions.sqlite` (the event store), `experiments/`
(research artifacts), `gateway/strategies.json` (+ `gateway/history/`) and
`canary-metrics/<alpha_id>.json`. `HFT_ALPHA_STORE` picks the recorder: sqlite (default),
postgres (the eventsourcing `POSTGRES_*` variables configure it) or popo (memory).
`HFT_ALPHA_ENGINE` picks the runners: sim (default: the simulated venue) or stand-in (the
fast in-process model, for unit tests).
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping
from pathlib import Path

import attrs

from hft import __version__
from hft.adapters.memory.clock import SystemClock
from hft.adapters.simbroker import LATENCY_PRESETS, Leg
from hft.app.alpha.artifacts import ExperimentRegistry
from hft.app.alpha.canary import CanaryMetricsSource, JsonMetricsSource
from hft.app.alpha.gateway_config import StrategyConfigFile
from hft.app.alpha.research import BacktestRunner, SyntheticMarketMaker
from hft.app.alpha.service import PromotionService
from hft.app.alpha.sim_runners import SimResearchBacktest, SimSmokeRunner
from hft.app.alpha.smoke import InProcessSmoke, SmokeRunner
from hft.app.alpha.store import PromotionStore, store_env
from hft.app.alpha.thresholds import PipelineConfig, load_config
from hft.app.bootstrap.codec import default_codec
from hft.ports.clock import Clock


def state_dir(environ: Mapping[str, str] | None = None) -> Path:
    env = os.environ if environ is None else environ
    explicit = env.get("HFT_STATE_DIR")
    return Path(explicit) if explicit else Path.home() / ".local" / "state" / "hft"


def code_version() -> str:
    """`<package version>+g<git commit>` when run from a checkout, else the package version."""
    try:
        done = subprocess.run(
            ["git", "rev-parse", "--short=12", "HEAD"],  # noqa: S607  (git from PATH)
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
            cwd=Path(__file__).parent,
        )
    except (OSError, subprocess.TimeoutExpired):
        return __version__
    sha = done.stdout.strip()
    return f"{__version__}+g{sha}" if done.returncode == 0 and sha else __version__


@attrs.frozen(kw_only=True)
class AlphaPaths:
    root: Path
    experiments: Path
    gateway_config: Path
    metrics: Path


def alpha_paths(root: Path) -> AlphaPaths:
    return AlphaPaths(
        root=root,
        experiments=root / "experiments",
        gateway_config=root / "gateway" / "strategies.json",
        metrics=root / "canary-metrics",
    )


def promotion_service(
    *,
    root: Path | None = None,
    store_kind: str | None = None,
    thresholds: Path | None = None,
    gateway_config: Path | None = None,
    metrics_dir: Path | None = None,
    backtest: BacktestRunner | None = None,
    smoke: SmokeRunner | None = None,
    metrics: CanaryMetricsSource | None = None,
    clock: Clock | None = None,
    config: PipelineConfig | None = None,
    fast: bool | None = None,
) -> PromotionService:
    """The pipeline with its defaults; every part can be replaced (tests pass POPO, fakes).

    `backtest`/`smoke` default to the simulator-backed runners (`SimResearchBacktest`,
    `SimSmokeRunner`); with `fast` (default: `HFT_ALPHA_ENGINE=stand-in`) to the in-process
    stand-ins (`SyntheticMarketMaker`, `InProcessSmoke`). An injected `backtest` without a
    `smoke` gets `InProcessSmoke` over that same engine, so parity compares one model.
    """
    paths = alpha_paths(root or state_dir())
    kind = store_kind or os.environ.get("HFT_ALPHA_STORE", "sqlite")
    engine, smoke = _runners(backtest, smoke, fast)
    return PromotionService(
        store=PromotionStore(default_codec(), store_env(kind, paths.root)),
        registry=ExperimentRegistry(paths.experiments),
        gateway_config=StrategyConfigFile(gateway_config or paths.gateway_config),
        backtest=engine,
        smoke=smoke,
        metrics=metrics or JsonMetricsSource(metrics_dir or paths.metrics),
        clock=clock or SystemClock(),
        config=config or load_config(thresholds),
        code_version=code_version(),
        latency_profiles=tuple(LATENCY_PRESETS),
    )


def latency_menu() -> tuple[tuple[str, int], ...]:
    """Every simulated latency preset with its mean one-way delay (ns): the mean of its
    submit and fill legs, each `fixed + jitter / 2`."""
    return tuple(
        (name, (_mean(model.submit) + _mean(model.fill)) // 2)
        for name, model in LATENCY_PRESETS.items()
    )


def _mean(leg: Leg) -> int:
    return leg.fixed_ns + leg.jitter_ns // 2


def engine_is_stand_in(environ: Mapping[str, str] | None = None) -> bool:
    """`HFT_ALPHA_ENGINE`: sim (default) or stand-in; anything else is a ValueError."""
    value = (os.environ if environ is None else environ).get("HFT_ALPHA_ENGINE", "sim")
    if value not in ("sim", "stand-in"):
        raise ValueError(f"HFT_ALPHA_ENGINE must be sim or stand-in, got {value!r}")
    return value == "stand-in"


def _runners(
    backtest: BacktestRunner | None, smoke: SmokeRunner | None, fast: bool | None
) -> tuple[BacktestRunner, SmokeRunner]:
    if fast is None:
        fast = engine_is_stand_in()
    if backtest is not None:
        return backtest, smoke or InProcessSmoke(backtest)
    if fast:
        engine = SyntheticMarketMaker()
        return engine, smoke or InProcessSmoke(engine)
    return SimResearchBacktest(latency_menu=latency_menu()), smoke or SimSmokeRunner()


def ship_audit(
    root: Path | None = None, dsn: str | None = None, store_kind: str | None = None
) -> dict[str, int]:
    """Copy the alpha store's events into `<state>/audit/wal` and load that run into
    ClickHouse (embedded `<state>/audit/clickhouse` by default, or `dsn` / CLICKHOUSE_URL)."""
    from hft.app.alpha.ship import ship_to_log  # noqa: PLC0415
    from hft.app.bootstrap.wal import open_event_log  # noqa: PLC0415
    from hft.app.loader.run import load_run  # noqa: PLC0415  # chdb loads only here

    paths = alpha_paths(root or state_dir())
    kind = store_kind or os.environ.get("HFT_ALPHA_STORE", "sqlite")
    store = PromotionStore(default_codec(), store_env(kind, paths.root))
    audit_run = paths.root / "audit"
    log = open_event_log(str(audit_run / "wal"))
    try:
        copied = ship_to_log(store, log)
    finally:
        log.close()
    loaded = load_run(audit_run, dsn)
    return {"copied": copied, "loaded_events": loaded.events, "rows": loaded.rows}
