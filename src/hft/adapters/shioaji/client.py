"""The slice of `shioaji.Shioaji` this adapter calls, as a Protocol, and how a real one is made.

Everything the adapter does to the venue goes through `ShioajiClient`, so tests drive the adapter
with a fake that implements exactly this surface and is fed the library's real objects. The
real client is built by an injectable `ClientFactory`: constructing `sj.Shioaji()` already opens
network connections, so nothing here builds one at import time.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

QuoteCallback = Callable[..., None]
OrderCallback = Callable[[Any, Any], None]
EventCallback = Callable[[int, int, str, str], None]
SessionDownCallback = Callable[[], None]


class ShioajiClient(Protocol):
    """What we call on `sj.Shioaji` (1.7.9). Every method may block on the network.

    Callback setters raise `sj.AuthError` before `login`; callbacks fire on the SDK's threads.
    Order calls may raise `sj.OrderOutcomeUnknownError` or `sj.ShioajiTimeoutError`: the order
    may exist, so the caller reconciles through `update_status` + `list_trades`.
    """

    def login(self, api_key: str, secret_key: str, subscribe_trade: bool = True) -> list[Any]: ...

    def logout(self) -> None: ...

    def activate_ca(self, ca_path: str, ca_passwd: str, person_id: str | None = None) -> bool: ...

    def fetch_contracts(self, contract_download: bool = False) -> Any: ...

    @property
    def Contracts(self) -> Any:
        """The contract tree (the SDK's own capitalised name)."""

    def subscribe(self, contract: Any, quote_type: Any, version: Any = None) -> None: ...

    def unsubscribe(self, contract: Any, quote_type: Any, version: Any = None) -> None: ...

    def set_on_tick_stk_v1_callback(self, callback: QuoteCallback) -> None: ...

    def set_on_bidask_stk_v1_callback(self, callback: QuoteCallback) -> None: ...

    def set_on_tick_fop_v1_callback(self, callback: QuoteCallback) -> None: ...

    def set_on_bidask_fop_v1_callback(self, callback: QuoteCallback) -> None: ...

    def set_order_callback(self, callback: OrderCallback) -> None: ...

    def set_event_callback(self, callback: EventCallback) -> None: ...

    def set_session_down_callback(self, callback: SessionDownCallback) -> None: ...

    def place_order(self, contract: Any, order: Any, timeout: int = 30_000) -> Any: ...

    def update_order(
        self, trade: Any, price: float | None = None, qty: int | None = None, timeout: int = 30_000
    ) -> Any: ...

    def cancel_order(self, trade: Any, timeout: int = 30_000) -> Any: ...

    def update_status(self, account: Any = None, timeout: int = 30_000) -> None: ...

    def list_trades(self) -> list[Any]: ...

    def list_positions(self, account: Any = None, timeout: int = 30_000) -> list[Any]: ...

    def account_balance(self, account: Any = None, timeout: int = 30_000) -> Any: ...

    def margin(self, account: Any = None, timeout: int = 30_000) -> Any: ...

    def trading_limits(self, account: Any = None, timeout: int = 30_000) -> Any: ...

    def usage(self, timeout: int = 30_000) -> Any: ...

    @property
    def stock_account(self) -> Any: ...

    @property
    def futopt_account(self) -> Any: ...


ClientFactory = Callable[[bool], ShioajiClient]
"""Builds a client for the simulation (`True`) or production (`False`) environment."""


def real_client_factory(simulation: bool) -> ShioajiClient:
    """Construct `sj.Shioaji(simulation=...)`. Touches the network: never call it in tests."""
    import shioaji as sj  # noqa: PLC0415 - importing the SDK is deferred to this call

    client: ShioajiClient = sj.Shioaji(simulation=simulation)
    return client
