"""The simulator-backed runners: `SimSmokeRunner` (Gate B/E) and `SimResearchBacktest` (C/D).

Both run the alpha's strategy class, built with the spec's parameters, through the real
gateway over the deterministic simulated venue (`build_sim` + `SimDriver`, the session
`hft sim` runs) with a write-ahead log in a scratch directory (durability none: the log is
evidence read back once, not a crash-safe record). What they report is read from that log,
never from the strategy: replay (`replay_events`) for the smoke session, the `IntentFilled`
events of the strategy's own intents for the research fold (auditable: the fills a gate
scored can be re-derived from the log).

Research folds: fold k of K is one session of `ticks_per_fold` market steps of the seeded
random walk. Fold 0 uses the spec's seed (the same window as the smoke session, so Gate D's
parity compares like with like); fold k > 0 a seed derived from (seed, k), a distinct slice.

Latency stress: the venue's latency model is a named preset (`SimConfig.latency` is a str,
not a model that could be scaled), so `latency_multiplier_milli` picks the preset whose mean
one-way delay is closest to the base preset's mean times the multiplier (`nearest_preset`,
ties to the slower preset). On this model 1.5x `colo` (tens of microseconds against a 50 ms
market step) stays `colo`: the stress run then differs from the base run by its fees only.
Compressing the market clock instead was tried and rejected: it also stretches the
gateway's fixed order TTL in market steps, which changed fills far more than latency did.

Fees (`TaiwanFees`, x `fee_multiplier_milli`): stocks pay 0.1425% commission each side and
0.3% securities transaction tax on sells; futures pay a fixed fee per contract each side
plus the 0.002% futures transaction tax. Integer math in PRICE_SCALE units, rounded down.
"""

from __future__ import annotations

import bisect
import hashlib
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import attrs

from hft.app.alpha.research import BacktestRequest, BacktestResult, Fill
from hft.app.alpha.smoke import SmokeRequest, SmokeResult
from hft.app.bootstrap.replay import read_logged_events
from hft.app.bootstrap.session import SimWiring, build_sim
from hft.app.bootstrap.sim import SimConfig
from hft.app.gateway.core import GatewayConfig
from hft.app.replay import replay_events
from hft.app.sim.driver import SimDriver
from hft.app.sim.runner import load_strategy
from hft.app.strategy import StrategyRouter
from hft.domain.intent import IntentFilled, IntentRejected, IntentSubmitted
from hft.domain.values import PRICE_SCALE, Instrument, InstrumentKind, Side
from hft.ports.event_log import LoggedEvent

ACCOUNT = "ALPHA-SIM"
PPM = 1_000_000
MILLI = 1_000
BARS_PER_DAY = 100  # one "trading day" of the synthetic market is 100 market steps
STRESS_FREE = 1_000


@attrs.frozen(kw_only=True)
class TaiwanFees:
    """Taiwan trading costs. Rates in parts per million of notional; the futures fee in
    PRICE_SCALE TWD per contract per side."""

    stock_commission_ppm: int = 1_425  # 0.1425% each side (broker's list rate, no discount)
    stock_sell_tax_ppm: int = 3_000  # 0.3% securities transaction tax, sells only
    futures_fee_per_contract_scaled: int = 50 * PRICE_SCALE  # broker + exchange, each side
    futures_tax_ppm: int = 20  # 0.002% futures transaction tax, each side

    def fee_scaled(
        self, instrument: Instrument, side: Side, price_scaled: int, lots: int, milli: int
    ) -> int:
        """The fee of one fill of `lots` lots/contracts at `price_scaled`, x `milli`/1000.
        Never negative; non-decreasing in `milli` (one floor division at the end)."""
        notional = price_scaled * lots * instrument.lot_size * instrument.multiplier
        if instrument.kind is InstrumentKind.FUTURE:
            fixed = self.futures_fee_per_contract_scaled * lots * PPM
            base = fixed + notional * self.futures_tax_ppm
        else:
            tax = self.stock_sell_tax_ppm if side is Side.SELL else 0
            base = notional * (self.stock_commission_ppm + tax)
        return max(base, 0) * max(milli, 0) // (PPM * MILLI)


