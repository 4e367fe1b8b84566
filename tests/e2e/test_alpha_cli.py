"""`hft alpha` as a user runs it: the sample alpha through the pipeline, exit codes, JSON."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "examples" / "alpha_mm" / "alpha.toml"


def hft(state: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HFT_STATE_DIR": str(state), "HFT_ALPHA_STORE": "sqlite"}
    return subprocess.run(
        ["hft", "alpha", *args], capture_output=True, text=True, env=env, check=False, cwd=REPO
    )


def as_json(done: subprocess.CompletedProcess[str]) -> Any:
    return json.loads(done.stdout)


@pytest.mark.slow
def test_sample_alpha_through_validate_promote_canary_and_audit(tmp_path: Path) -> None:
    """Gates pass (exit 0), promotion sets 5%, a missing snapshot rolls back (exit 1), and the
    audit lists every decision in order."""
    validated = hft(tmp_path, "validate", str(SAMPLE), "--json")
    assert validated.returncode == 0, validated.stderr
    report = as_json(validated)
    assert [v["gate"] for v in report["verdicts"]] == ["A", "B", "C", "D", "E"]
    assert report["passed"] is True

    promoted = hft(tmp_path, "promote", "alpha_mm", "--actor", "alice", "--json")
    assert promoted.returncode == 0, promoted.stderr
    assert (as_json(promoted)["status"], as_json(promoted)["weight_bps"]) == ("canary", 500)

    canary = hft(tmp_path, "canary", "--evaluate", "--json")
    assert canary.returncode == 1
    assert as_json(canary) == [
        {
            "alpha_id": "alpha_mm",
            "action": "rollback",
            "reasons": ["no metrics snapshot"],
            "status": "rolled_back",
            "weight_bps": 0,
        }
    ]

    audit = as_json(hft(tmp_path, "audit", "alpha_mm", "--json"))
    assert [r["seq"] for r in audit] == list(range(1, 9))
    assert [r["type"] for r in audit][-2:] == ["AlphaPromoted", "AlphaRolledBack"]
    assert audit[6]["actor"] == "alice"

    experiments = as_json(hft(tmp_path, "experiments", "--verify", "--json"))
    assert len(experiments) == 1
    assert experiments[0]["intact"] is True
    gc = as_json(hft(tmp_path, "gc", "--dry-run", "--keep-days", "0", "--json"))
    assert gc["delete"] == []
    assert gc["keep"][0]["why"] == "passed gate C"


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    """An unknown alpha or an unreadable spec exits 2 with a one-line error."""
    unknown = hft(tmp_path, "status", "nope")
    assert unknown.returncode == 2
    assert "not registered" in unknown.stderr
    bad = tmp_path / "bad.toml"
    bad.write_text("id = 3\n")
    refused = hft(tmp_path, "register", str(bad))
    assert refused.returncode == 2
    assert "spec key 'id'" in refused.stderr


def test_lifecycle_refusal_exits_1(tmp_path: Path) -> None:
    """Promoting an alpha that has passed no gate is refused with exit 1, naming the gates."""
    assert hft(tmp_path, "register", str(SAMPLE)).returncode == 0
    refused = hft(tmp_path, "promote", "alpha_mm")
    assert refused.returncode == 1
    assert "GatesIncomplete" in refused.stderr
    assert hft(tmp_path, "register", str(SAMPLE)).returncode == 1


@pytest.mark.slow
def test_rl_policy_goes_through_the_same_gates(tmp_path: Path) -> None:
    """rl-promote records the policy and training artifacts by hash and promotes on a pass."""
    spec_dir = tmp_path / "rl"
    (spec_dir / "tests").mkdir(parents=True)
    (spec_dir / "tests" / "test_policy.py").write_text("def test_ok():\n    assert True\n")
    text = SAMPLE.read_text().replace('id = "alpha_mm"', 'id = "alpha_rl"')
    (spec_dir / "alpha.toml").write_text(text.replace('kind = "rule"', 'kind = "rl"'))
    policy = spec_dir / "policy.bin"
    policy.write_bytes(b"\x00weights")
    training = spec_dir / "training"
    training.mkdir()
    (training / "curve.csv").write_text("step,reward\n1,0.5\n")
    done = hft(
        tmp_path / "state",
        "rl-promote",
        str(policy),
        "--spec",
        str(spec_dir / "alpha.toml"),
        "--training-run",
        str(training),
        "--json",
    )
    assert done.returncode == 0, done.stderr
    assert as_json(done)["state"]["status"] == "canary"
    audit = as_json(hft(tmp_path / "state", "audit", "alpha_rl", "--json"))
    assert audit[0]["type"] == "AlphaRegistered"
    assert audit[0]["reason"].startswith("rl alpha")
