"""`hft bench wal`: throughput, ack latency and replay of the WAL against the disk's floors.

Every figure comes from the same run on the same temp directory, so ratios to the two
baselines (one `os.write` per record; one `fdatasync` of a small overwrite) hold even on a
noisy machine where absolute numbers move.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable, Sequence
from typing import Any

import click

from hft.app.bootstrap import wal
from hft.app.bootstrap.codec import default_codec
from hft.app.cli.wal_ack_bench import RECORD_BYTES, AckRun, ack_run, in_fresh_process
from hft.domain.events import DomainEvent
from hft.domain.market import QuoteReceived

BATCH = 256
ACK_RATE = 20_000


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
        shutil.rmtree(path, ignore_errors=True)
    return {"per_s": len(items) / elapsed, "per_cpu_s": len(items) / cpu, "syncs": stats.syncs}


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
    shutil.rmtree(path, ignore_errors=True)
    return count / elapsed, count / cpu


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0


def ack_figures(directory: str, seconds: float) -> dict[str, Any]:
    """Ack latency at ACK_RATE events/s, policy fsync (see `wal_ack_bench`): one event per
    append, told by the flusher (the headline) and seen by a blocked waiter thread; then 20
    events per append every millisecond (a loop's shape), seen by a waiter."""
    told: AckRun = in_fresh_process(ack_run, directory, ACK_RATE, seconds, 1, "told")
    waiter: AckRun = in_fresh_process(ack_run, directory, ACK_RATE, seconds, 1, "waiter")
    batched: AckRun = in_fresh_process(ack_run, directory, ACK_RATE, seconds, 20, "waiter")
    acks = told.from_schedule_us
    return {
        "ack_offered_events_per_s": ACK_RATE,
        "ack_events": len(acks),
        # From each event's scheduled send time (a late producer counts against the log).
        "ack_p50_us": _pct(acks, 0.50),
        "ack_p99_us": _pct(acks, 0.99),
        "ack_p999_us": _pct(acks, 0.999),
        "ack_max_us": max(acks, default=0.0),
        # From the moment the append returned (what the log itself added).
        "ack_from_append_p50_us": _pct(told.from_append_us, 0.50),
        "ack_from_append_p99_us": _pct(told.from_append_us, 0.99),
        "ack_producer_lag_p99_us": _pct(told.producer_lag_us, 0.99),
        "ack_syncs": told.syncs,
        # The flusher's own fdatasyncs during the run: the disk's share of each ack (on a
        # shared file system they wait for the neighbours' journal commits too).
        "ack_fdatasync_p50_us": _pct(told.fdatasync_us, 0.50),
        "ack_fdatasync_p99_us": _pct(told.fdatasync_us, 0.99),
        "ack_fdatasync_max_us": max(told.fdatasync_us, default=0.0),
        "ack_process_cpu_pct": told.process_cpu_pct,
        # Share of the run in which some runnable task on the machine waited for a CPU.
        "ack_cpu_pressure_pct": told.cpu_pressure_pct,
        "ack_switch_interval_s": told.switch_interval_s,
        "ack_waiter_p50_us": _pct(waiter.from_schedule_us, 0.50),
        "ack_waiter_p99_us": _pct(waiter.from_schedule_us, 0.99),
        "ack_waiter_producer_lag_p99_us": _pct(waiter.producer_lag_us, 0.99),
        "ack_batched_p50_us": _pct(batched.from_schedule_us, 0.50),
        "ack_batched_p99_us": _pct(batched.from_schedule_us, 0.99),
        "ack_batched_producer_lag_p99_us": _pct(batched.producer_lag_us, 0.99),
    }


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
    results |= ack_figures(directory, 0.25 if quick else 3.0)
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
    which on a shared machine says more about the code than wall-clock rates do. Each
    phase removes its log before the next starts.

    `ack_*` (policy fsync, 20,000 events/s offered on a fixed schedule, one event per
    append, each ack run in a fresh interpreter): `ack_p50_us`/`ack_p99_us` from each
    event's scheduled send time to the flusher telling the writer (`on_durable`) after the
    covering fdatasync; `ack_from_append_*` from the append call instead; `ack_waiter_*` as
    seen by a thread blocked in `wait_durable`; `ack_batched_*` with 20 events per append
    every millisecond. `ack_fdatasync_*` time the flusher's own syncs during the run (an ack
    cannot beat the sync that covers it); `ack_cpu_pressure_pct` is the share of the run
    some runnable task on the machine waited for a CPU (Linux PSI): above a few percent,
    latency figures measure the neighbours. The GIL switch interval is the one opening a
    syncing log sets (ADR 0019).
    """
    del as_json
    directory = tempfile.mkdtemp(prefix="hft-bench-wal-", dir=base_dir)
    try:
        results = run(directory, quick)
    finally:
        shutil.rmtree(directory, ignore_errors=True)
    sample = default_codec().encode(_quotes(1))
    results |= {
        "ratios": _ratios(results),
        "record_bytes": RECORD_BYTES,
        "domain_event_bytes": len(sample),
        "append_batch_events": BATCH,
        "load_average_1m": os.getloadavg()[0],
        "cpus": os.cpu_count(),
        "quick": quick,
        "records": "raw: 120-byte records; domain: QuoteReceived via the default codec",
    }
    click.echo(json.dumps(results))
