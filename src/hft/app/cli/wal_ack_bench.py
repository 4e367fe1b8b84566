"""The ack-latency part of `hft bench wal`: policy fsync at a fixed offered load.

A producer appends on a fixed schedule of absolute deadlines (send k is due at t0 + k *
interval; a late producer catches up, it never drifts). Each event's ack latency is taken
from its scheduled send time, so a stalled producer counts against the log as it would
against a caller (no coordinated omission), and also from the moment its append returned.

"Acked" is measured two ways, in separate runs, each in a fresh interpreter:
- `told`: the flusher's own `on_durable` call, right after the fdatasync that covers the
  event and the publish of `durable_seq` (the moment the writer is told);
- `waiter`: a thread blocked in `wait_durable`, which the flusher wakes (that thread's own
  scheduling on a busy machine is part of this figure).
"""

from __future__ import annotations

import bisect
import multiprocessing
import os
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from typing import Any

import attrs

from hft.app.bootstrap import wal

RECORD_BYTES = 120
CPU_PRESSURE = "/proc/pressure/cpu"


@attrs.frozen
class AckRun:
    """One ack run: latencies in microseconds, from the scheduled send time and from the
    append, how late each send was, how long the flusher's fdatasyncs took, and what the
    machine did meanwhile."""

    from_schedule_us: list[float]
    from_append_us: list[float]
    producer_lag_us: list[float]
    fdatasync_us: list[float]
    process_cpu_pct: float
    cpu_pressure_pct: float | None
    switch_interval_s: float
    syncs: int


class _TimedSyncs(wal.FileOps):
    """Real file operations that time each fdatasync (the disk's share of every ack)."""

    def __init__(self) -> None:
        self.sync_us: list[float] = []

    def fdatasync(self, fd: int) -> None:
        start = time.perf_counter_ns()
        super().fdatasync(fd)
        self.sync_us.append((time.perf_counter_ns() - start) / 1000)


class _Schedule:
    """Per-event scheduled and actual append times (ns), filled by the producer."""

    def __init__(self, total: int) -> None:
        self.due = [0] * (total + 1)
        self.sent = [0] * (total + 1)
        self.lags: list[float] = []


def _produce(log: wal.WalLog, total: int, interval_ns: int, per_append: int) -> _Schedule:
    record = os.urandom(RECORD_BYTES)
    schedule = _Schedule(total)
    t0 = time.perf_counter_ns()
    sent = tick = 0
    while sent < total:
        tick += 1
        due = t0 + tick * interval_ns
        while (now := time.perf_counter_ns()) < due:
            time.sleep((due - now) / 1e9)
        count = min(per_append, total - sent)
        schedule.due[sent + 1 : sent + 1 + count] = [due] * count
        schedule.lags.append((now - due) / 1000)
        log.append_records([record] * count)
        schedule.sent[sent + 1 : sent + 1 + count] = [time.perf_counter_ns()] * count
        sent += count
    return schedule


def _cpu_stall_us() -> int | None:
    """Microseconds (since boot) some runnable task waited for a CPU; None without PSI."""
    try:
        with open(CPU_PRESSURE, encoding="ascii") as fh:
            some = fh.readline().split()
    except OSError:
        return None
    return int(some[-1].partition("=")[2])


def ack_run(
    directory: str, rate: int, seconds: float, per_append: int, how: str = "told"
) -> AckRun:
    """Offer `rate` events/s for `seconds` in appends of `per_append` events, policy fsync;
    `how` is "told" (the flusher's on_durable) or "waiter" (a thread in wait_durable)."""
    total = int(rate * seconds)
    acks: list[tuple[int, int]] = []  # (durable_seq, ns) in publish order
    ops = _TimedSyncs()
    path = tempfile.mkdtemp(dir=directory)
    with wal.open_record_log(path, wal.wal_config("fsync"), fileops=ops) as log:
        log.wait_preallocated(60)
        del ops.sync_us[:]
        waiter = None
        if how == "told":
            log.on_durable(lambda seq: acks.append((seq, time.perf_counter_ns())))
        else:
            waiter = threading.Thread(target=_wait_all, args=(log, total, acks))
            waiter.start()
        stall, cpu, wall = _cpu_stall_us(), time.process_time(), time.perf_counter()
        schedule = _produce(log, total, 1_000_000_000 * per_append // rate, per_append)
        log.wait_durable(total, 60)
        if waiter is not None:
            waiter.join()
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        stalled = _cpu_stall_us()
        syncs = log.stats().syncs
    from_schedule, from_append = _latencies(acks, schedule, total)
    return AckRun(
        from_schedule,
        from_append,
        schedule.lags,
        ops.sync_us,
        100 * cpu / wall,
        None if stall is None or stalled is None else (stalled - stall) / 1e4 / wall,
        sys.getswitchinterval(),
        syncs,
    )


def _wait_all(log: wal.WalLog, total: int, acks: list[tuple[int, int]]) -> None:
    acked = 0
    while acked < total:
        log.wait_durable(acked + 1, 5.0)
        now = time.perf_counter_ns()
        acked = log.durable_seq()
        acks.append((acked, now))


def _latencies(
    acks: list[tuple[int, int]], schedule: _Schedule, total: int
) -> tuple[list[float], list[float]]:
    """Each event's ack is the first one whose durable_seq covers it."""
    seqs = [seq for seq, _ns in acks]
    from_schedule: list[float] = []
    from_append: list[float] = []
    for event in range(1, total + 1):
        at = acks[bisect.bisect_left(seqs, event)][1]
        from_schedule.append((at - schedule.due[event]) / 1000)
        from_append.append((at - schedule.sent[event]) / 1000)
    return from_schedule, from_append


def in_fresh_process(fn: Callable[..., Any], *args: Any) -> Any:
    """Run `fn` in a new interpreter: the latency harness must not inherit the millions of
    objects (and the GC pauses over them) that the throughput phases left in this one."""
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(1) as pool:
        return pool.apply(fn, args)
