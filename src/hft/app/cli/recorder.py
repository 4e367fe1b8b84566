"""`hft recorder config|pressure` and the benchmarks `hft bench claims|es-recorder`."""

from __future__ import annotations

import fcntl
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from typing import Any
from uuid import UUID

import attrs
import click
from eventsourcing.persistence import ApplicationRecorder, InfrastructureFactory, StoredEvent
from eventsourcing.utils import Environment
from rich.console import Console
from rich.table import Table

from hft.app.bootstrap import recorder as wiring
from hft.app.recorder import UnknownRecorderModeError, recorder_mode_from_env
from hft.ports.disk_pressure import PressureLevel

EXIT_OK, EXIT_PROBLEM, EXIT_USAGE = 0, 1, 2


def register(cli: click.Group, bench: click.Group) -> None:
    """Add the `recorder` group, `bench claims` and `bench es-recorder`."""
    cli.add_command(recorder_group)
    bench.add_command(bench_claims)
    bench.add_command(bench_es_recorder)


@click.group("recorder")
def recorder_group() -> None:
    """The recorder: how events reach the log and the analytics store, and disk pressure.

    HFT_RECORDER_MODE=direct|wal_first picks the mode; HFT_DISK_* set the pressure thresholds
    in bytes (see `hft recorder config`).
    """


@recorder_group.command("config")
@click.option("--json", "as_json", is_flag=True, help="One JSON object instead of a table.")
def config_command(as_json: bool) -> None:
    """Show the mode and pressure thresholds this environment configures.

    Exit 0 when the configuration is valid, 2 (with the variable named) when it is not.
    """
    try:
        mode = recorder_mode_from_env(os.environ)
        thresholds = wiring.pressure_thresholds_from_env()
    except (UnknownRecorderModeError, wiring.InvalidThresholdsError) as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_USAGE)
    data = {"mode": mode.value, **attrs.asdict(thresholds)}
    if as_json:
        click.echo(json.dumps(data))
        return
    table = Table(title="recorder configuration")
    table.add_column("setting")
    table.add_column("value", justify="right")
    for key, value in data.items():
        table.add_row(
            key, "-" if value is None else f"{value:,}" if isinstance(value, int) else value
        )
    Console().print(table)


def _shown(value: object) -> str:
    if value is None:
        return "-"
    return f"{value:,}" if isinstance(value, int) else str(value)


@recorder_group.command("pressure")
@click.argument("directory", type=click.Path(exists=True, file_okay=False))
@click.option("--json", "as_json", is_flag=True, help="One JSON object instead of a line.")
def pressure_command(directory: str, as_json: bool) -> None:
    """Measure disk pressure for the WAL in DIRECTORY with this environment's thresholds.

    Exit 0 at OK or WARN, 1 at CRITICAL or HALT, 2 for a bad configuration.
    """
    try:
        monitor = wiring.pressure_monitor(directory)
    except wiring.InvalidThresholdsError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_USAGE)
    level = monitor.check()
    usage = monitor.last_usage()
    free = usage.free_bytes if usage else None
    wal_bytes = usage.wal_bytes if usage else None
    if as_json:
        click.echo(json.dumps({"level": level.name, "free_bytes": free, "wal_bytes": wal_bytes}))
    else:
        click.echo(f"{level.name}: free {free:,} bytes, WAL data {wal_bytes:,} bytes")
    sys.exit(EXIT_PROBLEM if level >= PressureLevel.CRITICAL else EXIT_OK)


_HOLDER = """
import sys, time
from hft.app.bootstrap.recorder import claim_registry
claims = claim_registry(sys.argv[1])
assert claims.try_claim(sys.argv[2]) is not None
print("held", flush=True)
time.sleep(3600)
"""


def _claim_cycle_us(directory: str, rounds: int) -> float:
    claims = wiring.claim_registry(directory)
    start = time.perf_counter()
    for _ in range(rounds):
        claim = claims.try_claim("bench")
        assert claim is not None
        claims.release(claim)
    return (time.perf_counter() - start) / rounds * 1e6


