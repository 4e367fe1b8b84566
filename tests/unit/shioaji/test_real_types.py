"""Every shioaji type the adapter maps is the SDK's own class, and the SDK runs offline here."""

from __future__ import annotations

import inspect
import os
import pathlib
import subprocess
import sys

import shioaji as sj

from hft.adapters.memory import VirtualClock
from hft.adapters.shioaji import ShioajiClient
from hft.adapters.shioaji.order_mapping import build_sdk_order
from hft.adapters.shioaji.quote_mapping import EXPECTED_SHAPES
from hft.domain.orders import BrokerOrder, OpenClose
from hft.domain.values import InstrumentKind, IntentId, Price, Qty, Side, Symbol
from tests.fakes.fake_shioaji import FakeContracts, FakeShioaji
from tests.fixtures import shioaji_payloads as p

REPO = pathlib.Path(__file__).resolve().parents[3]


def test_quote_builders_return_the_sdk_classes_the_guard_expects() -> None:
    """The fixtures build real v1 quote objects, the very classes the shape guard accepts."""
    built = {
        "tick_stk_v1": p.tick_stk(),
        "bidask_stk_v1": p.bidask_stk(),
        "tick_fop_v1": p.tick_fop(),
        "bidask_fop_v1": p.bidask_fop(),
    }
    assert {name: type(obj) for name, obj in built.items()} == EXPECTED_SHAPES
    assert {
        "tick_stk_v1": sj.TickSTKv1,
        "bidask_stk_v1": sj.BidAskSTKv1,
        "tick_fop_v1": sj.TickFOPv1,
        "bidask_fop_v1": sj.BidAskFOPv1,
    } == EXPECTED_SHAPES
    for obj in built.values():
        obj.to_dict()  # decodes every lazily parsed field: the wire layout is still right


def test_contracts_accounts_and_orders_are_real_sdk_objects() -> None:
    """Contracts, accounts and the orders the adapter builds are the SDK's classes and enums."""
    assert type(p.stock()) is sj.Stock
    assert type(p.future()) is sj.Future
    assert type(p.option()) is sj.Option
    assert type(p.account()) is sj.Account
    stock_order = BrokerOrder(
        intent_id=IntentId("t-1"), symbol=Symbol("2330"), side=Side.BUY, qty=Qty(1),
        price=Price(10_000_000),
    )  # fmt: skip
    fut_order = BrokerOrder(
        intent_id=IntentId("t-2"), symbol=Symbol("TXFF6"), side=Side.SELL, qty=Qty(1),
        price=Price(225_000_000), open_close=OpenClose.CLOSE,
    )  # fmt: skip
    built_stock = build_sdk_order(stock_order, InstrumentKind.STOCK, "A1")
    built_future = build_sdk_order(fut_order, InstrumentKind.FUTURE, "A2")
    assert type(built_stock) is sj.StockOrder
    assert type(built_future) is sj.FuturesOrder
    assert type(built_stock.action) is sj.Action
    assert type(built_future.octype) is sj.FuturesOCType


def test_the_fake_venue_holds_real_contracts() -> None:
    """What the fake serves as the contract tree is made of real `sj.Stock`/`sj.Future`."""
    tree = FakeContracts([p.stock(), p.future(), p.option()])
    found = [
        c for category in (tree.Stocks, tree.Futures, tree.Options) for g in category for c in g
    ]
    assert [type(c) for c in found] == [sj.Stock, sj.Future, sj.Option]


def test_no_test_of_the_adapter_uses_mock_objects() -> None:
    """No mock library objects anywhere in the Shioaji tests, fakes or fixtures."""
    paths = [
        *REPO.joinpath("tests/unit/shioaji").glob("*.py"),
        REPO / "tests/fakes/fake_shioaji.py",
        REPO / "tests/fixtures/shioaji_payloads.py",
        REPO / "tests/contract/test_shioaji_broker.py",
    ]
    banned = ("Magic" + "Mock", "unittest" + ".mock", "mock" + ".patch")
    offenders = [str(f) for f in paths if any(b in f.read_text() for b in banned)]
    assert offenders == []


