"""`hft live`: run a strategy against Shioaji (simulation by default) through the gateway."""

from __future__ import annotations

import json
import os
import signal
import threading
from pathlib import Path

import attrs
import click
from rich.console import Console
from rich.table import Table

from hft.app.heap import freeze_startup_heap
from hft.app.live.runner import LiveRun, default_out, run_live
from hft.app.sim.runner import DEFAULT_STRATEGY

EXIT_OK, EXIT_ABORTED, EXIT_USAGE = 0, 1, 2


def register(cli: click.Group, bench: click.Group) -> None:
    cli.add_command(live)


@click.command()
@click.option("--strategy", default=DEFAULT_STRATEGY, show_default=True, help="module:Class.")
@click.option("--symbols", default="2330", show_default=True, help="Comma-separated symbols.")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Run directory (default under ./runs/); the log goes to OUT/wal.",
)
@click.option("--production", is_flag=True, help="Trade in production (real money).")
@click.option("--yes", is_flag=True, help="Skip the production confirmation prompt.")
@click.option("--seconds", type=float, default=None, help="Stop after this long (default: Ctrl-C).")
def live(
    strategy: str,
    symbols: str,
    out: Path | None,
    production: bool,
    yes: bool,
    seconds: float | None,
) -> None:
    """Trade STRATEGY live through the same gateway and log as `hft sim`.

    Sinopac's simulation environment unless --production (which prints the account and its
    limits and asks for confirmation unless --yes). Needs SHIOAJI_API_KEY and
    SHIOAJI_SECRET_KEY (and SHIOAJI_CA_PATH / SHIOAJI_CA_PASSWORD for production orders).
    Ctrl-C halts new orders, cancels everything live, flushes the log and exits; the run
    directory replays with `hft replay OUT`. Exit 2 when credentials are missing.
    """
    from hft.app.bootstrap import shioaji as sj_boot  # noqa: PLC0415  # the SDK loads only here
    from hft.app.bootstrap.session import build_gateway, system_clock  # noqa: PLC0415

    missing = sj_boot.missing_credentials(os.environ)
    if missing:
        click.echo(f"error: missing credentials: set {', '.join(missing)}", err=True)
        raise SystemExit(EXIT_USAGE)
    out = out or default_out()
    venue = sj_boot.shioaji_facade(os.environ, simulation=not production)
    venue.start()
    try:
        if production and not _confirmed(venue.operator_summary(), yes):
            raise SystemExit(EXIT_ABORTED)
        stop = threading.Event()
        signal.signal(signal.SIGINT, lambda *_: stop.set())
        run = LiveRun(
            out=out,
            strategy=strategy,
            symbols=tuple(s.strip() for s in symbols.split(",") if s.strip()),
            account=os.environ.get("SHIOAJI_ACCOUNT", "SHIOAJI"),
            production=production,
            max_seconds=seconds,
        )
        clock = system_clock()
        freeze_startup_heap()  # this process is the runner: keep start-up objects out of GC scans
        result = run_live(
            run,
            venue,
            lambda config: build_gateway(
                config, broker=venue, reference=venue, log_dir=out / "wal", clock=clock
            ),
            clock,
            stop,
        )
    finally:
        venue.stop()
    click.echo(json.dumps({"out": str(out), **attrs.asdict(result)}, sort_keys=True))


def _confirmed(summary: dict[str, object], yes: bool) -> bool:
    table = Table(title="PRODUCTION: account and limits", show_header=False)
    for key, value in summary.items():
        table.add_row(str(key), json.dumps(value, default=str)[:200])
    Console().print(table)
    return yes or click.confirm("Trade with real money on this account?", default=False)