def _raw_flock_us(directory: str, rounds: int) -> float:
    fd = os.open(os.path.join(directory, "raw.lock"), os.O_RDWR | os.O_CREAT, 0o644)
    start = time.perf_counter()
    for _ in range(rounds):
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        fcntl.flock(fd, fcntl.LOCK_UN)
    elapsed = time.perf_counter() - start
    os.close(fd)
    return elapsed / rounds * 1e6


def _free_after_kill_ms(directory: str, segment: str) -> float:
    claims = wiring.claim_registry(directory)
    holder = subprocess.Popen(  # noqa: S603  (our own interpreter and code)
        [sys.executable, "-c", _HOLDER, directory, segment], stdout=subprocess.PIPE, text=True
    )
    assert holder.stdout is not None
    holder.stdout.readline()
    killed = time.perf_counter()
    os.kill(holder.pid, signal.SIGKILL)
    while (claim := claims.try_claim(segment)) is None:
        time.sleep(0.0001)  # yield the CPU to the dying holder on a busy machine
    freed = time.perf_counter()
    claims.release(claim)
    holder.wait()
    holder.stdout.close()
    return (freed - killed) * 1e3


@click.command("claims")
@click.option("--rounds", default=20_000, show_default=True, help="Claim/release cycles.")
@click.option("--kills", default=10, show_default=True, help="SIGKILLed holders to time.")
def bench_claims(rounds: int, kills: int) -> None:
    """Segment claims: claim+release cost, raw flock cost, and how soon a SIGKILLed
    holder's segment is free again. Prints one JSON object."""
    with tempfile.TemporaryDirectory(prefix="hft-bench-claims-") as directory:
        freed = [_free_after_kill_ms(directory, f"seg-{i}") for i in range(kills)]
        result = {
            "claim_release_us": round(_claim_cycle_us(directory, rounds), 2),
            "raw_flock_lock_unlock_us": round(_raw_flock_us(directory, rounds), 2),
            "free_after_sigkill_ms_p50": round(statistics.median(freed), 2),
            "free_after_sigkill_ms_max": round(max(freed), 2),
            "kills": kills,
        }
    click.echo(json.dumps(result))


def _es_recorder(directory: str, durability: str) -> tuple[Any, ApplicationRecorder]:
    env = Environment(env=wiring.es_environment(directory, durability))
    factory: Any = InfrastructureFactory.construct(env)
    return factory, factory.application_recorder()


def _event(originator: int, version: int) -> StoredEvent:
    return StoredEvent(UUID(int=originator), version, "bench", b'{"limit":100}')


@click.command("es-recorder")
@click.option("--singles", default=300, show_default=True, help="One-event inserts to time.")
@click.option("--batches", default=50, show_default=True, help="1,000-event inserts to time.")
@click.option("--durability", default="fsync", show_default=True, help="fsync|batch|none")
def bench_es_recorder(singles: int, batches: int, durability: str) -> None:
    """The eventsourcing recorder on the WAL: one-event inserts, 1,000-event inserts, and
    the index rebuild when reopening. Prints one JSON object."""
    with tempfile.TemporaryDirectory(prefix="hft-bench-es-") as directory:
        factory, recorder = _es_recorder(directory, durability)
        start = time.perf_counter()
        for i in range(singles):
            recorder.insert_events([_event(i + 1, 1)])
        single_s = time.perf_counter() - start
        payloads = [[_event(10**6 + b, v) for v in range(1, 1001)] for b in range(batches)]
        start = time.perf_counter()
        for batch in payloads:
            recorder.insert_events(batch)
        batch_s = time.perf_counter() - start
        factory.close()
        start = time.perf_counter()
        factory, recorder = _es_recorder(directory, durability)
        events = recorder.max_notification_id() or 0
        rebuild_s = time.perf_counter() - start
        factory.close()
    click.echo(
        json.dumps(
            {
                "durability": durability,
                "single_inserts_per_s": round(singles / single_s),
                "single_insert_us": round(single_s / singles * 1e6),
                "batch_events_per_s": round(batches * 1000 / batch_s),
                "rebuild_events_per_s": round(events / rebuild_s),
            }
        )
    )
