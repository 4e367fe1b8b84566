"""`FakeShioaji`: an in-memory venue behind our `ShioajiClient` protocol, fed real SDK objects.

It behaves like the real API where the adapter depends on it: registering a callback before
login raises `sj.AuthError`; callbacks fire on the fake's own thread, never the caller's;
orders are real `sj.StockOrder`/`sj.FuturesOrder` and answered with order/deal events shaped as
documented; a marketable order fills against a configured top of book, an unmarketable IOC/FOK
is cancelled, a ROD rests. Levers inject the venue's failures: refused logins (a one-minute
ban), a session drop, event codes 12/13, `OrderOutcomeUnknownError` or a timeout on the next
order call (with or without the order having been created), and a deal before its order event.
"""

from __future__ import annotations

import itertools
import queue
import threading
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import shioaji as sj

from hft.adapters.shioaji import Credentials, ShioajiConfig, ShioajiFacade
from hft.adapters.shioaji.session import LoginGate
from hft.ports.clock import Clock
from tests.fixtures import shioaji_payloads as p

Callback = Callable[..., None]
PROCESSED_TIMEOUT_S = 10.0
ORDER_CALLS_PER_10S = 250


def _text(value: Any) -> str:
    return str(getattr(value, "value", value))


class _Category:
    """Shaped as the SDK's contract category: iterating yields groups of contracts."""

    def __init__(self, contracts: list[Any]) -> None:
        self._groups = [contracts] if contracts else []

    def __iter__(self) -> Any:
        return iter(self._groups)


class FakeContracts:
    """Shaped as `sj.Contracts`: Stocks / Futures / Options categories."""

    def __init__(self, contracts: list[Any]) -> None:
        by_kind: dict[str, list[Any]] = {"STK": [], "FUT": [], "OPT": []}
        for contract in contracts:
            by_kind.setdefault(_text(contract.security_type), []).append(contract)
        self.Stocks = _Category(by_kind["STK"])
        self.Futures = _Category(by_kind["FUT"])
        self.Options = _Category(by_kind["OPT"])


