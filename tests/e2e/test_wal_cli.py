"""`hft wal inspect | verify | tail` and `hft bench wal` as a user runs them."""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from hft.app.bootstrap.wal import open_event_log, wal_config
from hft.app.cli.main import cli
from hft.domain.market import QuoteReceived

EVENTS = 120
MAIN = "from hft.app.cli.main import main; main()"


def _quote(version: int) -> QuoteReceived:
    return QuoteReceived(
        originator_id="2330",
        originator_version=version,
        ts_event_ns=1_700_000_000_000_000_000 + version,
        ts_init_ns=1_700_000_000_000_000_100 + version,
        symbol="2330",
        bid_px=5_900_000 + version,
        bid_qty=version % 9 + 1,
    )


@pytest.fixture
def log_dir(tmp_path: Path) -> Path:
    """A closed log of 120 quotes over several 4 KiB segments."""
    directory = tmp_path / "wal"
    log = open_event_log(str(directory), wal_config("fsync", segment_bytes=4096))
    for start in range(1, EVENTS + 1, 4):
        log.append([_quote(v) for v in range(start, start + 4)])
    log.wait_durable(EVENTS, 30)
    log.close()
    return directory


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


def _flip(path: Path, offset: int) -> None:
    data = bytearray(path.read_bytes())
    data[offset] ^= 0x40
    path.write_bytes(bytes(data))


def test_inspect_json_lists_segments_ranges_and_policy(log_dir: Path) -> None:
    """inspect --json: contiguous segments covering 1..120, all sealed but the last, fsync."""
    code, out, _ = _run("wal", "inspect", str(log_dir), "--json")
    assert code == 0
    report = json.loads(out)
    segments = report["segments"]
    assert (report["last_seq"], report["records"], report["policy"]) == (EVENTS, EVENTS, "fsync")
    assert segments[0]["first_seq"] == 1
    assert segments[-1]["last_seq"] == EVENTS
    assert all(a["last_seq"] + 1 == b["first_seq"] for a, b in itertools.pairwise(segments))
    assert [s["sealed"] for s in segments] == [True] * (len(segments) - 1) + [False]
    assert report["problem"] is None


def test_inspect_table_names_each_segment(log_dir: Path) -> None:
    """The human table shows every segment file name and exits 0."""
    code, out, _ = _run("wal", "inspect", str(log_dir))
    assert code == 0
    for seg in sorted(log_dir.glob("*.seg")):
        assert seg.name in out


def test_verify_clean_log_exits_zero(log_dir: Path) -> None:
    """verify on an intact log exits 0 and says how far it checked."""
    code, out, _ = _run("wal", "verify", str(log_dir))
    assert (code, out.strip()) == (
        0,
        f"ok: {len(list(log_dir.glob('*.seg')))} segments, seqs 1..{EVENTS}",
    )


def test_verify_damaged_sealed_segment_exits_one_naming_where(log_dir: Path) -> None:
    """A flipped bit in a sealed segment: exit 1, the segment, offset and seq, not recoverable."""
    first = sorted(log_dir.glob("*.seg"))[0]
    _flip(first, 64 + 24 + 5)  # inside the first frame's payload
    code, _, err = _run("wal", "verify", str(log_dir))
    assert code == 1
    assert f"{first.name} @ offset 64 (seq 1): frame CRC mismatch" in err
    code, out, _ = _run("wal", "verify", str(log_dir), "--json")
    problem = json.loads(out)["problem"]
    assert code == 1
    assert (problem["segment"], problem["offset"], problem["seq"], problem["recoverable"]) == (
        first.name, 64, 1, False,
    )  # fmt: skip


def test_verify_torn_tail_exits_one_and_says_recoverable(log_dir: Path) -> None:
    """A torn last frame is a problem (exit 1) that opening the log would repair."""
    active = sorted(log_dir.glob("*.seg"))[-1]
    end = json.loads(_run("wal", "inspect", str(log_dir), "--json")[1])["segments"][-1]["data_end"]
    _flip(active, end - 3)
    code, _, err = _run("wal", "verify", str(log_dir))
    assert code == 1
    assert "recoverable" in err


def test_tail_json_prints_decoded_events_from_a_seq(log_dir: Path) -> None:
    """tail --from 100 --json prints seqs 100..120 as JSON objects with the event's fields."""
    code, out, _ = _run("wal", "tail", str(log_dir), "--from", "100", "--json")
    rows = [json.loads(line) for line in out.splitlines()]
    assert code == 0
    assert [r["seq"] for r in rows] == list(range(100, EVENTS + 1))
    assert rows[0]["type"] == "QuoteReceived"
    assert (rows[0]["v"], rows[0]["originator_version"], rows[0]["bid_px"]) == (1, 100, 5_900_100)


def test_tail_text_prints_one_line_per_event(log_dir: Path) -> None:
    """Without --json, one line per event starting with its seq and type."""
    code, out, _ = _run("wal", "tail", str(log_dir), "--from", "119")
    lines = out.splitlines()
    assert code == 0
    assert [line.split()[:2] for line in lines] == [
        ["119", "QuoteReceived"],
        ["120", "QuoteReceived"],
    ]


def test_tail_follow_ends_after_idle_exit(log_dir: Path) -> None:
    """tail --follow --idle-exit prints everything there is, then exits 0 when idle."""
    code, out, _ = _run("wal", "tail", str(log_dir), "--follow", "--idle-exit", "0.2", "--json")
    assert code == 0
    assert len(out.splitlines()) == EVENTS


def test_tail_of_damaged_log_exits_one(log_dir: Path) -> None:
    """tail stops with exit 1 at damage in a sealed segment."""
    _flip(sorted(log_dir.glob("*.seg"))[1], 64 + 24 + 2)
    code, _, err = _run("wal", "tail", str(log_dir), "--json")
    assert code == 1
    assert "CRC" in err


def test_missing_directory_is_a_usage_error(tmp_path: Path) -> None:
    """A directory that does not exist exits 2 (usage), for every subcommand."""
    for sub in ("inspect", "verify", "tail"):
        assert _run("wal", sub, str(tmp_path / "nope"))[0] == 2


def test_bench_wal_quick_prints_every_figure(tmp_path: Path) -> None:
    """`hft bench wal --quick` prints one JSON object with every promised figure, positive."""
    done = subprocess.run(
        [sys.executable, "-c", MAIN, "bench", "wal", "--quick", "--dir", str(tmp_path)],
        capture_output=True, check=False, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr.decode()
    figures = json.loads(done.stdout)
    for key in (
        "append_events_per_s", "durable_events_per_s", "ack_p50_us", "ack_p99_us",
        "replay_events_per_s", "os_write_baseline_per_s", "fdatasync_p50_us",
        "append_domain_events_per_s", "replay_domain_events_per_s",
    ):  # fmt: skip
        assert figures[key] > 0, key
    assert figures["ack_offered_events_per_s"] == 20_000
    assert list(tmp_path.iterdir()) == []
