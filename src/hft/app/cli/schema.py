"""`hft schema`: apply and inspect the canonical ClickHouse schemas (`schemas/*.sql`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from hft.app.bootstrap import clickhouse as ch
from hft.app.cli.output import fail
from hft.ports.sinks import SinkUnavailableError

EXIT_OK, EXIT_PROBLEM, EXIT_USAGE = 0, 1, 2

_DSN_HELP = (
    "ClickHouse DSN: chdb:///abs/dir (embedded) or http://host:8123/db (a server). "
    "Default: $CLICKHOUSE_URL, else the embedded database in RUN_DIR/clickhouse."
)


def register(cli: click.Group, bench: click.Group) -> None:
    """Add the `schema` group to the CLI."""
    del bench
    cli.add_command(schema)


@click.group()
def schema() -> None:
    """The ClickHouse schemas: the only DDL in the project.

    `schemas/clickhouse.sql` (runtime tables) and `schemas/audit.sql` (audit tables) are applied
    statement by statement; each applied statement is recorded in the `hft_schema_ledger` table
    with its content hash, so bootstrapping twice changes nothing.
    """


def _dsn_options(func: Any) -> Any:
    func = click.option("--json", "as_json", is_flag=True, help="Print JSON, not a table.")(func)
    func = click.option("--dsn", default=None, help=_DSN_HELP)(func)
    return click.option(
        "--run-dir",
        type=click.Path(file_okay=False, path_type=Path),
        default=Path(),
        show_default=True,
        help="Run directory whose embedded database is the default target.",
    )(func)


@schema.command()
@_dsn_options
def bootstrap(run_dir: Path, dsn: str | None, as_json: bool) -> None:
    """Apply both schema files, idempotently.

    Exit 0 when every statement is applied; 1 when a statement fails (the message names the
    file, the statement and the server's error; statements before it stay applied and
    recorded) or an applied statement was edited; 2 when the database cannot be reached.
    """
    target = ch.resolve_dsn(dsn, run_dir)
    try:
        report = ch.bootstrap_schema(target)
    except SinkUnavailableError as exc:
        fail(as_json, EXIT_USAGE, f"cannot reach ClickHouse: {exc}")
    except (ch.SchemaApplyError, ch.SchemaDriftError) as exc:
        fail(as_json, EXIT_PROBLEM, str(exc))
    applied = [f"{s.file}#{s.index + 1}" for s in report.applied]
    if as_json:
        out = {"dsn": target, "applied": applied, "already_applied": report.already_applied}
        click.echo(json.dumps(out))
        return
    Console().print(
        f"[green]schema bootstrapped[/] at {target}: {len(applied)} statement(s) applied, "
        f"{report.already_applied} already applied"
    )


@schema.command()
@_dsn_options
def status(run_dir: Path, dsn: str | None, as_json: bool) -> None:
    """Show each schema statement: applied (with when), pending, or drifted (edited after it
    was applied). Exit 0 when all are applied, 1 otherwise, 2 when unreachable."""
    target = ch.resolve_dsn(dsn, run_dir)
    store = ch.open_store(target)
    try:
        rows = ch.schema_migrator(store).status()
    except SinkUnavailableError as exc:
        fail(as_json, EXIT_USAGE, f"cannot reach ClickHouse: {exc}")
    finally:
        store.close()
    if as_json:
        click.echo(json.dumps({"dsn": target, "statements": [_status_json(r) for r in rows]}))
    else:
        _print_status(target, rows)
    if any(r.state != "applied" for r in rows):
        raise SystemExit(EXIT_PROBLEM)


def _status_json(row: ch.StatementStatus) -> dict[str, Any]:
    return {
        "file": row.file,
        "statement": row.index + 1,
        "state": row.state,
        "applied_at": row.applied_at,
        "sha256": row.sha256,
        "summary": row.summary,
    }


def _print_status(target: str, rows: list[ch.StatementStatus]) -> None:
    table = Table(title=f"schema status: {target}")
    for header in ("file", "#", "state", "applied at", "statement"):
        table.add_column(header)
    colours = {"applied": "green", "pending": "yellow", "drifted": "red"}
    for row in rows:
        state = f"[{colours[row.state]}]{row.state}[/]"
        table.add_row(row.file, str(row.index + 1), state, row.applied_at[:19], row.summary)
    Console().print(table)
