"""`hft ops`: halt, resume or kill a running session, and read its status, from another shell."""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from hft.app.ops.files import (
    ControlRequest,
    MalformedCommandError,
    control_paths,
    parse_request,
    read_json,
    write_json_atomic,
)
from hft.app.ops.status import read_status, session_is_live
from hft.domain.values import PRICE_SCALE

EXIT_OK, EXIT_REFUSED, EXIT_USAGE, EXIT_NO_SESSION = 0, 1, 2, 3
_EXIT_BY_OUTCOME = {"applied": EXIT_OK, "accepted": EXIT_OK, "refused": EXIT_REFUSED}
_POLL_S = 0.05
_LIVENESS_EVERY_S = 1.0

_EXIT_HELP = (
    "Exit codes: 0 applied (or accepted while HALT is latched; also: queued, without --wait); "
    "1 refused by the gateway; 2 usage error; 3 no running session or --wait timed out."
)


def register(cli: click.Group, bench: click.Group) -> None:
    cli.add_command(ops)


@click.group()
def ops() -> None:
    """Operate a RUNNING session (`hft sim --out RUN_DIR`, later `hft live`) from another shell.

    Commands are JSON files dropped into RUN_DIR/control/; the session applies each exactly
    once through the gateway's operator API, records it in its event log, and answers in
    RUN_DIR/control/done/ (or control/rejected/ for a file that is not a command). The
    session publishes its metrics to RUN_DIR/status.json about once a second.
    """


def _run_dir_argument(f: Callable[..., Any]) -> Callable[..., Any]:
    return click.argument("run_dir", type=click.Path(file_okay=False, path_type=Path))(f)


def _command_options(f: Callable[..., Any]) -> Callable[..., Any]:
    options = [
        click.option("--operator", required=True, help="Who answers for this command (logged)."),
        click.option("--reason", required=True, help="Why, in words (logged with the command)."),
        click.option(
            "--wait",
            type=click.FloatRange(min=0),
            default=None,
            help="Seconds to wait for the gateway's answer (default: queue it and return).",
        ),
        click.option(
            "--id",
            "command_id",
            default=None,
            help="Your id for it: letters, digits, . _ - (default: pid and time).",
        ),
        click.option("--json", "as_json", is_flag=True, help="Print the outcome as JSON."),
    ]
    for option in reversed(options):
        f = option(f)
    return _run_dir_argument(f)


@ops.command(epilog=_EXIT_HELP)
@_command_options
def halt(run_dir: Path, operator: str, reason: str, **kw: Any) -> None:
    """HALT the session: new risk is rejected (HALT), cancels still pass. HALT is latched: it
    keeps its first reason and only `hft ops resume` clears it."""
    sys.exit(_send(run_dir, "halt", operator, reason, **kw))


@ops.command(epilog=_EXIT_HELP)
@_command_options
def resume(run_dir: Path, operator: str, reason: str, **kw: Any) -> None:
    """Clear a HALT (HALT -> NORMAL). Needs a named operator and a reason; refused
    (NotHalted, exit 1) when the session is not halted."""
    sys.exit(_send(run_dir, "resume", operator, reason, **kw))


@ops.command(epilog=_EXIT_HELP)
@_command_options
def kill(run_dir: Path, operator: str, reason: str, **kw: Any) -> None:
    """Kill switch: HALT, then cancel every live order in batches. Resume afterwards with
    `hft ops resume` once the book is understood."""
    sys.exit(_send(run_dir, "kill", operator, reason, **kw))


def _send(
    run_dir: Path,
    command: str,
    operator: str,
    reason: str,
    *,
    wait: float | None,
    command_id: str | None,
    as_json: bool,
) -> int:
    status = read_status(run_dir)
    if status is None or not session_is_live(status):
        _fail(f"no running session in {run_dir} (see `hft ops status {run_dir}`)")
        return EXIT_NO_SESSION
    stamp = time.time_ns()
    default_id = f"{os.getpid()}-{stamp}"  # never logged: it only pairs a file with its answer
    request = ControlRequest(
        command=command, operator=operator, reason=reason, id=command_id or default_id
    )
    try:
        parse_request(json.dumps(request.to_json()).encode())  # what the session will check
    except MalformedCommandError as exc:
        raise click.BadParameter(str(exc), param_hint="--id") from None
    paths = control_paths(run_dir)
    name = f"{stamp:020d}-{command}-{request.id}.json"
    try:
        write_json_atomic(paths.inbox / name, request.to_json())
    except FileNotFoundError:
        _fail(f"the session in {run_dir} has no control inbox ({paths.inbox} is missing)")
        return EXIT_NO_SESSION
    if wait is None:
        _report({"outcome": "queued", "file": name, **request.to_json()}, as_json)
        return EXIT_OK
    answer = _await_answer(run_dir, name, wait)
    if answer is None:
        answer = {"outcome": "timed_out", "file": name, **request.to_json()}
    _report(answer, as_json)
    return _exit_code(answer)


