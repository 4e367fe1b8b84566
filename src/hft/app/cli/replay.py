"""`hft replay`: the auditor's tool. Folds a log and checks what the order path promises."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import attrs
import click
from rich.console import Console
from rich.table import Table

from hft.app.bootstrap.codec import default_codec
from hft.app.bootstrap.replay import read_event_frames, read_logged_events
from hft.app.bootstrap.wal import CorruptLogError
from hft.app.replay import ReplayReport, intent_timeline, replay_frames

EXIT_OK, EXIT_VIOLATION, EXIT_USAGE = 0, 1, 2


def register(cli: click.Group, bench: click.Group) -> None:
    cli.add_command(replay)


@click.command()
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--until", type=int, default=None, help="Stop after this sequence number.")
@click.option("--intent", "intent_id", default=None, help="Show the timeline of one intent.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def replay(directory: Path, until: int | None, intent_id: str | None, as_json: bool) -> None:
    """Fold the log in DIRECTORY (a run directory or its wal/) and check its invariants.

    Rules: no idempotency key dispatched twice; nothing NEW or AMEND that adds risk
    dispatched while HALTed; exposure within the recorded limits after every accepted
    intent; filled <= qty; every intent decided at a clean stop (a crash explains what is
    open); the state digest recorded by the live run equals the one replay computes.
    Exit 0 when every rule holds, 1 when any is violated, 2 when the log cannot be read.
    """
    try:
        if intent_id is not None:
            _timeline(directory, intent_id, as_json)
            return
        report = replay_frames(read_event_frames(directory), until)
    except CorruptLogError as exc:
        click.echo(f"error: the log is corrupt: {exc}", err=True)
        raise SystemExit(EXIT_USAGE) from exc
    if as_json:
        click.echo(json.dumps(report_json(report), sort_keys=True))
    else:
        _print(report)
    raise SystemExit(EXIT_OK if report.ok else EXIT_VIOLATION)


def report_json(report: ReplayReport) -> dict[str, Any]:
    return {
        "events": report.events,
        "last_seq": report.last_seq,
        "state_digest": report.state_digest,
        "recorded_digest": report.recorded_digest,
        "digest_matches": report.recorded_digest in (None, report.state_digest),
        "clean_stop": report.clean_stop,
        "violations": [attrs.asdict(v) for v in report.violations],
        "open_intents": report.open_intents,
        "counts": report.counts,
        "ok": report.ok,
    }


def _print(report: ReplayReport) -> None:
    console = Console()
    verdict = "[green]all rules hold[/green]" if report.ok else "[red]violations found[/red]"
    summary = Table(title=f"hft replay: {verdict}", show_header=False)
    summary.add_row("events folded", f"{report.events:,} (last seq {report.last_seq:,})")
    summary.add_row("state digest", report.state_digest)
    recorded = report.recorded_digest or "(none recorded: no clean stop)"
    summary.add_row("recorded digest", recorded)
    summary.add_row("clean stop", "yes" if report.clean_stop else "no (crash or still running)")
    summary.add_row("open intents", str(len(report.open_intents)))
    console.print(summary)
    if report.violations:
        table = Table(title="violations")
        for column in ("rule", "seq", "intent", "detail"):
            table.add_column(column)
        for v in report.violations[:200]:
            table.add_row(v.rule, str(v.seq), v.intent_id, v.detail)
        console.print(table)


def _timeline(directory: Path, intent_id: str, as_json: bool) -> None:
    codec = default_codec()
    rows = [
        {"seq": logged.seq, **codec.to_dict(logged.event)}
        for logged in intent_timeline(read_logged_events(directory), intent_id)
    ]
    if not rows:
        click.echo(f"error: no event names intent {intent_id!r}", err=True)
        raise SystemExit(EXIT_USAGE)
    if as_json:
        click.echo(json.dumps(rows, sort_keys=True))
        raise SystemExit(EXIT_OK)
    table = Table(title=f"timeline of {intent_id}")
    for column in ("seq", "event", "status / detail"):
        table.add_column(column)
    for row in rows:
        detail = {k: v for k, v in row.items() if k not in _STAMP}
        table.add_row(str(row["seq"]), row["type"], json.dumps(detail, sort_keys=True)[:120])
    Console().print(table)
    raise SystemExit(EXIT_OK)


_STAMP = {"seq", "type", "v", "originator_id", "originator_version", "ts_init_ns"}
