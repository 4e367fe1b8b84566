"""`hft wal`: inspect, verify and tail a write-ahead log directory (read-only)."""

from __future__ import annotations

import json
import sys
from typing import Any

import attrs
import click
from rich.console import Console
from rich.table import Table

from hft.app.bootstrap import wal
from hft.app.cli.wal_bench import bench_wal

EXIT_OK, EXIT_PROBLEM, EXIT_USAGE = 0, 1, 2

_DIR = click.argument(
    "directory", type=click.Path(exists=True, file_okay=False, dir_okay=True, readable=True)
)


def register(cli: click.Group, bench: click.Group) -> None:
    """Add the `wal` group and `bench wal`."""
    cli.add_command(wal_group)
    bench.add_command(bench_wal)


@click.group("wal")
def wal_group() -> None:
    """The write-ahead log: segment files of CRC-checked frames with gapless sequence numbers.

    These commands only read: they take no lock and repair nothing, so they are safe beside
    a running writer. Opening the log for writing repairs a torn tail; `verify` tells you
    beforehand whether there is one, and whether anything worse is wrong.
    """


def _report_json(report: wal.LogReport) -> dict[str, Any]:
    segments = [
        attrs.asdict(s) | {"records": s.last_seq - s.first_seq + 1} for s in report.segments
    ]
    return {
        "directory": report.directory,
        "policy": report.segments[-1].policy if report.segments else None,
        "last_seq": report.last_seq,
        "records": report.records,
        "data_bytes": report.data_bytes,
        "manifest_generation": report.manifest_generation,
        "segments": segments,
        "problem": attrs.asdict(report.problem) if report.problem else None,
    }


def _problem_line(problem: wal.Problem) -> str:
    fix = " (recoverable: opening the log truncates it)" if problem.recoverable else ""
    return f"{problem.segment} @ offset {problem.offset} (seq {problem.seq}): {problem.reason}{fix}"


@wal_group.command()
@_DIR
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object, not a table.")
def inspect(directory: str, as_json: bool) -> None:
    """Segments of DIRECTORY: sequence ranges, sizes, sealed or active, durability policy.

    Exit 0 (even when a problem is shown: use `verify` to check).
    """
    report = wal.describe_log(directory)
    if as_json:
        click.echo(json.dumps(_report_json(report)))
        return
    table = Table(title=f"WAL {directory}")
    for column in ("segment", "first seq", "last seq", "records", "frames", "bytes used",
                   "file bytes", "state", "policy"):  # fmt: skip
        if column == "segment":
            table.add_column(column, no_wrap=True, min_width=24)
        else:
            table.add_column(column, justify="right")
    for s in report.segments:
        table.add_row(
            s.name, str(s.first_seq), str(s.last_seq), str(s.last_seq - s.first_seq + 1),
            str(s.frames), str(s.data_end), str(s.file_bytes),
            "sealed" if s.sealed else "active", s.policy,
        )  # fmt: skip
    console = Console()
    console.print(table)
    console.print(f"last seq {report.last_seq}, {report.data_bytes} bytes of segments")
    if report.problem:
        console.print(f"[red]problem:[/red] {_problem_line(report.problem)}")


@wal_group.command()
@_DIR
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def verify(directory: str, as_json: bool) -> None:
    """Check every frame's CRC, the sequence chain and the seals of DIRECTORY.

    Exit 0 when the log is intact; 1 with the first problem's segment, byte offset and
    sequence number (a torn end of the last segment is marked recoverable).
    """
    report = wal.verify_log(directory)
    if as_json:
        click.echo(json.dumps(_report_json(report)))
    elif report.problem is None:
        click.echo(f"ok: {len(report.segments)} segments, seqs 1..{report.last_seq}")
    else:
        click.echo(f"problem: {_problem_line(report.problem)}", err=True)
    sys.exit(EXIT_OK if report.problem is None else EXIT_PROBLEM)


@wal_group.command()
@_DIR
@click.option("--from", "from_seq", type=click.IntRange(min=1), default=1, show_default=True,
              help="First sequence number to print.")  # fmt: skip
@click.option("--follow", "-f", is_flag=True, help="Keep waiting for new events (tail -f).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@click.option("--idle-exit", type=float, default=None, metavar="SECONDS",
              help="With --follow: stop after SECONDS without a new event.")  # fmt: skip
def tail(
    directory: str, from_seq: int, follow: bool, as_json: bool, idle_exit: float | None
) -> None:
    """Print the events of DIRECTORY from sequence number --from, decoded.

    JSON lines are `{"seq": n, "type": name, "v": version, ...fields}`. Exit 1 if the log is
    damaged (after printing what came before the damage).
    """
    events = wal.tail_events(directory, from_seq, follow=follow, idle_timeout_s=idle_exit)
    try:
        for row in events:
            if as_json:
                click.echo(json.dumps(row))
            else:
                seq, kind, version = row.pop("seq"), row.pop("type"), row.pop("v")
                click.echo(f"{seq:>10} {kind} v{version} {json.dumps(row)}")
    except wal.CorruptLogError as exc:
        click.echo(f"problem: {exc}", err=True)
        sys.exit(EXIT_PROBLEM)
    except KeyboardInterrupt:
        sys.exit(EXIT_OK)
