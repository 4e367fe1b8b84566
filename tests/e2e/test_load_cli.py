"""`hft load` as an operator runs it: load, reload, status, JSON and the table."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from hft.app.loader.run import query_run
from hft.app.loader.sample import write_sample_wal


def _hft(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["hft", *args], capture_output=True, text=True, timeout=240, check=False)


def test_load_then_reload_then_status(tmp_path: Path) -> None:
    """`hft load RUN --json` loads 1,000 events (two rows tables per quote at least), a second
    load ships nothing, and `--status --json` shows no backlog."""
    write_sample_wal(tmp_path / "wal", 1_000, segment_bytes=64 << 10)
    first = _hft("load", str(tmp_path), "--json")
    assert first.returncode == 0, first.stderr
    loaded = json.loads(first.stdout)
    assert loaded["events"] == 1_000
    assert loaded["rows_by_table"]["events"] == 1_000
    assert loaded["dead_letters"] == 0
    assert json.loads(_hft("load", str(tmp_path), "--json").stdout)["events"] == 0
    status = json.loads(_hft("load", str(tmp_path), "--status", "--json").stdout)
    assert (status["backlog_segments"], status["backlog_events"]) == (0, 0)
    assert status["unsealed_events"] == 0
    assert status["shipped_segments"] == status["sealed_segments"] > 0


def test_load_accepts_the_wal_directory_and_prints_a_table(tmp_path: Path) -> None:
    """Given the WAL directory itself, the loader finds the run around it and prints a
    per-table summary."""
    write_sample_wal(tmp_path / "wal", 300)
    result = _hft("load", str(tmp_path / "wal"))
    assert result.returncode == 0, result.stderr
    assert "market_quotes" in result.stdout
    assert "300 events" in result.stdout
    assert (tmp_path / "loader" / "shipped").is_dir()


def test_status_before_any_load_shows_the_backlog(tmp_path: Path) -> None:
    """Before loading, status counts every event as backlog (the rich table, exit 0)."""
    write_sample_wal(tmp_path / "wal", 500, segment_bytes=64 << 10)
    status = json.loads(_hft("load", str(tmp_path), "--status", "--json").stdout)
    assert status["backlog_events"] + status["unsealed_events"] == 500
    table = _hft("load", str(tmp_path), "--status")
    assert table.returncode == 0
    assert "backlog events" in table.stdout


def test_bad_workers_is_a_usage_error(tmp_path: Path) -> None:
    """--workers 0 is refused with exit 2."""
    assert _hft("load", str(tmp_path), "--workers", "0").returncode == 2


def test_a_simulated_session_loads_completely_and_positions_agree(tmp_path: Path) -> None:
    """`hft sim` then `hft load`: every logged event is loaded, nothing is a dead letter, and
    the pnl view's net position per symbol equals the simulator's own summary."""
    run = tmp_path / "run"
    sim = _hft("sim", "--ticks", "600", "--out", str(run), "--json", "--no-load")
    assert sim.returncode == 0, sim.stderr
    summary = json.loads(sim.stdout)
    loaded = json.loads(_hft("load", str(run), "--json").stdout)
    assert loaded["events"] == summary["log_events"]
    assert loaded["dead_letters"] == 0
    rows = query_run(run, "SELECT symbol, sum(net_position) FROM pnl GROUP BY symbol")
    positions = {str(symbol): int(net) for symbol, net in rows}
    expected = {s: p["position"] for s, p in summary["positions"].items() if p["position"]}
    assert {s: n for s, n in positions.items() if n} == expected


def test_bench_load_prints_one_json_object_with_its_figures() -> None:
    """A quick `hft bench load`: one JSON object; both worker counts loaded the same rows;
    the lag run measured every appended event."""
    result = _hft(
        "bench", "load", "--events", "2000", "--lag-seconds", "1", "--rate", "2000", "--json"
    )
    assert result.returncode == 0, result.stderr
    figures = json.loads(result.stdout)
    assert figures["events"] == 2_000
    assert figures["rows_1w"] == figures["rows_2w"] > 2_000
    assert figures["rows_per_s"] > 0
    assert figures["lag_events"] == 2_000
    assert set(figures["end_to_end_lag_ms"]) == {"p50", "p99"}
    assert figures["end_to_end_lag_ms"]["p99"] is not None
