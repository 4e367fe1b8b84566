"""Wires the Shioaji adapter: credentials from the environment, the real client, a system clock.

The app layer gets the facade from here and uses it through its ports (`BrokerGateway`,
`ReferenceData`, and `facade.market_data` as the `MarketDataFeed`). Building the facade does
not touch the network; `facade.start()` does (it logs in).
"""

from __future__ import annotations

import os
import pathlib
from collections.abc import Mapping

import attrs


def _keep_sdk_files_out_of_the_working_directory() -> None:
    # `import shioaji` opens ./shioaji.log (and writes a token cache) unless told otherwise,
    # and falls back to stdout when the log's directory is missing, which would corrupt
    # `--json` output. Default both into the user's cache before the SDK is first imported.
    cache = pathlib.Path(os.environ.get("XDG_CACHE_HOME") or pathlib.Path.home() / ".cache")
    home = cache / "hft" / "shioaji"
    if "SJ_LOG_PATH" not in os.environ or "SJ_HOME_PATH" not in os.environ:
        home.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("SJ_LOG_PATH", str(home / "shioaji.log"))
    os.environ.setdefault("SJ_HOME_PATH", str(home))


_keep_sdk_files_out_of_the_working_directory()

# The adapter imports the SDK: these imports must come after the environment is set above.
from hft.adapters.memory import SystemClock  # noqa: E402
from hft.adapters.shioaji import (  # noqa: E402
    ClientFactory,
    MissingCredentialsError,
    ShioajiConfig,
    ShioajiFacade,
    ShioajiHealth,
    credentials_from_env,
    real_client_factory,
)
from hft.adapters.shioaji.bench import run_quote_bench  # noqa: E402
from hft.ports.clock import Clock  # noqa: E402

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


def quote_bench(ticks: int = 200_000, rounds: int = 3) -> dict[str, object]:
    """Quote callback -> `QuoteReceived` -> bounded queue, over real `from_msgpack` ticks."""
    return run_quote_bench(ticks, rounds)
