"""Wires the simulated venue: one call builds the broker, feed and reference data of a
simulated session from a `SimConfig`, handed out typed as ports.

The venue runs on a virtual clock owned by the caller: call `advance(now_ns)` (or poll the
broker/feed with `now_ns`, which advances first) to move it; `next_event_ns()` says when
something next happens, so a sim loop can jump from event to event.

Errors (all `ValueError` subclasses, a usage error for the CLI): an unknown symbol or latency
preset, a bad outage window, an unreadable or malformed data file (`TickDataError` family).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol

import attrs

from hft.adapters.simbroker import (
    LATENCY_PRESETS,
    OutageSchedule,
    RecordedMarket,
    SimVenue,
    default_instruments,
    load_ticks,
    rebase_instruments,
)
from hft.domain.values import Side
from hft.ports.broker import BrokerGateway
from hft.ports.market_data import MarketDataFeed
from hft.ports.reference_data import ReferenceData

LATENCY_PRESET_NAMES: tuple[str, ...] = tuple(LATENCY_PRESETS)


@attrs.frozen(kw_only=True)
class SimConfig:
    """What a simulated session looks like.

    `symbols`: the listed codes (default: every simulated instrument, or every symbol in
    `data_file`). `latency`: a preset name (`zero`, `colo`, `shioaji-sim`). `outages`:
    half-open `[start_ns, end_ns)` windows of virtual time in which broker calls time out.
    `data_file`: recorded ticks (.csv/.parquet, layout in `hft.adapters.simbroker.ticks`)
    replacing the random walk; instruments are then re-based on the file's first prices and
    the clock starts just before its first row. `quote_interval_ns` and `depth_levels` shape
    the random walk (one step per interval per symbol; depth levels per side).
    """

    seed: int = 0
    symbols: tuple[str, ...] | None = None
    latency: str = "zero"
    outages: tuple[tuple[int, int], ...] = ()
    data_file: Path | None = None
    quote_interval_ns: int = 50_000_000
    depth_levels: int | None = None
    feed_capacity: int = 65_536
    start_ns: int = 0
    reach_probability: float = 0.5


class FillView(Protocol):
    """One execution as the venue's order list shows it (scaled price, lots/contracts)."""

    @property
    def fill_id(self) -> str: ...
    @property
    def price(self) -> int: ...
    @property
    def qty(self) -> int: ...
    @property
    def ts_ns(self) -> int: ...


class OrderView(Protocol):
    """One order as the venue knows it: status pending, working, filled, cancelled or
    rejected; price scaled (0 for market orders)."""

    @property
    def intent_id(self) -> str: ...
    @property
    def broker_order_id(self) -> str: ...
    @property
    def symbol(self) -> str: ...
    @property
    def side(self) -> Side: ...
    @property
    def price(self) -> int: ...
    @property
    def qty(self) -> int: ...
    @property
    def filled(self) -> int: ...
    @property
    def status(self) -> str: ...
    @property
    def fills(self) -> Sequence[FillView]: ...


@attrs.frozen
class SimSession:
    """The ports of one simulated venue plus the levers of its virtual clock and outages.

    `order_status(intent_id)` / `list_orders()` are the reconciliation queries (what the
    venue holds; None when an intent never reached it), as Shioaji's `list_trades` is live.
    """

    broker: BrokerGateway
    feed: MarketDataFeed
    reference: ReferenceData
    advance: Callable[[int], None]
    next_event_ns: Callable[[], int | None]
    now_ns: Callable[[], int]
    set_outage: Callable[[bool], None]
    timeout_next: Callable[[int], None]
    order_status: Callable[[str], OrderView | None]
    list_orders: Callable[[], Sequence[OrderView]]


def build_sim_venue(config: SimConfig) -> SimSession:
    """Build a simulated venue from `config` (deterministic for a given config)."""
    venue = _venue(config)
    return SimSession(
        broker=venue.broker,
        feed=venue.feed,
        reference=venue.reference,
        advance=venue.advance,
        next_event_ns=venue.next_event_ns,
        now_ns=lambda: venue.now_ns,
        set_outage=venue.set_outage,
        timeout_next=venue.timeout_next,
        order_status=venue.broker.order_status,  # type: ignore[arg-type]  # IntentId is a str
        list_orders=venue.broker.list_orders,
    )


def _venue(config: SimConfig) -> SimVenue:
    common = {
        "seed": config.seed,
        "latency": config.latency,
        "outages": OutageSchedule.of(config.outages),
        "reach_probability": config.reach_probability,
        "feed_capacity": config.feed_capacity,
    }
    if config.data_file is None:
        return SimVenue(
            symbols=config.symbols,
            quote_interval_ns=config.quote_interval_ns,
            depth_levels=config.depth_levels,
            start_ns=config.start_ns,
            **common,  # type: ignore[arg-type]
        )
    ticks = load_ticks(config.data_file, default_instruments())
    if config.symbols is not None:
        wanted = set(config.symbols)
        ticks = [t for t in ticks if t.symbol in wanted]
    instruments = rebase_instruments(default_instruments(), ticks)
    start_ns = ticks[0].ts_ns - 1 if ticks else config.start_ns
    return SimVenue(
        instruments=instruments,
        symbols=config.symbols,
        market=RecordedMarket(ticks),
        start_ns=start_ns,
        **common,  # type: ignore[arg-type]
    )