def _await_answer(run_dir: Path, name: str, wait_s: float) -> dict[str, Any] | None:
    paths = control_paths(run_dir)
    deadline = time.monotonic() + wait_s
    next_liveness = time.monotonic() + _LIVENESS_EVERY_S
    while True:
        for path in (paths.outcome_of(name), paths.reason_of(name)):
            answer = read_json(path)
            if answer is not None:
                return answer
        now = time.monotonic()
        if now >= deadline:
            return None
        if now >= next_liveness:
            next_liveness = now + _LIVENESS_EVERY_S
            status = read_status(run_dir)
            if status is None or not session_is_live(status):
                return {"outcome": "no_session", "file": name, "detail": "session not running"}
        time.sleep(_POLL_S)


def _exit_code(answer: dict[str, Any]) -> int:
    outcome = answer.get("outcome")
    if isinstance(outcome, str) and outcome in _EXIT_BY_OUTCOME:
        return _EXIT_BY_OUTCOME[outcome]
    if answer.get("error") == "MalformedCommandError":
        return EXIT_USAGE
    return EXIT_NO_SESSION  # timed out, unconfirmed, no session, SessionEnded


def _report(answer: dict[str, Any], as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(answer, sort_keys=True))
        return
    outcome = answer.get("outcome", "rejected")
    parts = [f"{outcome}: {answer.get('command', '')} by {answer.get('operator', '?')}"]
    for key in ("error", "detail", "reason", "policy_mode", "event", "seq"):
        if answer.get(key) not in (None, ""):
            parts.append(f"{key}={answer[key]}")
    Console(stderr=outcome not in _EXIT_BY_OUTCOME and outcome != "queued").print(
        "  ".join(parts), markup=False, highlight=False
    )


def _fail(message: str) -> None:
    Console(stderr=True).print(message, markup=False, highlight=False)


@ops.command()
@_run_dir_argument
@click.option("--json", "as_json", is_flag=True, help="Print the status object as JSON.")
def status(run_dir: Path, as_json: bool) -> None:
    """Show a session's last published status: policy mode, counts, rejects, latency.

    Reads RUN_DIR/status.json (rewritten by the session about once a second). "live" says
    whether the session still runs: the file says so, its process exists, and the file is
    fresh. Exit 0 live, 3 not running or no status."""
    current = read_status(run_dir)
    if current is None:
        _fail(f"no status in {run_dir}: no session has run there with operator control")
        sys.exit(EXIT_NO_SESSION)
    live = session_is_live(current)
    if as_json:
        click.echo(json.dumps({"live": live, **current}, sort_keys=True))
    else:
        _print_status(run_dir, current, live)
    sys.exit(EXIT_OK if live else EXIT_NO_SESSION)


def _print_status(run_dir: Path, current: dict[str, Any], live: bool) -> None:
    metrics = current.get("metrics", {})
    age_s = time.time() - float(current.get("wall_time_unix_s", 0.0))
    title = f"{run_dir}: {'running' if live else 'NOT running'} (pid {current.get('pid')})"
    table = Table(title=title, show_header=False)
    rows = [
        ("policy mode", str(metrics.get("policy_mode"))),
        ("status age", f"{age_s:.1f} s"),
        ("submitted", f"{metrics.get('submitted', 0):,}"),
        ("accepted", f"{metrics.get('accepted', 0):,}"),
        ("dispatched", f"{metrics.get('dispatched', 0):,}"),
        ("fills", f"{metrics.get('fills', 0):,}"),
        ("open intents", f"{metrics.get('open_intents', 0):,}"),
        ("dedup hits", f"{metrics.get('dedup_hits', 0):,}"),
        ("channel depth", f"{metrics.get('channel_depth', 0):,}"),
        ("dead letters", f"{metrics.get('dlq_size', 0):,}"),
        ("exposure (TWD)", f"{Decimal(metrics.get('exposure_global', 0)) / PRICE_SCALE:,.0f}"),
        (
            "dispatch p50 / p99",
            f"{metrics.get('dispatch_p50_us', 0):.0f} / {metrics.get('dispatch_p99_us', 0):.0f} us",
        ),
    ]
    control = current.get("control")
    if isinstance(control, dict):
        rows.append(("operator commands", ", ".join(f"{k} {v}" for k, v in control.items() if v)))
    for name, value in rows:
        table.add_row(name, value)
    console = Console()
    console.print(table)
    rejects = metrics.get("rejects_by_reason", {})
    if rejects:
        by_reason = Table(title="rejected by reason")
        by_reason.add_column("reason")
        by_reason.add_column("count", justify="right")
        for reason, count in rejects.items():
            by_reason.add_row(reason, f"{count:,}")
        console.print(by_reason)
