"""Benchmark of the quote hot path: SDK callback -> `QuoteReceived` -> bounded queue.

Real `sj.TickSTKv1` and `sj.BidAskSTKv1` objects are parsed from their wire form with
`from_msgpack` (a msgpack array of the struct's fields in declaration order), so the mapping
reads the SDK's own lazily decoded fields exactly as it does live (the SDK decodes a field on
every read; nothing is cached on the object, so reusing a sample costs what a fresh one does).
No login and no network: the feed's registered callback is called directly, on this thread,
which is what the SDK's callback thread does.

What is timed is the callback alone (guard, map, enqueue). The consumer's drain runs between
batches, outside the timings. Beside the path, the same harness times constructing one
`QuoteReceived`: the floor any feed pays, so that the ratios are comparable across machines
and loads. Path, books and floor alternate batch by batch (1,024 calls each) so that all see
the same load; the figures reported are medians over rounds. The garbage collector runs as
it does live (not frozen, not disabled); its collections during the rounds are counted and
their longest pause given.
"""

from __future__ import annotations

import datetime as dt
import gc
import statistics
import time
from collections.abc import Callable, Sequence
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
_BATCH = 1_024
_START = dt.datetime(2026, 5, 4, 9, 0, 0)  # noqa: DTZ001 - the SDK's naive Taipei time
TARGET = {"p99_us_max": 10, "ticks_per_s_min": 200_000}


def _wire_time(when: dt.datetime) -> list[str]:
    return [when.strftime("%Y/%m/%d"), when.strftime("%H:%M:%S.%f")]


def stock_tick_wire(code: str, when: dt.datetime, close: Decimal, volume: int) -> bytes:
    """The msgpack wire form of a `TickSTKv1` (29 fields, prices as decimal strings)."""
    px = str(close)
    fields: list[Any] = [
        code, *_wire_time(when), px, px, px, px, px,
        str(close * volume), "0", volume, volume, 1, 3, "0", 0, 0, 0, 0, 0, 0,
        "", "", "", "", 0, "", False, False,
    ]  # fmt: skip
    return msgspec.msgpack.encode(fields)


def stock_book_wire(code: str, when: dt.datetime, best_bid: Decimal, step: Decimal) -> bytes:
    """The msgpack wire form of a full five-level `BidAskSTKv1` (11 fields)."""
    bids = [str(best_bid - step * level) for level in range(5)]
    asks = [str(best_bid + step * (level + 1)) for level in range(5)]
    sizes = [3, 5, 8, 13, 21]
    fields: list[Any] = [
        code, *_wire_time(when), bids, sizes, [0] * 5, asks, sizes, [0] * 5, False, False,
    ]  # fmt: skip
    return msgspec.msgpack.encode(fields)


def sample_ticks(count: int = _DISTINCT) -> list[Any]:
    """`count` distinct real stock ticks around 1,000 TWD (40 prices), a microsecond apart."""
    return [
        sj.TickSTKv1.from_msgpack(
            stock_tick_wire(
                "2330",
                _START + dt.timedelta(microseconds=i),
                Decimal(1000) + Decimal(i % 40) * Decimal("0.5"),
                1 + i % 7,
            )
        )
        for i in range(count)
    ]


