"""`hft`: the entry point. Each command group lives in its own module and is added here."""

from __future__ import annotations

import importlib

import click

from hft import __version__

EXIT_OK = 0
EXIT_VIOLATION = 1  # a check ran and found a problem (replay violation, corrupt log)
EXIT_USAGE = 2  # bad arguments or missing configuration (credentials, paths)

# One module per command group. Each defines `register(cli, bench)` and adds its commands.
COMMAND_MODULES: tuple[str, ...] = (
    "hft.app.cli.schema",
    "hft.app.cli.load",
    "hft.app.cli.wal",
    "hft.app.cli.shioaji",
    "hft.app.cli.sim",
    "hft.app.cli.replay",
    "hft.app.cli.live",
    "hft.app.cli.bench_order_path",
    "hft.app.cli.alpha",
    "hft.app.cli.alpha_ship",  # after alpha: adds `ship` to its group
    "hft.app.cli.recorder",
    "hft.app.cli.ops",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="hft")
def cli() -> None:
    """hft: the order path of a Taiwan-market trading platform.

    Every decision is an event in a write-ahead log; state is a fold of that log. Run a
    simulated session with `hft sim`, audit its log with `hft replay`, inspect the log with
    `hft wal`, and measure with `hft bench`.

    Exit codes: 0 success; 1 a check found a problem; 2 usage or configuration error.
    """


@cli.group()
def bench() -> None:
    """Benchmarks: each prints one JSON object of measured figures (ratios beat absolutes)."""


def _register() -> None:
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(cli, bench)


_register()


def main() -> None:
    cli(prog_name="hft")


if __name__ == "__main__":
    main()
