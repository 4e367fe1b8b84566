"""Output helpers shared by the CLI's command modules."""

from __future__ import annotations

import json
from typing import NoReturn

import click
from rich.console import Console


def fail(as_json: bool, code: int, message: str) -> NoReturn:
    """Report `message` (a JSON object with `--json`, red text on stderr otherwise), exit."""
    if as_json:
        click.echo(json.dumps({"error": message}))
    else:
        Console(stderr=True).print(f"[red]error:[/] {message}")
    raise SystemExit(code)
