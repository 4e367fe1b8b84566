"""The loader against a real WAL and embedded ClickHouse: complete, exactly once, poison-safe."""

from __future__ import annotations

import shutil
from collections.abc import Iterator, Sequence
from pathlib import Path

import attrs

from hft.app.bootstrap import clickhouse as ch
from hft.app.loader.run import load_run, run_paths
from hft.app.loader.service import Loader
from hft.app.loader.state import LoaderState
from hft.app.loader.status import load_status
from hft.app.loader.wal_source import WalSegmentSource
from hft.domain.errors import UnknownEventType
from hft.domain.events import DomainEvent, register
from hft.ports.segments import RawFrame, SealedSegmentInfo
from tests.integration.clickhouse.walfixtures import (
    append_poison_frame,
    sample_run,
    store_digests,
    stored_digests,
    wal_digests,
)


def test_every_event_lands_in_events_and_its_typed_tables(tmp_path: Path) -> None:
    """A 3,000-event WAL over several segments loads completely: per table, count and seq sum
    equal what the WAL implies; every table the sample touches has rows."""
    last = sample_run(tmp_path, 3_000)
    result = load_run(tmp_path, workers=1)
    assert result.events == last == 3_000
    assert result.segments >= 2
    digests = stored_digests(tmp_path)
    assert digests == wal_digests(tmp_path / "wal")
    assert digests["events"][0] == 3_000
    for table in ("market_quotes", "intent_events", "orders", "fills", "rejects", "positions"):
        assert digests[table][0] > 0, table


def test_loading_twice_and_after_lost_markers_inserts_nothing_twice(tmp_path: Path) -> None:
    """A second run ships nothing; a run after the loader's state vanished (a crash between
    insert and marking, at every segment) re-inserts everything under the same tokens:
    still not one physical duplicate."""
    sample_run(tmp_path, 2_000)
    load_run(tmp_path)
    assert load_run(tmp_path).events == 0
    shutil.rmtree(run_paths(tmp_path).state_dir)
    again = load_run(tmp_path)
    assert again.events == 2_000
    assert stored_digests(tmp_path) == wal_digests(tmp_path / "wal")


def test_two_workers_load_the_same_rows_as_one(tmp_path: Path) -> None:
    """Rows built in two worker processes and inserted by the parent equal the WAL's."""
    sample_run(tmp_path, 2_500)
    result = load_run(tmp_path, workers=2)
    assert result.events == 2_500
    assert stored_digests(tmp_path) == wal_digests(tmp_path / "wal")


def test_poison_frame_goes_to_dead_letters_once_and_is_counted(tmp_path: Path) -> None:
    """An undecodable frame becomes one dead letter with its reason, the rest loads, and
    loading again (even from scratch) writes it once; status counts it."""
    sample_run(tmp_path, 500)
    bad_seq = append_poison_frame(tmp_path / "wal")
    sample_run(tmp_path, 300)  # more events after it, in the same log
    first = load_run(tmp_path)
    assert first.dead_letters == 1
    shutil.rmtree(run_paths(tmp_path).state_dir / "shipped")
    (run_paths(tmp_path).state_dir / "tail.json").unlink(missing_ok=True)
    load_run(tmp_path)
    letters = LoaderState(run_paths(tmp_path).state_dir).dead_letters()
    flat = [d for found in letters.values() for d in found]
    assert [(d.first_seq, d.count) for d in flat] == [(bad_seq, 1)]
    assert "NoSuchEvent" in flat[0].reason
    assert load_status(tmp_path).dead_letters == 1
    expected = wal_digests(tmp_path / "wal", skip=frozenset({bad_seq}))
    assert stored_digests(tmp_path) == expected


@register("LoaderTestLateEvent", 1)
@attrs.frozen(kw_only=True)
class LateEvent(DomainEvent):
    """An event type this build learns of only after its records were written."""

    note: str = ""


