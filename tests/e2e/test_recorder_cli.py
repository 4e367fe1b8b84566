"""`hft recorder` and the claims/eventsourcing benchmarks, run as an operator runs them."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path


def _hft(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["hft", *args],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, **(env or {})},
        timeout=300,
    )


def test_config_prints_the_mode_and_thresholds_from_the_environment() -> None:
    """`hft recorder config --json` shows what HFT_RECORDER_MODE and HFT_DISK_* configure."""
    done = _hft(
        "recorder",
        "config",
        "--json",
        env={"HFT_RECORDER_MODE": "wal_first", "HFT_DISK_HALT_FREE_BYTES": "12345"},
    )
    assert done.returncode == 0
    data = json.loads(done.stdout)
    assert data["mode"] == "wal_first"
    assert data["halt_free_bytes"] == 12345


def test_a_bad_mode_is_a_usage_error_naming_the_variable() -> None:
    """An unknown mode exits 2 and says which variable is wrong."""
    done = _hft("recorder", "config", env={"HFT_RECORDER_MODE": "kafka"})
    assert done.returncode == 2
    assert "HFT_RECORDER_MODE='kafka'" in done.stderr


def test_pressure_exits_1_at_critical_or_above(tmp_path: Path) -> None:
    """With thresholds above any real disk's free space the level is HALT and the exit is 1."""
    huge = {
        "HFT_DISK_WARN_FREE_BYTES": str(3 << 60),
        "HFT_DISK_CRITICAL_FREE_BYTES": str(2 << 60),
        "HFT_DISK_HALT_FREE_BYTES": str(1 << 60),
    }
    done = _hft("recorder", "pressure", str(tmp_path), "--json", env=huge)
    assert done.returncode == 1
    assert json.loads(done.stdout)["level"] == "HALT"
    calm = _hft("recorder", "pressure", str(tmp_path), env={"HFT_DISK_HALT_FREE_BYTES": "1"})
    assert calm.returncode == 0
    assert calm.stdout.startswith("OK: free ")


def test_bench_claims_prints_one_json_object() -> None:
    """`hft bench claims` reports claim cost and the free-after-SIGKILL delay."""
    done = _hft("bench", "claims", "--rounds", "200", "--kills", "1")
    assert done.returncode == 0
    data = json.loads(done.stdout)
    assert set(data) == {
        "claim_release_us",
        "raw_flock_lock_unlock_us",
        "free_after_sigkill_ms_p50",
        "free_after_sigkill_ms_max",
        "kills",
    }
    assert data["kills"] == 1


def test_bench_es_recorder_prints_one_json_object() -> None:
    """`hft bench es-recorder` reports single, batched and rebuild rates."""
    done = _hft("bench", "es-recorder", "--singles", "5", "--batches", "2", "--durability", "none")
    assert done.returncode == 0
    data = json.loads(done.stdout)
    assert data["durability"] == "none"
    assert data["batch_events_per_s"] > 0
    assert data["rebuild_events_per_s"] > 0