@attrs.frozen(kw_only=True)
class Window:
    """One simulated session: which strategy, on which market slice, at what pace."""

    strategy: str
    parameters: tuple[tuple[str, int], ...]
    symbol: str
    seed: int
    ticks: int
    latency: str
    quote_interval_ns: int


@attrs.frozen(kw_only=True)
class Session:
    """What a finished session left: its log directory, the recorded state digest, the
    strategy id, the instrument, and per market step its time and the symbol's mid."""

    log_dir: Path
    state_digest: str
    strategy_id: str
    instrument: Instrument
    step_ns: tuple[int, ...]
    step_mid: tuple[int, ...]


def simulate(window: Window, out: Path) -> Session:
    """Run `window` with its log under `out/wal`. The strategy's exceptions propagate (the
    gateway is closed first, so the log ends cleanly at what was durable)."""
    strategy = load_strategy(window.strategy, dict(window.parameters))
    sim = SimConfig(
        seed=window.seed,
        symbols=(window.symbol,),
        latency=window.latency,
        quote_interval_ns=window.quote_interval_ns,
    )
    config = GatewayConfig(account=ACCOUNT, session_id=f"alpha-{window.seed}")
    wiring = build_sim(sim, config, log_dir=out / "wal", durability="none")
    instrument = wiring.venue.reference.instrument(window.symbol)
    if instrument is None:
        raise ValueError(f"the simulated venue does not list {window.symbol!r}")
    marks = _Marks(wiring, window.symbol, instrument.reference.scaled)
    router = StrategyRouter(wiring.gateway)
    ctx = router.add(strategy, ACCOUNT)
    driver = SimDriver(wiring, router, lambda _n: marks.take(driver.mids))
    gateway = wiring.gateway
    with _closing(wiring) as digest:
        gateway.start()
        wiring.venue.feed.subscribe([window.symbol])
        strategy.on_start(ctx)
        driver.run_ticks(window.ticks)
        strategy.on_stop(ctx)
        gateway.step()
        gateway.sync()
    return Session(
        log_dir=out,
        state_digest=digest[0],
        strategy_id=strategy.strategy_id,
        instrument=instrument,
        step_ns=tuple(marks.ts),
        step_mid=tuple(marks.mids),
    )


@contextmanager
def _closing(wiring: SimWiring) -> Iterator[list[str]]:
    digest: list[str] = []
    try:
        yield digest
    except BaseException:
        with suppress(Exception):  # the strategy's error is the one to report
            wiring.gateway.close("strategy failed")
        raise
    digest.append(wiring.gateway.close("session end"))


class _Marks:
    """The symbol's mid after every market step (the last one when a step had no two-sided
    quote; the reference price before the first)."""

    def __init__(self, wiring: SimWiring, symbol: str, first: int) -> None:
        self.clock = wiring.clock
        self.symbol = symbol
        self.last = first
        self.ts: list[int] = []
        self.mids: list[int] = []

    def take(self, mids: dict[str, int]) -> None:
        self.last = mids.get(self.symbol, self.last)
        self.ts.append(self.clock.now_ns())
        self.mids.append(self.last)


def logged_fills(
    events: Iterable[LoggedEvent], session: Session, fees: TaiwanFees, fee_milli: int
) -> tuple[Fill, ...]:
    """The strategy's executions in log order, quantities in shares (stocks) or contract x
    multiplier units (futures), so `price_scaled * qty` is the notional in scaled TWD."""
    instrument = session.instrument
    sides: dict[str, Side] = {}
    fills: list[Fill] = []
    unit = instrument.lot_size * instrument.multiplier
    for logged in events:
        event = logged.event
        if isinstance(event, IntentSubmitted):
            if event.strategy_id == session.strategy_id and event.symbol == instrument.symbol.code:
                sides[event.originator_id] = event.side
        elif isinstance(event, IntentFilled) and event.originator_id in sides:
            side = sides[event.originator_id]
            fee = fees.fee_scaled(instrument, side, event.price, event.qty, fee_milli)
            fills.append(
                Fill(
                    ts_ns=event.ts_event_ns,
                    side="B" if side is Side.BUY else "S",
                    price_scaled=event.price,
                    qty=event.qty * unit,
                    fee_scaled=fee,
                )
            )
    return tuple(fills)


