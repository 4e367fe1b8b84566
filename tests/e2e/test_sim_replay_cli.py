"""`hft sim` and `hft replay` as a user runs them, and the runner script example."""

from __future__ import annotations

import json
import runpy
import subprocess
import sys
from pathlib import Path

from hft.adapters.wal import WalConfig, WalEventLog
from hft.app.bootstrap.codec import default_codec
from hft.app.bootstrap.replay import read_logged_events
from hft.domain.events import DomainEvent

REPO = Path(__file__).resolve().parents[2]


def hft(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hft.app.cli.main", *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_sim_json_prints_the_promised_fields_and_replay_agrees(tmp_path: Path) -> None:
    out = tmp_path / "run"
    sim = hft("sim", "--ticks", "120", "--seed", "9", "--out", str(out), "--json")
    assert sim.returncode == 0, sim.stderr
    result = json.loads(sim.stdout)
    for field in ("intents", "accepted", "rejected", "dispatched", "fills", "log_events"):
        assert isinstance(result[field], int | dict)
    assert result["out"] == str(out)
    assert result["intents"] >= result["accepted"] >= result["dispatched"] > 0
    replay = hft("replay", str(out), "--json")
    assert replay.returncode == 0, replay.stdout
    report = json.loads(replay.stdout)
    assert report["state_digest"] == result["state_digest"] == report["recorded_digest"]
    assert report["events"] == result["log_events"]
    assert report["violations"] == []
    loaded = result["load"]  # the main job ends with its data queryable in ClickHouse
    assert loaded["events"] == result["log_events"]
    assert loaded["dead_letters"] == 0
    counts = dict(map(tuple, loaded["example_result"]))
    assert counts["IntentSubmitted"] == report["counts"]["IntentSubmitted"]


def test_two_runs_give_identical_wal_tail_output(tmp_path: Path) -> None:
    for name in ("a", "b"):
        out = str(tmp_path / name)
        run = hft("sim", "--ticks", "60", "--seed", "2", "--out", out, "--json", "--no-load")
        assert run.returncode == 0, run.stderr
    tail_a = hft("wal", "tail", str(tmp_path / "a" / "wal"), "--json")
    tail_b = hft("wal", "tail", str(tmp_path / "b" / "wal"), "--json")
    assert tail_a.returncode == tail_b.returncode == 0
    assert tail_a.stdout == tail_b.stdout
    assert len(tail_a.stdout.splitlines()) > 60


def test_replay_exits_1_and_names_the_rule_when_a_key_is_dispatched_twice(tmp_path: Path) -> None:
    source = tmp_path / "good"
    assert hft("sim", "--ticks", "40", "--out", str(source), "--json", "--no-load").returncode == 0
    events = [e.event for e in read_logged_events(source)]
    forged = _dispatch_twice(events)
    bad = tmp_path / "bad" / "wal"
    log = WalEventLog.open(str(bad), default_codec(), WalConfig())
    log.append(forged)
    log.close()
    replay = hft("replay", str(tmp_path / "bad"), "--json")
    assert replay.returncode == 1
    rules = {v["rule"] for v in json.loads(replay.stdout)["violations"]}
    assert "dispatch_once" in rules


def _dispatch_twice(events: list[DomainEvent]) -> list[DomainEvent]:
    """Rewrite the log so a second intent takes the first dispatched intent's key."""
    import attrs  # noqa: PLC0415

    from hft.domain.intent import IntentDispatched, IntentSubmitted  # noqa: PLC0415

    dispatched = [e.originator_id for e in events if isinstance(e, IntentDispatched)]
    first, second = dispatched[0], dispatched[1]
    key = next(
        e.idempotency_key
        for e in events
        if isinstance(e, IntentSubmitted) and e.originator_id == first
    )
    return [
        attrs.evolve(e, idempotency_key=key)
        if isinstance(e, IntentSubmitted) and e.originator_id == second
        else e
        for e in events
    ]


def test_replay_of_a_missing_or_corrupt_log_is_a_usage_error(tmp_path: Path) -> None:
    assert hft("replay", str(tmp_path / "nope")).returncode == 2


def test_intent_timeline_lists_the_intents_events_in_order(tmp_path: Path) -> None:
    out = tmp_path / "run"
    assert hft("sim", "--ticks", "40", "--out", str(out), "--json", "--no-load").returncode == 0
    first = next(
        e.event.originator_id
        for e in read_logged_events(out)
        if type(e.event).__name__ == "IntentDispatched"
    )
    shown = hft("replay", str(out), "--intent", first, "--json")
    assert shown.returncode == 0
    rows = json.loads(shown.stdout)
    types = [r["type"] for r in rows]
    assert types[0] == "IntentSubmitted"
    assert "IntentDispatched" in types
    assert [r["seq"] for r in rows] == sorted(r["seq"] for r in rows)


def test_sim_help_explains_the_options() -> None:
    shown = hft("sim", "--help")
    assert shown.returncode == 0
    for option in ("--ticks", "--seed", "--strategy", "--latency", "--halt-at-tick", "--json"):
        assert option in shown.stdout


def test_sim_refuses_an_unknown_strategy_with_exit_2(tmp_path: Path) -> None:
    run = hft("sim", "--ticks", "5", "--strategy", "nope:Nope", "--out", str(tmp_path / "x"))
    assert run.returncode == 2
    assert "nope" in run.stderr


def test_runner_example_runs_and_its_log_audits_clean(tmp_path: Path) -> None:
    module = runpy.run_path(str(REPO / "examples" / "runner.py"))
    summary = module["main"](tmp_path)
    assert summary["halted_mode"] == "HALT"
    assert summary["mode_after_resume"] == "NORMAL"
    assert summary["own_order"] == "ACKED"
    assert summary["dispatched"] > 0
    report = hft("replay", str(tmp_path), "--json")
    assert report.returncode == 0
    assert json.loads(report.stdout)["recorded_digest"] == summary["digest"]


def test_sim_writes_its_log_as_segment_files(tmp_path: Path) -> None:
    """`hft sim` logs to WAL segment files that outlive the process."""
    out = tmp_path / "run"
    assert hft("sim", "--ticks", "10", "--out", str(out), "--json", "--no-load").returncode == 0
    assert list((out / "wal").glob("*.seg"))
