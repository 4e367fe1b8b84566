"""Whole simulated sessions on the real WAL: determinism, replay equals live, restarts,
outages, and a crash (SIGKILL) followed by an audit."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hft.adapters.memory import InMemoryLease
from hft.app.bootstrap.codec import default_codec
from hft.app.bootstrap.replay import read_logged_events
from hft.app.bootstrap.session import build_gateway
from hft.app.gateway.core import GatewayConfig
from hft.app.gateway.service import Gateway
from hft.app.replay import replay_events
from hft.app.sim import SimRun, run_sim
from hft.domain.exposure_limits import ExposureLimits
from hft.domain.intent import IntentType, SubmitIntent
from hft.domain.orders import TimeInForce
from hft.domain.values import PRICE_SCALE, Side
from tests.unit.app.stubs import StaticReference, StubBroker


def _decoded(run_dir: Path) -> list[dict[str, object]]:
    codec = default_codec()
    return [{"seq": e.seq, **codec.to_dict(e.event)} for e in read_logged_events(run_dir)]


def test_same_seed_and_arguments_give_a_byte_identical_event_stream(tmp_path: Path) -> None:
    a = run_sim(SimRun(out=tmp_path / "a", ticks=150, seed=3, durability="none"))
    b = run_sim(SimRun(out=tmp_path / "b", ticks=150, seed=3, durability="none"))
    c = run_sim(SimRun(out=tmp_path / "c", ticks=150, seed=4, durability="none"))
    assert a.state_digest == b.state_digest != c.state_digest
    assert _decoded(tmp_path / "a") == _decoded(tmp_path / "b")
    assert a.log_events == b.log_events > 150


@settings(
    max_examples=4, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    seed=st.integers(0, 10_000),
    halt=st.one_of(st.none(), st.integers(10, 60)),
    latency=st.sampled_from(["zero", "shioaji-sim"]),
)
def test_replay_equals_live_for_random_sessions_property(
    tmp_path: Path, seed: int, halt: int | None, latency: str
) -> None:
    """The digest replay computes from the log equals the one the live run recorded."""
    out = tmp_path / f"s{seed}-{halt}-{latency}"
    live = run_sim(
        SimRun(out=out, ticks=80, seed=seed, halt_at_tick=halt, latency=latency, durability="none")
    )
    report = replay_events(read_logged_events(out))
    assert report.violations == ()
    assert report.recorded_digest == report.state_digest == live.state_digest
    assert report.clean_stop


def test_outages_give_outcome_unknown_reconciled_without_a_resend(tmp_path: Path) -> None:
    out = tmp_path / "outage"
    run = SimRun(out=out, ticks=200, seed=5, durability="none", outages=((2 * 10**9, 6 * 10**9),))
    run_sim(run)
    report = replay_events(read_logged_events(out))
    assert report.violations == ()
    assert report.counts.get("IntentOutcomeUnknown", 0) >= 1
    assert report.counts.get("IntentReconciled", 0) >= 1


def test_restart_rebuilds_dedup_exposure_and_policy_from_the_log_alone(tmp_path: Path) -> None:
    """A new process over the same log continues without a duplicate dispatch."""
    broker = StubBroker()
    config = GatewayConfig(session_id="restart")
    first = _gateway(tmp_path, broker, config)
    first.submit(_intent("a1", "key-1"))
    first.step()
    first.sync()
    first.halt("ops", "before the crash")
    first.step()
    first.sync()
    exposure_before = first.core.state.book.total
    first.core.log.close()  # the process dies here: no clean stop is recorded

    second = _gateway(tmp_path, broker, config)
    second.submit(_intent("b1", "key-1"))  # the runner retries the same key after the restart
    for _ in range(3):
        second.step()
        second.sync()
    assert second.core.state.policy.mode.value == "HALT"
    assert second.core.state.book.total == exposure_before > 0
    assert [o.intent_id for o in broker.placed] == ["a1"]
    assert second.core.state.intents["b1"].status.value == "DEDUPLICATED"
    second.close()
    assert replay_events(read_logged_events(tmp_path)).violations == ()


def _gateway(tmp_path: Path, broker: StubBroker, config: GatewayConfig) -> Gateway:
    gateway = build_gateway(
        config,
        broker=broker,
        reference=StaticReference(),
        log_dir=tmp_path / "wal",
        lease=InMemoryLease("gateway"),
    )
    gateway.start()
    return gateway


def _intent(intent_id: str, key: str) -> SubmitIntent:
    return SubmitIntent(
        intent_id=intent_id,
        idempotency_key=key,
        strategy_id="s",
        account="SIM-ACCOUNT",
        symbol="2330",
        intent_type=IntentType.NEW,
        side=Side.BUY,
        price=1_000 * PRICE_SCALE,
        qty=1,
        tif=TimeInForce.ROD,
        ttl_ns=60 * 10**9,
        trace_id="t",
        created_ns=time.time_ns(),
    )


def test_three_runners_submitting_concurrently_get_exactly_150_dispatches(tmp_path: Path) -> None:
    broker = StubBroker()
    roomy = ExposureLimits(
        symbol_default=10**15, strategy_default=10**15, global_limit=10**15, max_keys=16
    )
    gateway = _gateway(tmp_path, broker, GatewayConfig(session_id="multi", limits=roomy))

    def runner(n: int) -> None:
        for i in range(50):
            gateway.submit(_intent(f"r{n}-{i}", f"r{n}-key-{i}"))

    threads = [threading.Thread(target=runner, args=(n,)) for n in range(3)]
    for t in threads:
        t.start()
    while any(t.is_alive() for t in threads) or gateway.channel.depth:
        gateway.step()
    for _ in range(3):
        gateway.step()
        gateway.sync()
    keys = [o.intent_id for o in broker.placed]
    assert len(keys) == len(set(keys)) == 150
    gateway.close()


@pytest.mark.slow
def test_sigkilled_sim_replays_with_no_violation(tmp_path: Path) -> None:
    """A crash mid-session leaves a log that audits clean: open intents explained by it."""
    out = tmp_path / "crash"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "hft.app.cli.main",
            "sim",
            "--ticks",
            "1000000",
            "--out",
            str(out),
            "--json",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        segments = list((out / "wal").glob("*.seg")) if (out / "wal").exists() else []
        if segments and sum(s.stat().st_size for s in segments) > 0:
            time.sleep(1.5)
            break
        time.sleep(0.1)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    result = subprocess.run(
        [sys.executable, "-m", "hft.app.cli.main", "replay", str(out), "--json"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    report = json.loads(result.stdout)
    assert result.returncode == 0, report["violations"]
    assert report["clean_stop"] is False
    assert report["events"] > 10
    assert all("without a clean stop" in why for why in report["open_intents"].values())