def cash_flow(fill: Fill) -> int:
    """What a fill does to cash (scaled TWD): a buy pays notional + fee, a sell gets
    notional - fee."""
    sign = 1 if fill.side == "B" else -1
    return -sign * fill.price_scaled * fill.qty - fill.fee_scaled


def equity_curve(
    fills: tuple[Fill, ...], step_ns: tuple[int, ...], step_mid: tuple[int, ...], capital: int
) -> tuple[int, ...]:
    """Capital + cash + position x mid after each market step. A fill counts from the first
    step at or after its time; fills after the last step land on the last one."""
    cash = [0] * len(step_ns)
    moves = [0] * len(step_ns)
    for fill in fills:
        i = min(bisect.bisect_left(step_ns, fill.ts_ns), len(step_ns) - 1)
        cash[i] += cash_flow(fill)
        moves[i] += fill.qty if fill.side == "B" else -fill.qty
    equity: list[int] = []
    held, position = capital, 0
    for i, mid in enumerate(step_mid):
        held += cash[i]
        position += moves[i]
        equity.append(held + position * mid)
    return tuple(equity)


@attrs.frozen(kw_only=True)
class FoldRun:
    """A research fold's result with the market steps (time, mid) its equity marks used."""

    result: BacktestResult
    step_ns: tuple[int, ...]
    step_mid: tuple[int, ...]


@attrs.frozen(kw_only=True)
class SimResearchBacktest:
    """The research backtest on the simulated venue (`BacktestRunner`, engine "research",
    equity from the logged fills). Blocking: one fold of 2,000 steps takes a few seconds.
    Raises ValueError for a strategy that cannot be built or fails during the fold.

    `latency_menu`: (preset name, mean one-way delay in ns) of every latency preset, from
    `hft.app.bootstrap.alpha.latency_menu()` (the adapters' presets are not visible here)."""

    latency_menu: tuple[tuple[str, int], ...]

    ticks_per_fold: int = 2_000
    latency: str = "colo"
    quote_interval_ns: int = 50_000_000
    capital_scaled: int = 10_000_000 * PRICE_SCALE
    fees: TaiwanFees = attrs.field(factory=TaiwanFees)
    scratch: Path | None = None

    def run(self, request: BacktestRequest) -> BacktestResult:
        return self.run_fold(request).result

    def run_fold(self, request: BacktestRequest) -> FoldRun:
        """`run`, keeping the marks the equity was built on (for audits and tests)."""
        if not 0 <= request.fold < request.folds or request.latency_multiplier_milli <= 0:
            raise ValueError(f"cannot run fold {request.fold} of {request.folds}")
        window = self.window(request)
        with tempfile.TemporaryDirectory(prefix="hft-research-", dir=self.scratch) as tmp:
            session = _research_session(window, Path(tmp), request.fold)
            events = read_logged_events(session.log_dir)
            fills = logged_fills(events, session, self.fees, request.fee_multiplier_milli)
        equity = equity_curve(fills, session.step_ns, session.step_mid, self.capital_scaled)
        result = BacktestResult(
            engine="research",
            equity_source="fills",
            data_fingerprint=_fingerprint(window),
            capital_scaled=self.capital_scaled,
            bars_per_day=BARS_PER_DAY,
            fills=fills,
            equity_scaled=equity,
        )
        return FoldRun(result=result, step_ns=session.step_ns, step_mid=session.step_mid)

    def window(self, request: BacktestRequest) -> Window:
        """The market slice and latency preset of `request` (see the module doc)."""
        latency = nearest_preset(self.latency_menu, self.latency, request.latency_multiplier_milli)
        return Window(
            strategy=request.strategy,
            parameters=request.parameters,
            symbol=request.symbol,
            seed=fold_seed(request.seed, request.fold),
            ticks=self.ticks_per_fold,
            latency=latency,
            quote_interval_ns=self.quote_interval_ns,
        )


