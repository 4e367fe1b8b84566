"""`hft bench replay|gateway` as a user runs them: one JSON object each, with what it claims."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

PHASE_RATES = {
    "events_per_s",
    "events_per_cpu_s",
    "read_decode_events_per_s",
    "read_decode_events_per_cpu_s",
    "fold_check_events_per_s",
    "fold_check_events_per_cpu_s",
}


def _bench(*args: str) -> Any:
    done = subprocess.run(
        [sys.executable, "-m", "hft.app.cli.main", "bench", *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_bench_replay_prints_each_phases_rates_and_a_clean_audit() -> None:
    """A short recorded session: every rate is a positive int, the audit holds, digests agree."""
    out = _bench("replay", "--ticks", "150")
    assert out.keys() >= PHASE_RATES
    assert all(isinstance(out[k], int) and out[k] > 0 for k in PHASE_RATES)
    assert out["events"] > out["frames"] > 0
    assert (out["violations"], out["digest_matches"]) == (0, True)


def test_bench_gateway_reports_its_floor_beside_its_rate() -> None:
    """`hft bench gateway` prints the floor for both policies; a run never beats its floor."""
    out = _bench("gateway", "--intents", "600")
    for figures in (out, out["none"]):
        # Every intent goes out: a CANCEL whose target still waits for the log follows it.
        assert figures["dispatched"] == 600
        assert figures["log_events_per_intent"] >= 4
        assert figures["floor_intents_per_s"] > figures["intents_per_cpu_s"] > 0
        assert 0 < figures["intents_per_cpu_s_vs_floor"] < 1
