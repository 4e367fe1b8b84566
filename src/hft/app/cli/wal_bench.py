"""`hft bench wal`: throughput, ack latency and replay of the WAL against the disk's floors.

Every figure comes from the same run on the same temp directory, so ratios to the two
baselines (one `os.write` per record; one `fdatasync` of a small overwrite) hold even on a
noisy machine where absolute numbers move.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

import click

from hft.app.bootstrap import wal
from hft.app.bootstrap.codec import default_codec
from hft.domain.events import DomainEvent
from hft.domain.market import QuoteReceived

RECORD_BYTES = 120
BATCH = 256
SWITCH_INTERVAL_S = 0.0005


def _records(n: int) -> list[bytes]:
    pool = [os.urandom(RECORD_BYTES) for _ in range(1024)]
    return [pool[i % 1024] for i in range(n)]


def _quotes(n: int) -> list[DomainEvent]:
    return [
        QuoteReceived(
            originator_id="TXFL6",
            originator_version=i + 1,
            ts_event_ns=1_790_000_000_000_000_000 + i * 1000,
            ts_init_ns=1_790_000_000_000_050_000 + i * 1000,
            symbol="TXFL6",
            bid_px=225_650_000 + i % 7,
            bid_qty=3 + i % 5,
            ask_px=225_660_000,
            ask_qty=2,
            last_px=225_650_000,
            last_qty=1,
        )
        for i in range(n)
    ]


def os_write_baseline(directory: str, n: int) -> float:
    """Records/s writing each 100-byte record with its own os.write (the naive ceiling)."""
    record = os.urandom(100)
    fd = os.open(os.path.join(directory, "baseline.bin"), os.O_WRONLY | os.O_CREAT, 0o644)
    try:
        start = time.perf_counter()
        for _ in range(n):
            os.write(fd, record)
        elapsed = time.perf_counter() - start
    finally:
        os.close(fd)
    return n / elapsed


def fdatasync_floor(directory: str, n: int) -> list[float]:
    """Microseconds of fdatasync after a 100-byte overwrite of a pre-zeroed file."""
    path = os.path.join(directory, "fsync.bin")
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        os.pwrite(fd, bytes(1 << 20), 0)
        os.fsync(fd)
        times = []
        for i in range(n):
            os.pwrite(fd, b"x" * 100, (i * 100) % (1 << 20))
            start = time.perf_counter_ns()
            os.fdatasync(fd)
            times.append((time.perf_counter_ns() - start) / 1000)
    finally:
        os.close(fd)
    return times


def _push(append: Callable[[Sequence[Any]], Any], log: wal.WalLog, items: Sequence[Any]) -> None:
    for start in range(0, len(items), BATCH):
        chunk = items[start : start + BATCH]
        while True:
            try:
                append(chunk)
                break
            except wal.LogOverloadedError:
                log.wait_durable(log.durable_seq() + 1, 1.0)


def throughput(directory: str, policy: str, items: Sequence[Any], events: bool) -> dict[str, float]:
    """Events/s from the first append until the last is durable (policy none: written)."""
    path = tempfile.mkdtemp(dir=directory)
    log = wal.open_record_log(path, wal.wal_config(policy))
    event_log = wal.WalEventLog(log, default_codec())
    append = event_log.append if events else log.append_records
    try:
        start, cpu = time.perf_counter(), time.process_time()
        _push(append, log, items)
        log.wait_durable(log.last_seq())
        elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
        stats = log.stats()
    finally:
        log.close()
    return {"per_s": len(items) / elapsed, "per_cpu_s": len(items) / cpu, "syncs": stats.syncs}


def ack_latency(
    directory: str, rate: int, seconds: float, per_append: int = 1
) -> tuple[list[float], list[float]]:
    """Microseconds from each event's scheduled time to the wake-up of a thread waiting for
    its ack (policy fsync, a fixed offered rate), and how late the producer made each append
    (CPU starvation shows here, not in the log). `per_append` events share one append every
    `per_append / rate` seconds: 1 is one event per append; 20 at 20,000/s is a loop that
    appends what it decided each millisecond, which is how the gateway uses the log."""
    path = tempfile.mkdtemp(dir=directory)
    total = int(rate * seconds)
    scheduled = [0] * (total + 1)
    latencies: list[float] = []
    lags: list[float] = []
    record = os.urandom(RECORD_BYTES)
    with wal.open_record_log(path, wal.wal_config("fsync")) as log:
        log.wait_preallocated(60)
        acker = threading.Thread(target=_acker, args=(log, total, scheduled, latencies))
        acker.start()
        t0 = time.perf_counter_ns()
        interval = 1_000_000_000 * per_append // rate
        sent = tick = 0
        while sent < total:
            tick += 1
            due = t0 + tick * interval
            while (now := time.perf_counter_ns()) < due:
                time.sleep(min(0.0002, (due - now) / 1e9))
            count = min(per_append, total - sent)
            scheduled[sent + 1 : sent + 1 + count] = [due] * count
            lags.append((now - due) / 1000)
            log.append_records([record] * count)
            sent += count
        acker.join()
    return latencies, lags


def _fresh_process(fn: Callable[..., Any], *args: Any) -> Any:
    """Run `fn` in a new interpreter: the latency harness must not inherit the millions of
    objects (and the GC pauses over them) that the throughput phases left in this one."""
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(1) as pool:
        return pool.apply(_switched, (fn, *args))


def _switched(fn: Callable[..., Any], *args: Any) -> Any:
    sys.setswitchinterval(SWITCH_INTERVAL_S)
    return fn(*args)


def _acker(log: wal.WalLog, total: int, scheduled: list[int], out: list[float]) -> None:
    acked = 0
    while acked < total:
        log.wait_durable(acked + 1, 5.0)
        now = time.perf_counter_ns()
        durable = min(log.durable_seq(), total)
        out.extend((now - scheduled[s]) / 1000 for s in range(acked + 1, durable + 1))
        acked = durable


def replay(directory: str, items: Sequence[Any], events: bool) -> tuple[float, float]:
    """Events per second and per CPU second reading back a durable log with CRC checks (and
    decoding, for events)."""
    path = tempfile.mkdtemp(dir=directory)
    with wal.open_record_log(path, wal.wal_config("none")) as log:
        event_log = wal.WalEventLog(log, default_codec())
        _push(event_log.append if events else log.append_records, log, items)
        log.wait_durable(log.last_seq())
        start, cpu = time.perf_counter(), time.process_time()
        count = sum(1 for _ in (event_log.read() if events else log.read_records()))
        elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    return count / elapsed, count / cpu


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0


def run(directory: str, quick: bool) -> dict[str, Any]:
    scale = 0.02 if quick else 1.0
    n_raw, n_dom = int(2_000_000 * scale), int(300_000 * scale)
    raw, quotes = _records(n_raw), _quotes(n_dom)
    fsyncs = fdatasync_floor(directory, 50 if quick else 500)
    results = {
        "os_write_baseline_per_s": os_write_baseline(directory, int(300_000 * scale)),
        "fdatasync_p50_us": statistics.median(fsyncs),
        "fdatasync_p99_us": _pct(fsyncs, 0.99),
    }
    none_raw = throughput(directory, "none", raw, events=False)
    fsync_raw = throughput(directory, "fsync", raw, events=False)
    replay_raw = replay(directory, raw, events=False)
    results |= {
        "append_events_per_s": none_raw["per_s"],
        "durable_events_per_s": fsync_raw["per_s"],
        "durable_events_per_sync": n_raw / max(1.0, fsync_raw["syncs"]),
        "append_domain_events_per_s": throughput(directory, "none", quotes, True)["per_s"],
        "durable_domain_events_per_s": throughput(directory, "fsync", quotes, True)["per_s"],
        "replay_events_per_s": replay_raw[0],
        "replay_domain_events_per_s": replay(directory, quotes, events=True)[0],
        # Per second of this process's CPU (all threads): what the code costs, apart from
        # how much of a shared machine it was given.
        "append_events_per_cpu_s": none_raw["per_cpu_s"],
        "durable_events_per_cpu_s": fsync_raw["per_cpu_s"],
        "replay_events_per_cpu_s": replay_raw[1],
    }
    seconds = 0.25 if quick else 3.0
    acks, lags = _fresh_process(ack_latency, directory, 20_000, seconds, 1)
    batched, batched_lags = _fresh_process(ack_latency, directory, 20_000, seconds, 20)
    results |= {
        # One event per append every 50 us at 20,000 events/s (the offered load).
        "ack_offered_events_per_s": 20_000,
        "ack_events": len(acks),
        "ack_p50_us": _pct(acks, 0.50),
        "ack_p99_us": _pct(acks, 0.99),
        "ack_max_us": max(acks, default=0.0),
        "ack_producer_lag_p99_us": _pct(lags, 0.99),
        # The same load appended as a loop does: 20 events per append every millisecond.
        "ack_batched_p50_us": _pct(batched, 0.50),
        "ack_batched_p99_us": _pct(batched, 0.99),
        "ack_batched_producer_lag_p99_us": _pct(batched_lags, 0.99),
    }
    return results


def _ratios(r: dict[str, Any]) -> dict[str, float]:
    base = r["os_write_baseline_per_s"]
    return {
        "append_vs_os_write": r["append_events_per_s"] / base,
        "durable_vs_os_write": r["durable_events_per_s"] / base,
        "replay_vs_os_write": r["replay_events_per_s"] / base,
        "ack_p50_vs_fdatasync_p50": r["ack_p50_us"] / max(r["fdatasync_p50_us"], 1e-9),
        "ack_p99_vs_fdatasync_p50": r["ack_p99_us"] / max(r["fdatasync_p50_us"], 1e-9),
    }


@click.command("wal")
@click.option("--json", "as_json", is_flag=True, default=True, help="Print one JSON object.")
@click.option("--quick", is_flag=True, help="A small run (seconds) for smoke tests.")
@click.option("--dir", "base_dir", type=click.Path(file_okay=False), default=None,
              help="Where to write the temporary logs (default: the system temp dir).")  # fmt: skip
def bench_wal(as_json: bool, quick: bool, base_dir: str | None) -> None:
    """Measure the WAL: append (policy none), durable (fsync group commit), ack p50/p99 at
    20,000 events/s, replay with CRC checks, against os.write-per-record and fdatasync.

    `*_events_per_s` use 120-byte raw records; `*_domain_events_per_s` use QuoteReceived
    events encoded by the default codec. `*_per_cpu_s` divide by this process's CPU time,
    which on a shared machine says more about the code than wall-clock rates do. The GIL
    switch interval is set to 0.5 ms for the run (an app setting, reported in the output).
    """
    del as_json
    directory = tempfile.mkdtemp(prefix="hft-bench-wal-", dir=base_dir)
    previous = sys.getswitchinterval()
    sys.setswitchinterval(SWITCH_INTERVAL_S)
    try:
        results = run(directory, quick)
    finally:
        sys.setswitchinterval(previous)
        shutil.rmtree(directory, ignore_errors=True)
    sample = default_codec().encode(_quotes(1))
    results |= {
        "ratios": _ratios(results),
        "record_bytes": RECORD_BYTES,
        "domain_event_bytes": len(sample),
        "append_batch_events": BATCH,
        "switch_interval_s": SWITCH_INTERVAL_S,
        "load_average_1m": os.getloadavg()[0],
        "cpus": os.cpu_count(),
        "quick": quick,
        "records": "raw: 120-byte records; domain: QuoteReceived via the default codec",
    }
    click.echo(json.dumps(results))
