"""`hft load`: ship a run's WAL into ClickHouse, and `hft bench load`."""

from __future__ import annotations

import json
import signal
import threading
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from hft.app.cli.output import fail

EXIT_OK, EXIT_PROBLEM, EXIT_USAGE = 0, 1, 2


def register(cli: click.Group, bench: click.Group) -> None:
    """Add `load` to the CLI and `load` to `bench`."""
    cli.add_command(load)
    bench.add_command(bench_load)


@click.command()
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option(
    "--dsn",
    default=None,
    help="chdb:///abs/dir or http://host:8123/db. Default: $CLICKHOUSE_URL, else the "
    "embedded database in RUN_DIR/clickhouse.",
)
@click.option("--workers", default=1, show_default=True, help="Processes that build rows.")
@click.option("--follow", is_flag=True, help="Keep loading as the log grows (Ctrl-C stops).")
@click.option(
    "--idle-exit",
    type=float,
    default=None,
    help="With --follow: stop after this many seconds without new events.",
)
@click.option("--status", "show_status", is_flag=True, help="Show backlog, lag and ETA only.")
@click.option("--replay-dlq", is_flag=True, help="Retry the dead letters (after a fix).")
@click.option(
    "--retry-budget",
    type=float,
    default=60.0,
    show_default=True,
    help="Seconds to keep retrying an unreachable store before giving up (not with --follow).",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def load(
    directory: Path,
    dsn: str | None,
    workers: int,
    follow: bool,
    idle_exit: float | None,
    show_status: bool,
    replay_dlq: bool,
    retry_budget: float,
    as_json: bool,
) -> None:
    """Load the WAL of run DIRECTORY (or a WAL directory) into ClickHouse, exactly once.

    Sealed segments are claimed (so several loaders can share one log), their rows are built
    (in --workers processes) and this process inserts them in large batches with
    deterministic dedup tokens, then marks each segment shipped (DIR/loader/shipped). The
    unsealed tail is loaded after them. Records that cannot load go to DIR/loader/dlq with
    their reason.
    Loading again inserts nothing twice. With chdb (embedded) only one process may open the
    database: workers build rows in parallel, inserts go through this process.

    Exit 0 when everything loaded (dead letters are reported, not fatal); 1 when the store
    stayed unreachable past the retry budget (nothing is lost: run again); 2 on bad usage.
    """
    from hft.app.loader import run as loader_run  # noqa: PLC0415 (keeps `hft --help` fast)
    from hft.app.loader.service import LoaderGaveUpError  # noqa: PLC0415

    if workers < 1:
        raise click.BadParameter("must be >= 1", param_hint="--workers")
    if show_status:
        _print_status(directory, as_json)
        return
    try:
        if replay_dlq:
            result = loader_run.replay_run_dead_letters(directory, dsn)
        elif follow:
            result = loader_run.follow_run(
                directory, dsn, workers=workers, stop=_stop_on_signals(), idle_exit_s=idle_exit
            )
        else:
            result = loader_run.load_run(
                directory, dsn, workers=workers, retry_budget_s=retry_budget
            )
    except LoaderGaveUpError as exc:
        fail(as_json, EXIT_PROBLEM, f"{exc} (nothing lost: run `hft load` again)")
    _print_result(result.to_json(), as_json)


def _stop_on_signals() -> threading.Event:
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    return stop


def _print_result(data: dict[str, Any], as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(data))
        return
    table = Table(title=f"loaded into {data['dsn']}")
    table.add_column("table")
    table.add_column("rows", justify="right")
    for name, rows in sorted(data["rows_by_table"].items()):
        table.add_row(name, f"{rows:,}")
    console = Console()
    console.print(table)
    console.print(
        f"{data['segments']} segment(s), {data['events']:,} events, {data['rows']:,} rows in "
        f"{data['wall_s']:.2f} s ({data['rows_per_s']:,} rows/s); "
        f"dead letters: {data['dead_letters']}; store retries: {data['retries']}"
    )


def _print_status(directory: Path, as_json: bool) -> None:
    from hft.app.loader.status import load_status  # noqa: PLC0415

    status = load_status(directory)
    if as_json:
        click.echo(json.dumps(status.to_json()))
        return
    table = Table(title=f"loader status: {status.wal_dir}")
    table.add_column("figure")
    table.add_column("value", justify="right")
    eta = "unknown" if status.drain_eta_s is None else f"{status.drain_eta_s:.1f} s"
    for name, value in (
        ("sealed segments (shipped)", f"{status.sealed_segments} ({status.shipped_segments})"),
        ("backlog segments", str(status.backlog_segments)),
        ("backlog events", f"{status.backlog_events + status.unsealed_events:,}"),
        ("backlog bytes", f"{status.backlog_bytes:,}"),
        ("replay lag (oldest unshipped)", f"{status.replay_lag_s:.1f} s"),
        ("last run rows/s", f"{status.rows_per_s:,.0f}"),
        ("drain ETA", eta),
        ("dead letters", str(status.dead_letters)),
    ):
        table.add_row(name, value)
    Console().print(table)


@click.command("load")
@click.option(
    "--events",
    default=1_000_000,
    show_default=True,
    help="Events in the WAL loaded with 1 and 2 workers.",
)
@click.option("--lag-seconds", default=10.0, show_default=True, help="Length of the lag run.")
@click.option("--rate", default=20_000, show_default=True, help="Events/s offered in the lag run.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (always one object).")
def bench_load(events: int, lag_seconds: float, rate: int, as_json: bool) -> None:
    """Loader throughput (rows/s with 1 and 2 workers into embedded ClickHouse) and end-to-end
    lag (event appended -> row queryable, p50/p99) under a steady offered rate."""
    del as_json
    from hft.app.loader.bench import run_load_bench  # noqa: PLC0415

    click.echo(json.dumps(run_load_bench(events, lag_seconds, rate)))