class ForgetfulSource:
    """The real WAL source, except that it cannot decode LateEvent until `learn()` (a build
    that did not know the type yet, then an upgrade)."""

    def __init__(self, inner: WalSegmentSource) -> None:
        self._inner = inner
        self.knows_late = False

    @property
    def log_id(self) -> str:
        return self._inner.log_id

    def sealed_segments(self) -> list[SealedSegmentInfo]:
        return self._inner.sealed_segments()

    def read_frames(self, segment_id: str) -> Iterator[RawFrame]:
        return self._inner.read_frames(segment_id)

    def tail_frames(self, from_seq: int) -> Iterator[RawFrame]:
        return self._inner.tail_frames(from_seq)

    def decode(self, data: bytes) -> Sequence[DomainEvent]:
        events = self._inner.decode(data)
        if not self.knows_late and any(isinstance(e, LateEvent) for e in events):
            raise UnknownEventType("unknown event type 'LoaderTestLateEvent'")
        return events


def test_dead_letter_replay_after_a_fix_goes_through_the_same_dedup(tmp_path: Path) -> None:
    """A frame of a type the loader could not read is a dead letter; once it can, replaying
    the dead letters loads it into `events` and empties the folder, and replaying again adds
    nothing."""
    sample_run(tmp_path, 200)
    fields = {"originator_id": "late", "originator_version": 1, "ts_event_ns": 5,
              "ts_init_ns": 6, "note": "hello"}  # fmt: skip
    seq = append_poison_frame(tmp_path / "wal", "LoaderTestLateEvent", fields)
    paths = run_paths(tmp_path)
    store = ch.open_store(ch.embedded_dsn(tmp_path))
    ch.schema_migrator(store).apply()
    state = LoaderState(paths.state_dir)
    source = ForgetfulSource(ch.open_segment_source(paths.wal_dir))
    loader = Loader(source, ch.open_claims(state.claims_dir), store, state)
    try:
        result = loader.load_sealed()
        loader.load_tail(result)
        assert result.dead_letters == 1
        source.knows_late = True
        assert loader.replay_dead_letters().events == 1
        assert loader.replay_dead_letters().events == 0
        assert state.dead_letters() == {}
        digest = store.digest("events")
        assert (digest.rows, digest.distinct_rows) == (201, 201)
        assert digest.seq_sum == sum(range(1, 201)) + seq
    finally:
        store.close()


class _Crash(Exception):
    """Stands in for the process dying."""


class CrashingState(LoaderState):
    """Loader state that dies after marking `survive` segments shipped."""

    def __init__(self, directory: Path, survive: int) -> None:
        super().__init__(directory)
        self.survive = survive

    def mark_shipped(self, segment_id: str, marker: dict[str, object]) -> None:
        if self.survive == 0:
            raise _Crash(segment_id)
        self.survive -= 1
        super().mark_shipped(segment_id, marker)


def test_a_unit_cut_off_while_marking_is_redone_exactly_even_after_more_segments(
    tmp_path: Path,
) -> None:
    """Segments inserted together as one unit, a crash after marking only the first shipped,
    then more segments sealed: the next load redoes that very unit (same tokens, no physical
    duplicate) before the new segments, and forgets it once all are marked."""
    sample_run(tmp_path, 4_500)
    paths = run_paths(tmp_path)
    store = ch.open_store(ch.embedded_dsn(tmp_path))
    ch.schema_migrator(store).apply()
    try:
        state = CrashingState(paths.state_dir, survive=1)
        source = ch.open_segment_source(paths.wal_dir)
        assert len(source.sealed_segments()) >= 3
        crashing = Loader(source, ch.open_claims(state.claims_dir), store, state)
        try:
            crashing.load_sealed()
        except _Crash:
            pass
        else:
            raise AssertionError("the loader did not reach the crash")
        (unit,) = state.units_in_flight().values()
        assert len(unit["segments"]) >= 3
        sample_run(tmp_path, 3_000)
        fresh = LoaderState(paths.state_dir)
        source = ch.open_segment_source(paths.wal_dir)
        loader = Loader(source, ch.open_claims(fresh.claims_dir), store, fresh)
        loader.load_sealed()
        loader.load_tail(loader.load_sealed())
        assert fresh.units_in_flight() == {}
        assert store_digests(store) == wal_digests(paths.wal_dir)
    finally:
        store.close()
