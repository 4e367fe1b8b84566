"""`hft bench gateway|session|replay`: the order path's benchmarks, one JSON object each."""

from __future__ import annotations

import json
import multiprocessing
from collections.abc import Callable
from typing import Any

import click


def register(cli: click.Group, bench: click.Group) -> None:
    bench.add_command(gateway)
    bench.add_command(session)
    bench.add_command(replay)


def _isolated(fn: Callable[..., dict[str, Any]], *args: Any) -> dict[str, Any]:
    """Run one measurement in a fresh process, so peak memory and GC are its own."""
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(1) as pool:
        result: dict[str, Any] = pool.apply(fn, args)
    return result


@click.command()
@click.option("--intents", default=200_000, show_default=True, help="Intents per policy.")
@click.option("--json", "as_json", is_flag=True, default=True, help="Print one JSON object.")
def gateway(intents: int, as_json: bool) -> None:
    """Intents through the full pipeline (simulated broker, WAL fsync, then WAL none).

    Prints intents_per_s, pipeline_p50/p99/p999_us (decide to dispatch, excluding the fsync
    wait), ack_p99_us (submit to durable decision), gc_pause_max_ms, for each policy.
    """
    from hft.app.bench.gateway import bench_gateway  # noqa: PLC0415  # keep --help fast

    durable = _isolated(bench_gateway, intents, "fsync")
    fast = _isolated(bench_gateway, intents, "none")
    out = {**durable, "none": fast, "policy": "fsync"}
    click.echo(json.dumps(out, sort_keys=True))


@click.command()
@click.option("--quotes", default=200_000, show_default=True, help="Quotes in the stream.")
@click.option("--json", "as_json", is_flag=True, default=True, help="Print one JSON object.")
def session(quotes: int, as_json: bool) -> None:
    """The fixed cross-engine workload (see `hft.app.bench.session`), policies none and fsync.

    Prints quotes_per_s, orders_per_s, cancels_per_s, submit_p50/p99_us and peak_rss_mb.
    """
    from hft.app.bench.session import bench_session  # noqa: PLC0415

    out = {
        "none": _isolated(bench_session, quotes, "none"),
        "fsync": _isolated(bench_session, quotes, "fsync"),
    }
    click.echo(json.dumps(out, sort_keys=True))


@click.command()
@click.option("--ticks", default=5_000, show_default=True, help="Ticks of the recorded session.")
@click.option("--json", "as_json", is_flag=True, default=True, help="Print one JSON object.")
def replay(ticks: int, as_json: bool) -> None:
    """Read, decode and fold a recorded session with every invariant checked: events_per_s."""
    from hft.app.bench.replay import bench_replay  # noqa: PLC0415

    click.echo(json.dumps(_isolated(bench_replay, ticks), sort_keys=True))
