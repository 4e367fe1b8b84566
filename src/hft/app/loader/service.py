"""The loader: sealed WAL segments -> column batches -> the analytics store, exactly once.

Per segment: claim it, build its rows (in this process, or in worker processes), insert each
table's rows in chunks with deterministic dedup tokens, write its dead letters, mark it
shipped, release the claim. A crash anywhere before the shipped marker means the segment is
loaded again later: the same tokens insert nothing twice and the tables' (log_id, seq) keys
dedup whatever slipped through (read with FINAL). Inserts all go through this process: chdb
allows one process per database directory, so workers only transform.
Ordering: segments (and tail ranges) are inserted in sequence order; within one batch a
table's rows are grouped by event type, and ClickHouse orders every block by the table's key,
which ends in (log_id, seq).
"""

from __future__ import annotations

import itertools
import shutil
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any

import attrs

from hft.app.loader.batches import (
    build_batch,
    init_worker,
    pool_context,
    read_tail,
    segment_batch_in_worker,
    tail_batch_in_worker,
)
from hft.app.loader.frame_projector import FrameProjector
from hft.app.loader.handoff import SpilledBatch, make_spill_dir, unspill
from hft.app.loader.projection import TABLE_NAMES
from hft.app.loader.rows import ColumnBatch, DeadLetter
from hft.app.loader.state import LoaderState
from hft.app.loader.units import Member, Unit, group
from hft.ports.analytics import AnalyticsStore
from hft.ports.segments import RawFrame, SealedSegmentInfo, SegmentClaims, SegmentSource
from hft.ports.sinks import SinkUnavailableError

_AHEAD_SEGMENTS = 4
"""Segments built ahead of the inserts (each held in memory until inserted)."""


class LoaderGaveUpError(RuntimeError):
    """The store stayed unavailable longer than the retry budget; nothing was marked shipped
    that is not in the store. Run the loader again (or with --follow) once it is back."""


@attrs.frozen
class LoaderConfig:
    """Tuning: worker processes, rows per insert call, events per insert unit (segments are
    grouped up to it), retry backoff (seconds)."""

    workers: int = 1
    chunk_rows: int = 500_000
    unit_events: int = 200_000
    retry_initial_s: float = 0.2
    retry_max_s: float = 5.0
    retry_budget_s: float | None = 60.0
    tail_max_records: int = 200_000


@attrs.define
class LoadResult:
    """What one load run did. `rows` counts rows sent to the store over all tables."""

    dsn: str
    log_id: str
    segments: int = 0
    events: int = 0
    rows: int = 0
    rows_by_table: dict[str, int] = attrs.Factory(dict)
    dead_letters: int = 0
    retries: int = 0
    wall_s: float = 0.0

    @property
    def rows_per_s(self) -> float:
        return self.rows / self.wall_s if self.wall_s > 0 else 0.0

    @property
    def events_per_s(self) -> float:
        return self.events / self.wall_s if self.wall_s > 0 else 0.0

    def add(self, batch: ColumnBatch) -> None:
        self.events += batch.events
        self.dead_letters += sum(d.events for d in batch.dead_letters)
        for table, count in batch.row_counts().items():
            self.rows += count
            self.rows_by_table[table] = self.rows_by_table.get(table, 0) + count

    def to_json(self) -> dict[str, Any]:
        data = attrs.asdict(self)
        data.update(rows_per_s=round(self.rows_per_s), events_per_s=round(self.events_per_s))
        return data


