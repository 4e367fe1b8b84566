"""Runs one simulated session (`hft sim`): a strategy, the gateway and the log on a simulated
venue, driven by `SimDriver` on one virtual clock, and summarizes what happened."""

from __future__ import annotations

import importlib
import time
from collections import Counter
from collections.abc import Callable, Mapping
from pathlib import Path

import attrs

from hft.app.bootstrap.session import SimWiring, build_sim
from hft.app.bootstrap.sim import SimConfig
from hft.app.gateway.core import GatewayConfig
from hft.app.ops.wiring import start_operator_control
from hft.app.sim.driver import SimDriver
from hft.app.strategy import Strategy, StrategyContext, StrategyRouter
from hft.domain.exposure import ExposureKey

DEFAULT_STRATEGY = "hft.app.strategies.market_maker:MarketMaker"


@attrs.frozen(kw_only=True)
class SimRun:
    """The arguments of one session (`hft sim --help` explains each)."""

    out: Path
    ticks: int = 2_000
    seed: int = 7
    symbols: tuple[str, ...] = ("2330", "TXF")
    strategy: str = DEFAULT_STRATEGY
    latency: str = "zero"
    halt_at_tick: int | None = None
    resume_at_tick: int | None = None
    durability: str = "fsync"
    data_file: Path | None = None
    outages: tuple[tuple[int, int], ...] = ()
    account: str = "SIM-ACCOUNT"
    gateway: GatewayConfig = attrs.field(factory=GatewayConfig)
    parameters: tuple[tuple[str, int], ...] = ()


@attrs.frozen(kw_only=True)
class SimResult:
    """What a session did. Money in 1/PRICE_SCALE TWD; positions in lots/contracts."""

    intents: int
    accepted: int
    rejected: dict[str, int]
    dispatched: int
    fills: int
    halts: int
    log_events: int
    state_digest: str
    wall_s: float
    ticks: int
    positions: dict[str, dict[str, int]]
    dispatch_p50_us: float
    dispatch_p99_us: float
    out: str

    @property
    def intents_per_s(self) -> float:
        return self.intents / self.wall_s if self.wall_s > 0 else 0.0


def load_strategy(spec: str, parameters: Mapping[str, object] | None = None) -> Strategy:
    """`module:Class` to an instance built with `parameters` as keyword arguments (a usage
    error names what is wrong, including a parameter the class does not take)."""
    module_name, _, class_name = spec.partition(":")
    if not module_name or not class_name:
        raise ValueError(f"strategy must look like module:Class, got {spec!r}")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise ValueError(f"cannot import strategy module {module_name!r}: {exc}") from exc
    cls = getattr(module, class_name, None)
    if not isinstance(cls, type) or not issubclass(cls, Strategy):
        raise ValueError(f"{spec} is not a hft.app.strategy.Strategy subclass")
    try:
        return cls(**(parameters or {}))
    except TypeError as exc:
        raise ValueError(f"cannot build {spec} with parameters {parameters}: {exc}") from exc


def run_sim(run: SimRun, progress: Callable[[int], None] | None = None) -> SimResult:
    """Run the session to `run.ticks` market steps; the log lands in `run.out / "wal"`."""
    strategy = load_strategy(run.strategy, dict(run.parameters))
    sim = SimConfig(
        seed=run.seed,
        symbols=run.symbols,
        latency=run.latency,
        data_file=run.data_file,
        outages=run.outages,
    )
    config = attrs.evolve(run.gateway, account=run.account, session_id=f"sim-{run.seed}")
    wiring = build_sim(sim, config, log_dir=run.out / "wal", durability=run.durability)
    session = _Session(wiring, strategy, run)
    started = time.perf_counter()
    session.run(progress)
    return session.result(time.perf_counter() - started)


class _Session:
    def __init__(self, wiring: SimWiring, strategy: Strategy, run: SimRun) -> None:
        self.gateway = wiring.gateway
        self.wiring = wiring
        self.strategy = strategy
        self.run_args = run
        router = StrategyRouter(self.gateway)
        self.ctx: StrategyContext = router.add(strategy, run.account)
        self.driver = SimDriver(wiring, router, self._tick)
        self.events: Counter[str] = Counter()
        self.gateway.subscribe(lambda _seq, e: self.events.update((type(e).__name__,)))
        self.progress: Callable[[int], None] | None = None
        self.digest = ""

    def run(self, progress: Callable[[int], None] | None) -> None:
        self.progress = progress
        self.gateway.start()
        start_operator_control(self.run_args.out, self.gateway)  # `hft ops` from another shell
        self.wiring.venue.feed.subscribe(list(self.run_args.symbols))
        self.strategy.on_start(self.ctx)
        self.driver.run_ticks(self.run_args.ticks)
        self.strategy.on_stop(self.ctx)
        self.gateway.step()
        self.gateway.sync()
        self.digest = self.gateway.close("session end")

    def _tick(self, n: int) -> None:
        args = self.run_args
        if n == args.halt_at_tick:
            self.gateway.halt("sim-schedule", f"scheduled halt at tick {n}")
        if n == args.resume_at_tick:
            self.gateway.resume("sim-schedule", f"scheduled resume at tick {n}")
        if self.progress is not None:
            self.progress(n)

    def result(self, wall_s: float) -> SimResult:
        core = self.gateway.core
        counters = core.counters
        hist = counters.dispatch_latency
        return SimResult(
            intents=counters.submitted
            + sum(counters.rejects[r] for r in ("QUEUE_FULL", "TTL_EXPIRED")),
            accepted=counters.accepted,
            rejected=dict(sorted(counters.rejects.items())),
            dispatched=counters.dispatched,
            fills=counters.fills,
            halts=self.events["GatewayHalted"],
            log_events=core.appended_seq,
            state_digest=self.digest,
            wall_s=wall_s,
            ticks=self.driver.ticks,
            positions=self._positions(),
            dispatch_p50_us=hist.quantile_upper_ns(0.5) / 1_000,
            dispatch_p99_us=hist.quantile_upper_ns(0.99) / 1_000,
            out=str(self.run_args.out),
        )

    def _positions(self) -> dict[str, dict[str, int]]:
        book = self.gateway.core.state.book
        out: dict[str, dict[str, int]] = {}
        for symbol in self.run_args.symbols:
            entry = book.entry(
                ExposureKey(self.run_args.account, self.strategy.strategy_id, symbol)
            )
            instrument = self.gateway.core.reference.instrument(symbol)
            factor = instrument.lot_size * instrument.multiplier if instrument else 1
            mid = self.driver.mids.get(symbol, 0)
            mark = mid * entry.position_qty * factor
            out[symbol] = {
                "position": entry.position_qty,
                "cost": entry.position_cost,
                "mark": mid,
                "pnl": mark - entry.position_cost,
            }
        return out
