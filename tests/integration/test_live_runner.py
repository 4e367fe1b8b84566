"""`hft live`'s loop over the Shioaji facade on a fake SDK fed real shioaji quote objects:
the strategy trades through the gateway, stopping cancels what is live, the log replays."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

from hft.adapters.memory import SystemClock
from hft.app.bootstrap.replay import read_logged_events
from hft.app.bootstrap.session import build_gateway
from hft.app.live import LiveRun, run_live
from hft.app.replay import replay_events
from tests.fakes.fake_shioaji import FakeShioaji, build_facade
from tests.fixtures import shioaji_payloads as p


def test_live_session_trades_then_cancels_everything_on_stop(tmp_path: Path) -> None:
    clock = SystemClock()
    fake = FakeShioaji(clock)
    fake.book["2330"] = (995.0, 1005.0)
    facade = build_facade(clock, fake, threaded_calls=True)
    facade.start()
    stop = threading.Event()
    books = [(995, 1005), (1000, 1005), (995, 1000)] * 20

    def market() -> None:
        while not facade.market_data.subscribed and not stop.wait(0.01):
            pass  # the live loop subscribes once its gateway has started
        for bid, ask in books:
            fake.push_quote(
                "bidask_stk",
                p.bidask_stk(bid_price=[bid], bid_volume=[5], ask_price=[ask], ask_volume=[5]),
            )
            fake.wait_idle()
            stop.wait(0.01)
        stop.set()

    run = LiveRun(
        out=tmp_path,
        strategy="hft.app.strategies.market_maker:MarketMaker",
        symbols=("2330",),
        account="A",
        max_seconds=30,
    )
    feeder = threading.Thread(target=market)
    feeder.start()
    result = run_live(
        run,
        facade,
        lambda config: build_gateway(
            config, broker=facade, reference=facade, log_dir=tmp_path / "wal", clock=clock
        ),
        clock,
        stop,
    )
    feeder.join()
    facade.stop()
    assert result.dispatched > 0
    assert result.still_working == 0
    report = replay_events(read_logged_events(tmp_path))
    assert report.violations == ()
    assert report.recorded_digest == report.state_digest == result.digest
    assert report.counts["GatewayHalted"] == 1  # stopping halts before cancelling
    assert report.counts.get("QuoteReceived", 0) >= len(books) // 2


def test_live_without_credentials_says_what_is_missing_and_exits_2(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHIOAJI_")}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "hft.app.cli.main",
            "live",
            "--out",
            str(tmp_path),
            "--seconds",
            "1",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 2
    assert "SHIOAJI_API_KEY" in done.stderr
    assert "SHIOAJI_SECRET_KEY" in done.stderr
