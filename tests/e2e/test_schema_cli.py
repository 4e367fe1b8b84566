"""`hft schema` as an operator runs it: bootstrap, status, JSON, exit codes."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path


def _hft(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["hft", *args], capture_output=True, text=True, timeout=180, check=False)


def test_bootstrap_then_status_shows_every_statement_applied(tmp_path: Path) -> None:
    """Bootstrap applies 15 statements into RUN_DIR/clickhouse, a second run applies none,
    and status --json lists them all as applied with exit 0."""
    first = _hft("schema", "bootstrap", "--run-dir", str(tmp_path), "--json")
    assert first.returncode == 0, first.stderr
    assert len(json.loads(first.stdout)["applied"]) == 15
    second = json.loads(_hft("schema", "bootstrap", "--run-dir", str(tmp_path), "--json").stdout)
    assert (second["applied"], second["already_applied"]) == ([], 15)
    status = _hft("schema", "status", "--run-dir", str(tmp_path), "--json")
    assert status.returncode == 0
    states = {s["state"] for s in json.loads(status.stdout)["statements"]}
    assert states == {"applied"}
    assert (tmp_path / "clickhouse").is_dir()


def test_status_of_a_fresh_database_exits_1_with_a_table(tmp_path: Path) -> None:
    """Nothing applied yet: the rich table says pending and the exit code is 1."""
    status = _hft("schema", "status", "--run-dir", str(tmp_path))
    assert status.returncode == 1
    assert "pending" in status.stdout
    assert "CREATE TABLE events" in status.stdout


def test_unreachable_server_is_a_configuration_error() -> None:
    """A DSN nobody answers gives exit 2 and a message naming the problem."""
    result = _hft("schema", "bootstrap", "--dsn", "http://127.0.0.1:9/default", "--json")
    assert result.returncode == 2
    assert "cannot reach ClickHouse" in json.loads(result.stdout)["error"]