def test_importing_the_adapter_writes_no_log_into_the_working_directory(
    tmp_path: pathlib.Path,
) -> None:
    """With SJ_LOG_PATH/SJ_HOME_PATH set, `import hft.adapters.shioaji` leaves cwd empty."""
    env = dict(os.environ)
    env["SJ_LOG_PATH"] = str(tmp_path / "sj" / "shioaji.log")
    env["SJ_HOME_PATH"] = str(tmp_path / "sj")
    (tmp_path / "sj").mkdir()
    work = tmp_path / "cwd"
    work.mkdir()
    code = "import hft.adapters.shioaji, hft.app.bootstrap.shioaji; print('ok')"
    done = subprocess.run(
        [sys.executable, "-c", code],
        check=False,
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.stdout.strip() == "ok", done.stderr
    assert list(work.iterdir()) == []


def test_the_test_run_points_the_sdk_log_outside_the_repo() -> None:
    """tests/conftest.py moves the SDK's log and token cache out of the repo before import."""
    log_path = pathlib.Path(os.environ["SJ_LOG_PATH"]).resolve()
    home = pathlib.Path(os.environ["SJ_HOME_PATH"]).resolve()
    assert REPO not in log_path.parents
    assert REPO not in home.parents


def test_without_sdk_paths_the_bootstrap_puts_the_log_in_the_user_cache(
    tmp_path: pathlib.Path,
) -> None:
    """Unset SJ_LOG_PATH: the composition root defaults it under XDG_CACHE_HOME, not cwd."""
    env = {k: v for k, v in os.environ.items() if k not in ("SJ_LOG_PATH", "SJ_HOME_PATH")}
    env["XDG_CACHE_HOME"] = str(tmp_path / "cache")
    work = tmp_path / "cwd"
    work.mkdir()
    code = "import hft.app.bootstrap.shioaji, os; print(os.environ['SJ_LOG_PATH'])"
    done = subprocess.run(
        [sys.executable, "-c", code], check=False, cwd=work, env=env, capture_output=True,
        text=True, timeout=120,
    )  # fmt: skip
    assert done.stdout.strip() == str(tmp_path / "cache" / "hft" / "shioaji" / "shioaji.log")
    assert list(work.iterdir()) == []


def test_loading_the_cli_group_does_not_import_the_sdk() -> None:
    """`hft wal ...` must not pay for (or be affected by) the SDK: only shioaji commands load it."""
    code = "import sys, hft.app.cli.shioaji; print('hft.adapters.shioaji' in sys.modules)"
    done = subprocess.run(
        [sys.executable, "-c", code], check=False, capture_output=True, text=True, timeout=120
    )
    assert done.stdout.strip() == "False", done.stderr


def test_the_fake_implements_the_client_protocol(clock: VirtualClock) -> None:
    """mypy checks this assignment structurally: the fake offers every method we call."""
    fake: ShioajiClient = FakeShioaji(clock)
    assert fake.list_trades() == []
    assert isinstance(fake, FakeShioaji)
    fake.close()


def test_every_protocol_member_exists_on_the_real_sdk_class_with_our_parameters() -> None:
    """`ShioajiClient` is a subset of `sj.Shioaji`: same names, and every parameter we pass
    exists in the real method's signature (checked on the class: nothing is constructed)."""
    members = [n for n in dir(ShioajiClient) if not n.startswith("_")]
    assert len(members) == 26
    for name in members:
        real = getattr(sj.Shioaji, name)
        ours = getattr(ShioajiClient, name)
        if not callable(ours):
            continue  # a property: its presence is what matters
        real_params = set(inspect.signature(real).parameters)
        our_params = set(inspect.signature(ours).parameters) - {"self"}
        assert our_params <= real_params, (name, our_params - real_params)
