"""Gate B and E evidence: the alpha's own tests (a subprocess) and simulator smoke sessions.

`SmokeRunner` is the seam to the runtime simulator (`hft sim`): one deterministic session
of the strategy, replayed, reporting replay violations, the fills it got (for replay parity
against the research backtest) and its order/reject counts (for paper-session readiness).
`InProcessSmoke` stands in until the simulator-backed runner is wired: it drives the research
stand-in engine and replays it (runs it twice and compares the fill digests).
"""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Protocol

import attrs

from hft.app.alpha.research import BacktestRequest, BacktestRunner, Fill


@attrs.frozen(kw_only=True)
class SmokeRequest:
    """One session of `strategy` with the spec's parameters, seeded (same seed, same log)."""

    alpha_id: str
    strategy: str
    symbol: str
    parameters: tuple[tuple[str, int], ...]
    seed: int


@attrs.frozen(kw_only=True)
class SmokeResult:
    """`completed`: the session ran to its end; `replay_violations`: what `hft replay` found;
    `log_digest`: SHA-256 of the session's log (names the evidence in the gate event)."""

    completed: bool
    replay_violations: int
    orders: int
    rejects: int
    fills: tuple[Fill, ...]
    log_digest: str


class SmokeRunner(Protocol):
    """Runs one deterministic runtime-simulator session and replays its log. Blocking
    (seconds). Must not raise for a strategy failure: report `completed=False` instead."""

    def run(self, request: SmokeRequest) -> SmokeResult: ...


def fills_digest(fills: tuple[Fill, ...]) -> str:
    text = "\n".join(f"{f.ts_ns} {f.side} {f.price_scaled} {f.qty} {f.fee_scaled}" for f in fills)
    return hashlib.sha256(text.encode()).hexdigest()


@attrs.frozen
class InProcessSmoke:
    """Stand-in SmokeRunner over a BacktestRunner: fold 0 of the seed, run twice."""

    engine: BacktestRunner

    def run(self, request: SmokeRequest) -> SmokeResult:
        backtest = BacktestRequest(
            alpha_id=request.alpha_id,
            strategy=request.strategy,
            symbol=request.symbol,
            parameters=request.parameters,
            seed=request.seed,
            fold=0,
            folds=1,
        )
        first, second = self.engine.run(backtest), self.engine.run(backtest)
        digest = fills_digest(first.fills)
        return SmokeResult(
            completed=True,
            replay_violations=0 if digest == fills_digest(second.fills) else 1,
            orders=len(first.fills),
            rejects=0,
            fills=first.fills,
            log_digest=digest,
        )


@attrs.frozen(kw_only=True)
class AlphaTestReport:
    """What the alpha's own test suite did: counts from pytest's summary line."""

    ran: int
    failed: int
    timed_out: bool
    output_tail: str


_COUNT = re.compile(r"(\d+) (passed|failed|error|errors)")


def _own_session_env() -> dict[str, str]:
    """Our environment without the markers of a pytest session we may be running inside (a
    parallel worker's id, the current test): the alpha's suite is a session of its own."""
    inherited = ("PYTEST_XDIST_", "PYTEST_CURRENT_TEST")
    return {k: v for k, v in os.environ.items() if not k.startswith(inherited)}


def run_alpha_tests(tests_dir: Path, timeout_s: float) -> AlphaTestReport:
    """Run pytest on `tests_dir` in a subprocess with a timeout (the alpha's code is untrusted
    to finish). A missing directory is zero tests ran."""
    tests_dir = tests_dir.resolve()
    if not tests_dir.is_dir():
        return AlphaTestReport(ran=0, failed=0, timed_out=False, output_tail="no tests directory")
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tests_dir)]
    try:
        done = subprocess.run(  # noqa: S603  (our interpreter, our arguments)
            cmd,
            capture_output=True,
            text=True,
            timeout=timeout_s,
            cwd=tests_dir,
            check=False,
            env=_own_session_env(),
        )
    except subprocess.TimeoutExpired as exc:
        tail = (exc.stdout or b"")[-500:]
        text = tail.decode(errors="replace") if isinstance(tail, bytes) else str(tail)
        return AlphaTestReport(ran=0, failed=0, timed_out=True, output_tail=text)
    counts = {"passed": 0, "failed": 0}
    for n, kind in _COUNT.findall(done.stdout.splitlines()[-1] if done.stdout else ""):
        key = "passed" if kind == "passed" else "failed"
        counts[key] += int(n)
    if done.returncode not in (0, 5) and counts["failed"] == 0:
        counts["failed"] = 1  # pytest failed without a count (collection or usage error)
    return AlphaTestReport(
        ran=counts["passed"] + counts["failed"],
        failed=counts["failed"],
        timed_out=False,
        output_tail=done.stdout[-500:],
    )