def nearest_preset(menu: tuple[tuple[str, int], ...], base: str, milli: int) -> str:
    """The preset of `menu` whose mean delay is closest to `base`'s times `milli`/1000 (ties:
    the slower one). Non-decreasing in `milli`. ValueError if `base` is not on the menu."""
    means = dict(menu)
    if base not in means:
        raise ValueError(f"unknown latency preset {base!r}; choose one of {sorted(means)}")
    target = means[base] * milli // MILLI
    return min(menu, key=lambda item: (abs(item[1] - target), -item[1]))[0]


def _research_session(window: Window, out: Path, fold: int) -> Session:
    try:
        return simulate(window, out)
    except ValueError:
        raise
    except Exception as exc:  # the alpha's code is untrusted: named as a failed request
        raise ValueError(f"{window.strategy} failed in fold {fold}: {exc}") from exc


def fold_seed(seed: int, fold: int) -> int:
    """Fold 0 is the spec's own seed (the smoke session's window); later folds get seeds
    derived from (seed, fold), distinct slices of the synthetic market."""
    if fold == 0:
        return seed
    digest = hashlib.sha256(f"alpha-fold:{seed}:{fold}".encode()).digest()
    return int.from_bytes(digest[:6], "big")


def _fingerprint(window: Window) -> str:
    key = (
        f"simbroker-random-walk-v1:{window.symbol}:{window.seed}:{window.ticks}:"
        f"{window.quote_interval_ns}:{window.latency}"
    )
    return hashlib.sha256(key.encode()).hexdigest()


@attrs.frozen(kw_only=True)
class SimSmokeRunner:
    """The runtime smoke session (`SmokeRunner`): one session of the alpha's strategy on the
    simulated venue at its latency preset, then `hft replay` over its log. A strategy that
    cannot be built or raises is `completed=False` with the reason; never raises."""

    ticks: int = 2_000
    latency: str = "colo"
    quote_interval_ns: int = 50_000_000
    fees: TaiwanFees = attrs.field(factory=TaiwanFees)
    scratch: Path | None = None

    def run(self, request: SmokeRequest) -> SmokeResult:
        window = Window(
            strategy=request.strategy,
            parameters=request.parameters,
            symbol=request.symbol,
            seed=request.seed,
            ticks=self.ticks,
            latency=self.latency,
            quote_interval_ns=self.quote_interval_ns,
        )
        with tempfile.TemporaryDirectory(prefix="hft-smoke-", dir=self.scratch) as tmp:
            try:
                session = simulate(window, Path(tmp))
            except Exception as exc:  # the alpha's code is untrusted: any error is a result
                return failed_smoke(f"{type(exc).__name__}: {exc}")
            return self._replayed(session)

    def _replayed(self, session: Session) -> SmokeResult:
        events = list(read_logged_events(session.log_dir))
        report = replay_events(events)
        return SmokeResult(
            completed=report.clean_stop,
            replay_violations=len(report.violations),
            orders=sum(1 for e in events if isinstance(e.event, IntentSubmitted)),
            rejects=sum(1 for e in events if isinstance(e.event, IntentRejected)),
            fills=logged_fills(events, session, self.fees, STRESS_FREE),
            log_digest=session.state_digest,
        )


def failed_smoke(reason: str) -> SmokeResult:
    """A session that did not run to its end. `SmokeResult` has no reason field, so the
    reason stands in for the log digest: Gate B records it as its `smoke_log:` input."""
    return SmokeResult(
        completed=False,
        replay_violations=0,
        orders=0,
        rejects=0,
        fills=(),
        log_digest=f"failed: {reason}"[:200],
    )
