"""hft: the event-sourced order path for Taiwan markets.

The stable public API for runner scripts (see README "Embedding hft" and examples/runner.py):

    build_gateway(config, broker=..., reference=..., log_dir=...) -> Gateway
    build_sim_venue(SimConfig(...)) -> SimSession (a simulated venue's ports)
    Gateway.start / submit / step / sync / halt / resume / kill_switch / metrics / close
    Strategy, StrategyContext, StrategyRouter: the strategy interface
    run_sim(SimRun(...)) -> SimResult: what `hft sim` runs
    freeze_startup_heap(): for a script that owns its process, after Gateway.start()
"""

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from hft.app.bootstrap.session import build_gateway, build_sim
    from hft.app.bootstrap.sim import SimConfig, SimSession, build_sim_venue
    from hft.app.gateway.channel import ChannelFullError
    from hft.app.gateway.control import ControlQueueFullError
    from hft.app.gateway.core import GatewayConfig
    from hft.app.gateway.metrics import MetricsSnapshot
    from hft.app.gateway.service import Gateway
    from hft.app.heap import freeze_startup_heap
    from hft.app.sim import SimDriver, SimResult, SimRun, run_sim
    from hft.app.strategy import Strategy, StrategyContext, StrategyRouter
    from hft.domain.exposure_limits import ExposureLimits
    from hft.domain.intent import IntentType, SubmitIntent
    from hft.domain.orders import TimeInForce
    from hft.domain.reasons import RejectReason
    from hft.domain.values import PRICE_SCALE, Side

# Public name -> the module that defines it. Imported on first use (PEP 562): `import hft.x`
# (a loader worker, `hft --help`) no longer pays ~0.4 s for the gateway and the simulator.
_EXPORTS = {
    "build_gateway": "hft.app.bootstrap.session",
    "build_sim": "hft.app.bootstrap.session",
    "SimConfig": "hft.app.bootstrap.sim",
    "SimSession": "hft.app.bootstrap.sim",
    "build_sim_venue": "hft.app.bootstrap.sim",
    "ChannelFullError": "hft.app.gateway.channel",
    "ControlQueueFullError": "hft.app.gateway.control",
    "GatewayConfig": "hft.app.gateway.core",
    "MetricsSnapshot": "hft.app.gateway.metrics",
    "Gateway": "hft.app.gateway.service",
    "freeze_startup_heap": "hft.app.heap",
    "SimDriver": "hft.app.sim",
    "SimResult": "hft.app.sim",
    "SimRun": "hft.app.sim",
    "run_sim": "hft.app.sim",
    "Strategy": "hft.app.strategy",
    "StrategyContext": "hft.app.strategy",
    "StrategyRouter": "hft.app.strategy",
    "ExposureLimits": "hft.domain.exposure_limits",
    "IntentType": "hft.domain.intent",
    "SubmitIntent": "hft.domain.intent",
    "TimeInForce": "hft.domain.orders",
    "RejectReason": "hft.domain.reasons",
    "PRICE_SCALE": "hft.domain.values",
    "Side": "hft.domain.values",
}

__version__ = "0.1.0"

__all__ = [
    "PRICE_SCALE",
    "ChannelFullError",
    "ControlQueueFullError",
    "ExposureLimits",
    "Gateway",
    "GatewayConfig",
    "IntentType",
    "MetricsSnapshot",
    "RejectReason",
    "Side",
    "SimConfig",
    "SimDriver",
    "SimResult",
    "SimRun",
    "SimSession",
    "Strategy",
    "StrategyContext",
    "StrategyRouter",
    "SubmitIntent",
    "TimeInForce",
    "build_gateway",
    "build_sim",
    "build_sim_venue",
    "freeze_startup_heap",
    "run_sim",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'hft' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS})
