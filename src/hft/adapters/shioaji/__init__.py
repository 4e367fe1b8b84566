"""The Shioaji (Sinopac) adapter, one module per concern behind `ShioajiFacade`.

client       the `ShioajiClient` Protocol (what we call on `sj.Shioaji`) and the real factory
session      login pacing, reconnect with backoff, callbacks re-registered on every login
contracts    SDK contracts -> `Instrument` (`ReferenceData`), daily refresh schedule
quotes       `MarketDataFeed`: subscriptions, v1 callbacks -> bounded queue, watchdog
orders       `BrokerGateway`: SDK calls on a worker, order/deal events -> reports, reconcile
account      positions, balance, margin, limits, usage -> snapshots (rate limited)
facade       all of the above as one object, with a health snapshot
"""

from hft.adapters.shioaji.client import ClientFactory, ShioajiClient, real_client_factory
from hft.adapters.shioaji.credentials import Credentials, credentials_from_env
from hft.adapters.shioaji.errors import (
    LoginThrottledError,
    MissingCredentialsError,
    NotLoggedInError,
    OffGridPriceError,
    OrderQueueFullError,
    RateLimitedError,
    ShioajiAdapterError,
    SubscriptionLimitError,
    UnknownIntentError,
    UnknownSymbolError,
)
from hft.adapters.shioaji.facade import ShioajiConfig, ShioajiFacade
from hft.adapters.shioaji.health import ComponentHealth, ShioajiHealth

__all__ = [
    "ClientFactory",
    "ComponentHealth",
    "Credentials",
    "LoginThrottledError",
    "MissingCredentialsError",
    "NotLoggedInError",
    "OffGridPriceError",
    "OrderQueueFullError",
    "RateLimitedError",
    "ShioajiAdapterError",
    "ShioajiClient",
    "ShioajiConfig",
    "ShioajiFacade",
    "ShioajiHealth",
    "SubscriptionLimitError",
    "UnknownIntentError",
    "UnknownSymbolError",
    "credentials_from_env",
    "real_client_factory",
]
