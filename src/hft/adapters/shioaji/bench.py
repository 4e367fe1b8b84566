"""Benchmark of the quote hot path: SDK callback -> `QuoteReceived` -> bounded queue.

Real `sj.TickSTKv1` objects are parsed from their wire form with `from_msgpack` (a msgpack
array of the struct's fields in declaration order), so the mapping reads the SDK's own lazily
decoded fields exactly as it does live. No login and no network: the feed's callback is called
directly, on this thread, which is what the SDK's callback thread would do.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import msgspec
import shioaji as sj

from hft.adapters.shioaji.contracts import ShioajiReferenceData
from hft.adapters.shioaji.credentials import Credentials
from hft.adapters.shioaji.quotes import FeedConfig, ShioajiMarketData
from hft.adapters.shioaji.session import LoginGate, ShioajiSession
from hft.domain.market import QuoteReceived

_DISTINCT = 1_024


def stock_tick_wire(code: str, when: dt.datetime, close: Decimal, volume: int) -> bytes:
    """The msgpack wire form of a `TickSTKv1` (29 fields, prices as decimal strings)."""
    px = str(close)
    fields: list[Any] = [
        code, when.strftime("%Y/%m/%d"), when.strftime("%H:%M:%S.%f"), px, px, px, px, px,
        str(close * volume), "0", volume, volume, 1, 3, "0", 0, 0, 0, 0, 0, 0,
        "", "", "", "", 0, "", False, False,
    ]  # fmt: skip
    return msgspec.msgpack.encode(fields)


def sample_ticks(count: int = _DISTINCT) -> list[Any]:
    """`count` distinct real stock ticks around 1,000 TWD, a microsecond apart."""
    start = dt.datetime(2026, 5, 4, 9, 0, 0)  # noqa: DTZ001 - the SDK's naive Taipei time
    return [
        sj.TickSTKv1.from_msgpack(
            stock_tick_wire(
                "2330",
                start + dt.timedelta(microseconds=i),
                Decimal(1000) + Decimal(i % 40) * Decimal("0.5"),
                1 + i % 7,
            )
        )
        for i in range(count)
    ]


class _WallClock:
    def now_ns(self) -> int:
        return time.time_ns()


def _feed(capacity: int) -> ShioajiMarketData:
    clock = _WallClock()

    def no_client(simulation: bool) -> Any:
        raise RuntimeError("the benchmark never logs in")

    session = ShioajiSession(no_client, Credentials("bench", "bench"), clock, gate=LoginGate())
    return ShioajiMarketData(session, ShioajiReferenceData(), clock, FeedConfig(capacity=capacity))


def _percentile(sorted_ns: list[int], pct: float) -> int:
    return sorted_ns[min(len(sorted_ns) - 1, int(len(sorted_ns) * pct / 100))]


def _timed(count: int, call: Callable[[int], object]) -> list[int]:
    clock_ns = time.perf_counter_ns
    latencies: list[int] = []
    for i in range(count):
        started = clock_ns()
        call(i)
        latencies.append(clock_ns() - started)
    latencies.sort()
    return latencies


def _build_event(i: int) -> QuoteReceived:
    # The floor the domain imposes on any feed: constructing one QuoteReceived.
    return QuoteReceived(
        originator_id="2330", originator_version=i, ts_event_ns=i, ts_init_ns=i,
        symbol="2330", last_px=10_000_000, last_qty=1,
    )  # fmt: skip


def _rate(count: int, call: Callable[[int], object]) -> int:
    started = time.perf_counter_ns()
    for i in range(count):
        call(i)
    return round(count / ((time.perf_counter_ns() - started) / 1e9))


def run_quote_bench(ticks: int = 200_000, drain_every: int = 8_192) -> dict[str, object]:
    """Per-tick latency (p50/p99/max, us) and throughput (ticks/s) of map + enqueue, beside
    the same figures for constructing `QuoteReceived` alone (the floor), so that the ratio
    can be compared across machines and loads."""
    samples = sample_ticks()
    feed = _feed(capacity=drain_every + 1)

    def one_tick(i: int) -> None:
        feed.on_tick_stk(samples[i % len(samples)])
        if i % drain_every == drain_every - 1:
            feed.poll(0, drain_every)

    latencies = _timed(ticks, one_tick)
    while feed.poll(0, drain_every):
        pass
    rate = _rate(ticks, one_tick)
    floor = _timed(ticks, _build_event)
    floor_rate = _rate(ticks, _build_event)
    return {
        "bench": "shioaji.quotes",
        "ticks": ticks,
        "ticks_per_s": rate,
        "p50_us": _us(_percentile(latencies, 50)),
        "p99_us": _us(_percentile(latencies, 99)),
        "max_us": _us(latencies[-1]),
        "event_only_per_s": floor_rate,
        "event_only_p50_us": _us(_percentile(floor, 50)),
        "event_only_p99_us": _us(_percentile(floor, 99)),
        "p50_ratio_to_event_only": round(_percentile(latencies, 50) / _percentile(floor, 50), 2),
        "dropped": feed.dropped_total,
        "rejected": feed.rejected_total,
        "target": {"p99_us_max": 10, "ticks_per_s_min": 200_000},
    }


def _us(ns: int) -> float:
    return round(ns / 1000, 3)
