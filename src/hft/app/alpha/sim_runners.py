"""The simulator-backed runners: `SimSmokeRunner` (Gate B/E) and `SimResearchBacktest` (C/D).

Both run the alpha's strategy class, built with the spec's parameters, in one simulated
session each (`hft.app.alpha.sim_session.simulate`: the real gateway over the deterministic
simulated venue, logged to a scratch directory). What they report is read from that log,
never from the strategy: replay (`replay_events`) for the smoke session, the `IntentFilled`
events of the strategy's own intents for the research fold.

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
"""

from __future__ import annotations

import hashlib
import tempfile
from pathlib import Path

import attrs

from hft.app.alpha.research import BacktestRequest, BacktestResult
from hft.app.alpha.sim_session import (
    MILLI,
    Session,
    TaiwanFees,
    Window,
    equity_curve,
    logged_fills,
    simulate,
    tick_file_slice,
)
from hft.app.alpha.smoke import SmokeRequest, SmokeResult
from hft.app.bootstrap.replay import read_logged_events
from hft.app.replay import replay_events
from hft.domain.intent import IntentRejected, IntentSubmitted
from hft.domain.values import PRICE_SCALE

BARS_PER_DAY = 100  # one "trading day" of the synthetic market is 100 market steps
UNSTRESSED = 1_000


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
    `hft.app.bootstrap.alpha.latency_menu()` (the adapters' presets are not visible here).
    `data_file`: recorded ticks (`hft sim --data` layout); fold k of K is then the k-th of K
    contiguous row slices of the file instead of a seeded random-walk slice."""

    latency_menu: tuple[tuple[str, int], ...]

    ticks_per_fold: int = 2_000
    latency: str = "colo"
    quote_interval_ns: int = 50_000_000
    capital_scaled: int = 10_000_000 * PRICE_SCALE
    fees: TaiwanFees = attrs.field(factory=TaiwanFees)
    scratch: Path | None = None
    data_file: Path | None = None

    def run(self, request: BacktestRequest) -> BacktestResult:
        return self.run_fold(request).result

    def run_fold(self, request: BacktestRequest) -> FoldRun:
        """`run`, keeping the marks the equity was built on (for audits and tests)."""
        if not 0 <= request.fold < request.folds or request.latency_multiplier_milli <= 0:
            raise ValueError(f"cannot run fold {request.fold} of {request.folds}")
        with tempfile.TemporaryDirectory(prefix="hft-research-", dir=self.scratch) as tmp:
            base = self.window(request)
            window = recorded(base, self.data_file, request.fold, request.folds, Path(tmp))
            session = _research_session(window, Path(tmp), request.fold)
            events = read_logged_events(session.log_dir)
            fills = logged_fills(events, session, self.fees, request.fee_multiplier_milli)
            fingerprint = _fingerprint(window)
        if not session.step_ns:
            raise ValueError(f"fold {request.fold} of {request.folds} has no market steps")
        equity = equity_curve(fills, session.step_ns, session.step_mid, self.capital_scaled)
        result = BacktestResult(
            engine="research",
            equity_source="fills",
            data_fingerprint=fingerprint,
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


def recorded(
    window: Window, data_file: Path | None, fold: int, folds: int, scratch: Path
) -> Window:
    """`window` on slice `fold` of `folds` of `data_file` (copied into `scratch`), or
    `window` unchanged without a data file. ValueError for an empty slice."""
    if data_file is None:
        return window
    path, rows = tick_file_slice(data_file, fold, folds, scratch)
    if rows == 0:
        raise ValueError(f"fold {fold} of {folds} has no market steps in {data_file}")
    return attrs.evolve(window, data_file=path, ticks=rows)


def _fingerprint(window: Window) -> str:
    market = (
        f"recorded:{hashlib.sha256(window.data_file.read_bytes()).hexdigest()}"
        if window.data_file is not None
        else "simbroker-random-walk-v1"
    )
    key = (
        f"{market}:{window.symbol}:{window.seed}:{window.ticks}:"
        f"{window.quote_interval_ns}:{window.latency}"
    )
    return hashlib.sha256(key.encode()).hexdigest()


@attrs.frozen(kw_only=True)
class SimSmokeRunner:
    """The runtime smoke session (`SmokeRunner`): one session of the alpha's strategy on the
    simulated venue at its latency preset, then `hft replay` over its log. A strategy that
    cannot be built or raises is `completed=False` with the reason; it raises only for its
    own configuration (an unreadable `data_file`: ValueError). With `data_file` the session
    runs on slice 0 of `data_folds` (research fold 0's window, for parity)."""

    ticks: int = 2_000
    latency: str = "colo"
    quote_interval_ns: int = 50_000_000
    fees: TaiwanFees = attrs.field(factory=TaiwanFees)
    scratch: Path | None = None
    data_file: Path | None = None
    data_folds: int = 5

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
            window = recorded(window, self.data_file, 0, self.data_folds, Path(tmp))
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
            fills=logged_fills(events, session, self.fees, UNSTRESSED),
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
