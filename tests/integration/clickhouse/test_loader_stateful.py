"""The loader lifecycle as a state machine: appends, loads, crashes that lose the loader's
state, and store outages in any order never lose or invent an event.

Runs the real WAL, the real loader state files and claims, against the in-memory store (the
fake held to the same contract as ClickHouse) so that many interleavings fit in a test run.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from hft.app.bootstrap import clickhouse as ch
from hft.app.bootstrap import wal as walboot
from hft.app.loader.projection import TABLES
from hft.app.loader.run import run_paths
from hft.app.loader.sample import sample_events
from hft.app.loader.service import Loader, LoaderConfig, LoaderGaveUpError, LoadResult
from hft.app.loader.state import LoaderState
from tests.integration.clickhouse.walfixtures import expected_digests

SEGMENT = 16 << 10


class LoaderLifecycle(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.run_dir = Path(tempfile.mkdtemp(prefix="hft-loader-sm-"))
        self.paths = run_paths(self.run_dir)
        self.store = ch.InMemoryAnalyticsStore({t.name: [c for c, _ in t.written] for t in TABLES})
        self.written = 0
        self.events = sample_events(10**9)
        self.loader = self._new_loader()

    def _new_loader(self) -> Loader:
        state = LoaderState(self.paths.state_dir)
        return Loader(
            ch.open_segment_source(self.paths.wal_dir),
            ch.open_claims(state.claims_dir),
            self.store,
            state,
            config=LoaderConfig(retry_budget_s=0.0, retry_initial_s=0.0, chunk_rows=97),
        )

    @rule(count=st.integers(min_value=1, max_value=150))
    def append(self, count: int) -> None:
        """The writer appends more events (it never knows about the loader)."""
        config = walboot.wal_config("none", segment_bytes=SEGMENT)
        log = walboot.open_event_log(str(self.paths.wal_dir), config)
        try:
            log.append([next(self.events) for _ in range(count)])
        finally:
            log.close()
        self.written += count

    @precondition(lambda self: self.written > 0)
    @rule()
    def load_sealed(self) -> None:
        self.loader.load_sealed()

    @precondition(lambda self: self.written > 0)
    @rule()
    def load_tail(self) -> None:
        self.loader.load_tail(LoadResult("", ""))

    @rule(drop_tail=st.booleans(), keep_every=st.integers(min_value=1, max_value=3))
    def crash_losing_state(self, drop_tail: bool, keep_every: int) -> None:
        """A crash between inserts and marking: some shipped markers (and maybe the tail
        position) never reached the disk; the loader restarts from the files."""
        markers = sorted((self.paths.state_dir / "shipped").glob("*.json"))
        for index, marker in enumerate(markers):
            if index % keep_every:
                marker.unlink()
        if drop_tail:
            (self.paths.state_dir / "tail.json").unlink(missing_ok=True)
        self.loader = self._new_loader()

    @precondition(lambda self: self.written > 0)
    @rule()
    def load_during_outage(self) -> None:
        """The store is down: the loader gives up, and the only segments it may mark shipped
        are those whose every event was already stored through the tail."""
        state = LoaderState(self.paths.state_dir)
        before, stored_through = set(state.shipped()), state.tail_seq()
        self.store.available = False
        try:
            self.loader.load_sealed()
            self.loader.load_tail(LoadResult("", ""))
        except LoaderGaveUpError:
            pass
        finally:
            self.store.available = True
        for segment_id, marker in state.shipped().items():
            if segment_id not in before:
                assert marker["events"] == 0
                assert int(segment_id.split(".")[0]) <= stored_through

    @invariant()
    def nothing_invented(self) -> None:
        """Every stored event is in the WAL, once after dedup."""
        if not self.written:
            return
        digest = self.store.digest("events")
        assert digest.distinct_rows <= self.written
        assert digest.seq_sum <= self.written * (self.written + 1) // 2

    @precondition(lambda self: self.written > 0)
    @rule()
    def drain_and_compare(self) -> None:
        """After loading everything, every table holds exactly the WAL's events."""
        while self.loader.load_sealed().events or self.loader.load_tail(LoadResult("", "")):
            pass
        expected = expected_digests(self.paths.wal_dir)
        actual = {
            t.name: (self.store.digest(t.name).distinct_rows, self.store.digest(t.name).seq_sum)
            for t in TABLES
        }
        assert actual == expected

    def teardown(self) -> None:
        shutil.rmtree(self.run_dir, ignore_errors=True)


TestLoaderLifecycle = LoaderLifecycle.TestCase
TestLoaderLifecycle.settings = settings(max_examples=30, stateful_step_count=15, deadline=None)
