"""The benches' language floor rebuilds and encodes exactly the work a run logged."""

from __future__ import annotations

from pathlib import Path

from hft.adapters.wal import read_frames
from hft.app.bench.floor import floor_s_per_event, frame_plans
from hft.app.bootstrap.codec import default_codec
from hft.app.sim import SimRun, run_sim


def _recorded(tmp_path: Path) -> Path:
    run_sim(SimRun(out=tmp_path / "run", ticks=60, seed=2, durability="none"))
    return tmp_path / "run" / "wal"


def test_rebuilt_events_encode_to_the_logged_bytes_frame_by_frame(tmp_path: Path) -> None:
    """Each frame's events, rebuilt from their fields, encode to that frame's payload: the
    floor times the very work the run did, not a lighter stand-in."""
    wal = _recorded(tmp_path)
    codec = default_codec()
    payloads = [frame.payload for frame in read_frames(str(wal))]
    plans = frame_plans(wal)
    assert len(plans) == len(payloads) > 10
    for plan, payload in zip(plans, payloads, strict=True):
        assert codec.encode([cls(**fields) for cls, fields in plan]) == bytes(payload)


def test_a_sample_takes_whole_frames_from_the_start_until_it_holds_enough(
    tmp_path: Path,
) -> None:
    """`sample` events are taken as the log's first whole frames; no sample takes them all."""
    wal = _recorded(tmp_path)
    counts = [frame.count for frame in read_frames(str(wal))]
    whole = frame_plans(wal)
    assert [len(plan) for plan in whole] == counts
    sampled = frame_plans(wal, sample=50)
    taken = [len(plan) for plan in sampled]
    assert taken == counts[: len(taken)]
    assert sum(taken[:-1]) < 50 <= sum(taken)


def test_the_floor_is_a_positive_time_per_event(tmp_path: Path) -> None:
    """Seconds per event: positive, and far below a millisecond for any event."""
    assert 0 < floor_s_per_event(_recorded(tmp_path)) < 1e-3
