"""Against Sinopac's SIMULATION environment: runs only when SHIOAJI_API_KEY is set.

Paper trading only: the facade is built with simulation=True, and the one order placed rests
at today's limit-down price and is cancelled at once.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator

import pytest

from hft.app.bootstrap.shioaji import ShioajiFacade, shioaji_facade
from hft.domain.orders import BrokerOrder, BrokerReport, OrderAccepted, OrderCancelled
from hft.domain.values import IntentId, Qty, Side, Symbol

pytestmark = [
    pytest.mark.live,
    pytest.mark.skipif(
        not os.environ.get("SHIOAJI_API_KEY"), reason="SHIOAJI_API_KEY not set (live simulation)"
    ),
]
SYMBOL = "2330"


@pytest.fixture(scope="module")
def facade() -> Iterator[ShioajiFacade]:
    built = shioaji_facade(os.environ, simulation=True)
    built.start()
    yield built
    built.stop()


def _reports_until(facade: ShioajiFacade, done: type, seconds: float = 20.0) -> list[BrokerReport]:
    seen: list[BrokerReport] = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not any(isinstance(r, done) for r in seen):
        time.sleep(0.2)
        seen += facade.poll(time.time_ns())
    return seen


def test_simulation_login_loads_contracts_and_the_symbol(facade: ShioajiFacade) -> None:
    """A real login yields thousands of instruments, 2330 among them on the stock ladder."""
    assert facade.session.connected is True
    assert len(facade.symbols()) > 1_000
    instrument = facade.instrument(SYMBOL)
    assert instrument is not None
    assert instrument.lot_size == 1_000


def test_simulation_subscription_is_accepted_and_health_is_reported(facade: ShioajiFacade) -> None:
    """Subscribing 2330 succeeds; the health snapshot shows the session and feed up."""
    facade.market_data.subscribe([SYMBOL])
    time.sleep(3)
    facade.market_data.poll(time.time_ns())
    health = facade.health(time.time_ns())
    assert health.component("session").connected is True
    assert health.component("quotes").detail == "1 symbols"


def test_simulation_passive_order_is_accepted_then_cancelled(facade: ShioajiFacade) -> None:
    """A one-lot buy at limit down rests; cancelling it reports the whole qty remaining."""
    instrument = facade.instrument(SYMBOL)
    assert instrument is not None
    intent = IntentId(f"live-{time.time_ns()}")
    facade.place(
        BrokerOrder(
            intent_id=intent, symbol=Symbol(SYMBOL), side=Side.BUY, qty=Qty(1),
            price=instrument.limit_down,
        )
    )  # fmt: skip
    accepted = _reports_until(facade, OrderAccepted)
    assert any(isinstance(r, OrderAccepted) and r.intent_id == intent for r in accepted)
    facade.cancel(intent)
    cancelled = [r for r in _reports_until(facade, OrderCancelled) if isinstance(r, OrderCancelled)]
    assert [(r.intent_id, r.remaining) for r in cancelled] == [(intent, 1)]


def test_simulation_usage_reports_the_daily_quota(facade: ShioajiFacade) -> None:
    """api.usage answers with a positive byte limit."""
    assert facade.account.usage().limit_bytes > 0