class FakeShioaji:
    """Implements `hft.adapters.shioaji.client.ShioajiClient` in memory."""

    def __init__(self, clock: Clock, contracts: list[Any] | None = None) -> None:
        self._clock = clock
        self._contracts = contracts if contracts is not None else [p.stock(), p.future()]
        self.logged_in = False
        self.login_calls = 0
        self.refuse_logins: list[Exception] = []
        self.callbacks: dict[str, Callback] = {}
        self.subscriptions: list[tuple[str, str]] = []
        self.subscribe_calls = 0
        self.book: dict[str, tuple[float, float]] = {}
        self.trades: list[p.StandInTrade] = []
        self.place_calls = 0
        self.call_failures: list[tuple[Exception, bool]] = []
        self.deal_before_order = False
        self.order_calls_ns: list[int] = []
        self.rate_limited = 0
        self.contract_fetch_failure: Exception | None = None
        self.duplicate_deals = False
        self._ids = itertools.count(1)
        self._deal_seq = itertools.count(1)
        self._deliveries: queue.Queue[Callable[[], None] | None] = queue.Queue()
        self.callback_threads: set[str] = set()
        self._thread = threading.Thread(
            target=self._deliver, name="fake-sdk-callbacks", daemon=True
        )
        self._thread.start()

    # -- auth -----------------------------------------------------------------------------
    def login(self, api_key: str, secret_key: str, subscribe_trade: bool = True) -> list[Any]:
        self.login_calls += 1
        if self.refuse_logins:
            raise self.refuse_logins.pop(0)
        if not api_key or not secret_key:
            raise sj.TokenError("invalid api key")
        self.logged_in = True
        return [p.account(), p.account(futures=True)]

    def logout(self) -> None:
        self.logged_in = False

    def activate_ca(self, ca_path: str, ca_passwd: str, person_id: str | None = None) -> bool:
        self._require_login()
        return True

    @property
    def stock_account(self) -> Any:
        return p.account()

    @property
    def futopt_account(self) -> Any:
        return p.account(futures=True)

    # -- contracts and quotes -------------------------------------------------------------
    def fetch_contracts(self, contract_download: bool = False) -> Any:
        self._require_login()
        if self.contract_fetch_failure is not None:
            raise self.contract_fetch_failure
        return FakeContracts(self._contracts)

    @property
    def Contracts(self) -> Any:
        return FakeContracts(self._contracts)

    def subscribe(self, contract: Any, quote_type: Any = None, version: Any = None) -> None:
        self._require_login()
        if _text(version) != "v1":
            raise sj.ShioajiValueError(f"unsupported quote version {version}")
        self.subscribe_calls += 1
        self.subscriptions.append((contract.code, _text(quote_type)))

    def unsubscribe(self, contract: Any, quote_type: Any = None, version: Any = None) -> None:
        self._require_login()
        key = (contract.code, _text(quote_type))
        if key in self.subscriptions:
            self.subscriptions.remove(key)

    def set_on_tick_stk_v1_callback(self, callback: Callback) -> None:
        self._set("tick_stk", callback)

    def set_on_bidask_stk_v1_callback(self, callback: Callback) -> None:
        self._set("bidask_stk", callback)

    def set_on_tick_fop_v1_callback(self, callback: Callback) -> None:
        self._set("tick_fop", callback)

    def set_on_bidask_fop_v1_callback(self, callback: Callback) -> None:
        self._set("bidask_fop", callback)

    def set_order_callback(self, callback: Callback) -> None:
        self._set("order", callback)

    def set_event_callback(self, callback: Callback) -> None:
        self._set("event", callback)

    def set_session_down_callback(self, callback: Callback) -> None:
        self._set("session_down", callback)

    # -- orders ---------------------------------------------------------------------------
    def place_order(self, contract: Any, order: Any, timeout: int = 30_000) -> Any:
        self._require_login()
        self._count_order_call()
        self.place_calls += 1
        if not isinstance(order, sj.StockOrder | sj.FuturesOrder):
            raise sj.ShioajiTypeError("expected StockOrder or FuturesOrder")
        failure = self.call_failures.pop(0) if self.call_failures else None
        if failure is not None and not failure[1]:
            raise failure[0]
        trade = self._new_trade(contract, order)
        self._answer_new(trade, order)
        if failure is not None:
            raise failure[0]
        return trade

    def update_order(
        self, trade: Any, price: float | None = None, qty: int | None = None, timeout: int = 30_000
    ) -> Any:
        self._require_login()
        self._count_order_call()
        self._maybe_fail()
        status = trade.status
        if _text(status.status) in ("Cancelled", "Filled", "Failed"):
            op = "UpdatePrice" if price is not None else "UpdateQty"
            self._emit_order(trade, op, op_code="88", op_msg="order is not working")
            return trade
        if price is not None:
            status.modified_price = price
            self._emit_order(trade, "UpdatePrice", modified_price=price)
        else:
            status.cancel_quantity = (status.cancel_quantity or 0) + int(qty or 0)
            self._emit_order(trade, "UpdateQty", cancel_quantity=status.cancel_quantity)
        return trade

    def cancel_order(self, trade: Any, timeout: int = 30_000) -> Any:
        self._require_login()
        self._count_order_call()
        self._maybe_fail()
        self._cancel(trade)
        return trade

    def update_status(self, account: Any = None, timeout: int = 30_000) -> None:
        self._require_login()

    def list_trades(self) -> list[Any]:
        return list(self.trades)

    # -- account --------------------------------------------------------------------------
    def list_positions(self, account: Any = None, timeout: int = 30_000) -> list[Any]:
        self._require_login()
        return [p.StandInPosition("2330", sj.Action.Buy, 3, 998.5, 1002.0, 10_500.0)]

    def account_balance(self, account: Any = None, timeout: int = 30_000) -> Any:
        self._require_login()
        return p.StandInBalance()

    def margin(self, account: Any = None, timeout: int = 30_000) -> Any:
        self._require_login()
        return p.StandInMargin()

    def trading_limits(self, account: Any = None, timeout: int = 30_000) -> Any:
        self._require_login()
        return p.StandInTradingLimits()

    def usage(self, timeout: int = 30_000) -> Any:
        self._require_login()
        return p.StandInUsage()

    # -- levers for tests -----------------------------------------------------------------
    def push_quote(self, channel: str, payload: Any) -> None:
        """Deliver a quote object on `channel` (tick_stk, bidask_stk, tick_fop, bidask_fop)."""
        self._later(lambda: self._fire(channel, payload))

    def drop_session(self) -> None:
        self.logged_in = False
        self._later(lambda: self._fire("session_down"))

    def fire_event(self, event_code: int, info: str = "") -> None:
        self._later(lambda: self._fire("event", 0, event_code, info, "Session"))

    def fail_next_call(self, failure: Exception, order_created: bool) -> None:
        """The next order call raises `failure`; a place creates the order if `order_created`."""
        self.call_failures.append((failure, order_created))

    def wait_idle(self) -> None:
        """Block until every callback queued so far has run on the callback thread."""
        done = threading.Event()
        self._deliveries.put(done.set)
        if not done.wait(PROCESSED_TIMEOUT_S):
            raise TimeoutError("fake callbacks did not drain")

    def close(self) -> None:
        self._deliveries.put(None)
        self._thread.join(PROCESSED_TIMEOUT_S)

    def orders_for_tag(self, tag: str) -> int:
        return sum(1 for t in self.trades if t.order.custom_field == tag)

    # -- internals ------------------------------------------------------------------------
    def _require_login(self) -> None:
        if not self.logged_in:
            raise sj.AuthError("Not authenticated: please login first")

    def _set(self, name: str, callback: Callback) -> None:
        self._require_login()
        if not callable(callback):
            raise sj.ShioajiTypeError("callback is not callable")
        self.callbacks[name] = callback

    def _count_order_call(self) -> None:
        # The venue's limit: 250 order calls per 10 s, then a one-minute suspension.
        now = self._clock.now_ns()
        window = [t for t in self.order_calls_ns if t > now - 10_000_000_000]
        if len(window) >= ORDER_CALLS_PER_10S:
            self.rate_limited += 1
            raise sj.ServerError("429 order rate limit exceeded: try again in 1 minute")
        self.order_calls_ns = [*window, now]

    def _maybe_fail(self) -> None:
        if self.call_failures:
            raise self.call_failures.pop(0)[0]

    def _fire(self, name: str, *args: Any) -> None:
        # Like the SDK: an event with no callback registered is simply not delivered.
        callback = self.callbacks.get(name)
        if callback is not None:
            callback(*args)

    def _later(self, job: Callable[[], None]) -> None:
        self._deliveries.put(job)

    def _deliver(self) -> None:
        while (job := self._deliveries.get()) is not None:
            self.callback_threads.add(threading.current_thread().name)
            job()

    def _new_trade(self, contract: Any, order: Any) -> p.StandInTrade:
        n = next(self._ids)
        trade_id = f"{n:08x}"
        result = p.StandInOrderResult(
            id=trade_id,
            seqno=f"{n:06d}",
            ordno=f"X{n:04d}",
            action=order.action,
            price=order.price,
            quantity=order.quantity,
            custom_field=order.custom_field,
        )
        status = p.StandInOrderStatus(
            id=trade_id, status=sj.OrderStatus.PendingSubmit, order_quantity=order.quantity
        )
        trade = p.StandInTrade(contract=contract, order=result, status=status)
        self.trades.append(trade)
        return trade

    def _answer_new(self, trade: p.StandInTrade, order: Any) -> None:
        fill_price = self._match(trade.contract.code, order)
        tif = _text(order.time_in_force)
        if fill_price is not None and self.deal_before_order:
            self._fill(trade, fill_price)
        trade.status.status = sj.OrderStatus.Submitted
        self._emit_order(trade, "New")
        if fill_price is not None and not self.deal_before_order:
            self._fill(trade, fill_price)
        elif fill_price is None and tif in ("IOC", "FOK"):
            self._cancel(trade)

    def _match(self, code: str, order: Any) -> float | None:
        bid, ask = self.book.get(code, (0.0, 0.0))
        buy = _text(order.action) == "Buy"
        market = _text(order.price_type) == "MKT"
        if buy and ask and (market or Decimal(str(order.price)) >= Decimal(str(ask))):
            return ask
        if not buy and bid and (market or Decimal(str(order.price)) <= Decimal(str(bid))):
            return bid
        return None

    def _fill(self, trade: p.StandInTrade, price: float) -> None:
        qty = trade.order.quantity
        seq = f"{next(self._deal_seq):06d}"
        trade.status.deals.append(p.StandInDeal(seq, price, qty, 1_777_856_401.25))
        trade.status.deal_quantity = qty
        trade.status.status = sj.OrderStatus.Filled
        state = sj.OrderState.StockDeal if self._is_stock(trade) else sj.OrderState.FuturesDeal
        event = p.deal_event(trade, seq, price, qty)
        self._later(lambda: self._fire("order", state, event))
        if self.duplicate_deals:
            self._later(lambda: self._fire("order", state, dict(event)))

    def _cancel(self, trade: p.StandInTrade) -> None:
        status = trade.status
        if _text(status.status) in ("Cancelled", "Filled", "Failed"):
            self._emit_order(trade, "Cancel", op_code="99", op_msg="order already done")
            return
        remaining = (
            trade.order.quantity - (status.deal_quantity or 0) - (status.cancel_quantity or 0)
        )
        status.status = sj.OrderStatus.Cancelled
        status.cancel_quantity = (status.cancel_quantity or 0) + remaining
        self._emit_order(trade, "Cancel", cancel_quantity=remaining)

    def _emit_order(self, trade: p.StandInTrade, op_type: str, **kwargs: Any) -> None:
        state = sj.OrderState.StockOrder if self._is_stock(trade) else sj.OrderState.FuturesOrder
        event = p.order_event(trade, op_type, **kwargs)
        self._later(lambda: self._fire("order", state, event))

    @staticmethod
    def _is_stock(trade: p.StandInTrade) -> bool:
        return _text(trade.contract.security_type) == "STK"


START_NS = 1_777_856_400_000_000_000
"""2026-05-04 01:00:00 UTC = 09:00 in Taipei, a trading morning."""


def fake_credentials() -> Credentials:
    return Credentials(api_key="test-key-0001", secret_key="test-secret")  # noqa: S106 - a fake


def build_facade(
    clock: Clock, fake: FakeShioaji, *, threaded_calls: bool = False, **config: Any
) -> ShioajiFacade:
    """A `ShioajiFacade` over `fake`, with its own login gate (tests never share pacing)."""
    settings = ShioajiConfig(threaded_calls=threaded_calls, **config)
    return ShioajiFacade(lambda simulation: fake, fake_credentials(), clock, settings, LoginGate())
