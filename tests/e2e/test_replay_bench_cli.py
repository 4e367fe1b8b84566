"""`hft bench replay` as a user runs it: one JSON object, both phases apart, a clean audit."""

from __future__ import annotations

import json
import subprocess
import sys

PHASE_RATES = {
    "events_per_s",
    "events_per_cpu_s",
    "read_decode_events_per_s",
    "read_decode_events_per_cpu_s",
    "fold_check_events_per_s",
    "fold_check_events_per_cpu_s",
}


def test_bench_replay_prints_each_phases_rates_and_a_clean_audit() -> None:
    """A short recorded session: every rate is a positive int, the audit holds, digests agree."""
    done = subprocess.run(
        [sys.executable, "-m", "hft.app.cli.main", "bench", "replay", "--ticks", "150"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out.keys() >= PHASE_RATES
    assert all(isinstance(out[k], int) and out[k] > 0 for k in PHASE_RATES)
    assert out["events"] > out["frames"] > 0
    assert (out["violations"], out["digest_matches"]) == (0, True)
