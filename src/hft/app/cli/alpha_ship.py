"""`hft alpha ship`: the promotion history into ClickHouse's audit tables."""

from __future__ import annotations

import json

import click

from hft.app.bootstrap.alpha import ship_audit


def register(cli: click.Group, bench: click.Group) -> None:
    group = cli.commands.get("alpha")
    if isinstance(group, click.Group):
        group.add_command(ship)


@click.command()
@click.option(
    "--dsn",
    default=None,
    help="ClickHouse DSN (default: $CLICKHOUSE_URL, else "
    "the embedded database under <state>/audit/clickhouse).",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.pass_context
def ship(ctx: click.Context, dsn: str | None, as_json: bool) -> None:
    """Copy every promotion event (gate results, promotions, canary actions, rollbacks) from
    the store into the audit WAL and load it into the audit tables. Idempotent: shipping
    again copies and inserts nothing twice."""
    result = ship_audit(ctx.obj["root"] if ctx.obj else None, dsn)
    if as_json:
        click.echo(json.dumps(result, sort_keys=True))
    else:
        click.echo(
            f"copied {result['copied']} new events; loaded {result['loaded_events']} events "
            f"as {result['rows']} rows into the audit tables"
        )