class Loader:
    """Ships one WAL into one analytics store. Blocking; run it off any latency-sensitive path."""

    def __init__(
        self,
        source: SegmentSource,
        claims: SegmentClaims[Any],
        store: AnalyticsStore,
        state: LoaderState,
        *,
        config: LoaderConfig | None = None,
        source_factory: Callable[[], SegmentSource] | None = None,
        dsn: str = "",
    ) -> None:
        self._source = source
        self._claims = claims
        self._store = store
        self._state = state
        self._config = config or LoaderConfig()
        self._factory = source_factory
        self._projector = FrameProjector()
        self._dsn = dsn
        self._sleep = time.sleep
        self._prefetched_tail: tuple[int, ColumnBatch] | None = None

    def load_sealed(self) -> LoadResult:
        """Load every sealed segment not yet shipped (and not claimed by another loader)."""
        result = LoadResult(self._dsn, self._source.log_id)
        started = time.perf_counter()
        self._prefetched_tail = None
        sealed = self._source.sealed_segments()
        recovered, taken = self._recovered_units(sealed)
        pending = [
            s
            for s in sealed
            if s.segment_id not in taken and not self._state.is_shipped(s.segment_id)
        ]
        skip = self._state.tail_seq()
        expected = sum(max(0, s.last_seq - max(s.first_seq - 1, skip)) for s in pending)
        fresh = group(self._members(pending, skip), self._config.unit_events, skip, expected)
        for unit in itertools.chain(recovered, fresh):
            try:
                retries, batch = self._ship(unit)
            finally:
                for member in unit.members:
                    self._claims.release(member.claim)
            result.retries += retries
            result.segments += len(unit.members)
            result.add(batch)
        result.wall_s = time.perf_counter() - started
        self.save_stats(result)
        return result

    def load_tail(self, result: LoadResult) -> int:
        """Load events written after the last shipped segment (follow mode); returns how many
        events it loaded. Sealed segments it covers are still loaded later; their tokens differ,
        so readers dedup those rows by key (FINAL)."""
        start = self.loaded_through() + 1
        batch = self._take_prefetched_tail(start) or self._tail_batch(start)
        if batch is None:
            return 0
        unit = f"tail-{batch.first_seq:020d}-{batch.last_seq:020d}"
        result.retries += self._insert(unit, batch)
        self._state.write_dead_letters(unit, batch.dead_letters)
        self._state.set_tail_seq(batch.last_seq)
        result.add(batch)
        return batch.events

    def _tail_batch(self, start: int) -> ColumnBatch | None:
        source = self._source
        frames = read_tail(source, start, self._config.tail_max_records)
        if not frames:
            return None
        return build_batch(
            source.log_id, frames, source.decode, self._projector, skip_through=start - 1
        )

    def _take_prefetched_tail(self, start: int) -> ColumnBatch | None:
        """The tail a worker built while the sealed segments loaded, if it starts at `start`
        and holds any frame (else the tail is read here: it may have grown since)."""
        prefetched, self._prefetched_tail = self._prefetched_tail, None
        if prefetched is None or prefetched[0] != start or prefetched[1].last_seq < start:
            return None
        return prefetched[1]

    def loaded_through(self) -> int:
        """The highest sequence number known to be in the store (tail or shipped segment)."""
        return max(self._state.tail_seq(), self._last_sealed_shipped())

    def replay_dead_letters(self) -> LoadResult:
        """Try every dead letter again (after a fix); what loads goes through the same dedup
        (rows keyed by (log_id, seq)), what still fails stays with its new reason."""
        result = LoadResult(self._dsn, self._source.log_id)
        for unit, letters in self._state.dead_letters().items():
            kept: list[DeadLetter] = []
            for letter in letters:
                only = None if letter.seq is None else frozenset({letter.seq})
                frame = RawFrame(letter.first_seq, letter.count, letter.data)
                batch = build_batch(
                    self._source.log_id, [frame], self._source.decode, self._projector, only=only
                )
                result.retries += self._insert(f"dlq-{unit}-{letter.first_seq}", batch)
                kept.extend(batch.dead_letters)
                result.add(batch)
            self._state.write_dead_letters(unit, kept)
        return result

    # -- internals ------------------------------------------------------------------------
    def _members(self, pending: list[SealedSegmentInfo], skip: int) -> Iterator[Member]:
        """Claimed segments with their rows, in order. With a source factory and more than one
        segment, worker processes build the rows while this process inserts."""
        if self._factory is None or (self._config.workers <= 1 and len(pending) <= 1):
            for segment in pending:
                claim = self._claims.try_claim(segment.segment_id)
                if claim is not None:
                    yield Member(segment, claim, self._build(segment.segment_id, skip))
            return
        yield from self._pooled(pending, skip, self._factory)

    def _pooled(
        self,
        pending: list[SealedSegmentInfo],
        skip: int,
        factory: Callable[[], SegmentSource],
    ) -> Iterator[Member]:
        context = pool_context(factory)
        workers = max(1, self._config.workers)
        spill_dir = make_spill_dir()
        try:
            with ProcessPoolExecutor(
                workers, mp_context=context, initializer=init_worker, initargs=(factory, spill_dir)
            ) as pool:
                in_flight: deque[tuple[SealedSegmentInfo, Any, Future[SpilledBatch]]] = deque()
                for segment in pending:
                    claim = self._claims.try_claim(segment.segment_id)
                    if claim is None:
                        continue
                    future = pool.submit(segment_batch_in_worker, segment.segment_id, skip)
                    in_flight.append((segment, claim, future))
                    # Deep enough that workers keep building while this process inserts a unit.
                    if len(in_flight) >= workers + _AHEAD_SEGMENTS:
                        done = in_flight.popleft()
                        yield Member(done[0], done[1], unspill(done[2].result()))
                # The tail after these segments is built meanwhile (see `load_tail`).
                tail_start = self._tail_start_after(pending)
                tail = pool.submit(tail_batch_in_worker, tail_start, self._config.tail_max_records)
                while in_flight:
                    done = in_flight.popleft()
                    yield Member(done[0], done[1], unspill(done[2].result()))
                self._prefetched_tail = (tail_start, unspill(tail.result()))
        finally:
            shutil.rmtree(spill_dir, ignore_errors=True)

    def _tail_start_after(self, pending: list[SealedSegmentInfo]) -> int:
        """Where `load_tail` starts once `pending` is shipped."""
        return max([self.loaded_through(), *(s.last_seq for s in pending)]) + 1

    def _recovered_units(self, sealed: Sequence[SealedSegmentInfo]) -> tuple[list[Unit], set[str]]:
        """Units a crash left in flight, rebuilt exactly (same segments, same skip), and every
        segment they name (not to be loaded on their own). A unit whose segments another
        loader holds is left to it."""
        infos = {s.segment_id: s for s in sealed}
        units, taken = [], set()
        for name, record in self._state.units_in_flight().items():
            ids = [str(i) for i in record["segments"]]
            if any(i not in infos for i in ids):
                self._state.end_unit(name)  # a segment is gone: load the rest on their own
                continue
            taken.update(ids)
            claims = [self._claims.try_claim(i) for i in ids]
            if any(c is None for c in claims):
                for claim in claims:
                    if claim is not None:
                        self._claims.release(claim)
                continue
            skip = int(record["skip"])
            members = tuple(
                Member(infos[i], c, self._build(i, skip)) for i, c in zip(ids, claims, strict=True)
            )
            units.append(Unit(members, skip))
        return units, taken

    def _build(self, segment_id: str, skip: int) -> ColumnBatch:
        source = self._source
        frames = source.read_frames(segment_id)
        return build_batch(source.log_id, frames, source.decode, self._projector, skip_through=skip)

    def _ship(self, unit: Unit) -> tuple[int, ColumnBatch]:
        """Insert the unit, then mark each segment shipped; a unit of several segments is
        recorded first and forgotten last (see `hft.app.loader.units`)."""
        batch = unit.batch()
        several = len(unit.members) > 1
        if several:
            self._state.begin_unit(unit.name, unit.record())
        retries = self._insert(unit.name, batch)
        for member in unit.members:
            segment_id, part = member.segment.segment_id, member.batch
            self._state.write_dead_letters(segment_id, part.dead_letters)
            marker = {
                "events": part.events,
                "first_seq": part.first_seq,
                "last_seq": part.last_seq,
                "rows": part.row_counts(),
                "dead_letters": sum(d.events for d in part.dead_letters),
            }
            self._state.mark_shipped(segment_id, marker)
        if several:
            self._state.end_unit(unit.name)
        return retries, batch

    def _insert(self, unit: str, batch: ColumnBatch) -> int:
        retries = 0
        chunk = self._config.chunk_rows
        for table in TABLE_NAMES:
            if not batch.rows(table):
                continue
            columns = batch.table_columns(table)
            total = batch.rows(table)
            for index, start in enumerate(range(0, total, chunk)):
                part = {k: v[start : start + chunk] for k, v in columns.items()}
                span = f"{_int(part['seq'][0])}-{_int(part['seq'][-1])}"
                token = f"{batch.log_id}:{unit}:{table}:{index}:{span}"
                retries += self._insert_with_retry(table, part, token)
        return retries

    def _insert_with_retry(self, table: str, part: dict[str, Any], token: str) -> int:
        config = self._config
        delay, waited, retries = config.retry_initial_s, 0.0, 0
        while True:
            try:
                self._store.insert_columns(table, part, token)
                return retries
            except SinkUnavailableError as exc:
                if config.retry_budget_s is not None and waited >= config.retry_budget_s:
                    raise LoaderGaveUpError(f"store unavailable for {waited:.1f} s: {exc}") from exc
                self._sleep(delay)
                waited += delay
                retries += 1
                delay = min(delay * 2, config.retry_max_s)

    def _last_sealed_shipped(self) -> int:
        shipped = self._state.shipped()
        return max((int(m.get("last_seq", 0)) for m in shipped.values()), default=0)

    def save_stats(self, result: LoadResult) -> None:
        """Remember the run's throughput for `--status` (drain ETA); empty runs are skipped."""
        if result.events:
            self._state.save_stats(
                {"events_per_s": result.events_per_s, "rows_per_s": result.rows_per_s}
            )


def _int(value: Any) -> int:
    """A Python int from a list item or an Arrow scalar."""
    return int(value.as_py() if hasattr(value, "as_py") else value)
