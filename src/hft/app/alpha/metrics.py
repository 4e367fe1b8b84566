"""Research statistics (floats, at the edge) converted to the domain's scaled-int Scorecard.

Daily returns are equity changes over `bars_per_day` bars divided by starting capital;
Sharpe and Sortino are annualised with sqrt(252). Round trips pair fills first-in first-out.
Capacity is a lower bound: the mean daily notional the strategy actually traded (TWD).
"""

from __future__ import annotations

import itertools
import math
from collections import deque
from collections.abc import Sequence

from hft.app.alpha.research import BacktestResult, Fill
from hft.domain.scorecard import BPS, MILLI, Scorecard
from hft.domain.values import PRICE_SCALE

ANNUAL = math.sqrt(252)
RATIO_CAP = 20.0  # a zero-variance curve would otherwise be an infinite Sharpe


def daily_returns(result: BacktestResult) -> list[float]:
    """Per-day returns of the equity curve relative to the starting capital."""
    marks = [
        result.capital_scaled,
        *result.equity_scaled[result.bars_per_day - 1 :: result.bars_per_day],
    ]
    return [(b - a) / result.capital_scaled for a, b in itertools.pairwise(marks)]


def _ratio(mean: float, spread: float) -> float:
    if spread == 0.0:
        return RATIO_CAP if mean > 0 else 0.0
    return max(-RATIO_CAP, min(RATIO_CAP, mean / spread * ANNUAL))


def sharpe(returns: Sequence[float]) -> float:
    if len(returns) < 2:
        return 0.0
    mean = sum(returns) / len(returns)
    var = sum((r - mean) ** 2 for r in returns) / (len(returns) - 1)
    return _ratio(mean, math.sqrt(var))


def sortino(returns: Sequence[float]) -> float:
    if len(returns) < 2:
        return 0.0
    mean = sum(returns) / len(returns)
    downside = math.sqrt(sum(min(r, 0.0) ** 2 for r in returns) / len(returns))
    return _ratio(mean, downside)


def max_drawdown_bps(equity: Sequence[int]) -> int:
    peak, worst = 0, 0.0
    for value in equity:
        peak = max(peak, value)
        if peak > 0:
            worst = min(worst, (value - peak) / peak)
    return math.floor(worst * BPS)


def round_trip_pnls(fills: Sequence[Fill]) -> list[int]:
    """Net PnL (PRICE_SCALE x shares units) of each closed lot, pairing fills FIFO."""
    open_lots: deque[tuple[int, int, int]] = deque()  # (sign, price, fee per share)
    pnls: list[int] = []
    for f in fills:
        sign = 1 if f.side == "B" else -1
        fee_each = f.fee_scaled // max(f.qty, 1)
        if open_lots and open_lots[0][0] != sign:
            o_sign, o_px, o_fee = open_lots.popleft()
            pnls.append(o_sign * (f.price_scaled - o_px) * f.qty - (o_fee + fee_each) * f.qty)
        else:
            open_lots.append((sign, f.price_scaled, fee_each))
    return pnls


def scorecard_of(results: Sequence[BacktestResult]) -> Scorecard:
    """One scorecard over several runs (walk-forward folds), concatenated in order."""
    returns = [r for res in results for r in daily_returns(res)]
    fills = [f for res in results for f in res.fills]
    pnls = [p for res in results for p in round_trip_pnls(res.fills)]
    days = max(len(returns), 1)
    capital = results[0].capital_scaled if results else PRICE_SCALE
    traded = sum(f.price_scaled * f.qty for f in fills)
    return Scorecard(
        sharpe_milli=round(sharpe(returns) * MILLI),
        sortino_milli=round(sortino(returns) * MILLI),
        max_drawdown_bps=min((max_drawdown_bps(r.equity_scaled) for r in results), default=0),
        turnover_bps=traded * BPS // (capital * days),
        hit_rate_bps=sum(1 for p in pnls if p > 0) * BPS // len(pnls) if pnls else 0,
        pnl_per_round_trip_scaled=sum(pnls) // len(pnls) if pnls else 0,
        capacity_twd=traded // (PRICE_SCALE * days),
        round_trips=len(pnls),
    )


def correlation(a: Sequence[float], b: Sequence[float]) -> float:
    """Pearson correlation over the common prefix; 0.0 when either side is flat or short."""
    n = min(len(a), len(b))
    if n < 2:
        return 0.0
    xa, xb = a[:n], b[:n]
    ma, mb = sum(xa) / n, sum(xb) / n
    cov = sum((x - ma) * (y - mb) for x, y in zip(xa, xb, strict=True))
    va = sum((x - ma) ** 2 for x in xa)
    vb = sum((y - mb) ** 2 for y in xb)
    return cov / math.sqrt(va * vb) if va > 0 and vb > 0 else 0.0


def parity_bps(research: Sequence[Fill], runtime: Sequence[Fill]) -> int:
    """Share of fills the two paths agree on exactly (time, side, price, qty), in bps."""
    if not research and not runtime:
        return BPS
    key = [(f.ts_ns, f.side, f.price_scaled, f.qty) for f in research]
    remaining: dict[tuple[int, str, int, int], int] = {}
    for k in key:
        remaining[k] = remaining.get(k, 0) + 1
    matched = 0
    for f in runtime:
        k = (f.ts_ns, f.side, f.price_scaled, f.qty)
        if remaining.get(k, 0) > 0:
            remaining[k] -= 1
            matched += 1
    return matched * BPS // max(len(research), len(runtime))
