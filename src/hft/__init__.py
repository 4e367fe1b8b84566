"""hft: the event-sourced order path for Taiwan markets.

The stable public API for runner scripts (see README "Embedding hft" and examples/runner.py):

    build_gateway(config, broker=..., reference=..., log_dir=...) -> Gateway
    build_sim_venue(SimConfig(...)) -> SimSession (a simulated venue's ports)
    Gateway.start / submit / step / sync / halt / resume / kill_switch / metrics / close
    Strategy, StrategyContext, StrategyRouter: the strategy interface
    run_sim(SimRun(...)) -> SimResult: what `hft sim` runs
"""

from hft.app.bootstrap.session import build_gateway, build_sim
from hft.app.bootstrap.sim import SimConfig, SimSession, build_sim_venue
from hft.app.gateway.channel import ChannelFullError
from hft.app.gateway.control import ControlQueueFullError
from hft.app.gateway.core import GatewayConfig
from hft.app.gateway.metrics import MetricsSnapshot
from hft.app.gateway.service import Gateway
from hft.app.sim import SimDriver, SimResult, SimRun, run_sim
from hft.app.strategy import Strategy, StrategyContext, StrategyRouter
from hft.domain.exposure_limits import ExposureLimits
from hft.domain.intent import IntentType, SubmitIntent
from hft.domain.orders import TimeInForce
from hft.domain.reasons import RejectReason
from hft.domain.values import PRICE_SCALE, Side

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
    "run_sim",
]
