"""Test support for the recorder: event builders, fake sinks and a scripted disk probe.

The fakes stand behind our own ports (`AnalyticsSink`, `DiskProbe`), never behind a library.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from typing import Any

from hypothesis import strategies as st

from hft.adapters.wal.pressure import DiskUsage, PressureThresholds
from hft.domain.connectivity import BrokerSessionChanged
from hft.domain.events import DomainEvent
from hft.domain.market import QuoteReceived
from hft.ports.sinks import SinkUnavailableError

MIB = 1 << 20
THRESHOLDS = PressureThresholds(
    warn_free_bytes=300 * MIB,
    critical_free_bytes=200 * MIB,
    halt_free_bytes=100 * MIB,
    clear_margin_bytes=10 * MIB,
)
FREE_FOR_LEVEL = {"OK": 1000 * MIB, "WARN": 250 * MIB, "CRITICAL": 150 * MIB, "HALT": 50 * MIB}

_counter = iter(range(1, 10**9))


def quotes(n: int, ts_ns: int = 1_000) -> list[DomainEvent]:
    """`n` market-data events with event times ts_ns, ts_ns + 1, ..."""
    return [
        QuoteReceived(
            originator_id="2330",
            originator_version=next(_counter),
            ts_event_ns=ts_ns + i,
            ts_init_ns=ts_ns + i + 10,
            symbol="2330",
            bid_px=5_000_000,
            bid_qty=3,
        )
        for i in range(n)
    ]


def order_events(n: int, ts_ns: int = 1_000) -> list[DomainEvent]:
    """`n` order-path events (venue session changes stand in for any order-topic event)."""
    return [
        BrokerSessionChanged(
            originator_id="sinopac",
            originator_version=next(_counter),
            ts_event_ns=ts_ns + i,
            ts_init_ns=ts_ns + i,
            venue="sinopac",
            state="LOGGED_IN",
            detail="",
        )
        for i in range(n)
    ]


class SettableProbe:
    """A DiskProbe whose free space the test sets by level name."""

    def __init__(self) -> None:
        self.usage = DiskUsage(free_bytes=FREE_FOR_LEVEL["OK"], wal_bytes=0)

    def set_level(self, name: str) -> None:
        self.usage = DiskUsage(free_bytes=FREE_FOR_LEVEL[name], wal_bytes=0)

    def measure(self) -> DiskUsage:
        return self.usage


class RecordingSink:
    """An AnalyticsSink in memory: keeps every insert; optionally waits on a gate first."""

    def __init__(self, gate: threading.Event | None = None) -> None:
        self.inserts: list[tuple[str, list[Mapping[str, Any]], str]] = []
        self._gate = gate

    def insert(self, table: str, rows: Sequence[Mapping[str, Any]], dedup_token: str) -> int:
        if self._gate is not None:
            self._gate.wait()
        self.inserts.append((table, list(rows), dedup_token))
        return len(rows)


class ExplodingSink:
    """An AnalyticsSink that must never be called: counts calls, then raises."""

    def __init__(self) -> None:
        self.calls = 0

    def insert(self, table: str, rows: Sequence[Mapping[str, Any]], dedup_token: str) -> int:
        self.calls += 1
        raise SinkUnavailableError("this sink must not be called")


LEVEL_NAMES = st.sampled_from(["OK", "WARN", "CRITICAL", "HALT"])
TOPICS = st.sampled_from(["orders", "market_data"])
