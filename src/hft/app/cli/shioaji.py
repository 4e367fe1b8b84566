"""`hft shioaji check` and `hft bench shioaji`: is the broker reachable; how fast is the feed."""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

import attrs
import click
from rich.console import Console
from rich.table import Table

from hft.app.heap import freeze_startup_heap
from hft.domain.market import FeedGapDetected

if TYPE_CHECKING:  # the SDK is imported only by the commands that need it
    from hft.app.bootstrap.shioaji import ShioajiFacade, ShioajiHealth

EXIT_OK, EXIT_PROBLEM, EXIT_USAGE = 0, 1, 2
_NS = 1_000_000_000


def register(cli: click.Group, bench: click.Group) -> None:
    """Add the `shioaji` group and `bench shioaji`."""
    cli.add_command(shioaji_group)
    bench.add_command(bench_shioaji)


@click.group("shioaji")
def shioaji_group() -> None:
    """The Sinopac Shioaji broker: session, contracts, quotes and orders behind one facade.

    Credentials come from the environment: SHIOAJI_API_KEY and SHIOAJI_SECRET_KEY, plus
    SHIOAJI_CA_PATH and SHIOAJI_CA_PASSWORD (and SHIOAJI_PERSON_ID) for production orders.
    """


@attrs.frozen(kw_only=True)
class CheckResult:
    """What `check` found. `problems` empty means the broker is usable."""

    problems: tuple[str, ...]
    warnings: tuple[str, ...]
    contracts: int
    quotes: int
    gaps: int
    health: ShioajiHealth | None

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict[str, object]:
        return {
            "ok": self.ok,
            "problems": list(self.problems),
            "warnings": list(self.warnings),
            "contracts": self.contracts,
            "quotes": self.quotes,
            "gaps": self.gaps,
            "health": self.health.as_dict() if self.health else None,
        }


def run_check(
    facade: ShioajiFacade,
    symbol: str,
    seconds: float,
    now_ns: Callable[[], int] = time.time_ns,
    sleep: Callable[[float], None] = time.sleep,
) -> CheckResult:
    """Log in, load contracts, subscribe `symbol` for `seconds`, then report health."""
    try:
        report = facade.start()
    except Exception as failure:  # any refusal is the finding: report it, do not crash
        reason = f"login failed: {type(failure).__name__}: {failure}"
        return CheckResult(
            problems=(reason,), warnings=(), contracts=0, quotes=0, gaps=0, health=None
        )
    problems: list[str] = [] if report.loaded else ["no contracts could be loaded"]
    quotes = gaps = 0
    try:
        if facade.instrument(symbol) is None:
            problems.append(f"symbol {symbol} is not among the {report.loaded} loaded contracts")
        else:
            facade.market_data.subscribe([symbol])
        deadline = now_ns() + int(seconds * _NS)
        while now_ns() < deadline:
            sleep(0.2)
            facade.maintain(now_ns())
            for event in facade.market_data.poll(now_ns()):
                gaps += isinstance(event, FeedGapDetected)
                quotes += not isinstance(event, FeedGapDetected)
        health = facade.health(now_ns())
    finally:
        facade.stop()
    warnings = () if quotes else (f"no quote for {symbol} in {seconds:g} s (market closed?)",)
    return CheckResult(
        problems=tuple(problems),
        warnings=warnings,
        contracts=report.loaded,
        quotes=quotes,
        gaps=gaps,
        health=health,
    )


def _age(ns: int) -> str:
    return "-" if ns < 0 else f"{ns / _NS:.1f} s"


def _us(ns: int) -> str:
    return f"{ns / 1_000:.0f} us" if ns else "-"


def health_table(result: CheckResult) -> Table:
    """One row per adapter component."""
    table = Table(title=f"Shioaji health: {result.contracts} contracts, {result.quotes} quotes")
    for column in ("part", "up", "last msg", "queue", "reconnects", "rejects", "dropped"):
        table.add_column(column)
    for column in ("api calls", "p50", "p99", "detail"):
        table.add_column(column)
    for c in result.health.components if result.health else ():
        table.add_row(
            c.name, "yes" if c.connected else "NO", _age(c.last_message_age_ns),
            str(c.queue_depth), str(c.reconnects), str(c.rejects), str(c.dropped),
            str(c.api_calls), _us(c.api_latency_p50_ns), _us(c.api_latency_p99_ns), c.detail,
        )  # fmt: skip
    return table


@shioaji_group.command("check")
@click.option("--symbol", default="2330", show_default=True, help="Symbol to subscribe to.")
@click.option("--seconds", default=5.0, show_default=True, type=float, help="How long to listen.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of a table.")
def check(symbol: str, seconds: float, as_json: bool) -> None:
    """Log in to Sinopac's SIMULATION environment, load contracts, listen to one symbol.

    Exit 0 when the session, contracts and subscription work (no quote outside market hours
    is only a warning); 1 when something failed; 2 when credentials are missing.
    """
    from hft.app.bootstrap import shioaji as wiring  # noqa: PLC0415 - keeps `hft` SDK-free

    missing = wiring.missing_credentials(os.environ)
    if missing:
        click.echo(f"missing Shioaji credentials: set {', '.join(missing)}", err=True)
        sys.exit(EXIT_USAGE)
    result = run_check(wiring.shioaji_facade(os.environ, simulation=True), symbol, seconds)
    if as_json:
        click.echo(json.dumps(result.as_dict()))
    else:
        console = Console()
        console.print(health_table(result))
        for line in result.problems:
            console.print(f"[red]problem:[/red] {line}")
        for line in result.warnings:
            console.print(f"[yellow]warning:[/yellow] {line}")
    sys.exit(EXIT_OK if result.ok else EXIT_PROBLEM)


@click.command("shioaji")
@click.option(
    "--ticks",
    default=200_000,
    show_default=True,
    type=click.IntRange(min=1),
    help="Ticks per round.",
)
@click.option(
    "--rounds",
    default=3,
    show_default=True,
    type=click.IntRange(min=1),
    help="Interleaved rounds; figures are medians over rounds (the machine may be shared).",
)
@click.option("--json", "as_json", is_flag=True, default=True, help="Print JSON (the default).")
def bench_shioaji(ticks: int, rounds: int, as_json: bool) -> None:
    """Quote callback -> QuoteReceived -> bounded queue, on real from_msgpack quotes.

    Times the stock-tick callback (guard, map, enqueue; the consumer's drain is not timed)
    and prints ticks/s and per-tick p50/p99/max in microseconds (target: p99 <= 10 us,
    >= 200,000 ticks/s), the same for five-level stock books (bidask_*), and constructing
    QuoteReceived alone (event_only_*) with each figure's ratio to it. Medians over rounds;
    GC runs as it does in `hft live` (start-up heap frozen) and its collections are
    reported. Runs offline: no login, no network.
    """
    from hft.app.bootstrap import shioaji as wiring  # noqa: PLC0415 - keeps `hft` SDK-free

    freeze_startup_heap()
    click.echo(json.dumps(wiring.quote_bench(ticks, rounds)))
