"""Wires the Shioaji adapter: credentials from the environment, the real client, a system clock.

The app layer gets the facade from here and uses it through its ports (`BrokerGateway`,
`ReferenceData`, and `facade.market_data` as the `MarketDataFeed`). Building the facade does
not touch the network; `facade.start()` does (it logs in).
"""

from __future__ import annotations

import os
from collections.abc import Mapping

import attrs

from hft.adapters.memory import SystemClock
from hft.adapters.shioaji import (
    ClientFactory,
    MissingCredentialsError,
    ShioajiConfig,
    ShioajiFacade,
    ShioajiHealth,
    credentials_from_env,
    real_client_factory,
)
from hft.adapters.shioaji.bench import run_quote_bench
from hft.ports.clock import Clock

__all__ = [
    "MissingCredentialsError",
    "ShioajiFacade",
    "ShioajiHealth",
    "missing_credentials",
    "quote_bench",
    "shioaji_facade",
]


def missing_credentials(env: Mapping[str, str] | None = None) -> tuple[str, ...]:
    """The credential variables that are not set (empty when the environment is complete)."""
    try:
        credentials_from_env(os.environ if env is None else env)
    except MissingCredentialsError as missing:
        return missing.missing
    return ()


def shioaji_facade(
    env: Mapping[str, str] | None = None,
    *,
    simulation: bool = True,
    clock: Clock | None = None,
    client_factory: ClientFactory = real_client_factory,
    config: ShioajiConfig | None = None,
) -> ShioajiFacade:
    """A facade for Sinopac's simulation (default) or production environment.

    Raises `MissingCredentialsError` naming the variables that are not set. Production must be
    asked for explicitly; `config.session.simulation` is overridden by `simulation`.
    """
    credentials = credentials_from_env(os.environ if env is None else env)
    base = config or ShioajiConfig()
    settings = attrs.evolve(base, session=attrs.evolve(base.session, simulation=simulation))
    return ShioajiFacade(client_factory, credentials, clock or SystemClock(), settings)


def quote_bench(ticks: int = 200_000) -> dict[str, object]:
    """Quote callback -> `QuoteReceived` -> bounded queue, over real `from_msgpack` ticks."""
    return run_quote_bench(ticks)
