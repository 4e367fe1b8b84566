"""A deterministic exchange simulator behind the BrokerGateway, MarketDataFeed and
ReferenceData ports: price-time order books with synthetic liquidity, a seeded random-walk
market (or recorded ticks), a latency model with presets, and an outage mode.

Build one with `SimVenue(seed=..., latency="zero")` and drive it with `advance(now_ns)`.
"""

from hft.adapters.simbroker.book import OrderBook
from hft.adapters.simbroker.broker import SimBroker
from hft.adapters.simbroker.feed import SimFeed
from hft.adapters.simbroker.instruments import (
    SimReferenceData,
    UnknownSymbolError,
    default_instruments,
    make_instrument,
    price_limits,
    with_reference,
)
from hft.adapters.simbroker.latency import (
    LATENCY_PRESETS,
    LatencyModel,
    Leg,
    OutageSchedule,
    UnknownPresetError,
    latency_preset,
)
from hft.adapters.simbroker.market import (
    MarketSource,
    RandomWalkMarket,
    StepPlan,
    TopOfBook,
    WalkShape,
    price_grid,
)
from hft.adapters.simbroker.orders import SimFill, SimOrderStatus
from hft.adapters.simbroker.rules import RejectCode
from hft.adapters.simbroker.ticks import (
    BadTickValueError,
    MissingColumnError,
    OffGridPriceError,
    RecordedMarket,
    RecordedTick,
    TickDataError,
    UnlistedSymbolError,
    UnorderedTicksError,
    load_ticks,
    rebase_instruments,
)
from hft.adapters.simbroker.venue import SimVenue

__all__ = [
    "LATENCY_PRESETS",
    "BadTickValueError",
    "LatencyModel",
    "Leg",
    "MarketSource",
    "MissingColumnError",
    "OffGridPriceError",
    "OrderBook",
    "OutageSchedule",
    "RandomWalkMarket",
    "RecordedMarket",
    "RecordedTick",
    "RejectCode",
    "SimBroker",
    "SimFeed",
    "SimFill",
    "SimOrderStatus",
    "SimReferenceData",
    "SimVenue",
    "StepPlan",
    "TickDataError",
    "TopOfBook",
    "UnknownPresetError",
    "UnknownSymbolError",
    "UnlistedSymbolError",
    "UnorderedTicksError",
    "WalkShape",
    "default_instruments",
    "latency_preset",
    "load_ticks",
    "make_instrument",
    "price_grid",
    "price_limits",
    "rebase_instruments",
    "with_reference",
]