def sample_books(count: int = _DISTINCT) -> list[Any]:
    """`count` distinct real five-level stock books around 1,000 TWD, a microsecond apart."""
    return [
        sj.BidAskSTKv1.from_msgpack(
            stock_book_wire(
                "2330",
                _START + dt.timedelta(microseconds=i),
                Decimal(1000) + Decimal(i % 40) * Decimal("0.5"),
                Decimal("0.5"),
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


def _event_alone(payload: object) -> QuoteReceived:
    # The floor the domain imposes on any feed: constructing one QuoteReceived.
    return QuoteReceived(
        originator_id="2330", originator_version=1, ts_event_ns=1, ts_init_ns=1,
        symbol="2330", last_px=10_000_000, last_qty=1, simtrade=False,
    )  # fmt: skip


class _GcWatch:
    """Counts collections and keeps the longest pause while `active` (gc.callbacks)."""

    def __init__(self) -> None:
        self.collections = [0, 0, 0]
        self.max_pause_ns = 0
        self.active = False
        self._started = 0

    def __call__(self, phase: str, info: dict[str, Any]) -> None:
        if not self.active:
            return
        if phase == "start":
            self._started = time.perf_counter_ns()
            return
        self.collections[info["generation"]] += 1
        self.max_pause_ns = max(self.max_pause_ns, time.perf_counter_ns() - self._started)


Call = Callable[[Any], object]


class _Subject:
    """One timed callable: per-call latencies, and batches timed whole for the rate (the
    per-call clock reads would otherwise be counted as work)."""

    def __init__(self, call: Call, samples: Sequence[Any]) -> None:
        self._call = call
        self._samples = samples
        self._latencies: list[int] = []
        self._spent_ns = 0
        self._calls = 0

    def run_batch(self, start: int, size: int, drain: Callable[[], object]) -> None:
        call, clock_ns, record = self._call, time.perf_counter_ns, self._latencies.append
        batch = [self._samples[i % len(self._samples)] for i in range(start, start + size)]
        for payload in batch:
            started = clock_ns()
            call(payload)
            record(clock_ns() - started)
        drain()
        started = clock_ns()
        for payload in batch:
            call(payload)
        self._spent_ns += clock_ns() - started
        self._calls += size
        drain()

    def figures(self) -> dict[str, float]:
        ordered = sorted(self._latencies)
        return {
            "per_s": self._calls / (self._spent_ns / 1e9),
            "p50": _pct(ordered, 50),
            "p99": _pct(ordered, 99),
            "max": ordered[-1],
        }


def _pct(sorted_ns: list[int], pct: float) -> int:
    return sorted_ns[min(len(sorted_ns) - 1, int(len(sorted_ns) * pct / 100))]


def _round(subjects: list[_Subject], ticks: int, drain: Callable[[], object]) -> None:
    # Subjects alternate batch by batch, so that each sees the same machine (load on a shared
    # host changes within seconds, and ratios between subjects are what carries over).
    for start in range(0, ticks, _BATCH):
        for subject in subjects:
            subject.run_batch(start, min(_BATCH, ticks - start), drain)


def _median(rounds: list[dict[str, float]], key: str) -> float:
    return statistics.median(r[key] for r in rounds)


def _summary(
    prefix: str, path: list[dict[str, float]], floor: list[dict[str, float]]
) -> dict[str, float]:
    return {
        f"{prefix}p50_us": _us(_median(path, "p50")),
        f"{prefix}p99_us": _us(_median(path, "p99")),
        f"{prefix}max_us": _us(max(r["max"] for r in path)),
        f"{prefix}rate_ratio_to_event_only": _ratio(path, floor, "per_s"),
        f"{prefix}p50_ratio_to_event_only": _ratio(path, floor, "p50"),
        f"{prefix}p99_ratio_to_event_only": _ratio(path, floor, "p99"),
    }


def _ratio(path: list[dict[str, float]], floor: list[dict[str, float]], key: str) -> float:
    # Per round, then the median: both sides of a ratio saw the same load.
    return round(statistics.median(p[key] / f[key] for p, f in zip(path, floor, strict=True)), 3)


def run_quote_bench(ticks: int = 200_000, rounds: int = 3) -> dict[str, object]:
    """Per-tick latency (p50/p99/max, us) and throughput (ticks/s) of the stock-tick callback
    (guard + map + enqueue), the same for five-level stock books, and for constructing
    `QuoteReceived` alone; medians over `rounds` interleaved rounds of `ticks` calls each."""
    if ticks <= 0 or rounds <= 0:
        raise ValueError("ticks and rounds must be positive")
    ticks_in, books_in = sample_ticks(), sample_books()
    feed = _feed(capacity=_BATCH)

    def drain() -> None:
        feed.poll(0, _BATCH)

    watch = _GcWatch()
    gc.callbacks.append(watch)
    tick_rounds, book_rounds, floor_rounds = [], [], []
    try:
        for _ in range(rounds):
            subjects = [
                _Subject(feed.on_tick_stk, ticks_in),
                _Subject(feed.on_bidask_stk, books_in),
                _Subject(_event_alone, ticks_in),
            ]
            watch.active = True
            _round(subjects, ticks, drain)
            watch.active = False
            tick, book, floor = (subject.figures() for subject in subjects)
            tick_rounds.append(tick)
            book_rounds.append(book)
            floor_rounds.append(floor)
    finally:
        gc.callbacks.remove(watch)
    rate = round(_median(tick_rounds, "per_s"))
    p99_us = _us(_median(tick_rounds, "p99"))
    return {
        "bench": "shioaji.quotes",
        "ticks": ticks,
        "rounds": rounds,
        "ticks_per_s": rate,
        **_summary("", tick_rounds, floor_rounds),
        "event_only_per_s": round(_median(floor_rounds, "per_s")),
        "event_only_p50_us": _us(_median(floor_rounds, "p50")),
        "event_only_p99_us": _us(_median(floor_rounds, "p99")),
        "bidask_per_s": round(_median(book_rounds, "per_s")),
        **_summary("bidask_", book_rounds, floor_rounds),
        "gc": {
            "frozen": gc.get_freeze_count() > 0,
            "collections_gen0_1_2": watch.collections,
            "max_pause_us": _us(watch.max_pause_ns),
        },
        "dropped": feed.dropped_total,
        "rejected": feed.rejected_total,
        "target": TARGET,
        "target_met": p99_us <= TARGET["p99_us_max"] and rate >= TARGET["ticks_per_s_min"],
    }


def _us(ns: float) -> float:
    return round(ns / 1000, 3)
