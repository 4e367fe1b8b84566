"""`hft sim`: run a deterministic simulated session and summarize it."""

from __future__ import annotations

import json
import sys
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from hft.app.bootstrap.sim import LATENCY_PRESET_NAMES
from hft.app.heap import freeze_startup_heap
from hft.app.sim import SimResult, SimRun, run_sim
from hft.app.sim.runner import DEFAULT_STRATEGY
from hft.domain.values import PRICE_SCALE

EXIT_OK, EXIT_USAGE = 0, 2


def register(cli: click.Group, bench: click.Group) -> None:
    cli.add_command(sim)


def _default_out() -> Path:
    return Path("runs") / time.strftime("sim-%Y%m%d-%H%M%S")


@click.command()
@click.option("--ticks", default=2_000, show_default=True, help="Market steps to simulate.")
@click.option("--seed", default=7, show_default=True, help="Seed of the market and latency.")
@click.option(
    "--symbols", default="2330,TXF", show_default=True, help="Comma-separated symbols to trade."
)
@click.option(
    "--strategy", default=DEFAULT_STRATEGY, show_default=True, help="module:Class of a Strategy."
)
@click.option(
    "--latency",
    type=click.Choice(LATENCY_PRESET_NAMES),
    default="zero",
    show_default=True,
    help="Venue latency preset (shioaji-sim: ~35-46 ms P95 round trips).",
)
@click.option("--halt-at-tick", type=int, default=None, help="Operator HALT at this tick.")
@click.option("--resume-at-tick", type=int, default=None, help="Operator resume at this tick.")
@click.option(
    "--durability",
    type=click.Choice(["fsync", "batch", "none"]),
    default="fsync",
    show_default=True,
    help="WAL durability policy.",
)
@click.option(
    "--data",
    "data_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="Recorded ticks (.csv/.parquet) instead of the random walk.",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Run directory (default: a fresh one under ./runs/). The log goes to OUT/wal.",
)
@click.option(
    "--load/--no-load",
    "load",
    default=True,
    show_default=True,
    help="Load the log into ClickHouse afterwards (embedded: OUT/clickhouse; or $CLICKHOUSE_URL).",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of tables.")
def sim(
    ticks: int,
    seed: int,
    symbols: str,
    strategy: str,
    latency: str,
    halt_at_tick: int | None,
    resume_at_tick: int | None,
    durability: str,
    data_file: Path | None,
    out: Path | None,
    load: bool,
    as_json: bool,
) -> None:
    """Run a simulated trading session through the real gateway, recorded in the WAL.

    A seeded random-walk market (or your recorded ticks) feeds the strategy; its intents go
    through validation, dedup, policy, exposure and leader checks to a deterministic
    simulated exchange; every decision is logged. The same seed and arguments give the
    same event stream and the same state digest. Audit the result with `hft replay OUT`;
    while it runs, operate it from another shell with `hft ops halt|resume|kill|status OUT`.
    """
    out = out or _default_out()
    if (out / "wal").exists() and any((out / "wal").iterdir()):
        raise click.UsageError(f"{out}/wal already holds a log; choose another --out")
    run = SimRun(
        out=out,
        ticks=ticks,
        seed=seed,
        symbols=tuple(s.strip() for s in symbols.split(",") if s.strip()),
        strategy=strategy,
        latency=latency,
        halt_at_tick=halt_at_tick,
        resume_at_tick=resume_at_tick,
        durability=durability,
        data_file=data_file,
    )
    try:
        result = _run(run, show_progress=not as_json and sys.stderr.isatty())
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc
    loaded = _load(out, show_progress=not as_json) if load else None
    if as_json:
        click.echo(json.dumps(result_json(result) | {"load": loaded}, sort_keys=True))
    else:
        _print_summary(result)
        if loaded is not None:
            _print_load(loaded)


def _load(out: Path, *, show_progress: bool) -> dict[str, Any]:
    """Load the run into ClickHouse so it is queryable; a load failure never loses the log."""
    from hft.app.loader.run import EXAMPLE_QUERY, load_run, query_run  # noqa: PLC0415  # chdb

    if show_progress:
        Console(stderr=True).print("loading the log into ClickHouse...")
    try:
        loaded = load_run(out)
        rows = query_run(out, EXAMPLE_QUERY)
    except Exception as exc:  # the log is the source of truth; the load can be rerun later
        return {"error": f"{type(exc).__name__}: {exc}", "retry": f"hft load {out}"}
    return {
        "rows": loaded.rows,
        "events": loaded.events,
        "dead_letters": loaded.dead_letters,
        "rows_per_s": round(loaded.rows_per_s),
        "example_query": EXAMPLE_QUERY,
        "example_result": [list(r) for r in rows],
    }


def _print_load(loaded: dict[str, Any]) -> None:
    console = Console()
    if "error" in loaded:
        console.print(f"[yellow]ClickHouse load failed[/yellow]: {loaded['error']}")
        console.print(f"The log is intact; retry with [bold]{loaded['retry']}[/bold]")
        return
    console.print(
        f"Loaded {loaded['events']:,} events as {loaded['rows']:,} rows into ClickHouse "
        f"({loaded['dead_letters']} dead letters). Example query:"
    )
    console.print(f"  [bold]{loaded['example_query']}[/bold]")
    table = Table(show_header=True)
    table.add_column("type")
    table.add_column("events", justify="right")
    for event_type, count in loaded["example_result"]:
        table.add_row(str(event_type), f"{count:,}")
    console.print(table)


def _run(run: SimRun, *, show_progress: bool) -> SimResult:
    freeze_startup_heap()  # this process is the runner: keep start-up objects out of GC scans
    if not show_progress:
        return run_sim(run)
    columns = (TextColumn("sim"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("ticks", total=run.ticks)
        return run_sim(run, progress=lambda n: bar.update(task, completed=n))


def result_json(result: SimResult) -> dict[str, Any]:
    data = attrs.asdict(result)
    data["intents_per_s"] = round(result.intents_per_s, 1)
    data["wall_s"] = round(result.wall_s, 3)
    data["price_scale"] = PRICE_SCALE
    return data


def _twd(scaled: int) -> str:
    return f"{Decimal(scaled) / PRICE_SCALE:,.2f}"


def _print_summary(result: SimResult) -> None:
    console = Console()
    table = Table(
        title=f"hft sim: {result.ticks} ticks in {result.wall_s:.2f} s", show_header=False
    )
    rows = [
        ("intents", f"{result.intents:,}"),
        ("accepted", f"{result.accepted:,}"),
        ("dispatched", f"{result.dispatched:,}"),
        ("fills", f"{result.fills:,}"),
        ("halts", str(result.halts)),
        ("log events", f"{result.log_events:,}"),
        ("intents/s (wall)", f"{result.intents_per_s:,.0f}"),
        ("dispatch p50 / p99", f"{result.dispatch_p50_us:.0f} / {result.dispatch_p99_us:.0f} us"),
        ("state digest", result.state_digest[:16] + "..."),
        ("log", f"{result.out}/wal"),
    ]
    for name, value in rows:
        table.add_row(name, value)
    console.print(table)
    rejects = Table(title="rejected by reason")
    rejects.add_column("reason")
    rejects.add_column("count", justify="right")
    for reason, count in result.rejected.items():
        rejects.add_row(reason, f"{count:,}")
    console.print(rejects)
    positions = Table(title="positions and PnL (TWD, marked at the last mid)")
    for column in ("symbol", "position", "last mid", "PnL"):
        positions.add_column(column, justify="right")
    for symbol, p in result.positions.items():
        positions.add_row(symbol, str(p["position"]), _twd(p["mark"]), _twd(p["pnl"]))
    console.print(positions)
    console.print(f"Audit it: [bold]hft replay {result.out}[/bold]")
