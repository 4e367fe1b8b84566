"""The research backtest seam (`BacktestRunner`) and a deterministic in-process stand-in.

The research backtest is the only engine whose artifacts may score a promotion (Gates C, D).
A runner takes one `BacktestRequest` (one walk-forward fold, possibly stressed) and returns
the fills it got and the equity curve built from those fills. The simulator-backed runner
(`hft.adapters.simbroker` driven by the strategy class named in the spec) plugs in here; until
then `SyntheticMarketMaker` simulates a one-symbol market maker on a seeded mean-reverting
price path so the pipeline can run end to end. Same request, same result, byte for byte.
"""

from __future__ import annotations

import hashlib
import random
from typing import Protocol

import attrs

from hft.domain.values import PRICE_SCALE


@attrs.frozen(kw_only=True)
class Fill:
    """One execution: `side` "B" or "S", price and fee in PRICE_SCALE units, qty in shares."""

    ts_ns: int
    side: str
    price_scaled: int
    qty: int
    fee_scaled: int


@attrs.frozen(kw_only=True)
class BacktestRequest:
    """One run: fold `fold` of `folds` (walk-forward), with latency and fees scaled by the
    multipliers (milli-units: 1500 = the 1.5x stress run). `parameters` are the spec's ints."""

    alpha_id: str
    strategy: str
    symbol: str
    parameters: tuple[tuple[str, int], ...]
    seed: int
    fold: int
    folds: int
    latency_multiplier_milli: int = 1_000
    fee_multiplier_milli: int = 1_000


@attrs.frozen(kw_only=True)
class BacktestResult:
    """What a run produced. `equity_scaled[i]` is cash + position marked to mid after bar i,
    built from the fills (so `equity_source` is "fills"). `engine` is "research" for the
    canonical scorer; a runtime (`hft sim`) run says "runtime" and cannot pass Gate C."""

    engine: str
    equity_source: str
    data_fingerprint: str
    capital_scaled: int
    bars_per_day: int
    fills: tuple[Fill, ...]
    equity_scaled: tuple[int, ...]


class BacktestRunner(Protocol):
    """Runs one research backtest fold. Deterministic: equal requests give equal results.
    Blocking (CPU-bound; seconds). Raises ValueError on a request it cannot run."""

    def run(self, request: BacktestRequest) -> BacktestResult: ...


TICK_SCALED = 5_000  # 0.5 TWD: the TWSE tick for prices in [100, 500)
START_TICKS = 600  # 300 TWD
BARS_PER_DAY = 100


@attrs.frozen(kw_only=True)
class SyntheticMarketMaker:
    """The in-process stand-in runner: a quoting market maker on synthetic data."""

    bars_per_fold: int = 2_000
    capital_scaled: int = 10_000_000 * PRICE_SCALE
    fee_bps_milli: int = 200  # 0.2 bps of notional per fill (a maker rebate tier)
    adverse_milli: int = 700  # chance (x1000) a fill is one tick worse, at 1x latency

    def run(self, request: BacktestRequest) -> BacktestResult:
        params = dict(request.parameters)
        # The market maker's parameters: quotes `edge_ticks` behind a touch one tick from mid.
        spread = params.get("edge_ticks", 1) + 1
        max_pos = params.get("max_position", 5) * 1_000
        lot = params.get("qty", 1) * 1_000
        rng = random.Random(f"{request.seed}:{request.fold}:{request.symbol}")
        adverse = self.adverse_milli * request.latency_multiplier_milli // 1_000
        fee_rate = self.fee_bps_milli * request.fee_multiplier_milli // 1_000
        book = _Book(cash=self.capital_scaled)
        mid, equity, fills = START_TICKS, [], []
        for bar in range(self.bars_per_fold):
            ts = (request.fold * self.bars_per_fold + bar) * 1_000_000_000
            mid = _next_mid(rng, mid)
            low, high = mid - rng.randint(0, 3), mid + rng.randint(0, 3)
            for side, quote, hit in (("B", mid - spread, low), ("S", mid + spread, high)):
                if _crossed(side, quote, hit) and book.room(side, lot, max_pos):
                    worse = rng.randrange(1_000) < adverse
                    px = (quote + (1 if side == "B" else -1) * worse) * TICK_SCALED
                    fee = px * lot * fee_rate // 10_000_000
                    fills.append(
                        Fill(ts_ns=ts, side=side, price_scaled=px, qty=lot, fee_scaled=fee)
                    )
                    book.fill(side, px, lot, fee)
            equity.append(book.cash + book.position * mid * TICK_SCALED)
        return BacktestResult(
            engine="research",
            equity_source="fills",
            data_fingerprint=_fingerprint(request, self.bars_per_fold),
            capital_scaled=self.capital_scaled,
            bars_per_day=BARS_PER_DAY,
            fills=tuple(fills),
            equity_scaled=tuple(equity),
        )


@attrs.define
class _Book:
    cash: int
    position: int = 0

    def room(self, side: str, qty: int, max_pos: int) -> bool:
        after = self.position + (qty if side == "B" else -qty)
        return abs(after) <= max_pos

    def fill(self, side: str, price: int, qty: int, fee: int) -> None:
        sign = 1 if side == "B" else -1
        self.position += sign * qty
        self.cash -= sign * price * qty + fee


def _crossed(side: str, quote: int, extreme: int) -> bool:
    # A resting quote fills only when the market trades through it (queue position unknown).
    return extreme < quote if side == "B" else extreme > quote


def _next_mid(rng: random.Random, mid: int) -> int:
    # Mean reversion keeps the market range-bound; rare jumps make inventory risky.
    step = rng.gauss((START_TICKS - mid) * 0.01, 1.5)
    if rng.random() < 0.08:
        step += rng.gauss(0, 12)
    return mid + round(step)


def _fingerprint(request: BacktestRequest, bars: int) -> str:
    key = f"synthetic-mr-v2:{request.symbol}:{request.seed}:{request.fold}:{bars}"
    return hashlib.sha256(key.encode()).hexdigest()
