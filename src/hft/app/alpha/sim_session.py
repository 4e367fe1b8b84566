"""One simulated session of an alpha's strategy, and what the alpha runners read from it.

`simulate` runs a `Window` (strategy class + parameters, symbol, seed, steps, latency preset)
through the real gateway over the deterministic simulated venue (`build_sim` + `SimDriver`,
the session `hft sim` runs), with a write-ahead log under the given directory (durability
none: the log is evidence read back once, not a crash-safe record), and keeps the symbol's
mid after every market step. `logged_fills` reads the strategy's executions back from the
log (auditable: what a gate scored can be re-derived from it) and charges `TaiwanFees`;
`equity_curve` marks cash + position at those mids, step by step.

Fees (`TaiwanFees`, x a milli multiplier): stocks pay 0.1425% commission each side and 0.3%
securities transaction tax on sells; futures pay a fixed fee per contract each side plus the
0.002% futures transaction tax. Integer math in PRICE_SCALE units, rounded down once.
"""

from __future__ import annotations

import bisect
import csv
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import attrs

from hft.app.alpha.research import Fill
from hft.app.bootstrap.session import SimWiring, build_sim
from hft.app.bootstrap.sim import SimConfig
from hft.app.gateway.core import GatewayConfig
from hft.app.sim.driver import SimDriver
from hft.app.sim.runner import load_strategy
from hft.app.strategy import StrategyRouter
from hft.domain.intent import IntentFilled, IntentSubmitted
from hft.domain.values import PRICE_SCALE, Instrument, InstrumentKind, Side
from hft.ports.event_log import LoggedEvent

ACCOUNT = "ALPHA-SIM"
PPM = 1_000_000
MILLI = 1_000


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
    data_file: Path | None = None  # recorded ticks instead of the seeded random walk


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


def tick_file_slice(source: Path, fold: int, folds: int, out_dir: Path) -> tuple[Path, int]:
    """Rows `[fold * n // folds, (fold + 1) * n // folds)` of a recorded-ticks file (`.csv` or
    `.parquet`, the layout of `hft sim --data`) written to `out_dir`, and their count: fold k
    of K contiguous walk-forward slices. ValueError for another suffix or a bad fold."""
    if not 0 <= fold < folds:
        raise ValueError(f"fold {fold} is not one of {folds} folds")
    target = out_dir / f"fold-{fold}{source.suffix.lower()}"
    if source.suffix.lower() == ".csv":
        with source.open(newline="", encoding="utf-8") as handle:
            header, *rows = list(csv.reader(handle))
        part = rows[fold * len(rows) // folds : (fold + 1) * len(rows) // folds]
        with target.open("w", newline="", encoding="utf-8") as handle:
            csv.writer(handle).writerows([header, *part])
        return target, len(part)
    if source.suffix.lower() == ".parquet":
        import pyarrow.parquet as pq  # noqa: PLC0415  (slow import, only for Parquet input)

        table = pq.read_table(source)
        start, stop = fold * table.num_rows // folds, (fold + 1) * table.num_rows // folds
        pq.write_table(table.slice(start, stop - start), target)
        return target, stop - start
    raise ValueError(f"{source}: recorded ticks must be a .csv or .parquet file")


def simulate(window: Window, out: Path) -> Session:
    """Run `window` with its log under `out/wal`. The strategy's exceptions propagate (the
    gateway is closed first, so the log ends cleanly at what was durable)."""
    strategy = load_strategy(window.strategy, dict(window.parameters))
    sim = SimConfig(
        seed=window.seed,
        symbols=(window.symbol,),
        latency=window.latency,
        quote_interval_ns=window.quote_interval_ns,
        data_file=window.data_file,
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
